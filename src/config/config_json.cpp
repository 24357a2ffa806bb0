// The resolved configuration as JSON, for output files (the HDF5 `config` attribute): what was
// simulated after defaults, presets, ASTRA-sim conversions and command-line overrides, in a form
// a program can read back. Keys follow the scenario schema (`tessera schema`); every quantity is
// a plain number in base units (ps, bytes, bytes/s) so no unit parser is needed to read it.
#include <nlohmann/json.hpp>

#include "tessera/config_load.hpp"

namespace tessera {
namespace {

using Json = nlohmann::ordered_json;

/// A limit, or null for none.
Json limit(SimTime t) { return t == kTimeInfinity ? Json(nullptr) : Json(t); }

Json implementation_json(const CollectiveImplementation& c) {
  Json j;
  j["per_dimension"] = c.per_dimension;
  if (!c.custom_prefix.empty()) j["custom"] = c.custom_prefix;
  j["defaulted"] = c.defaulted;
  return j;
}

Json network_json(const NetworkConfig& n) {
  Json j;
  j["topology"] = to_string(n.topology);
  j["npu_count"] = n.npu_count();
  j["dimension_sizes"] = n.dimension_sizes();
  switch (n.topology) {
    case TopologyKind::kDimensions: {
      Json dims = Json::array();
      for (const DimensionSpec& d : n.dimensions) {
        dims.push_back(Json{{"kind", to_string(d.kind)},
                            {"npus", d.npus},
                            {"bandwidth_Bps", d.bandwidth.bytes_per_second},
                            {"latency_ps", d.latency}});
      }
      j["dimensions"] = dims;
      break;
    }
    case TopologyKind::kFatTree: {
      const FatTreeSpec& f = n.fat_tree;
      j["fat_tree"] = Json{{"radix", f.radix},
                           {"hosts", f.hosts},
                           {"oversubscription", f.oversubscription},
                           {"link_bandwidth_Bps", f.link_bandwidth.bytes_per_second},
                           {"link_latency_ps", f.link_latency},
                           {"switch_latency_ps", f.switch_latency}};
      break;
    }
    case TopologyKind::kTorus:
      j["torus"] = Json{{"dims", n.torus.dims},
                        {"bandwidth_Bps", n.torus.bandwidth.bytes_per_second},
                        {"latency_ps", n.torus.latency}};
      break;
    case TopologyKind::kHgxH100: {
      const HgxH100Spec& h = n.hgx_h100;
      j["hgx_h100"] = Json{{"boxes", h.boxes},
                           {"gpus_per_box", h.gpus_per_box},
                           {"nvlink_bandwidth_Bps", h.nvlink_bandwidth.bytes_per_second},
                           {"nvlink_latency_ps", h.nvlink_latency},
                           {"nvswitch_latency_ps", h.nvswitch_latency},
                           {"nics_per_box", h.nics_per_box},
                           {"nic_bandwidth_Bps", h.nic_bandwidth.bytes_per_second},
                           {"ib_link_latency_ps", h.ib_link_latency},
                           {"ib_switch_latency_ps", h.ib_switch_latency},
                           {"ib_oversubscription", h.ib_oversubscription},
                           {"ib_switch_radix", h.ib_switch_radix}};
      break;
    }
  }
  j["packet"] = Json{{"packet_size", n.packet.packet_size},
                     {"buffer_per_port", n.packet.buffer_per_port},
                     {"switch_latency_ps", n.packet.switch_latency}};
  j["source"] = n.source;
  return j;
}

Json system_json(const SystemConfig& s) {
  Json j;
  j["scheduling_policy"] = to_string(s.scheduling_policy);
  j["collective_optimization"] = to_string(s.collective_optimization);
  j["active_chunks_per_dimension"] = s.active_chunks_per_dimension;
  j["preferred_dataset_splits"] = s.preferred_dataset_splits;
  j["endpoint_delay_ps"] = s.endpoint_delay;
  j["local_mem_bw_Bps"] = s.local_mem_bw.bytes_per_second;
  j["peak_perf_flops"] = s.peak_perf_flops;
  j["roofline_enabled"] = s.roofline_enabled;
  j["replay_only"] = s.replay_only;
  j["all_reduce_implementation"] = implementation_json(s.all_reduce);
  j["reduce_scatter_implementation"] = implementation_json(s.reduce_scatter);
  j["all_gather_implementation"] = implementation_json(s.all_gather);
  j["all_to_all_implementation"] = implementation_json(s.all_to_all);
  j["num_queues_per_dim"] = s.num_queues_per_dim;
  j["injection_scale"] = s.injection_scale;
  j["local_reduction_delay_ps"] = s.local_reduction_delay;
  j["model_shared_bus"] = s.model_shared_bus;
  j["rendezvous_protocol"] = s.rendezvous_protocol;
  j["source"] = s.source;
  return j;
}

}  // namespace

std::string config_json(const Config& c) {
  Json j;
  j["format"] = "tessera-config/1";
  j["source"] = c.source;
  j["network"] = network_json(c.network);
  j["system"] = system_json(c.system);
  j["remote_memory"] = Json{
      {"memory_type", to_string(c.remote_memory.memory_type)},       {"num_nodes", c.remote_memory.num_nodes},
      {"num_npus_per_node", c.remote_memory.num_npus_per_node},      {"latency_ps", c.remote_memory.latency},
      {"bandwidth_Bps", c.remote_memory.bandwidth.bytes_per_second}, {"source", c.remote_memory.source}};
  Json groups = Json::object();
  for (const auto& [name, members] : c.comm_groups.groups) groups[name] = members;
  j["comm_groups"] = groups;
  j["workload"] = Json{{"kind", to_string(c.workload.kind)},
                       {"chakra", c.workload.chakra_prefix},
                       {"text", c.workload.text_path},
                       {"passes", c.workload.passes},
                       {"control_dependencies", to_string(c.workload.control_dependencies)}};
  j["output"] = Json{{"hdf5", c.output.hdf5_path},
                     {"summary_json", c.output.summary_json},
                     {"log_format", to_string(c.output.log_format)},
                     {"quiet", c.output.quiet}};
  j["simulation"] = Json{{"network_model", to_string(c.simulation.network_model)},
                         {"placement", to_string(c.simulation.placement)},
                         {"rank_of_npu", c.simulation.rank_of_npu},
                         {"max_sim_time_ps", limit(c.simulation.max_sim_time)},
                         {"max_wall_time_ps", limit(c.simulation.max_wall_time)}};
  return j.dump(2);
}

}  // namespace tessera
