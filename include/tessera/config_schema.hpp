// The parameter catalogue behind `tessera schema`. Each entry comes from the same declaration the
// loaders use, so the schema lists exactly the keys the loaders accept.
#pragma once

#include <string>
#include <vector>

#include "tessera/params/table.hpp"

namespace tessera {

using params::ParamDoc;
using params::SectionDoc;

/// Every section of every input format Tessera reads, in documentation order.
std::vector<SectionDoc> schema_sections();

/// The schema as text ("text"), Markdown tables ("markdown") or JSON ("json"). A non-empty `grep`
/// keeps only the parameters whose section name, key, unit or meaning contains it (any case).
/// Throws InputError on an unknown format or when nothing matches `grep`.
std::string format_schema(const std::string& format, const std::string& grep = "");

}  // namespace tessera
