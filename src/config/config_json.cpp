// The resolved configuration as JSON, for output files (the HDF5 `config` attribute): what was
// simulated after defaults, presets, ASTRA-sim conversions and command-line overrides, in a form
// a program can read back. Every section is its parameter table's record (Table::record: keys as
// in the scenario schema, quantities as plain numbers in base units, ps, bytes, bytes/s, so no
// unit parser is needed to read it); this file adds only what no table declares (derived sizes,
// sources, communicator groups).
#include <nlohmann/json.hpp>

#include "tables.hpp"
#include "tessera/config_load.hpp"
#include "tessera/network/topology_type.hpp"

namespace tessera {
namespace {

using Json = nlohmann::ordered_json;
using params::Value;

Json to_json(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNull:
      return Json(nullptr);
    case Value::Kind::kBool:
      return Json(v.boolean);
    case Value::Kind::kInt:
      return Json(v.integer);
    case Value::Kind::kReal:
      return Json(v.real);
    case Value::Kind::kString:
      return Json(v.text);
    case Value::Kind::kList: {
      Json j = Json::array();
      for (const Value& item : v.items) j.push_back(to_json(item));
      return j;
    }
    case Value::Kind::kMap: {
      Json j = Json::object();
      for (const auto& e : v.entries) j[e.key] = to_json(e.value);
      return j;
    }
  }
  return Json(nullptr);
}

Json network_json(const NetworkConfig& n) {
  Json j;
  j["topology"] = n.topology.name();
  j["npu_count"] = n.npu_count();
  j["dimension_sizes"] = n.dimension_sizes();
  j[n.topology.name()] = to_json(n.topology.type().record(n.topology));
  j["packet"] = to_json(cfg::packet_table().record(n.packet));
  j["source"] = n.source;
  return j;
}

/// A section's record with its source file last.
Json with_source(const Value& record, const std::string& source) {
  Json j = to_json(record);
  j["source"] = source;
  return j;
}

}  // namespace

std::string config_json(const Config& c) {
  Json j;
  j["format"] = "tessera-config/1";
  j["source"] = c.source;
  j["network"] = network_json(c.network);
  j["system"] = with_source(cfg::system_table().record(c.system), c.system.source);
  j["remote_memory"] =
      with_source(cfg::remote_memory_table().record(c.remote_memory), c.remote_memory.source);
  Json groups = Json::object();
  for (const auto& [name, members] : c.comm_groups.groups) groups[name] = members;
  j["comm_groups"] = groups;
  j["npu"] = to_json(cfg::npu_table().record(c.npu));
  Json workload = Json{{"kind", to_string(c.workload.kind)}};  // derived: which of chakra/text is set
  workload.update(to_json(cfg::workload_table().record(c.workload)));
  j["workload"] = workload;
  j["output"] = to_json(cfg::output_table().record(c.output));
  j["simulation"] = to_json(cfg::simulation_table().record(c.simulation));
  return j.dump(2);
}

}  // namespace tessera
