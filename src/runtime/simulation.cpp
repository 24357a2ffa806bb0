#include "tessera/runtime/simulation.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
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
    std::vector<GroupUse> declared;
    for (const std::string& s : transport.all_gather(encode_declarations(local_uses))) decode_declarations(s, declared);
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

  // Gather every NPU's summary and collective records to every rank.
  std::vector<output::NpuSummary> local_summaries;
  std::vector<output::CollectiveRecord> local_colls;
  std::vector<std::string> local_algorithms{""};  // what local_colls' `algorithm` indexes
  std::unordered_map<std::string, std::uint32_t> algorithm_index{{"", 0}};
  std::unordered_map<std::string, std::uint32_t> interval_strings;  // local_strings' algorithm labels
  for (pdes::LpId lp : engine.local_lps()) {
    if (net->is_switch_lp(lp)) continue;
    auto* npu = static_cast<NpuLp*>(engine.local(lp));
    NpuResult r = npu->take_result();
    local_summaries.push_back(r.summary);
    // Algorithm labels index the NPU's own table: re-index collectives into this rank's table
    // and intervals into local_strings.
    for (output::CollectiveRecord& c : r.collectives) {
      const std::string& label = r.algorithms[c.algorithm];
      const auto [it, fresh] =
          algorithm_index.emplace(label, static_cast<std::uint32_t>(local_algorithms.size()));
      if (fresh) local_algorithms.push_back(label);
      c.algorithm = it->second;
    }
    for (output::NodeInterval& iv : r.intervals) {
      if (iv.algorithm == 0) continue;
      const std::string& label = r.algorithms[iv.algorithm];
      const auto [it, fresh] =
          interval_strings.emplace(label, static_cast<std::uint32_t>(result.local_strings.size()));
      if (fresh) result.local_strings.push_back(label);
      iv.algorithm = it->second;
    }
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
  std::string labels;
  for (std::size_t i = 1; i < local_algorithms.size(); ++i) labels += local_algorithms[i] + "\n";
  const std::string header = fmt::format("{:020}{:020}", local_summaries.size(), local_colls.size());
  const auto all = transport.all_gather(header + to_bytes(local_summaries) + to_bytes(local_colls) + labels);
  // Every rank's labels, sorted, so the table does not depend on the rank count.
  std::vector<std::vector<std::string>> rank_labels;
  for (const std::string& s : all) {
    const std::size_t ns = std::stoull(s.substr(0, 20)), nc = std::stoull(s.substr(20, 20));
    std::vector<std::string> mine{""};
    for (std::size_t pos = 40 + ns * sizeof(output::NpuSummary) + nc * sizeof(output::CollectiveRecord);
         pos < s.size();) {
      const std::size_t nl = s.find('\n', pos);
      mine.push_back(s.substr(pos, nl - pos));
      pos = nl + 1;
    }
    result.collective_strings.insert(result.collective_strings.end(), mine.begin() + 1, mine.end());
    rank_labels.push_back(std::move(mine));
  }
  std::sort(result.collective_strings.begin(), result.collective_strings.end());
  result.collective_strings.erase(
      std::unique(result.collective_strings.begin(), result.collective_strings.end()),
      result.collective_strings.end());
  for (std::size_t r = 0; r < all.size(); ++r) {
    const std::string& s = all[r];
    const std::size_t ns = std::stoull(s.substr(0, 20)), nc = std::stoull(s.substr(20, 20));
    append_from_bytes(s, 40, ns, result.npus);
    const std::size_t first = result.collectives.size();
    append_from_bytes(s, 40 + ns * sizeof(output::NpuSummary), nc, result.collectives);
    for (std::size_t k = first; k < result.collectives.size(); ++k) {
      const std::string& label = rank_labels[r][result.collectives[k].algorithm];
      result.collectives[k].algorithm = static_cast<std::uint32_t>(
          std::lower_bound(result.collective_strings.begin(), result.collective_strings.end(), label) -
          result.collective_strings.begin());
    }
  }
  std::sort(result.npus.begin(), result.npus.end(), [](const auto& a, const auto& b) { return a.npu < b.npu; });
  std::stable_sort(result.collectives.begin(), result.collectives.end(), [](const auto& a, const auto& b) {
    return a.npu != b.npu ? a.npu < b.npu : a.end < b.end;
  });
  for (const auto& s : result.npus) result.end_time = std::max(result.end_time, s.finish);

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
    result.link_bin_width = agree_bin_width(local_links, result.end_time, link_opts, transport);
    append_link_records(net->topology(), local_links, result.link_bin_width, result.local_strings,
                        result.local_links, result.local_link_bins);
    result.link_stats_source = fmt::format("{} model: {}; bytes and serialization time per bin",
                                           to_string(model), model_info(model).links);
  } else if (options.link_stats) {
    result.link_stats_source =
        fmt::format("none: the {} model has no links ({})", to_string(model), model_info(model).links);
  }
  return result;
}

}  // namespace tessera::runtime
