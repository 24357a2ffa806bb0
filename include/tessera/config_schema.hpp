// The parameter catalogue behind `tessera schema`. Each entry comes from the same declaration the
// loaders use, so the schema lists exactly the keys the loaders accept.
#pragma once

#include <string>
#include <vector>

namespace tessera {

/// One parameter of one input format.
struct ParamDoc {
  std::string section;        ///< "network.hgx_h100", "astra-system-json", ...
  std::string key;            ///< the key as written in the input
  std::string type;           ///< "duration", "bandwidth", "int", "enum", ...
  std::string unit;           ///< unit or accepted values ("" when none)
  std::string default_value;  ///< "(required)" when there is none
  std::string doc;
};

/// One input section or file format with its parameters.
struct SectionDoc {
  std::string name;
  std::string doc;
  std::vector<ParamDoc> params;
};

/// Every section of every input format Tessera reads, in documentation order.
std::vector<SectionDoc> schema_sections();

/// The schema as text ("text"), Markdown tables ("markdown") or JSON ("json"). A non-empty `grep`
/// keeps only the parameters whose section name, key, unit or meaning contains it (any case).
/// Throws InputError on an unknown format or when nothing matches `grep`.
std::string format_schema(const std::string& format, const std::string& grep = "");

}  // namespace tessera
