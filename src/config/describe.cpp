// A plain-text account of a loaded configuration, printed by `tessera validate` and `tessera run`.
// It states inputs only (what would be simulated), never results.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tables.hpp"
#include "tessera/config_load.hpp"
#include "tessera/network/topology_type.hpp"

namespace tessera {

// Values come from the parameter tables (Table::fill: the units and formats of the one
// declaration); only the wording is written here.
std::string describe(const Config& c) {
  std::vector<std::string> out;
  const SystemConfig& s = c.system;
  out.push_back(fmt::format("source: {}", c.source));
  out.push_back(fmt::format("NPUs: {}", c.network.npu_count()));
  out.push_back(fmt::format("network: {}", c.network.topology.type().describe(c.network.topology)));
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
  if (c.workload.kind == WorkloadKind::kLlm) {
    out.push_back("comm groups: Megatron's process groups, declared by the generated graphs");
  } else if (c.comm_groups.groups.empty()) {
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
  } else if (c.workload.kind == WorkloadKind::kAstraText) {
    out.push_back(workload.fill("workload: ASTRA-sim text {text} ({passes} pass(es))", c.workload));
  } else {
    const llm::LlmRun& r = *c.workload.llm;
    const auto run = cfg::llm_table();
    out.push_back(
        run.fill("workload: LLM {model}, seq_len ", r) + std::to_string(r.seq()) +
        run.fill(", global batch {global_batch}, micro-batch {micro_batch}, {precision}, tp {tp} pp {pp} "
                 "vp {vp} cp {cp} ep {ep}, dp ",
                 r) +
        std::to_string(c.network.npu_count() / (r.tp * r.pp * r.cp)) +
        run.fill(", recompute {activation_recompute}, {steps} step(s)", r));
  }
  if (!c.npu.preset.empty()) out.push_back(cfg::npu_table().fill("npu: {preset}", c.npu));
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
