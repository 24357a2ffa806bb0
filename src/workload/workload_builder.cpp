// EtNode stream -> compact, validated Workload. Attribute semantics follow ASTRA-sim's feeder_v3
// (docs/workload.md, "Node semantics"); every problem is collected and reported together.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <queue>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tessera/workload/et_io.hpp"
#include "tessera/workload/workload.hpp"

namespace tessera::workload {

std::string_view dep_policy_name(DepPolicy policy) {
  switch (policy) {
    case DepPolicy::kDataOnly: return "data-only";
    case DepPolicy::kStrict: return "strict";
    case DepPolicy::kLenient: return "lenient";
  }
  return "?";
}

std::optional<DepPolicy> dep_policy_from_name(std::string_view name) {
  if (name == "data-only") return DepPolicy::kDataOnly;
  if (name == "strict") return DepPolicy::kStrict;
  if (name == "lenient") return DepPolicy::kLenient;
  return std::nullopt;
}

std::size_t Workload::memory_bytes() const {
  return nodes_.size() * sizeof(Node) +
         (deps_.size() + children_.size() + parent_count_.size() + roots_.size() + topo_.size()) * sizeof(NodeIndex) +
         names_.memory_bytes();
}

std::optional<NodeIndex> Workload::find(std::uint64_t id) const {
  // Nodes are sorted by id, so a binary search over them needs no extra index.
  auto it = std::lower_bound(nodes_.begin(), nodes_.end(), id,
                             [](const Node& n, std::uint64_t v) { return n.id < v; });
  if (it == nodes_.end() || it->id != id) return std::nullopt;
  return static_cast<NodeIndex>(it - nodes_.begin());
}

namespace {

// Errors beyond this many are counted, not listed: one bad converter run can break every node.
constexpr std::size_t kMaxListedErrors = 20;

constexpr std::string_view kind_name(AttrKind k) {
  switch (k) {
    case AttrKind::kNone: return "no value";
    case AttrKind::kDouble: return "double_val";
    case AttrKind::kFloat: return "float_val";
    case AttrKind::kString: return "string_val";
    case AttrKind::kBytes: return "bytes_val";
    case AttrKind::kBoolList: return "bool_list";
    default: return static_cast<std::uint8_t>(k) % 2 == 0 ? "a list" : "an integer";
  }
}

/// Interns strings: equal names share one table entry.
class StringTable {
 public:
  explicit StringTable(std::vector<std::string>& table) : table_(table) {
    table_.clear();
    intern("");
  }
  std::uint32_t intern(const std::string& s) {
    auto it = index_.find(s);
    if (it != index_.end()) return it->second;
    const auto id = static_cast<std::uint32_t>(table_.size());
    table_.push_back(s);
    index_.emplace(s, id);
    return id;
  }

 private:
  std::vector<std::string>& table_;
  std::unordered_map<std::string, std::uint32_t> index_;
};

}  // namespace

struct WorkloadBuilder::Impl {
  LoadOptions options;
  Workload w;
  StringTable pgs{w.pg_names_};
  std::vector<std::uint64_t> raw_deps;  // trace ids, per node [deps_begin, +data, +ctrl)
  std::vector<Diagnostic> errors;
  std::size_t error_count = 0;

  std::string key(const EtNode& n) const { return fmt::format("node {} '{}'", n.id, n.name); }
  std::string key(NodeIndex i) const { return fmt::format("node {} '{}'", w.nodes_[i].id, w.name(i)); }

  void error(std::string where, std::string message, std::string fix = "") {
    ++error_count;
    if (errors.size() < kMaxListedErrors) errors.push_back({w.source_, 0, std::move(where), std::move(message), std::move(fix)});
  }
  void warn(std::string where, std::string message, std::string fix = "") {
    w.warnings_.push_back({w.source_, 0, std::move(where), std::move(message), std::move(fix)});
  }

  /// An integer attribute in any integer encoding (as feeder_v3 coerces); a float, string or list
  /// value is an error.
  std::optional<std::int64_t> int_attr(const EtNode& n, std::string_view name) {
    const EtAttribute* a = n.find(name);
    if (!a) return std::nullopt;
    if (auto v = a->as_int64()) return v;
    if (a->is_integer_scalar()) {
      error(key(n), fmt::format("attribute '{}' = {} does not fit in a signed 64-bit integer", name, a->bits));
    } else {
      error(key(n), fmt::format("attribute '{}' must hold an integer, but it holds {}", name, kind_name(a->kind)),
            "write it as int64_val (or any integer type)");
    }
    return std::nullopt;
  }

  std::optional<std::int32_t> int32_attr(const EtNode& n, std::string_view name) {
    auto v = int_attr(n, name);
    if (!v) return std::nullopt;
    if (*v < std::numeric_limits<std::int32_t>::min() || *v > std::numeric_limits<std::int32_t>::max()) {
      error(key(n), fmt::format("attribute '{}' = {} is out of the 32-bit range", name, *v));
      return std::nullopt;
    }
    return static_cast<std::int32_t>(*v);
  }

  std::optional<Bytes> size_attr(const EtNode& n, std::string_view name) {
    auto v = int_attr(n, name);
    if (v && *v < 0) {
      error(key(n), fmt::format("attribute '{}' = {} is negative", name, *v));
      return std::nullopt;
    }
    return v;
  }

  SimTime replay_time(const EtNode& n) {
    if (n.duration_micros > static_cast<std::uint64_t>(kTimeInfinity / kMicrosecond)) {
      error(key(n), fmt::format("duration_micros = {} is too large (over 106 days)", n.duration_micros));
      return 0;
    }
    // ASTRA-sim replays a zero duration as 1 ns.
    if (n.duration_micros == 0) return kNanosecond;
    return static_cast<SimTime>(n.duration_micros) * kMicrosecond;
  }

  /// ASTRA-sim's Roofline: runtime_ns = trunc(num_ops / min(bw·OI, peak)), in double as ASTRA-sim
  /// computes it, so that the truncation matches; converted to ps once here.
  SimTime roofline_time(const EtNode& n) {
    const auto ops = int_attr(n, "num_ops");
    const auto bytes = size_attr(n, "tensor_size");
    if (!ops || !bytes) {
      if (!n.find("num_ops") || !n.find("tensor_size")) {
        error(key(n), "roofline compute needs the attributes 'num_ops' and 'tensor_size'",
              "add them to the trace, or use replay (durations from duration_micros)");
      }
      return 0;
    }
    const ComputeModel& cm = options.compute;
    if (*bytes == 0) return 0;  // ASTRA-sim skips such a node as invalid: it takes no time
    const double oi = static_cast<double>(*ops) / static_cast<double>(*bytes);
    const double perf = std::min(cm.local_mem_bw_gbps * 1e9 * oi, cm.peak_perf_tflops * 1e12);
    if (!(perf > 0)) return 0;
    const double ns = std::trunc(static_cast<double>(*ops) / perf * 1e9);
    return static_cast<SimTime>(ns) * kNanosecond;
  }

  void parse_pg_metadata(const EtNode& n) {
    if (!n.inputs || n.inputs->values.empty()) return;
    const std::string& v = n.inputs->values;
    // PyTorch stores str(['<json>']): ASTRA-sim drops two characters at each end.
    if (v.size() < 4 || v.compare(0, 2, "['") != 0) return;
    try {
      const auto j = nlohmann::json::parse(v.substr(2, v.size() - 4));
      if (!j.is_array()) throw std::runtime_error("not a JSON array");
      for (const auto& e : j) {
        PgDeclaration d;
        const auto& pg = e.at("pg_name");
        d.pg_name = pg.is_string() ? pg.get<std::string>() : pg.dump();
        if (e.contains("ranks")) d.ranks = e.at("ranks").get<std::vector<int>>();
        w.pg_declarations_.push_back(std::move(d));
      }
    } catch (const std::exception& ex) {
      error(key(n), fmt::format("process-group metadata in inputs.values is not valid: {}", ex.what()),
            "expected PyTorch's form ['[{\"pg_name\": \"0\", \"ranks\": [0, 1]}]']");
    }
  }

  void add(const EtNode& e) {
    Node n;
    n.id = e.id;
    const auto t = static_cast<std::int32_t>(e.type);
    if (t < 0 || t > static_cast<std::int32_t>(NodeType::kCommColl)) {
      const char* known = t == 8 ? " (STORAGE_NODE)" : t == 9 ? " (BATCH_NODE)" : t == 10 ? " (CHECKPOINT_NODE)" : "";
      error(key(e), fmt::format("unsupported node type {}{}", t, known),
            "Tessera (like ASTRA-sim) runs node types 0..7 (INVALID, METADATA, MEM_LOAD, MEM_STORE, COMP, "
            "COMM_SEND, COMM_RECV, COMM_COLL)");
    }
    n.kind = static_cast<std::uint8_t>(t);
    n.name = options.keep_names ? w.names_.intern(e.name) : 0;
    if (auto cpu = int_attr(e, "is_cpu_op"); cpu && *cpu != 0) n.flags |= Node::kCpuOp;

    switch (e.type) {
      case NodeType::kComp:
        if (options.compute.mode == ComputeModel::Mode::kRoofline && !n.is_cpu_op()) {
          n.duration = roofline_time(e);
        } else {
          n.duration = replay_time(e);
          if (e.duration_micros == 0) ++w.report_.zero_duration_comp;
        }
        if (auto s = size_attr(e, "tensor_size")) n.size = *s;
        break;
      case NodeType::kCommColl: {
        const auto ct = int_attr(e, "comm_type");
        const auto cs = size_attr(e, "comm_size");
        if (n.is_cpu_op()) {
          // PyTorch traces carry CPU-side launch nodes (c10d::allreduce_) beside the GPU kernel
          // that does the communication; ASTRA-sim rejects them, we replay them as CPU work.
          n.flags |= Node::kReplayed;
          n.duration = replay_time(e);
          ++w.report_.cpu_collectives;
          if (ct && *ct >= 0 && *ct <= 9) n.coll = static_cast<std::uint8_t>(*ct);
          if (cs) n.size = *cs;
          break;
        }
        if (!e.find("comm_type")) {
          error(key(e), "collective without 'comm_type'",
                "add the int64 attribute comm_type (0 ALL_REDUCE, 2 ALL_GATHER, 6 ALL_TO_ALL, 7 REDUCE_SCATTER, ...)");
        } else if (ct && (*ct < 0 || *ct > 9)) {
          error(key(e), fmt::format("comm_type {} is not a Chakra collective type (0..9)", *ct));
        } else if (ct) {
          n.coll = static_cast<std::uint8_t>(*ct);
        }
        if (!e.find("comm_size")) {
          error(key(e), "collective without 'comm_size'", "add the int64 attribute comm_size (bytes per NPU)");
        } else if (cs) {
          n.size = *cs;
        }
        if (n.collective() == CollectiveType::kBroadcast) {
          // ASTRA-sim replays BROADCAST from duration_micros instead of simulating it.
          n.flags |= Node::kReplayed;
          n.duration = replay_time(e);
        }
        break;
      }
      case NodeType::kCommSend:
      case NodeType::kCommRecv: {
        const bool send = e.type == NodeType::kCommSend;
        const char* what = send ? "send" : "receive";
        if (n.is_cpu_op()) error(key(e), fmt::format("a {} node cannot be a CPU op (is_cpu_op = true)", what));
        if (!e.find("comm_size")) {
          error(key(e), fmt::format("{} without 'comm_size'", what), "add the int64 attribute comm_size (bytes)");
        } else if (auto cs = size_attr(e, "comm_size")) {
          n.size = *cs;
        }
        if (auto v = int32_attr(e, "comm_src")) { n.src = *v; n.flags |= Node::kHasSrc; }
        if (auto v = int32_attr(e, "comm_dst")) { n.dst = *v; n.flags |= Node::kHasDst; }
        if (auto v = int32_attr(e, "comm_tag")) { n.tag = *v; n.flags |= Node::kHasTag; }
        const bool peer = send ? e.find("comm_dst") != nullptr : e.find("comm_src") != nullptr;
        if (!peer || !e.find("comm_tag")) {
          const std::string missing = !peer && !e.find("comm_tag") ? (send ? "'comm_dst' and 'comm_tag'" : "'comm_src' and 'comm_tag'")
                                      : !peer ? (send ? "'comm_dst'" : "'comm_src'") : "'comm_tag'";
          error(key(e), fmt::format("{} without {}", what, missing),
                send ? "add int32 attributes comm_dst (destination NPU) and comm_tag (matching tag); PyTorch-converted "
                       "traces omit them"
                     : "add int32 attributes comm_src (source NPU) and comm_tag (matching tag); PyTorch-converted "
                       "traces omit them");
        }
        break;
      }
      case NodeType::kMemLoad:
      case NodeType::kMemStore:
        if (!e.find("tensor_size")) {
          error(key(e), "memory node without 'tensor_size'", "add the uint64 attribute tensor_size (bytes)");
        } else if (auto s = size_attr(e, "tensor_size")) {
          n.size = *s;
        }
        break;
      case NodeType::kMetadata:
        parse_pg_metadata(e);
        break;
      default:
        break;
    }

    if (auto p = int32_attr(e, "comm_priority")) n.priority = *p;
    if (const EtAttribute* pg = e.find("pg_name")) {
      std::string text;
      if (pg->kind == AttrKind::kString || pg->kind == AttrKind::kBytes) {
        text = pg->text;
      } else if (auto v = pg->as_int64()) {
        text = std::to_string(*v);
      } else {
        error(key(e), fmt::format("attribute 'pg_name' must be a string, but it holds {}", kind_name(pg->kind)));
      }
      if (!text.empty()) {
        const bool numeric = text.find_first_not_of("0123456789") == std::string::npos && text.size() <= 9;
        if (!numeric) {
          error(key(e), fmt::format("pg_name '{}' is not a communicator group id", text),
                "pg_name must be a decimal group id defined in the comm-group JSON or by a METADATA node");
        }
        const auto id = pgs.intern(text);
        if (id > std::numeric_limits<std::uint16_t>::max()) {
          error(key(e), "more than 65535 distinct pg_name values");
        } else {
          n.pg = static_cast<std::uint16_t>(id);
        }
      }
    }
    if (const EtAttribute* dim = e.find("involved_dim")) {
      if (dim->kind != AttrKind::kBoolList) {
        error(key(e), fmt::format("attribute 'involved_dim' must be a bool_list, but it holds {}", kind_name(dim->kind)));
      } else if (dim->ints.size() > 16) {
        error(key(e), fmt::format("involved_dim has {} entries; at most 16 network dimensions are supported",
                                  dim->ints.size()));
      } else {
        n.involved_dim = 0;
        for (std::size_t i = 0; i < dim->ints.size(); ++i) {
          if (dim->ints[i]) n.involved_dim |= static_cast<std::uint16_t>(1u << i);
        }
        n.involved_dim_count = static_cast<std::uint8_t>(dim->ints.size());
      }
    }

    if (raw_deps.size() + e.data_deps.size() + e.ctrl_deps.size() > std::numeric_limits<std::uint32_t>::max()) {
      throw InputError(Diagnostic{w.source_, 0, key(e), "more than 4 billion dependencies in one trace", ""});
    }
    n.deps_begin = static_cast<std::uint32_t>(raw_deps.size());
    n.data_dep_count = static_cast<std::uint32_t>(e.data_deps.size());
    n.ctrl_dep_count = options.deps == DepPolicy::kDataOnly ? 0 : static_cast<std::uint32_t>(e.ctrl_deps.size());
    raw_deps.insert(raw_deps.end(), e.data_deps.begin(), e.data_deps.end());
    if (options.deps != DepPolicy::kDataOnly) raw_deps.insert(raw_deps.end(), e.ctrl_deps.begin(), e.ctrl_deps.end());
    if (w.nodes_.size() >= std::numeric_limits<NodeIndex>::max()) {
      throw InputError(Diagnostic{w.source_, 0, key(e), "more than 4 billion nodes in one trace", ""});
    }
    w.nodes_.push_back(n);
  }

  [[noreturn]] void throw_errors() {
    if (error_count > errors.size()) {
      errors.push_back({w.source_, 0, "", fmt::format("... and {} more problems", error_count - errors.size()), ""});
    }
    throw InputError(std::move(errors));
  }

  Workload finish();
  void resolve_deps();
  void build_children();
  void order_and_check_cycles();
  std::vector<std::uint32_t> topological_sort();
  std::vector<std::int64_t> stuck_components(const std::vector<std::uint32_t>& waiting);
  std::uint64_t drop_cycle_ctrl_deps(const std::vector<std::uint32_t>& waiting);
};

void WorkloadBuilder::Impl::resolve_deps() {
  auto& nodes = w.nodes_;
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
            fmt::format("duplicate node id {} ('{}' and '{}')", nodes[perm[i]].id, w.names_[nodes[perm[i - 1]].name],
                        w.names_[nodes[perm[i]].name]),
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

  std::vector<NodeIndex>& deps = w.deps_;
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
  auto& nodes = w.nodes_;
  const std::size_t n = nodes.size();
  w.parent_count_.assign(n, 0);
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
    w.parent_count_[i] = static_cast<std::uint32_t>(distinct.size());
    for (NodeIndex p : distinct) ++counts[p];
  }
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    nodes[i].children_begin = static_cast<std::uint32_t>(total);
    nodes[i].child_count = 0;
    total += counts[i];
  }
  w.children_.assign(total, 0);
  // Pass 2: children in ascending order because i ascends.
  for (std::size_t i = 0; i < n; ++i) {
    distinct_deps(static_cast<NodeIndex>(i));
    for (NodeIndex p : distinct) w.children_[nodes[p].children_begin + nodes[p].child_count++] = static_cast<NodeIndex>(i);
  }
  w.roots_.clear();
  for (std::size_t i = 0; i < n; ++i) {
    if (w.parent_count_[i] == 0) w.roots_.push_back(static_cast<NodeIndex>(i));
  }
}

/// Kahn's algorithm, lowest index first. Returns the per-node count of unfinished dependencies
/// (all zero when every node was ordered).
std::vector<std::uint32_t> WorkloadBuilder::Impl::topological_sort() {
  std::vector<std::uint32_t> waiting = w.parent_count_;
  std::priority_queue<NodeIndex, std::vector<NodeIndex>, std::greater<>> ready(std::greater<>{}, w.roots_);
  w.topo_.clear();
  w.topo_.reserve(w.nodes_.size());
  while (!ready.empty()) {
    const NodeIndex i = ready.top();
    ready.pop();
    w.topo_.push_back(i);
    for (NodeIndex c : w.children(i)) {
      if (--waiting[c] == 0) ready.push(c);
    }
  }
  return waiting;
}

std::vector<std::int64_t> WorkloadBuilder::Impl::stuck_components(const std::vector<std::uint32_t>& waiting) {
  // Iterative Tarjan over the nodes that never became ready, following dependency edges.
  const std::size_t n = w.nodes_.size();
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
  const std::size_t n = w.nodes_.size();
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
  std::vector<char> drop(w.deps_.size(), 0);
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
      const Node& node = w.nodes_[v];
      for (std::uint32_t k = 0; k < node.ctrl_dep_count; ++k) {
        const std::size_t at = node.deps_begin + node.data_dep_count + k;
        const NodeIndex d = w.deps_[at];
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
    Node& node = w.nodes_[v];
    const std::size_t begin = node.deps_begin;
    const std::uint32_t data = node.data_dep_count, ctrl = node.ctrl_dep_count;
    node.deps_begin = static_cast<std::uint32_t>(out);
    for (std::size_t k = begin; k < begin + data; ++k) w.deps_[out++] = w.deps_[k];
    std::uint32_t kept = 0;
    for (std::size_t k = begin + data; k < begin + data + ctrl; ++k) {
      if (!drop[k]) {
        w.deps_[out++] = w.deps_[k];
        ++kept;
      }
    }
    node.ctrl_dep_count = kept;
  }
  w.deps_.resize(out);
  return dropped;
}

void WorkloadBuilder::Impl::order_and_check_cycles() {
  const std::size_t n = w.nodes_.size();
  auto waiting = topological_sort();
  if (w.topo_.size() == n) return;
  if (options.deps == DepPolicy::kLenient) {
    if (const std::uint64_t dropped = drop_cycle_ctrl_deps(waiting)) {
      warn("ctrl_deps",
           fmt::format("{} ctrl_deps close dependency cycles together with data_deps (e.g. a CPU op whose ctrl "
                       "parent is its own GPU kernel); dropped (lenient), keeping the data_deps order",
                       dropped));
      w.report_.ctrl_cycle_edges = dropped;
      build_children();
      waiting = topological_sort();
      if (w.topo_.size() == n) return;
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
                    n - w.topo_.size(), text),
        options.deps == DepPolicy::kStrict
            ? "remove one edge of the cycle; if it goes through ctrl_deps, the policy 'lenient' drops such edges"
            : "a node must not (transitively) depend on itself; remove one edge of the cycle");
}

Workload WorkloadBuilder::Impl::finish() {
  w.names_.seal();
  resolve_deps();
  if (error_count) throw_errors();
  build_children();
  order_and_check_cycles();
  if (error_count) throw_errors();
  if (w.report_.cpu_collectives) {
    warn("COMM_COLL_NODE",
         fmt::format("{} collective node(s) have is_cpu_op = true (PyTorch's CPU-side launch ops); they are replayed "
                     "as CPU work from duration_micros and the GPU kernel node carries the communication",
                     w.report_.cpu_collectives));
  }
  return std::move(w);
}

WorkloadBuilder::WorkloadBuilder(int npu, std::string source, LoadOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  impl_->w.npu_ = npu;
  impl_->w.source_ = std::move(source);
}

WorkloadBuilder::~WorkloadBuilder() = default;

void WorkloadBuilder::set_metadata(EtGlobalMetadata metadata) { impl_->w.metadata_ = std::move(metadata); }
void WorkloadBuilder::add(const EtNode& node) { impl_->add(node); }
void WorkloadBuilder::reserve(std::size_t nodes) { impl_->w.nodes_.reserve(nodes); }
Workload WorkloadBuilder::finish() { return impl_->finish(); }

Workload load_workload_file(const std::string& path, int npu, const LoadOptions& options) {
  EtReader reader(path);
  WorkloadBuilder builder(npu, path, options);
  builder.set_metadata(reader.metadata());
  // Real nodes take at least ~24 bytes on disk (id, name, type, a dependency); reserving for
  // that many only claims address space, pages are touched as nodes arrive.
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(path, ec);
  if (!ec && !reader.compressed()) builder.reserve(static_cast<std::size_t>(bytes / 24));
  EtNode node;
  while (reader.next(node)) builder.add(node);
  if (reader.nodes_read() == 0) {
    throw InputError(Diagnostic{path, 0, "", "the trace has no nodes", "a Chakra trace needs at least one node"});
  }
  return builder.finish();
}

}  // namespace tessera::workload
