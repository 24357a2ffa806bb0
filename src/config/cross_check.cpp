// Checks that need more than one input at once: the network's dimensions against the collective
// implementation lists, groups and traces against the NPU count, the network model against the
// topology. ASTRA-sim finds most of these late (a crash, a hang, a silently dropped dimension);
// here each gets one message before anything runs.
#include <sys/stat.h>


#include "tables.hpp"
#include "tessera/collective/algorithm.hpp"
#include "tessera/collective/registry.hpp"
#include "tessera/network/topology_type.hpp"
#include "tessera/workload/llm/memory.hpp"

namespace tessera::cfg {
namespace {

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

Diagnostic at(const CollectiveImplementation& impl, const std::string& fallback_file, std::string key,
              std::string msg, std::string fix = "") {
  return Diagnostic{impl.file.empty() ? fallback_file : impl.file, impl.line, std::move(key), std::move(msg),
                    std::move(fix)};
}

std::string dims_text(const std::vector<int>& sizes) { return fmt::format("[{}]", fmt::join(sizes, ", ")); }

void check_implementations(const Config& c, Sink& sink) {
  const std::vector<int> sizes = c.network.dimension_sizes();
  const int npus = c.network.npu_count();
  const std::pair<CollectiveType, const CollectiveImplementation*> all[] = {
      {CollectiveType::kAllReduce, &c.system.all_reduce},
      {CollectiveType::kReduceScatter, &c.system.reduce_scatter},
      {CollectiveType::kAllGather, &c.system.all_gather},
      {CollectiveType::kAllToAll, &c.system.all_to_all}};
  for (const auto& [type, impl] : all) {
    if (!impl->custom_prefix.empty() || impl->per_dimension.empty()) continue;
    const std::string_view name = to_string(type);
    const std::string key = fmt::format("{}-implementation", name);
    const auto& list = impl->per_dimension;
    if (list.size() > sizes.size()) {
      sink.error(at(*impl, c.system.source, key,
                    fmt::format("{} entries but the network has {} dimension(s) {}", list.size(),
                                sizes.size(), dims_text(sizes)),
                    fmt::format("give at most {} entries, one per dimension", sizes.size())));
      continue;
    }
    // The loader parsed every name already (load_implementation_list).
    std::vector<collective::AlgorithmSpec> specs;
    for (const std::string& a : list) specs.push_back(collective::parse_algorithm(a, key));
    const bool split = type == CollectiveType::kAllReduce &&
                       c.system.collective_optimization == Decomposition::kLocalBwAware;
    for (std::size_t d = 0; d < specs.size(); ++d) {
      const bool flat = specs[d].flat;
      const std::int64_t n = flat ? npus : sizes[d];
      const std::string where = flat ? std::string("the whole network") : fmt::format("dimension {}", d);
      for (auto& p : collective::algorithm_problems(specs[d], type, n, where,
                                                    split && d + 1 < specs.size())) {
        sink.error(at(*impl, c.system.source, fmt::format("{}[{}]", key, d), std::move(p.message), std::move(p.fix)));
      }
    }
    const bool all_flat = std::all_of(specs.begin(), specs.end(), [](const auto& a) { return a.flat; });
    if (list.size() < sizes.size() && !all_flat) {
      std::vector<std::string> dropped;
      int covered = 1;
      for (std::size_t d = 0; d < sizes.size(); ++d) {
        if (d < list.size()) {
          covered *= sizes[d];
        } else {
          dropped.push_back(fmt::format("dimension {} ({} NPUs)", d, sizes[d]));
        }
      }
      std::vector<std::string> fixed = list;
      while (fixed.size() < sizes.size()) fixed.push_back(list.back());
      std::vector<std::string> quoted;
      for (const auto& f : fixed) quoted.push_back("\"" + f + "\"");
      sink.warn(
          at(*impl, c.system.source, key,
             fmt::format("{} entr{} for a {}-dimensional network {}: {} collectives run only on the first {} "
                         "dimension(s) and DROP {}, so one {} over all {} NPUs reaches only groups of {} "
                         "(ASTRA-sim does the same silently; Tessera keeps it for parity)",
                         list.size(), list.size() == 1 ? "y" : "ies", sizes.size(), dims_text(sizes), name,
                         list.size(), fmt::join(dropped, ", "), name, npus, covered),
             fmt::format("write one entry per dimension, e.g. [{}]", fmt::join(quoted, ", "))));
    }
  }
}

void check_workload(const Config& c, Sink& sink) {
  const WorkloadConfig& w = c.workload;
  if (w.kind == WorkloadKind::kLlm) return;  // generated: no files (check_llm)
  if (w.kind == WorkloadKind::kAstraText) {
    if (!exists(w.text_path)) {
      sink.error(Diagnostic{w.text_path, 0, "workload", "the text workload file does not exist",
                            "check the path (ASTRA-sim 1.0 text workloads end in .txt)"});
    }
    return;
  }
  const std::string& prefix = w.chakra_prefix;
  if (prefix.empty()) return;
  const int npus = c.network.npu_count();
  std::vector<std::string> missing;
  for (int i = 0; i < npus; ++i) {
    const std::string f = fmt::format("{}.{}.et", prefix, i);
    if (!exists(f)) missing.push_back(f);
  }
  if (!missing.empty()) {
    std::string list;
    for (std::size_t i = 0; i < missing.size() && i < 4; ++i) list += (i ? ", " : "") + missing[i];
    if (missing.size() > 4) list += fmt::format(" and {} more", missing.size() - 4);
    const bool none = static_cast<int>(missing.size()) == npus;
    sink.error(
        Diagnostic{prefix, 0, "workload",
                   fmt::format("{} of the {} trace files <prefix>.<npu>.et the network needs are missing: {}",
                               missing.size(), npus, list),
                   none ? "check the prefix: it is the path without \".<npu>.et\", e.g. "
                          "examples/workload/microbenchmarks/all_reduce/8npus_1MB/all_reduce"
                        : "give one trace per NPU, or a network with as many NPUs as traces"});
  }
  int extra = 0;
  while (exists(fmt::format("{}.{}.et", prefix, npus + extra))) ++extra;
  if (extra > 0 && w.allow_extra_traces) {
    sink.warn(Diagnostic{prefix, 0, "workload",
                         fmt::format("{} more trace file(s) than NPUs ({}.{}.et ...): the network has {} NPUs, "
                                     "so they are ignored (--allow-extra-traces)",
                                     extra, prefix, npus, npus),
                         ""});
  } else if (extra > 0) {
    sink.error(Diagnostic{
        prefix, 0, "workload",
        fmt::format("{} more trace file(s) than NPUs ({}.{}.et ...): the network has {} NPUs, so only the first "
                    "{} traces would run (ASTRA-sim does so silently)",
                    extra, prefix, npus, npus, npus),
        fmt::format("use a network with {} NPUs, or pass --allow-extra-traces (workload.allow_extra_traces: "
                    "true) to run on the first {}",
                    npus + extra, npus)});
  }
}

/// An LLM run: what Megatron-Core would refuse for this NPU count, what the GPU cannot run, and
/// what does not fit the GPU's memory (llm::validate_run, validate_run_on_gpu, check_memory), each
/// under workload.llm.<key> of the scenario.
void check_llm(const Config& c, Sink& sink) {
  const WorkloadConfig& w = c.workload;
  if (!w.llm) {
    if (!c.npu.preset.empty() && w.kind == WorkloadKind::kAstraText) {
      sink.warn(
          Diagnostic{c.source, 0, "npu.preset",
                     "a text workload's compute nodes carry durations only, so the GPU model times nothing",
                     "remove the npu section"});
    }
    return;
  }
  const std::optional<compute::GpuSpec> gpu = compute::find_gpu_preset(c.npu.preset);
  if (!gpu) {
    sink.error(
        Diagnostic{c.source, 0, "npu.preset", "an LLM workload needs the GPU that times its kernels",
                   fmt::format("add npu: {{preset: {}}} (presets: {})", compute::gpu_preset_names().front(),
                               fmt::join(compute::gpu_preset_names(), ", "))});
  }
  if (!c.comm_groups.groups.empty()) {
    sink.error(Diagnostic{c.comm_groups.source.empty() ? c.source : c.comm_groups.source, 0, "comm_groups",
                          "an LLM workload declares its own communicator groups (Megatron's process groups)",
                          "remove the comm_groups section"});
  }
  const int npus = c.network.npu_count();
  std::vector<Diagnostic> problems = llm::validate_run(*w.llm, npus, c.source);
  if (gpu) {
    const std::vector<Diagnostic> on_gpu = llm::validate_run_on_gpu(*w.llm, *gpu, c.source);
    problems.insert(problems.end(), on_gpu.begin(), on_gpu.end());
  }
  for (Diagnostic& d : problems) sink.error(std::move(d));
  if (!problems.empty() || !gpu) return;  // the memory model needs a valid layout
  const llm::Layout layout = llm::make_layout(*w.llm, npus, c.source);
  llm::MemoryCheck mem = llm::check_memory(*w.llm, layout, gpu->hbm_capacity, gpu->title, c.source);
  for (Diagnostic& d : mem.errors) sink.error(std::move(d));
  for (Diagnostic& d : mem.warnings) sink.warn(std::move(d));
}

}  // namespace

void cross_check(Config& c, Sink& sink) {
  const std::string net_file = c.network.source;
  // Sizes are bounded one by one; their product is bounded here, before anything loops over NPUs.
  constexpr std::int64_t kMaxNpus = kMaxNetworkNpus;
  std::int64_t total = 1;
  for (int s : c.network.dimension_sizes()) total = std::min(total * s, kMaxNpus + 1);
  if (total > kMaxNpus) {
    sink.error(Diagnostic{net_file, 0, "network",
                          fmt::format("the network has more than {} NPUs ({}), beyond what Tessera simulates",
                                      kMaxNpus, fmt::join(c.network.dimension_sizes(), " x ")),
                          "check the NPU counts"});
    return;
  }
  const int npus = c.network.npu_count();

  // Network model against topology.
  const bool astra_model = model_info(c.simulation.network_model).astra_dimensions_only;
  if (astra_model && !c.network.topology.type().astra_dimensions()) {
    std::string astra_topology;
    for (const network::TopologyType* t : network::topology_types()) {
      if (t->astra_dimensions()) astra_topology = t->name();
    }
    sink.error(
        Diagnostic{net_file, 0, "simulation.network_model",
                   fmt::format("{} models only ASTRA-style dimension networks (Ring/FullyConnected/Switch), "
                               "but the topology is {}",
                               to_string(c.simulation.network_model), c.network.topology.name()),
                   fmt::format("use --network-model {}, or describe the network with topology: {}",
                               to_string(NetworkModel::kPacket), astra_topology)});
  }
  if (c.simulation.network_model == NetworkModel::kAstraCongestionAware &&
      c.network.topology.type().astra_dimensions() && c.network.dimension_sizes().size() > 1) {
    sink.warn(Diagnostic{
        net_file, 0, "network",
        fmt::format("ASTRA-sim's congestion-aware backend rejects multi-dimensional networks "
                    "(\"only support 1-dim topology\"); Tessera models all {} dimensions, so there is "
                    "no ASTRA-sim number to compare against",
                    c.network.dimension_sizes().size()),
        fmt::format("use --network-model {} for a parity run", to_string(NetworkModel::kAstraCongestionUnaware))});
  }

  if (c.simulation.network_model == NetworkModel::kFlow &&
      (c.system.collective_library != CollectiveLibrary::kNccl || c.network.topology.name() != "hgx_h100")) {
    sink.error(Diagnostic{
        net_file, 0, "simulation.network_model",
        fmt::format("the flow model times NCCL's collectives on HGX boxes, but this run has collective_library {} "
                    "on topology {}",
                    c.system.collective_library == CollectiveLibrary::kNccl ? "nccl" : "astra",
                    c.network.topology.name()),
        fmt::format("use --network-model {}, or system.collective_library: nccl with topology hgx_h100 "
                    "(configs/system/nccl-h100.yaml, configs/network/hgx-h100-*.yaml)",
                    to_string(NetworkModel::kPacket))});
  }

  check_implementations(c, sink);

  // Communicator groups.
  for (const auto& [id, members] : c.comm_groups.groups) {
    std::vector<int> bad;
    for (int m : members) {
      if (m >= npus) bad.push_back(m);
    }
    if (!bad.empty()) {
      sink.error(Diagnostic{c.comm_groups.source, 0, fmt::format("group \"{}\"", id),
                            fmt::format("NPU id(s) {} out of range: the network has {} NPUs (ids 0..{})",
                                        fmt::join(bad, ", "), npus, npus - 1),
                            "fix the group or the network size"});
    }
  }

  // Remote memory.
  const RemoteMemoryConfig& m = c.remote_memory;
  if (m.memory_type == MemoryType::kPerNodeMemoryExpansion && m.num_nodes > 0 && m.num_npus_per_node > 0 &&
      static_cast<std::int64_t>(m.num_nodes) * m.num_npus_per_node != npus) {
    sink.warn(
        Diagnostic{m.source, 0, "num-nodes x num-npus-per-node",
                   fmt::format("{} x {} = {} but the network has {} NPUs", m.num_nodes, m.num_npus_per_node,
                               static_cast<std::int64_t>(m.num_nodes) * m.num_npus_per_node, npus),
                   ""});
  }

  // Placement.
  const SimulationConfig& s = c.simulation;
  if (s.placement == Placement::kExplicit && static_cast<int>(s.rank_of_npu.size()) != npus) {
    sink.error(Diagnostic{c.source, 0, "simulation.rank_of_npu",
                          fmt::format("placement explicit needs one rank per NPU: {} entries for {} NPUs",
                                      s.rank_of_npu.size(), npus),
                          "list the MPI rank of every NPU, or use placement: auto"});
  }
  if (s.placement != Placement::kExplicit && !s.rank_of_npu.empty()) {
    sink.error(Diagnostic{c.source, 0, "simulation.rank_of_npu",
                          "given but placement is not explicit, so it would be unused",
                          "set placement: explicit or remove rank_of_npu"});
  }

  check_workload(c, sink);
  check_llm(c, sink);
}

}  // namespace tessera::cfg
