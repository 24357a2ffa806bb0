#include "tessera/runtime/simulation.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <unordered_map>

#include <fmt/format.h>

#include "link_records.hpp"
#include "tessera/error.hpp"
#include "tessera/network/network.hpp"
#include "tessera/network/switch_lp.hpp"
#include "tessera/pdes/agreement.hpp"
#include "tessera/runtime/build.hpp"
#include "tessera/runtime/comm_groups.hpp"
#include "tessera/runtime/custom_collectives.hpp"
#include "tessera/runtime/npu_lp.hpp"
#include "tessera/runtime/workload_inputs.hpp"
#include "tessera/workload/trace_set.hpp"

namespace tessera::runtime {
namespace {

using Clock = std::chrono::steady_clock;

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

/// Moves this rank's summaries and collective records (records.collectives, appended by the NPU
/// LPs) to rank 0, whose records then hold every NPU's; the other ranks' are left empty. A
/// collective's algorithm label travels as the sender's label list plus an index into it, and is
/// interned again on rank 0.
void gather_to_root(pdes::Transport& t, const std::vector<output::NpuSummary>& summaries,
                    output::RunRecords& records) {
  std::vector<output::CollectiveRecord> colls = std::move(records.collectives);
  records.collectives.clear();
  std::vector<std::string> labels;                     // the labels these collectives use
  std::unordered_map<std::uint32_t, std::uint32_t> label_of;  // records.strings index -> labels index
  for (output::CollectiveRecord& c : colls) {
    const auto [it, fresh] = label_of.emplace(c.algorithm, static_cast<std::uint32_t>(labels.size()));
    if (fresh) labels.push_back(records.strings[c.algorithm]);
    c.algorithm = it->second;
  }
  auto all_summaries = t.gather_records(summaries, 0);
  const auto all_colls = t.gather_records(colls, 0);
  const auto all_labels = t.gather_strings(labels, 0);
  for (auto& s : all_summaries) records.npus.insert(records.npus.end(), s.begin(), s.end());
  for (std::size_t r = 0; r < all_colls.size(); ++r) {
    std::vector<std::uint32_t> local_index;  // the sender's label index -> records.strings
    for (const std::string& l : all_labels[r]) local_index.push_back(records.intern(l));
    for (output::CollectiveRecord c : all_colls[r]) {
      c.algorithm = local_index[c.algorithm];
      records.collectives.push_back(c);
    }
  }
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
  CustomCollectives custom;
  std::unique_ptr<pdes::Graph> graph;
  pdes::Partition partition;
  const NetworkModel model = config.simulation.network_model;
  const bool link_stats = options.link_stats && model_info(model).has_links;
  LinkRecordOptions link_opts;
  link_opts.fixed = options.link_stats_interval > 0;
  link_opts.start_width = !link_stats ? 0 : link_opts.fixed ? options.link_stats_interval : kNanosecond;
  link_opts.max_bins = std::max(options.link_stats_bins, 2);
  pdes::agreed(transport, [&] {
    view = view_from_config(config.network);
    system = system_from_config(config.system, config.network);
    collective::validate(system, view);
    custom = load_custom_collectives(config);
    network::PacketSpec packet = packet_from_config(config.network);
    packet.stats_bin = link_opts.start_width;
    // Automatic: links coarsen their bins as the run goes on (the run's length is not known).
    // Fixed: the asked width, unless a link would need more than 2^20 bins (memory); then it
    // coarsens too and the file's link_bin_width_ps shows the width used.
    packet.stats_max_bins = link_opts.fixed ? (1 << 20) : link_opts.max_bins;
    net = std::make_unique<network::Network>(from_config(config.network), model, packet);
    pdes::GraphBuilder b;
    net->add_to_graph(b);
    graph = std::make_unique<pdes::Graph>(std::move(b).build());
    net->bind(*graph);
    check_rank_lookahead(config, *net, transport.size());
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
  std::vector<GroupUse> local_uses;
  {
    // Each problem goes with its NPU, so the lists of all ranks merge in NPU order.
    std::vector<pdes::Failure> failures;
    try {
      load_workloads(
          config, local_npus,
          [&](int npu, workload::Workload&& wl) {
            local_uses.push_back(group_use(wl, npu));
            workloads.emplace(npu, std::move(wl));
          },
          &result.warnings);
    } catch (const WorkloadError& e) {
      for (std::size_t k = 0; k < e.diagnostics().size(); ++k)
        failures.push_back({e.npus()[k], ExitCode::kBadInput, "", {e.diagnostics()[k]}});
    } catch (...) {
      failures.push_back(pdes::current_failure());
    }
    pdes::agree(transport, failures);
  }

  // Communicator groups: the configured ones plus the traces' declarations, gathered from every
  // rank in NPU order so that every rank builds the same table; then each rank checks its NPUs'
  // collectives against it.
  GroupTable groups;
  {
    std::vector<GroupUse> declared = gather_declarations(transport, local_uses);
    std::stable_sort(declared.begin(), declared.end(), [](const GroupUse& a, const GroupUse& b) { return a.npu < b.npu; });
    std::vector<pdes::Failure> failures;
    try {
      groups = make_groups(config, declared);
      for (const GroupUse& u : local_uses) {
        for (Diagnostic& d : check_group_use(config, groups, u))
          failures.push_back({u.npu, ExitCode::kBadInput, "", {std::move(d)}});
      }
    } catch (...) {
      failures.push_back(pdes::current_failure());
    }
    pdes::agree(transport, failures);
  }

  NpuShared shared;
  shared.network = net.get();
  shared.system = &system;
  shared.topology = &view;
  shared.groups = &groups;
  shared.custom = custom.empty() ? nullptr : &custom;
  shared.memory_latency = config.remote_memory.latency;
  shared.memory_bandwidth = config.remote_memory.bandwidth;
  output::RunRecords& records = result.records;
  shared.records = &records;

  std::unique_ptr<pdes::Engine> engine_owner;
  pdes::agreed(transport, [&] {
    engine_owner = std::make_unique<pdes::Engine>(
        *graph, partition, transport, options.queue.empty() ? nullptr : pdes::make_event_queue(options.queue));
    engine_owner->instantiate([&](pdes::LpId lp) -> std::unique_ptr<pdes::LogicalProcess> {
      if (net->is_switch_lp(lp)) return net->make_switch(lp);
      const int npu = static_cast<int>(net->node_of(lp));
      return std::make_unique<NpuLp>(shared, workloads.at(npu), npu, options.keep_intervals);
    });
  });
  pdes::Engine& engine = *engine_owner;
  result.build_seconds = std::chrono::duration<double>(Clock::now() - t0).count();

  pdes::RunLimits limits;
  limits.end_time = config.simulation.max_sim_time;
  if (config.simulation.max_wall_time != kTimeInfinity) {
    limits.wall_seconds = static_cast<double>(config.simulation.max_wall_time) / static_cast<double>(kSecond);
  }
  limits.stop_requested = options.stop_requested;
  std::vector<const NpuLp*> local_npu_lps;
  for (pdes::LpId lp : engine.local_lps()) {
    if (!net->is_switch_lp(lp)) local_npu_lps.push_back(static_cast<const NpuLp*>(engine.local(lp)));
  }
  if (options.progress && options.progress_seconds > 0) {
    limits.progress_seconds = options.progress_seconds;
    limits.progress = [&](const pdes::Progress& p) {
      RunProgress rp{p, 0, 0};
      for (const NpuLp* n : local_npu_lps) {
        rp.nodes_done += n->nodes_completed();
        rp.nodes_total += n->nodes_total();
      }
      options.progress(rp);
    };
  }
  const pdes::RunResult run = engine.run(limits);
  result.reason = run.reason;
  result.reached = run.reached;
  result.events = run.global_events;
  result.stats = run.stats;

  // Every NPU's summary and collective records go to rank 0 (the sinks that print them run there).
  std::vector<output::NpuSummary> local_summaries;
  for (pdes::LpId lp : engine.local_lps()) {
    if (!net->is_switch_lp(lp)) local_summaries.push_back(static_cast<const NpuLp*>(engine.local(lp))->summary());
  }
  SimTime local_end = 0;
  for (const output::NpuSummary& s : local_summaries) local_end = std::max(local_end, s.finish);
  result.end_time = transport.all_reduce_max(local_end);
  gather_to_root(transport, local_summaries, records);
  std::sort(records.npus.begin(), records.npus.end(), [](const auto& a, const auto& b) { return a.npu < b.npu; });
  std::stable_sort(records.collectives.begin(), records.collectives.end(), [](const auto& a, const auto& b) {
    return a.npu != b.npu ? a.npu < b.npu : a.end < b.end;
  });

  if (link_stats) {
    // Each link is reported by the rank that owns its sending end: NPU links by the NPU's Nic,
    // switch links by the switch LP.
    std::vector<const network::LinkStats*> local_links;
    for (pdes::LpId lp : engine.local_lps()) {
      const std::vector<network::LinkStats>& stats =
          net->is_switch_lp(lp) ? static_cast<const network::SwitchLp*>(engine.local(lp))->link_stats()
                                : static_cast<const NpuLp*>(engine.local(lp))->nic().link_stats();
      for (const network::LinkStats& ls : stats) local_links.push_back(&ls);
    }
    // The bins cover the run up to its end, or, stopped early, up to where it stopped: a run
    // stopped before any NPU finished (end_time 0) and before any link carried traffic would
    // otherwise keep the 1 ns start width over the whole time reached (10^8 bins per link).
    const SimTime span =
        result.reason == pdes::StopReason::kCompleted ? result.end_time : std::max(result.end_time, result.reached);
    append_link_records(net->topology(), local_links, agree_bin_width(local_links, span, link_opts, transport),
                        records);
    result.link_stats_source = fmt::format("{} model: {}; bytes and serialization time per bin",
                                           to_string(model), model_info(model).links);
  } else if (options.link_stats) {
    result.link_stats_source =
        fmt::format("none: the {} model has no links ({})", to_string(model), model_info(model).links);
  }
  return result;
}

}  // namespace tessera::runtime
