// `tessera schema`: every parameter of every input, straight from the loaders' tables.
#include <cctype>

#include <nlohmann/json.hpp>

#include "tables.hpp"
#include "tessera/collective/algorithm.hpp"
#include "tessera/config_schema.hpp"
#include "tessera/network/topology_type.hpp"

namespace tessera {
namespace {

/// The values `*-implementation` lists take, from the algorithm registry.
SectionDoc algorithm_section() {
  SectionDoc s{"collective-algorithms",
               "The values of the *-implementation lists (scenario system and ASTRA-sim system JSON), one "
               "per logical dimension; a one* name runs the algorithm on one flat ring over all NPUs. The "
               "default column says which one a list that is not given gets on every dimension.",
               {}};
  for (const collective::AlgorithmRegistration* r : collective::algorithm_registrations()) {
    const std::string window = r->windowed ? "[N]" : "";
    std::vector<std::string> types;
    for (CollectiveType t : r->types) types.emplace_back(to_string(t));
    std::string unit = fmt::format("{}", fmt::join(types, ", "));
    if (r->power_of_two) unit += "; power-of-two NPUs";
    if (r->windowed) unit += "; N = messages in flight (1..999999)";
    s.params.push_back({s.name, r->flat_name.empty() ? r->name + window
                                                     : fmt::format("{}{}, {}{}", r->name, window, r->flat_name, window),
                        "algorithm", unit, r == collective::default_algorithm() ? "yes" : "no", r->doc});
  }
  return s;
}

}  // namespace

std::vector<SectionDoc> schema_sections() {
  using namespace cfg;
  std::vector<SectionDoc> out;
  out.push_back(SectionDoc{
      "scenario",
      "Top level of a Tessera scenario YAML. Each section is inline, {file: path} (the same keys in another "
      "YAML "
      "file, relative to the scenario), or for some sections an ASTRA-sim file. Inline keys next to a file "
      "reference override the file.",
      {
          {"scenario", "description", "string", "", "\"\"", "free text shown nowhere else"},
          {"scenario", "network", "section", "", "(required)", "see network; or {astra_network: net.yml}"},
          {"scenario", "system", "section", "", "(defaults)", "see system; or {astra_system: sys.json}"},
          {"scenario", "remote_memory", "section", "", "NO_MEMORY_EXPANSION",
           "see remote_memory; or {astra_remote_memory: mem.json}"},
          {"scenario", "comm_groups", "section", "", "none",
           "{group id: [NPU ids]}; or {astra_comm_groups: groups.json}"},
          {"scenario", "npu", "section", "", "none", "see npu"},
          {"scenario", "workload", "section", "", "(required)", "see workload"},
          {"scenario", "output", "section", "", "(defaults)", "see output"},
          {"scenario", "simulation", "section", "", "(defaults)", "see simulation"},
      }});
  out.push_back(network_table().docs());
  for (const network::TopologyType* t : network::topology_types()) out.push_back(t->docs());
  out.push_back(packet_table().docs());
  out.push_back(system_table().docs());
  out.push_back(algorithm_section());
  out.push_back(remote_memory_table().docs());
  out.push_back(
      SectionDoc{"comm_groups",
                 "Communicator groups: a COLL node's pg_name selects one; \"\" and \"0\" mean all NPUs.",
                 {{"comm_groups", "<group id>", "list of int", "NPU ids", "none", "the NPUs of the group"}}});
  out.push_back(npu_table().docs());
  out.push_back(workload_table().docs());
  out.push_back(llm_table().docs());
  out.push_back(llm_model_table().docs());
  out.push_back(llm_moe_table().docs());
  out.push_back(output_table().docs());
  out.push_back(simulation_table().docs());
  out.push_back(astra_network_table().docs());
  out.push_back(astra_system_table().docs());
  out.push_back(astra_remote_memory_table().docs());
  out.push_back(SectionDoc{
      "astra-comm-group-json",
      "ASTRA-sim's communicator-group JSON (--comm-group-configuration); a path containing "
      "\"empty\" disables it, as in ASTRA-sim.",
      {{"astra-comm-group-json", "<group id>", "list of int", "NPU ids", "none", "the NPUs of the group"}}});
  return out;
}

namespace {

bool contains_folded(const std::string& text, const std::string& lower_word) {
  std::string t = text;
  for (char& ch : t) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return t.find(lower_word) != std::string::npos;
}

/// The parameters whose section name, key, unit or meaning contains `word` (any case); a section
/// is kept when any of its parameters is. Empty `word`: everything.
std::vector<SectionDoc> matching(std::vector<SectionDoc> sections, const std::string& word) {
  if (word.empty()) return sections;
  std::string w = word;
  for (char& ch : w) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::vector<SectionDoc> out;
  for (SectionDoc& s : sections) {
    std::vector<ParamDoc> kept;
    for (ParamDoc& p : s.params) {
      if (contains_folded(s.name, w) || contains_folded(p.key, w) || contains_folded(p.unit, w) ||
          contains_folded(p.doc, w))
        kept.push_back(std::move(p));
    }
    if (kept.empty()) continue;
    s.params = std::move(kept);
    out.push_back(std::move(s));
  }
  if (out.empty()) {
    throw InputError(Diagnostic{"", 0, "--grep", fmt::format("no parameter matches \"{}\"", word),
                                "try a shorter word (a part of a key, unit or meaning), or `tessera schema` "
                                "for the whole list"});
  }
  return out;
}

}  // namespace

std::string format_schema(const std::string& format, const std::string& grep) {
  const auto sections = matching(schema_sections(), grep);
  std::string out;
  if (format == "text") {
    for (const auto& s : sections) {
      out += fmt::format("[{}]\n  {}\n", s.name, s.doc);
      std::size_t w = 0;
      for (const auto& p : s.params) w = std::max(w, p.key.size());
      for (const auto& p : s.params) {
        out += fmt::format("  {:<{}}  {}", p.key, w, p.type);
        if (!p.unit.empty()) out += fmt::format(" [{}]", p.unit);
        if (!p.default_value.empty()) out += fmt::format(", default {}", p.default_value);
        out += fmt::format("\n  {:<{}}    {}\n", "", w, p.doc);
      }
      out += "\n";
    }
  } else if (format == "markdown") {
    for (const auto& s : sections) {
      out += fmt::format(
          "### `{}`\n\n{}\n\n| key | type | unit / values | default | meaning |\n|---|---|---|---|---|\n",
          s.name, s.doc);
      for (const auto& p : s.params) {
        out += fmt::format("| `{}` | {} | {} | {} | {} |\n", p.key, p.type, p.unit, p.default_value, p.doc);
      }
      out += "\n";
    }
  } else if (format == "json") {
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (const auto& s : sections) {
      nlohmann::ordered_json params = nlohmann::ordered_json::array();
      for (const auto& p : s.params) {
        params.push_back({{"key", p.key},
                          {"type", p.type},
                          {"unit", p.unit},
                          {"default", p.default_value},
                          {"doc", p.doc}});
      }
      j.push_back({{"section", s.name}, {"doc", s.doc}, {"params", params}});
    }
    out = j.dump(2) + "\n";
  } else {
    throw InputError(Diagnostic{"", 0, "--format", fmt::format("unknown schema format \"{}\"", format),
                                "use text, markdown or json"});
  }
  return out;
}

}  // namespace tessera
