// Private to src/workload: the state of a WorkloadBuilder while it reads nodes (node_semantics.cpp)
// and when it builds the dependency graph (dependency_graph.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "tessera/error.hpp"
#include "tessera/workload/workload.hpp"

namespace tessera::workload {

// Errors beyond this many are counted, not listed: one bad converter run can break every node.
inline constexpr std::size_t kMaxListedErrors = 20;

/// Interns a few strings (pg_name values): equal strings share one table entry.
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

struct WorkloadBuilder::Impl {
  LoadOptions options;
  Workload w;
  StringTable pgs{w.pg_names_};
  std::vector<std::uint64_t> raw_deps;  // trace ids, per node [deps_begin, +data, +ctrl)
  std::vector<Diagnostic> errors;
  std::size_t error_count = 0;
  /// The durations of the nodes so far, summed with checked arithmetic: a trace whose nodes add
  /// up past the time range is refused while loading, not mid-run by the engine.
  SimTime duration_sum = 0;
  bool duration_sum_overflowed = false;

  std::string key(const EtNode& n) const { return fmt::format("node {} '{}'", n.id, n.name); }
  std::string key(NodeIndex i) const { return fmt::format("node {} '{}'", w.g_->nodes_[i].id, w.name(i)); }

  void error(std::string where, std::string message, std::string fix = "") {
    ++error_count;
    if (errors.size() < kMaxListedErrors) errors.push_back({w.source_, 0, std::move(where), std::move(message), std::move(fix)});
  }
  void warn(std::string where, std::string message, std::string fix = "") {
    w.warnings_.push_back({w.source_, 0, std::move(where), std::move(message), std::move(fix)});
  }

  // node_semantics.cpp: one EtNode -> one Node, checking its attributes.
  std::optional<std::int64_t> int_attr(const EtNode& n, std::string_view name);
  std::optional<std::int32_t> int32_attr(const EtNode& n, std::string_view name);
  std::optional<Bytes> size_attr(const EtNode& n, std::string_view name);
  SimTime replay_time(const EtNode& n);
  SimTime roofline_time(const EtNode& n);
  /// Times a COMP node with options.gpu from its kernel attributes; false if it has none.
  bool gpu_time(const EtNode& e, Node& n);
  void parse_pg_metadata(const EtNode& n);
  void add(const EtNode& e);
  [[noreturn]] void throw_errors();

  // workload_builder.cpp: resolve, order and check, then hand the Workload over.
  Workload finish();

  // dependency_graph.cpp: ids -> indices, policies, children, order, cycles.
  void resolve_deps();
  void build_children();
  void order_and_check_cycles();
  std::vector<std::uint32_t> topological_sort();
  std::vector<std::int64_t> stuck_components(const std::vector<std::uint32_t>& waiting);
  std::uint64_t drop_cycle_ctrl_deps(const std::vector<std::uint32_t>& waiting);
};

}  // namespace tessera::workload
