// A plain-text account of a loaded configuration, printed by `tessera validate` and `tessera run`.
// It states inputs only (what would be simulated), never results.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tessera/config_load.hpp"

namespace tessera {
namespace {

std::string network_text(const NetworkConfig& n) {
  switch (n.topology) {
    case TopologyKind::kDimensions: {
      std::vector<std::string> dims;
      for (std::size_t i = 0; i < n.dimensions.size(); ++i) {
        const auto& d = n.dimensions[i];
        dims.push_back(fmt::format("dim {}: {} x{}, {}/link/dir ({:.3f} B/ns), latency {}", i,
                                   to_string(d.kind), d.npus, format_bandwidth(d.bandwidth),
                                   static_cast<double>(d.bandwidth.bytes_per_second) / 1e9,
                                   format_time(d.latency)));
      }
      return fmt::format("dimensions\n    {}", fmt::join(dims, "\n    "));
    }
    case TopologyKind::kFatTree: {
      const auto& f = n.fat_tree;
      return fmt::format(
          "fat_tree: radix {}, {} hosts, oversubscription {}:1, links {} / {}, switch latency {}", f.radix,
          f.hosts, f.oversubscription, format_bandwidth(f.link_bandwidth), format_time(f.link_latency),
          format_time(f.switch_latency));
    }
    case TopologyKind::kTorus:
      return fmt::format("torus {}, links {} / {}", fmt::join(n.torus.dims, "x"),
                         format_bandwidth(n.torus.bandwidth), format_time(n.torus.latency));
    case TopologyKind::kHgxH100: {
      const auto& h = n.hgx_h100;
      std::string s =
          fmt::format("hgx_h100: {} box(es) x {} GPUs; NVLink {}/GPU/dir, link latency {}, NVSwitch +{}",
                      h.boxes, h.gpus_per_box, format_bandwidth(h.nvlink_bandwidth),
                      format_time(h.nvlink_latency), format_time(h.nvswitch_latency));
      if (h.boxes > 1) {
        s += fmt::format("; IB {} NICs/box x {}, link {}, switch {}, oversubscription {}:1, radix {}",
                         h.nics_per_box, format_bandwidth(h.nic_bandwidth), format_time(h.ib_link_latency),
                         format_time(h.ib_switch_latency), h.ib_oversubscription, h.ib_switch_radix);
      }
      return s;
    }
  }
  return "?";
}

std::string impl_text(const CollectiveImplementation& c) {
  if (!c.custom_prefix.empty()) return "custom ET " + c.custom_prefix;
  return fmt::format("[{}]{}", fmt::join(c.per_dimension, ", "), c.defaulted ? " (default)" : "");
}

}  // namespace

std::string describe(const Config& c) {
  std::vector<std::string> out;
  const SystemConfig& s = c.system;
  out.push_back(fmt::format("source: {}", c.source));
  out.push_back(fmt::format("NPUs: {}", c.network.npu_count()));
  out.push_back(fmt::format("network: {}", network_text(c.network)));
  if (c.simulation.network_model == NetworkModel::kPacket) {
    out.push_back(fmt::format("network model: packet (packets of {}, {} buffer per port)",
                              format_bytes(c.network.packet.packet_size),
                              c.network.packet.buffer_per_port == 0 ? std::string("automatic")
                                                                        : format_bytes(c.network.packet.buffer_per_port)));
  } else {
    out.push_back(fmt::format("network model: {}", to_string(c.simulation.network_model)));
  }
  out.push_back(fmt::format(
      "system: {}, {}, {} split(s), {} active chunk(s)/dim, {} queue(s)/dim, endpoint delay {}, "
      "local-mem-bw {}{}",
      to_string(s.scheduling_policy), to_string(s.collective_optimization), s.preferred_dataset_splits,
      s.active_chunks_per_dimension, s.num_queues_per_dim, format_time(s.endpoint_delay),
      s.local_mem_bw.bytes_per_second ? format_bandwidth(s.local_mem_bw) : std::string("none"),
      s.rendezvous_protocol ? ", rendezvous" : ""));
  out.push_back(fmt::format("collectives: all-reduce {}, reduce-scatter {}, all-gather {}, all-to-all {}",
                            impl_text(s.all_reduce), impl_text(s.reduce_scatter), impl_text(s.all_gather),
                            impl_text(s.all_to_all)));
  if (s.roofline_enabled || s.replay_only) {
    out.push_back(fmt::format("compute: {}{}", s.roofline_enabled ? "roofline" : "",
                              s.replay_only ? " replay-only" : ""));
  }
  out.push_back(fmt::format("remote memory: {}", to_string(c.remote_memory.memory_type)));
  if (c.comm_groups.groups.empty()) {
    out.push_back("comm groups: none (every collective spans all NPUs)");
  } else {
    std::vector<std::string> g;
    for (const auto& [id, members] : c.comm_groups.groups)
      g.push_back(fmt::format("\"{}\": {} NPUs", id, members.size()));
    out.push_back(fmt::format("comm groups: {}", fmt::join(g, ", ")));
  }
  if (c.workload.kind == WorkloadKind::kChakra) {
    out.push_back(fmt::format("workload: Chakra ET {}.<0..{}>.et, control dependencies {}",
                              c.workload.chakra_prefix, c.network.npu_count() - 1,
                              to_string(c.workload.control_dependencies)));
  } else {
    out.push_back(
        fmt::format("workload: ASTRA-sim text {} ({} pass(es))", c.workload.text_path, c.workload.passes));
  }
  out.push_back(fmt::format(
      "output: log format {}, HDF5 {}, summary JSON {}{}", to_string(c.output.log_format),
      c.output.hdf5_path.empty() ? "none" : c.output.hdf5_path,
      c.output.summary_json.empty() ? "none" : c.output.summary_json, c.output.quiet ? ", quiet" : ""));
  out.push_back(fmt::format(
      "simulation: placement {}, max sim time {}, max wall time {}", to_string(c.simulation.placement),
      c.simulation.max_sim_time == kTimeInfinity ? "none" : format_time(c.simulation.max_sim_time),
      c.simulation.max_wall_time == kTimeInfinity ? "none" : format_time(c.simulation.max_wall_time)));
  return fmt::format("{}", fmt::join(out, "\n"));
}

}  // namespace tessera
