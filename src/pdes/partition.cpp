#include "tessera/pdes/partition.hpp"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

namespace tessera::pdes {

namespace {

void check_ranks(int ranks) {
  if (ranks < 1) {
    throw InputError(
        Diagnostic{"", 0, "ranks", fmt::format("{} ranks requested", ranks), "run at least one rank"});
  }
}

Partition finish(const Graph& g, std::vector<int> rank_of, int ranks) {
  Partition p;
  p.num_ranks = ranks;
  p.lookahead = compute_lookahead(g, rank_of, ranks);
  p.rank_of = std::move(rank_of);
  return p;
}

// Union-find with path halving; the representative is the smallest LP id, which keeps every
// later tie-break independent of the merge order.
struct Groups {
  std::vector<LpId> parent;
  std::vector<std::int64_t> weight;
  std::size_t count;
  std::int64_t heaviest = 0;

  explicit Groups(const Graph& g) : parent(g.num_lps()), weight(g.num_lps()), count(g.num_lps()) {
    std::iota(parent.begin(), parent.end(), 0u);
    for (LpId l = 0; l < g.num_lps(); ++l) {
      weight[l] = g.weight(l);
      heaviest = std::max(heaviest, weight[l]);
    }
  }
  LpId root(LpId x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  }
  void unite(LpId a, LpId b) {
    a = root(a);
    b = root(b);
    if (a == b) return;
    if (b < a) std::swap(a, b);
    parent[b] = a;
    weight[a] += weight[b];
    heaviest = std::max(heaviest, weight[a]);
    --count;
  }
};

}  // namespace

std::vector<LpId> Partition::lps_of(int rank) const {
  std::vector<LpId> out;
  for (std::size_t l = 0; l < rank_of.size(); ++l) {
    if (rank_of[l] == rank) out.push_back(static_cast<LpId>(l));
  }
  return out;
}

SimTime compute_lookahead(const Graph& g, const std::vector<int>& rank_of, int ranks) {
  SimTime lookahead = kTimeInfinity;
  std::vector<Diagnostic> problems;
  for (const Channel& c : g.channels()) {
    if (rank_of[c.from] == rank_of[c.to]) continue;
    if (c.latency == 0) {
      problems.push_back({"", 0, g.channel_name(c),
                          fmt::format("zero-latency channel crosses ranks {} and {}; the ranks could never "
                                      "run ahead of each other",
                                      rank_of[c.from], rank_of[c.to]),
                          "give the link a latency > 0, or place both ends on one rank"});
    }
    lookahead = std::min(lookahead, c.latency);
  }
  if (ranks > 1 && g.direct_send_min_delay()) {
    if (*g.direct_send_min_delay() == 0) {
      problems.push_back({"", 0, "direct send delay",
                          "minimum direct-send delay is 0 with more than one rank",
                          "declare a minimum delay > 0 (the smallest latency the model can produce)"});
    }
    lookahead = std::min(lookahead, *g.direct_send_min_delay());
  }
  if (!problems.empty()) throw InputError(std::move(problems));
  return lookahead;
}

Partition partition_round_robin(const Graph& g, int ranks) {
  check_ranks(ranks);
  std::vector<int> rank_of(g.num_lps());
  for (std::size_t l = 0; l < rank_of.size(); ++l)
    rank_of[l] = static_cast<int>(l % static_cast<std::size_t>(ranks));
  return finish(g, std::move(rank_of), ranks);
}

Partition partition_explicit(const Graph& g, int ranks,
                             const std::unordered_map<std::string, int>& placement) {
  check_ranks(ranks);
  std::vector<int> rank_of(g.num_lps(), -1);
  std::vector<Diagnostic> problems;
  for (const auto& [name, rank] : placement) {
    const auto lp = g.find(name);
    if (!lp) {
      problems.push_back({"", 0, name, "placement names an LP that does not exist", "check the spelling"});
      continue;
    }
    if (rank < 0 || rank >= ranks) {
      problems.push_back({"", 0, name,
                          fmt::format("placed on rank {} but only ranks 0..{} run", rank, ranks - 1),
                          "use a rank in range, or run more ranks"});
      continue;
    }
    rank_of[*lp] = rank;
  }
  std::size_t missing = 0;
  for (LpId l = 0; l < g.num_lps(); ++l) {
    if (rank_of[l] >= 0) continue;
    if (++missing <= 10) {
      problems.push_back({"", 0, g.name(l), "LP has no placement", "place every LP on a rank"});
    }
  }
  if (missing > 10) {
    problems.push_back({"", 0, "placement", fmt::format("{} more LPs have no placement", missing - 10), ""});
  }
  // Sorted so the message does not depend on the hash map's order.
  std::sort(problems.begin(), problems.end(),
            [](const Diagnostic& a, const Diagnostic& b) { return a.key < b.key; });
  if (!problems.empty()) throw InputError(std::move(problems));
  return finish(g, std::move(rank_of), ranks);
}

Partition partition_auto(const Graph& g, int ranks, const AutoPartitionOptions& options) {
  check_ranks(ranks);
  const std::size_t n = g.num_lps();
  Groups groups(g);

  // Mandatory: shared group hints and zero-latency channels.
  {
    std::unordered_map<std::string_view, LpId> first_of_group;
    for (LpId l = 0; l < n; ++l) {
      if (g.group(l).empty()) continue;
      const auto [it, inserted] = first_of_group.emplace(g.group(l), l);
      if (!inserted) groups.unite(it->second, l);
    }
  }
  std::vector<std::size_t> order(g.num_channels());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return g.channels()[a].latency < g.channels()[b].latency;
  });
  std::size_t next = 0;
  while (next < order.size() && g.channels()[order[next]].latency == 0) {
    const Channel& c = g.channels()[order[next++]];
    groups.unite(c.from, c.to);
  }

  // Optional: whole latency classes, lowest first, while the result stays balanceable. Merging
  // more classes only makes groups heavier and fewer, so the largest feasible prefix of classes
  // is found by binary search (each probe is one linear union pass).
  std::int64_t total = 0;
  for (LpId l = 0; l < n; ++l) total += g.weight(l);
  const double limit = options.max_group_share * static_cast<double>(total) / ranks;
  std::vector<std::size_t> class_end;  // order[next, class_end[k]) holds classes 0..k
  for (std::size_t i = next; i < order.size(); ++i) {
    if (i + 1 == order.size() || g.channels()[order[i + 1]].latency != g.channels()[order[i]].latency) {
      class_end.push_back(i + 1);
    }
  }
  auto merged = [&](std::size_t classes) {
    Groups trial = groups;
    const std::size_t end = classes == 0 ? next : class_end[classes - 1];
    for (std::size_t i = next; i < end; ++i)
      trial.unite(g.channels()[order[i]].from, g.channels()[order[i]].to);
    return trial;
  };
  auto feasible = [&](const Groups& t) {
    return t.count >= static_cast<std::size_t>(ranks) && static_cast<double>(t.heaviest) <= limit;
  };
  std::size_t lo = 0, hi = class_end.size();  // answer in [lo, hi]; 0 classes is always taken
  while (lo < hi) {
    const std::size_t mid = (lo + hi + 1) / 2;
    if (feasible(merged(mid))) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  groups = merged(lo);

  // Longest-processing-time placement of the groups.
  std::vector<LpId> roots;
  for (LpId l = 0; l < n; ++l) {
    if (groups.root(l) == l) roots.push_back(l);
  }
  std::stable_sort(roots.begin(), roots.end(),
                   [&](LpId a, LpId b) { return groups.weight[a] > groups.weight[b]; });
  std::vector<std::int64_t> load(static_cast<std::size_t>(ranks), 0);
  std::vector<int> rank_of_root(n, -1);
  for (const LpId r : roots) {
    const auto best = std::min_element(load.begin(), load.end()) - load.begin();
    rank_of_root[r] = static_cast<int>(best);
    load[static_cast<std::size_t>(best)] += std::max<std::int64_t>(groups.weight[r], 1);
  }
  std::vector<int> rank_of(n);
  for (LpId l = 0; l < n; ++l) rank_of[l] = rank_of_root[groups.root(l)];
  return finish(g, std::move(rank_of), ranks);
}

}  // namespace tessera::pdes
