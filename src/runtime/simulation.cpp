#include "tessera/runtime/simulation.hpp"

#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <unordered_map>

#include <fmt/format.h>

#include "tessera/error.hpp"
#include "tessera/network/network.hpp"
#include "tessera/runtime/build.hpp"
#include "tessera/runtime/npu_lp.hpp"
#include "tessera/workload/trace_set.hpp"

namespace tessera::runtime {
namespace {

using Clock = std::chrono::steady_clock;

workload::LoadOptions load_options(const Config& c) {
  workload::LoadOptions o;
  o.deps = c.workload.control_dependencies == ControlDependencies::kDataOnly ? workload::DepPolicy::kDataOnly
           : c.workload.control_dependencies == ControlDependencies::kLenient ? workload::DepPolicy::kLenient
                                                                               : workload::DepPolicy::kStrict;
  if (c.system.roofline_enabled) {
    o.compute.mode = workload::ComputeModel::Mode::kRoofline;
    o.compute.peak_perf_tflops = c.system.peak_perf_flops / 1e12;
    o.compute.local_mem_bw_gbps = static_cast<double>(c.system.local_mem_bw.bytes_per_second) / 1e9;
  }
  o.compute.replay_only = c.system.replay_only;
  o.keep_names = true;
  return o;
}

/// Runs `body` on every rank; if it throws on any rank, every rank throws the lowest rank's error
/// (so all ranks print and exit alike instead of some waiting forever in the next collective).
template <class F>
void agreed(pdes::Transport& t, F&& body) {
  std::string message;
  int code = 0;
  try {
    body();
  } catch (const Error& e) {
    message = e.what();
    code = static_cast<int>(e.code());
  } catch (const std::exception& e) {
    message = fmt::format("internal error: {}", e.what());
    code = static_cast<int>(ExitCode::kRuntime);
  }
  const std::vector<std::string> all = t.all_gather(fmt::format("{}|{}", code, message));
  for (const std::string& s : all) {
    const auto bar = s.find('|');
    const int c = std::stoi(s.substr(0, bar));
    if (c != 0) throw Error(s.substr(bar + 1), static_cast<ExitCode>(c));
  }
}

pdes::Partition make_partition(const Config& c, const network::Network& net, const pdes::Graph& g, int ranks) {
  switch (c.simulation.placement) {
    case Placement::kRoundRobin: return pdes::partition_round_robin(g, ranks);
    case Placement::kExplicit: {
      const auto& rank_of = c.simulation.rank_of_npu;
      if (static_cast<int>(rank_of.size()) != net.num_npus()) {
        throw InputError(Diagnostic{c.source, 0, "simulation.rank_of_npu",
                                    fmt::format("lists {} NPUs but the network has {}", rank_of.size(), net.num_npus()),
                                    "give one rank per NPU"});
      }
      std::vector<Diagnostic> bad;
      std::unordered_map<std::string, int> placement;
      const network::Topology& topo = net.topology();
      for (network::NodeId n = 0; n < static_cast<network::NodeId>(topo.num_nodes()); ++n) {
        int r = 0;
        if (topo.is_npu(n)) {
          r = rank_of[n];
          if (r < 0 || r >= ranks) {
            bad.push_back(Diagnostic{c.source, 0, fmt::format("simulation.rank_of_npu[{}]", n),
                                     fmt::format("rank {} is outside 0..{} (launched with {} ranks)", r, ranks - 1, ranks),
                                     "use a rank below the mpirun -np count"});
            r = 0;
          }
        } else {
          // A switch goes with the first NPU attached to it (else rank 0).
          for (const network::PortInfo& p : topo.node(n).ports) {
            if (p.peer != network::kNoNode && topo.is_npu(p.peer)) {
              r = std::clamp(rank_of[p.peer], 0, ranks - 1);
              break;
            }
          }
        }
        placement[topo.node(n).name] = r;
      }
      if (!bad.empty()) throw InputError(bad);
      return pdes::partition_explicit(g, ranks, placement);
    }
    case Placement::kAuto: break;
  }
  return pdes::partition_auto(g, ranks);
}

template <class T>
std::string to_bytes(const std::vector<T>& v) {
  std::string s(v.size() * sizeof(T), '\0');
  if (!v.empty()) std::memcpy(s.data(), v.data(), s.size());
  return s;
}

template <class T>
void append_from_bytes(const std::string& s, std::size_t offset, std::size_t count, std::vector<T>& out) {
  const std::size_t old = out.size();
  out.resize(old + count);
  if (count) std::memcpy(out.data() + old, s.data() + offset, count * sizeof(T));
}

}  // namespace

SimulationResult simulate(const Config& config, pdes::Transport& transport, const SimulationOptions& options) {
  const auto t0 = Clock::now();
  SimulationResult result;
  result.ranks = transport.size();
  const int npus = config.network.npu_count();

  // Everything every rank builds identically; a problem here is the same on all ranks.
  std::unique_ptr<network::Network> net;
  collective::SystemConfig system;
  collective::TopologyView view;
  std::unique_ptr<pdes::Graph> graph;
  pdes::Partition partition;
  agreed(transport, [&] {
    view = view_from_config(config.network);
    system = system_from_config(config.system, config.network);
    collective::validate(system, view);
    net = std::make_unique<network::Network>(from_config(config.network), model_from_config(config.simulation.network_model),
                                             packet_from_config(config.network));
    pdes::GraphBuilder b;
    net->add_to_graph(b);
    graph = std::make_unique<pdes::Graph>(std::move(b).build());
    net->bind(*graph);
    partition = make_partition(config, *net, *graph, transport.size());
    if (options.before_load) options.before_load(*net, *graph, partition);
  });

  // Workloads: only this rank's NPUs are loaded (text workloads are converted in memory).
  const int rank = transport.rank();
  std::vector<int> local_npus;
  for (int i = 0; i < npus; ++i) {
    if (partition.rank_of[net->lp_of(static_cast<network::NodeId>(i))] == rank) local_npus.push_back(i);
  }
  std::unordered_map<int, workload::Workload> workloads;
  std::map<std::string, collective::CommGroup> groups;
  agreed(transport, [&] {
    const workload::LoadOptions opts = load_options(config);
    if (config.workload.kind == WorkloadKind::kAstraText) {
      workload::TraceSet set = workload::load_text_workload(config.workload.text_path, npus, config.workload.passes, opts);
      for (int i : local_npus) workloads.emplace(i, std::move(set.npus[static_cast<std::size_t>(i)]));
    } else {
      workload::check_trace_files(config.workload.chakra_prefix, npus);
      std::vector<Diagnostic> problems;
      for (int i : local_npus) {
        try {
          workloads.emplace(i, workload::load_workload_file(workload::trace_file_path(config.workload.chakra_prefix, i), i, opts));
        } catch (const InputError& e) {
          problems.insert(problems.end(), e.diagnostics().begin(), e.diagnostics().end());
        }
      }
      if (!problems.empty()) throw InputError(problems);
    }
    // Memory nodes need a remote-memory model; ASTRA-sim aborts on them without one.
    if (config.remote_memory.memory_type == MemoryType::kNoMemoryExpansion) {
      for (const auto& [i, wl] : workloads) {
        for (workload::NodeIndex k = 0; k < wl.size(); ++k) {
          const auto t = wl.node(k).type();
          if (t == workload::NodeType::kMemLoad || t == workload::NodeType::kMemStore) {
            throw InputError(Diagnostic{wl.source(), 0, fmt::format("node {}", wl.node(k).id),
                                        "MEM_LOAD/MEM_STORE node but the remote memory is NO_MEMORY_EXPANSION",
                                        "give a remote-memory configuration with a memory expansion"});
          }
        }
      }
    }
  });

  // Communicator groups: the configured ones plus METADATA declarations, named identically on
  // every rank (all ranks' names are gathered) so ids agree.
  agreed(transport, [&] {
    std::map<std::string, std::vector<int>> members(config.comm_groups.groups.begin(), config.comm_groups.groups.end());
    std::string declared;
    for (const auto& [i, wl] : workloads) {
      for (const auto& d : wl.pg_declarations()) {
        if (members.count(d.pg_name) || d.ranks.empty()) continue;
        declared += d.pg_name + "=";
        for (int r : d.ranks) declared += fmt::format("{},", r);
        declared += ";";
        members[d.pg_name] = d.ranks;
      }
    }
    for (const std::string& s : transport.all_gather(declared)) {
      std::size_t pos = 0;
      while (pos < s.size()) {
        const std::size_t eq = s.find('=', pos), end = s.find(';', pos);
        std::vector<int> list;
        std::size_t p = eq + 1;
        while (p < end) {
          const std::size_t comma = s.find(',', p);
          list.push_back(std::stoi(s.substr(p, comma - p)));
          p = comma + 1;
        }
        members.emplace(s.substr(pos, eq - pos), std::move(list));
        pos = end + 1;
      }
    }
    std::uint32_t id = 1;
    for (auto& [name, list] : members) {
      if (name.empty() || name == "0" || list.empty()) continue;
      if (id > 255) throw InputError(Diagnostic{config.comm_groups.source, 0, name, "more than 255 communicator groups", ""});
      std::vector<collective::NpuId> m(list.begin(), list.end());
      groups.emplace(name, collective::CommGroup{id++, std::make_shared<const std::vector<collective::NpuId>>(std::move(m))});
    }
  });

  NpuShared shared;
  shared.network = net.get();
  shared.system = &system;
  shared.topology = &view;
  shared.groups = &groups;
  shared.memory_latency = config.remote_memory.latency;
  shared.memory_bandwidth = config.remote_memory.bandwidth;

  pdes::Engine engine(*graph, partition, transport,
                      options.queue.empty() ? nullptr : pdes::make_event_queue(options.queue));
  engine.instantiate([&](pdes::LpId lp) -> std::unique_ptr<pdes::LogicalProcess> {
    if (net->is_switch_lp(lp)) return net->make_switch(lp);
    const int npu = static_cast<int>(net->node_of(lp));
    return std::make_unique<NpuLp>(shared, workloads.at(npu), npu, options.keep_intervals);
  });
  result.build_seconds = std::chrono::duration<double>(Clock::now() - t0).count();

  pdes::RunLimits limits;
  limits.end_time = config.simulation.max_sim_time;
  if (config.simulation.max_wall_time != kTimeInfinity) {
    limits.wall_seconds = static_cast<double>(config.simulation.max_wall_time) / static_cast<double>(kSecond);
  }
  limits.stop_requested = options.stop_requested;
  if (options.progress) {
    limits.progress_every = 1;
    limits.progress = options.progress;
  }
  const pdes::RunResult run = engine.run(limits);
  result.reason = run.reason;
  result.reached = run.reached;
  result.events = run.global_events;
  result.stats = run.stats;

  // Gather every NPU's summary and collective records to every rank.
  std::vector<output::NpuSummary> local_summaries;
  std::vector<output::CollectiveRecord> local_colls;
  for (pdes::LpId lp : engine.local_lps()) {
    if (net->is_switch_lp(lp)) continue;
    auto* npu = static_cast<NpuLp*>(engine.local(lp));
    NpuResult r = npu->take_result();
    local_summaries.push_back(r.summary);
    local_colls.insert(local_colls.end(), r.collectives.begin(), r.collectives.end());
    // Interval names index the NPU's own workload name table; re-index them into one table.
    const workload::NameTable& names = workloads.at(static_cast<int>(net->node_of(lp))).names();
    std::unordered_map<std::uint32_t, std::uint32_t> renamed;
    for (output::NodeInterval& iv : r.intervals) {
      auto [it, fresh] = renamed.emplace(iv.name, 0);
      if (fresh) {
        it->second = static_cast<std::uint32_t>(result.local_strings.size());
        result.local_strings.emplace_back(names[iv.name]);
      }
      iv.name = it->second;
    }
    result.local_intervals.insert(result.local_intervals.end(), r.intervals.begin(), r.intervals.end());
  }
  const std::string header = fmt::format("{:020}{:020}", local_summaries.size(), local_colls.size());
  const auto all = transport.all_gather(header + to_bytes(local_summaries) + to_bytes(local_colls));
  for (const std::string& s : all) {
    const std::size_t ns = std::stoull(s.substr(0, 20)), nc = std::stoull(s.substr(20, 20));
    append_from_bytes(s, 40, ns, result.npus);
    append_from_bytes(s, 40 + ns * sizeof(output::NpuSummary), nc, result.collectives);
  }
  std::sort(result.npus.begin(), result.npus.end(), [](const auto& a, const auto& b) { return a.npu < b.npu; });
  std::stable_sort(result.collectives.begin(), result.collectives.end(), [](const auto& a, const auto& b) {
    return a.npu != b.npu ? a.npu < b.npu : a.end < b.end;
  });
  for (const auto& s : result.npus) result.end_time = std::max(result.end_time, s.finish);
  return result;
}

}  // namespace tessera::runtime
