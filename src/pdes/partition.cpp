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

// Longest-processing-time placement of the groups: heaviest first on the least-loaded rank.
std::vector<int> place_lpt(Groups& groups, int ranks) {
  const std::size_t n = groups.parent.size();
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
  return rank_of_root;
}

// Locality-aware placement. Groups are visited in order of their smallest LP id (the network names
// NPUs npu/NNNNNN, so that is NPU order, switches last). An "anchor" has no channel to an earlier
// group (an HGX box: its only neighbours are IB switches, which sort later); anchors are dealt out
// in contiguous blocks of equal weight, so consecutive boxes, which share a leaf switch, share a
// rank. Every other group goes to the rank holding most of its channels' far ends (a leaf goes
// with its hosts, a ring continues its block) while that rank stays under the cap; otherwise, and
// on ties, to the least-loaded rank. O(channels + groups x ranks).
std::vector<int> place_by_locality(const Graph& g, Groups& groups, int ranks, double slack) {
  const std::size_t n = g.num_lps();
  const auto R = static_cast<std::size_t>(ranks);
  std::vector<LpId> roots;  // ascending smallest LP id (the root is the smallest id)
  std::vector<std::vector<LpId>> members(n);
  for (LpId l = 0; l < n; ++l) {
    const LpId r = groups.root(l);
    if (r == l) roots.push_back(l);
    members[r].push_back(l);
  }
  auto weight = [&](LpId root) { return std::max<std::int64_t>(groups.weight[root], 1); };
  std::int64_t total = 0;
  std::int64_t anchor_total = 0;
  std::vector<char> anchor(n, 0);
  for (const LpId r : roots) {
    total += weight(r);
    bool earlier = false;
    for (const LpId l : members[r]) {
      for (PortId p = g.port_begin(l) + 1; p < g.port_begin(l + 1) && !earlier; ++p) {
        earlier = groups.root(g.channel_of_port(p).to) < r;
      }
      if (earlier) break;
    }
    if (!earlier) {
      anchor[r] = 1;
      anchor_total += weight(r);
    }
  }
  std::int64_t heaviest = 0;
  for (const LpId r : roots) heaviest = std::max(heaviest, weight(r));
  const double cap = std::max(static_cast<double>(total) / ranks * (1.0 + slack), static_cast<double>(heaviest));

  std::vector<std::int64_t> load(R, 0);
  std::vector<int> rank_of_root(n, -1);
  std::vector<std::int64_t> affinity(R, 0);
  std::int64_t anchors_before = 0;
  for (const LpId r : roots) {
    const std::int64_t w = weight(r);
    std::size_t best = 0;
    if (anchor[r]) {
      // Contiguous blocks of equal weight: an anchor starting at the fraction f of the anchors'
      // weight goes to rank floor(f x ranks) (exact integer arithmetic; the first is on rank 0).
      best = std::min(R - 1, static_cast<std::size_t>(anchors_before * ranks / anchor_total));
      anchors_before += w;
    } else {
      std::fill(affinity.begin(), affinity.end(), 0);
      for (const LpId l : members[r]) {
        for (PortId p = g.port_begin(l) + 1; p < g.port_begin(l + 1); ++p) {
          const int peer = rank_of_root[groups.root(g.channel_of_port(p).to)];
          if (peer >= 0) ++affinity[static_cast<std::size_t>(peer)];
        }
      }
      best = static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
      for (std::size_t k = 0; k < R; ++k) {
        if (static_cast<double>(load[k] + w) > cap) continue;
        const bool fits_best = static_cast<double>(load[best] + w) <= cap;
        if (!fits_best || affinity[k] > affinity[best] ||
            (affinity[k] == affinity[best] && load[k] < load[best])) {
          best = k;
        }
      }
    }
    rank_of_root[r] = static_cast<int>(best);
    load[best] += w;
  }
  return rank_of_root;
}

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

  std::vector<int> rank_of_root =
      options.locality ? place_by_locality(g, groups, ranks, options.balance_slack) : place_lpt(groups, ranks);
  std::vector<int> rank_of(n);
  for (LpId l = 0; l < n; ++l) rank_of[l] = rank_of_root[groups.root(l)];
  return finish(g, std::move(rank_of), ranks);
}

}  // namespace tessera::pdes
