// A plain-text account of a loaded configuration, printed by `tessera validate` and `tessera run`.
// It states inputs only (what would be simulated), never results.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tables.hpp"
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

}  // namespace

// Values come from the parameter tables (Table::fill: the units and formats of the one
// declaration); only the wording is written here.
std::string describe(const Config& c) {
  std::vector<std::string> out;
  const SystemConfig& s = c.system;
  out.push_back(fmt::format("source: {}", c.source));
  out.push_back(fmt::format("NPUs: {}", c.network.npu_count()));
  out.push_back(fmt::format("network: {}", network_text(c.network)));
  const NetworkModelInfo& model = model_info(c.simulation.network_model);
  if (model.packets) {
    const PacketConfig& p = c.network.packet;
    out.push_back(
        fmt::format("network model: {} ({} buffer per port)", model.name,
                    cfg::packet_table().fill("packets of {packet_size}, ", p) +
                        (p.buffer_per_port == 0 ? std::string("automatic")
                                                : cfg::packet_table().fill("{buffer_per_port}", p))));
  } else {
    out.push_back(fmt::format("network model: {}", model.name));
  }
  const auto system = cfg::system_table();
  out.push_back(
      system.fill("system: {scheduling_policy}, {collective_optimization}, {preferred_dataset_splits} "
                  "split(s), {active_chunks_per_dimension} active chunk(s)/dim, {num_queues_per_dim} "
                  "queue(s)/dim, endpoint delay {endpoint_delay}, local-mem-bw {local_mem_bw}",
                  s) +
      (s.rendezvous_protocol ? ", rendezvous" : ""));
  out.push_back(
      system.fill("collectives: all-reduce {all_reduce_implementation}, reduce-scatter "
                  "{reduce_scatter_implementation}, all-gather {all_gather_implementation}, "
                  "all-to-all {all_to_all_implementation}",
                  s));
  if (s.roofline_enabled || s.replay_only) {
    out.push_back(fmt::format("compute: {}{}", s.roofline_enabled ? "roofline" : "",
                              s.replay_only ? " replay-only" : ""));
  }
  out.push_back(cfg::remote_memory_table().fill("remote memory: {memory_type}", c.remote_memory));
  if (c.comm_groups.groups.empty()) {
    out.push_back("comm groups: none (every collective spans all NPUs)");
  } else {
    std::vector<std::string> g;
    for (const auto& [id, members] : c.comm_groups.groups)
      g.push_back(fmt::format("\"{}\": {} NPUs", id, members.size()));
    out.push_back(fmt::format("comm groups: {}", fmt::join(g, ", ")));
  }
  const auto workload = cfg::workload_table();
  if (c.workload.kind == WorkloadKind::kChakra) {
    out.push_back(workload.fill("workload: Chakra ET {chakra}", c.workload) +
                  fmt::format(".<0..{}>.et", c.network.npu_count() - 1) +
                  workload.fill(", control dependencies {control_dependencies}", c.workload));
  } else {
    out.push_back(workload.fill("workload: ASTRA-sim text {text} ({passes} pass(es))", c.workload));
  }
  const OutputConfig& o = c.output;
  const auto output = cfg::output_table();
  out.push_back(output.fill("output: log format {log_format}, HDF5 ", o) +
                (o.hdf5_path.empty() ? std::string("none") : output.fill("{hdf5}", o)) + ", summary JSON " +
                (o.summary_json.empty() ? std::string("none") : output.fill("{summary_json}", o)) +
                (o.quiet ? ", quiet" : ""));
  out.push_back(cfg::simulation_table().fill(
      "simulation: placement {placement}, max sim time {max_sim_time}, max wall time {max_wall_time}",
      c.simulation));
  return fmt::format("{}", fmt::join(out, "\n"));
}

}  // namespace tessera
