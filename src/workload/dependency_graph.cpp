// The dependency graph of a Workload: trace ids -> dense indices (sorted by id), the ctrl_deps
// policy, children adjacency, ASTRA-sim's issue order, and cycle detection / breaking.
#include <algorithm>
#include <queue>
#include <unordered_map>

#include <fmt/format.h>

#include "builder_impl.hpp"

namespace tessera::workload {

void WorkloadBuilder::Impl::resolve_deps() {
  auto& nodes = w.g_->nodes_;
  const std::size_t n = nodes.size();
  // Sort by id; check duplicates.
  std::vector<NodeIndex> perm(n);
  for (std::size_t i = 0; i < n; ++i) perm[i] = static_cast<NodeIndex>(i);
  std::stable_sort(perm.begin(), perm.end(), [&](NodeIndex a, NodeIndex b) { return nodes[a].id < nodes[b].id; });
  bool duplicates = false;
  for (std::size_t i = 1; i < n; ++i) {
    if (nodes[perm[i]].id == nodes[perm[i - 1]].id) {
      duplicates = true;
      error(fmt::format("node {}", nodes[perm[i]].id),
            fmt::format("duplicate node id {} ('{}' and '{}')", nodes[perm[i]].id, w.g_->names_[nodes[perm[i - 1]].name],
                        w.g_->names_[nodes[perm[i]].name]),
            "node ids must be unique within a file");
    }
  }
  if (duplicates) throw_errors();  // ids cannot be resolved; report what we have
  // Apply the permutation in place (cycle by cycle) so that peak memory holds one node array.
  {
    std::vector<bool> placed(n, false);
    for (std::size_t start = 0; start < n; ++start) {
      if (placed[start] || perm[start] == start) continue;
      const Node first = nodes[start];
      std::size_t j = start;
      while (true) {
        const std::size_t k = perm[j];
        placed[j] = true;
        if (k == start) {
          nodes[j] = first;
          break;
        }
        nodes[j] = nodes[k];
        j = k;
      }
    }
  }
  std::vector<NodeIndex>().swap(perm);

  // Most traces number their nodes densely (k*M .. k*M+M-1); then an id maps to its index by
  // subtraction instead of a binary search.
  const bool dense = n > 0 && nodes[n - 1].id - nodes[0].id == n - 1;
  const std::uint64_t first_id = n > 0 ? nodes[0].id : 0;
  const auto find = [&](std::uint64_t id) -> std::optional<NodeIndex> {
    if (dense) {
      if (id < first_id || id - first_id >= n) return std::nullopt;
      return static_cast<NodeIndex>(id - first_id);
    }
    auto it = std::lower_bound(nodes.begin(), nodes.end(), id, [](const Node& a, std::uint64_t v) { return a.id < v; });
    if (it == nodes.end() || it->id != id) return std::nullopt;
    return static_cast<NodeIndex>(it - nodes.begin());
  };

  std::vector<NodeIndex>& deps = w.g_->deps_;
  deps.clear();
  deps.reserve(raw_deps.size());
  std::vector<std::uint64_t> dangling_ids;
  std::uint64_t dangling_refs = 0, self_loops = 0;
  std::string first_dangling, first_self;
  for (std::size_t i = 0; i < n; ++i) {
    Node& node = nodes[i];
    const auto self = static_cast<NodeIndex>(i);
    const std::uint64_t* raw = raw_deps.data() + node.deps_begin;
    const std::uint32_t raw_data = node.data_dep_count, raw_ctrl = node.ctrl_dep_count;
    node.deps_begin = static_cast<std::uint32_t>(deps.size());
    for (std::uint32_t k = 0; k < raw_data; ++k) {
      auto d = find(raw[k]);
      if (!d) {
        error(key(self), fmt::format("data dependency on node id {}, which is not in this file", raw[k]),
              "every data_deps id must be a node of the same NPU's trace");
      } else if (*d == self) {
        error(key(self), "the node lists itself in data_deps (a self-loop never becomes ready)",
              "remove the node's own id from data_deps");
      } else {
        deps.push_back(*d);
      }
    }
    node.data_dep_count = static_cast<std::uint32_t>(deps.size() - node.deps_begin);
    for (std::uint32_t k = raw_data; k < raw_data + raw_ctrl; ++k) {
      auto d = find(raw[k]);
      if (!d) {
        ++dangling_refs;
        dangling_ids.push_back(raw[k]);
        if (first_dangling.empty()) first_dangling = fmt::format("{} -> id {}", key(self), raw[k]);
      } else if (*d == self) {
        ++self_loops;
        if (first_self.empty()) first_self = key(self);
      } else {
        deps.push_back(*d);
      }
    }
    node.ctrl_dep_count = static_cast<std::uint32_t>(deps.size() - node.deps_begin - node.data_dep_count);
  }
  std::vector<std::uint64_t>().swap(raw_deps);
  std::sort(dangling_ids.begin(), dangling_ids.end());
  dangling_ids.erase(std::unique(dangling_ids.begin(), dangling_ids.end()), dangling_ids.end());

  if (dangling_refs) {
    const std::string what = fmt::format(
        "ctrl_deps name {} node id(s) that are not in the file ({} reference(s); first: {})", dangling_ids.size(),
        dangling_refs, first_dangling);
    if (options.deps == DepPolicy::kStrict) {
      error("ctrl_deps", what,
            "use the dependency policy 'lenient' to drop them (or 'data-only' to ignore ctrl_deps); ASTRA-sim "
            "master rejects such traces too");
    } else {
      warn("ctrl_deps", what + "; dropped (lenient)");
      w.report_.dangling_ctrl_refs = dangling_refs;
      w.report_.dangling_ctrl_ids = dangling_ids.size();
    }
  }
  if (self_loops) {
    const std::string what =
        fmt::format("{} node(s) list themselves in ctrl_deps (first: {})", self_loops, first_self);
    if (options.deps == DepPolicy::kStrict) {
      error("ctrl_deps", what + "; a self-loop never becomes ready",
            "use the dependency policy 'lenient' to drop self-loops, or remove them from the trace");
    } else {
      warn("ctrl_deps", what + "; dropped (lenient)");
      w.report_.ctrl_self_loops = self_loops;
    }
  }
}

void WorkloadBuilder::Impl::build_children() {
  auto& nodes = w.g_->nodes_;
  const std::size_t n = nodes.size();
  w.g_->parent_count_.assign(n, 0);
  std::vector<std::uint32_t> counts(n, 0);
  std::vector<NodeIndex> distinct;
  // Pass 1: distinct parents per node, counted per parent.
  const auto distinct_deps = [&](NodeIndex i) {
    auto d = w.deps(i);
    distinct.assign(d.begin(), d.end());
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  };
  for (std::size_t i = 0; i < n; ++i) {
    distinct_deps(static_cast<NodeIndex>(i));
    w.g_->parent_count_[i] = static_cast<std::uint32_t>(distinct.size());
    for (NodeIndex p : distinct) ++counts[p];
  }
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    nodes[i].children_begin = static_cast<std::uint32_t>(total);
    nodes[i].child_count = 0;
    total += counts[i];
  }
  w.g_->children_.assign(total, 0);
  // Pass 2: children in ascending order because i ascends.
  for (std::size_t i = 0; i < n; ++i) {
    distinct_deps(static_cast<NodeIndex>(i));
    for (NodeIndex p : distinct) w.g_->children_[nodes[p].children_begin + nodes[p].child_count++] = static_cast<NodeIndex>(i);
  }
  w.g_->roots_.clear();
  for (std::size_t i = 0; i < n; ++i) {
    if (w.g_->parent_count_[i] == 0) w.g_->roots_.push_back(static_cast<NodeIndex>(i));
  }
}

/// Kahn's algorithm, lowest index first. Returns the per-node count of unfinished dependencies
/// (all zero when every node was ordered).
std::vector<std::uint32_t> WorkloadBuilder::Impl::topological_sort() {
  std::vector<std::uint32_t> waiting = w.g_->parent_count_;
  std::priority_queue<NodeIndex, std::vector<NodeIndex>, std::greater<>> ready(std::greater<>{}, w.g_->roots_);
  w.g_->topo_.clear();
  w.g_->topo_.reserve(w.g_->nodes_.size());
  while (!ready.empty()) {
    const NodeIndex i = ready.top();
    ready.pop();
    w.g_->topo_.push_back(i);
    for (NodeIndex c : w.children(i)) {
      if (--waiting[c] == 0) ready.push(c);
    }
  }
  return waiting;
}

std::vector<std::int64_t> WorkloadBuilder::Impl::stuck_components(const std::vector<std::uint32_t>& waiting) {
  // Iterative Tarjan over the nodes that never became ready, following dependency edges.
  const std::size_t n = w.g_->nodes_.size();
  std::vector<std::int64_t> comp(n, -1), index(n, -1), low(n, 0);
  std::vector<char> on_stack(n, 0);
  std::vector<NodeIndex> stack;
  std::vector<std::pair<NodeIndex, std::uint32_t>> call;  // node, next dependency position
  std::int64_t next_index = 0, next_comp = 0;
  for (NodeIndex root = 0; root < n; ++root) {
    if (waiting[root] == 0 || index[root] >= 0) continue;
    call.emplace_back(root, 0);
    while (!call.empty()) {
      auto& [v, pos] = call.back();
      if (pos == 0 && index[v] < 0) {
        index[v] = low[v] = next_index++;
        stack.push_back(v);
        on_stack[v] = 1;
      }
      const auto d = w.deps(v);
      bool descended = false;
      while (pos < d.size()) {
        const NodeIndex u = d[pos++];
        if (waiting[u] == 0) continue;
        if (index[u] < 0) {
          call.emplace_back(u, 0);
          descended = true;
          break;
        }
        if (on_stack[u]) low[v] = std::min(low[v], index[u]);
      }
      if (descended) continue;
      const NodeIndex done = v;
      if (low[done] == index[done]) {
        NodeIndex x;
        do {
          x = stack.back();
          stack.pop_back();
          on_stack[x] = 0;
          comp[x] = next_comp;
        } while (x != done);
        ++next_comp;
      }
      call.pop_back();
      if (!call.empty()) low[call.back().first] = std::min(low[call.back().first], low[done]);
    }
  }
  return comp;
}

std::uint64_t WorkloadBuilder::Impl::drop_cycle_ctrl_deps(const std::vector<std::uint32_t>& waiting) {
  const std::size_t n = w.g_->nodes_.size();
  const auto comp = stuck_components(waiting);
  // Members of each component, in index order.
  std::vector<std::vector<NodeIndex>> members;
  for (NodeIndex v = 0; v < n; ++v) {
    if (comp[v] < 0) continue;
    if (members.size() <= static_cast<std::size_t>(comp[v])) members.resize(comp[v] + 1);
    members[comp[v]].push_back(v);
  }
  // Within each cyclic component, order the nodes by their data_deps alone (a cycle there is a
  // real error) and drop every ctrl dependency that points backwards in that order.
  std::vector<std::int64_t> rank(n, -1);
  std::vector<char> drop(w.g_->deps_.size(), 0);
  std::uint64_t dropped = 0;
  for (const auto& m : members) {
    if (m.size() < 2) continue;
    const auto c = comp[m.front()];
    std::vector<std::pair<NodeIndex, NodeIndex>> edges;  // (dependency, dependent)
    std::unordered_map<NodeIndex, std::uint32_t> indeg;
    for (NodeIndex v : m) {
      indeg[v] = 0;
      for (NodeIndex d : w.data_deps(v)) {
        if (comp[d] == c) {
          edges.emplace_back(d, v);
          ++indeg[v];
        }
      }
    }
    std::sort(edges.begin(), edges.end());
    std::priority_queue<NodeIndex, std::vector<NodeIndex>, std::greater<>> ready;
    for (NodeIndex v : m) {
      if (indeg[v] == 0) ready.push(v);
    }
    std::int64_t r = 0;
    while (!ready.empty()) {
      const NodeIndex v = ready.top();
      ready.pop();
      rank[v] = r++;
      auto it = std::lower_bound(edges.begin(), edges.end(), std::pair<NodeIndex, NodeIndex>{v, 0});
      for (; it != edges.end() && it->first == v; ++it) {
        if (--indeg[it->second] == 0) ready.push(it->second);
      }
    }
    if (r != static_cast<std::int64_t>(m.size())) return 0;  // the data_deps alone are cyclic
    for (NodeIndex v : m) {
      const Node& node = w.g_->nodes_[v];
      for (std::uint32_t k = 0; k < node.ctrl_dep_count; ++k) {
        const std::size_t at = node.deps_begin + node.data_dep_count + k;
        const NodeIndex d = w.g_->deps_[at];
        if (comp[d] == c && rank[d] > rank[v]) {
          drop[at] = 1;
          ++dropped;
        }
      }
    }
  }
  if (dropped == 0) return 0;
  // Compact the dependency array without the dropped entries.
  std::size_t out = 0;
  for (NodeIndex v = 0; v < n; ++v) {
    Node& node = w.g_->nodes_[v];
    const std::size_t begin = node.deps_begin;
    const std::uint32_t data = node.data_dep_count, ctrl = node.ctrl_dep_count;
    node.deps_begin = static_cast<std::uint32_t>(out);
    for (std::size_t k = begin; k < begin + data; ++k) w.g_->deps_[out++] = w.g_->deps_[k];
    std::uint32_t kept = 0;
    for (std::size_t k = begin + data; k < begin + data + ctrl; ++k) {
      if (!drop[k]) {
        w.g_->deps_[out++] = w.g_->deps_[k];
        ++kept;
      }
    }
    node.ctrl_dep_count = kept;
  }
  w.g_->deps_.resize(out);
  return dropped;
}

void WorkloadBuilder::Impl::order_and_check_cycles() {
  const std::size_t n = w.g_->nodes_.size();
  auto waiting = topological_sort();
  if (w.g_->topo_.size() == n) return;
  if (options.deps == DepPolicy::kLenient) {
    if (const std::uint64_t dropped = drop_cycle_ctrl_deps(waiting)) {
      warn("ctrl_deps",
           fmt::format("{} ctrl_deps close dependency cycles together with data_deps (e.g. a CPU op whose ctrl "
                       "parent is its own GPU kernel); dropped (lenient), keeping the data_deps order",
                       dropped));
      w.report_.ctrl_cycle_edges = dropped;
      build_children();
      waiting = topological_sort();
      if (w.g_->topo_.size() == n) return;
    }
  }
  // Some nodes never became ready: walk unfinished dependencies from one of them until a node
  // repeats; that closes a cycle.
  NodeIndex start = 0;
  while (waiting[start] == 0) ++start;
  std::vector<std::int64_t> seen_at(n, -1);
  std::vector<NodeIndex> path;
  NodeIndex cur = start;
  while (seen_at[cur] < 0) {
    seen_at[cur] = static_cast<std::int64_t>(path.size());
    path.push_back(cur);
    NodeIndex next = cur;
    for (NodeIndex d : w.deps(cur)) {
      if (waiting[d] > 0) {
        next = d;
        break;
      }
    }
    cur = next;
  }
  std::vector<NodeIndex> cycle(path.begin() + seen_at[cur], path.end());
  std::reverse(cycle.begin(), cycle.end());  // print in dependency direction: a -> b means b waits on a
  std::string text;
  for (std::size_t k = 0; k < cycle.size() && k < 8; ++k) text += key(cycle[k]) + " -> ";
  if (cycle.size() > 8) text += "... -> ";
  text += key(cycle.front());
  error("dependencies",
        fmt::format("dependency cycle ({} nodes never become ready; a -> b means b waits for a): {}",
                    n - w.g_->topo_.size(), text),
        options.deps == DepPolicy::kStrict
            ? "remove one edge of the cycle; if it goes through ctrl_deps, the policy 'lenient' drops such edges"
            : "a node must not (transitively) depend on itself; remove one edge of the cycle");
}

}  // namespace tessera::workload
