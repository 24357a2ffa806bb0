// `tessera plan SCENARIO [--ranks R]`: what a run would place where, before anything runs. Builds the
// network's LP graph exactly as a run does (config -> network -> pdes graph -> partition) and
// prints NPUs, logical processes, channels, the per-rank placement with an estimated memory, the
// lookahead and the cut links, and suggests a rank count. Needs no MPI and no traces beyond what
// the loader checks; takes the same arguments as `run`, so a command line that plans is one that
// runs.
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "memory_estimate.hpp"
#include "run_options.hpp"
#include "tessera/network/network.hpp"
#include "tessera/pdes/partition.hpp"
#include "tessera/runtime/build.hpp"

namespace tessera::app {
namespace {

std::string ns(SimTime t) {
  if (t == kTimeInfinity) return "none (nothing crosses ranks)";
  return fmt::format("{:g} ns", static_cast<double>(t) / 1000.0);
}

// "npu/000013" -> "npu", "sw/ib-leaf/00002" -> "sw/ib-leaf": the LP's kind for the cut summary.
std::string kind_of(const std::string& name) {
  const auto slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(0, slash);
}

struct PlanOptions {
  RunOptions run;
  int ranks = 0;  // 0: the suggestion
  int show_cut = 8;
  std::string memory_per_rank = "8GiB";
  int npus_per_rank = 512;
};

void print_cut(const pdes::Graph& g, const PlanResult& r, int show) {
  std::map<std::tuple<std::string, std::string, SimTime>, std::size_t> classes;
  std::vector<const pdes::Channel*> first;
  for (const pdes::Channel& c : g.channels()) {
    if (r.partition.rank_of[c.from] == r.partition.rank_of[c.to]) continue;
    ++classes[{kind_of(g.name(c.from)), kind_of(g.name(c.to)), c.latency}];
    if (static_cast<int>(first.size()) < show) first.push_back(&c);
  }
  std::printf("cut links: %zu of %zu channels (%.2f %%)%s\n", r.cut, g.num_channels(),
              g.num_channels() ? 100.0 * static_cast<double>(r.cut) / static_cast<double>(g.num_channels()) : 0.0,
              r.cut ? ", by kind:" : "");
  for (const auto& [key, count] : classes) {
    const auto& [from, to, lat] = key;
    std::printf("  %-14s -> %-14s latency %-10s %zu\n", from.c_str(), to.c_str(), ns(lat).c_str(), count);
  }
  for (const pdes::Channel* c : first) {
    std::printf("  e.g. %s (rank %d -> %d, %s)\n", g.channel_name(*c).c_str(), r.partition.rank_of[c->from],
                r.partition.rank_of[c->to], ns(c->latency).c_str());
  }
  if (r.cut > first.size() && !first.empty()) std::printf("  ... and %zu more\n", r.cut - first.size());
}

int run_plan(PlanOptions& o) {
  const LoadResult loaded = load_and_warn(o.run);
  const Config& config = loaded.config;
  const std::int64_t budget = parse_bytes(o.memory_per_rank);
  if (config.simulation.placement == Placement::kExplicit) {
    throw InputError(Diagnostic{config.source, 0, "simulation.placement",
                                "tessera plan shows auto and round-robin placements only",
                                "plan with placement: auto to compare, or run with the explicit placement"});
  }

  const std::int64_t rss_before = rss_bytes();
  // The same mapping and graph as a run (runtime/build.hpp, docs/running.md).
  network::Network net(runtime::from_config(config.network), config.simulation.network_model,
                       runtime::packet_from_config(config.network));
  pdes::GraphBuilder builder;
  net.add_to_graph(builder);
  const pdes::Graph graph = std::move(builder).build();
  net.bind(graph);
  const network::Network& bound = net;
  const double shared = static_cast<double>(std::max<std::int64_t>(rss_bytes() - rss_before, 0));

  const Planner planner(config, bound, graph, shared);
  const int npus = bound.num_npus();
  std::size_t groups = 0;
  {
    std::map<std::string_view, int> g;
    for (pdes::LpId l = 0; l < graph.num_lps(); ++l) {
      if (!graph.group(l).empty()) ++g[graph.group(l)];
    }
    groups = g.size();
  }

  // Suggestion: enough NPUs of work per rank for the sync rounds to pay off, and enough ranks for
  // the memory of the largest one to fit the budget. Powers of two up to one rank per NPU.
  int by_work = 1;
  while (by_work * 2 <= npus / std::max(o.npus_per_rank, 1)) by_work *= 2;
  int by_memory = 1;
  PlanResult probe = planner.plan(1);
  while (probe.max_memory > static_cast<double>(budget) && by_memory < npus) {
    by_memory *= 2;
    probe = planner.plan(by_memory);
  }
  const int suggested = std::max(by_work, by_memory);
  const int ranks = o.ranks > 0 ? o.ranks : suggested;
  const PlanResult r = planner.plan(ranks);

  const auto& topo = bound.topology();
  std::printf("plan: %s\n", config.source.c_str());
  std::printf("network: %s, model %s\n", topo.name().c_str(), to_string(bound.model()));
  std::printf("NPUs: %d   switches: %zu   logical processes: %zu   channels: %zu%s\n", npus,
              topo.num_nodes() - static_cast<std::size_t>(npus), graph.num_lps(), graph.num_channels(),
              groups ? fmt::format("   boxes (kept whole): {}", groups).c_str() : "");
  SimTime min_cut = kTimeInfinity;
  for (const pdes::Channel& c : graph.channels()) {
    if (r.partition.rank_of[c.from] != r.partition.rank_of[c.to]) min_cut = std::min(min_cut, c.latency);
  }
  std::printf("ranks: %d (%s placement)   lookahead: %s%s\n", ranks, to_string(config.simulation.placement),
              ns(r.partition.lookahead).c_str(),
              r.partition.lookahead < min_cut && min_cut != kTimeInfinity
                  ? fmt::format(" (the network's minimum direct-send delay; cut links >= {})", ns(min_cut)).c_str()
                  : "");
  std::printf("%6s %8s %7s %9s %9s %9s %12s\n", "rank", "LPs", "NPUs", "switches", "weight", "cut-out",
              "est. memory");
  const std::size_t shown = std::min<std::size_t>(r.ranks.size(), 16);
  for (std::size_t k = 0; k < shown; ++k) {
    const RankFigures& f = r.ranks[k];
    std::printf("%6zu %8lld %7lld %9lld %9lld %9lld %12s\n", k, static_cast<long long>(f.lps),
                static_cast<long long>(f.npus), static_cast<long long>(f.switches), static_cast<long long>(f.weight),
                static_cast<long long>(f.cut_out), mib(f.memory).c_str());
  }
  if (shown < r.ranks.size()) std::printf("   ... %zu more ranks\n", r.ranks.size() - shown);
  std::int64_t wmin = r.ranks[0].weight, wmax = wmin;
  for (const RankFigures& f : r.ranks) {
    wmin = std::min(wmin, f.weight);
    wmax = std::max(wmax, f.weight);
  }
  std::printf("balance: heaviest rank %.3f x the mean weight\n",
              static_cast<double>(wmax) * ranks /
                  static_cast<double>(std::max<std::int64_t>(1, [&] {
                    std::int64_t t = 0;
                    for (const RankFigures& f : r.ranks) t += f.weight;
                    return t;
                  }())));
  print_cut(graph, r, o.show_cut);
  std::printf("memory per rank (estimate, largest rank): %s = %s graph and topology on every rank (measured) + "
              "LP state, in-flight packets, workload\n",
              mib(r.max_memory).c_str(), mib(shared).c_str());
  std::printf("suggested ranks: %d (%d for at least %d NPUs per rank, %d for %s per rank)\n", suggested, by_work,
              o.npus_per_rank, by_memory, o.memory_per_rank.c_str());
  return 0;
}

}  // namespace

void add_plan_command(CLI::App& cli, Action& action) {
  auto* cmd = cli.add_subcommand(
      "plan", "Show how a scenario is placed on MPI ranks (LPs, memory per rank, lookahead, cut links) and "
              "suggest a rank count; simulates nothing");
  auto opts = std::make_shared<PlanOptions>();
  add_run_options(*cmd, opts->run);
  cmd->add_option("--ranks,-n", opts->ranks, "plan for this many MPI ranks (default: the suggested count)")
      ->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--show-cut", opts->show_cut, "list this many cut links (default: 8)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--memory-per-rank", opts->memory_per_rank,
                  "memory budget of one rank for the suggestion (default: 8GiB)")
      ->check([](const std::string& v) {
        try {
          return parse_bytes(v) > 0 ? std::string() : std::string("must be more than 0 bytes");
        } catch (const std::exception& e) {
          return std::string(e.what());
        }
      });
  cmd->add_option("--npus-per-rank", opts->npus_per_rank,
                  "fewest NPUs of work per rank for the suggestion (default: 512)")
      ->check(CLI::PositiveNumber);
  cmd->footer("Example:\n  tessera plan configs/scenarios/large-hgx-h100-4096.yaml --ranks 2");
  cmd->callback([opts, &action] { action = [opts] { return run_plan(*opts); }; });
}

}  // namespace tessera::app
