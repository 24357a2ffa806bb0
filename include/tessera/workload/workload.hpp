// The per-NPU workload model the runtime executes: a compact, validated dependency DAG built from
// one Chakra trace (or an ASTRA-sim text workload converted in memory). Nodes are stored in
// ascending trace-id order, so "lowest index first" is ASTRA-sim's issue order; dependencies and
// children are index spans into flat arrays. See docs/workload.md.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tessera/error.hpp"
#include "tessera/units.hpp"
#include "tessera/workload/comm_parallelism.hpp"
#include "tessera/workload/et.hpp"

namespace tessera::compute {
class GpuModel;
}

namespace tessera::workload {

/// Dense node index within one Workload (0 .. size()-1, ascending trace id).
using NodeIndex = std::uint32_t;

/// How ctrl_deps are treated. data_deps are always hard dependencies, and a dangling data
/// dependency is always an error.
enum class DepPolicy : std::uint8_t {
  kDataOnly,  ///< ctrl_deps ignored (ASTRA-sim's legacy feeder)
  kStrict,    ///< ctrl_deps enforced; a dangling id or self-loop is an error (ASTRA-sim master)
  kLenient,   ///< ctrl_deps enforced, but dangling ids, self-loops and ctrl_deps that close a
              ///< cycle with data_deps are dropped, with a warning
};
/// "data-only", "strict", "lenient".
std::string_view dep_policy_name(DepPolicy policy);
std::optional<DepPolicy> dep_policy_from_name(std::string_view name);

/// How COMP nodes get their duration (ASTRA-sim's `roofline-enabled`, `peak-perf`,
/// `local-mem-bw`; formula in docs/workload.md).
struct ComputeModel {
  enum class Mode : std::uint8_t { kReplay, kRoofline };
  Mode mode = Mode::kReplay;
  double peak_perf_tflops = 0.0;   ///< roofline: peak compute, TFLOP/s (10^12)
  double local_mem_bw_gbps = 0.0;  ///< roofline: local memory bandwidth, GB/s (10^9)
  /// ASTRA-sim's `replay-only`: every node (communication included) takes its duration_micros
  /// (1 ns if 0) and is flagged kReplayed; no other attribute is required.
  bool replay_only = false;
};

struct LoadOptions {
  DepPolicy deps = DepPolicy::kStrict;
  ComputeModel compute;
  /// When set, COMP nodes that describe their kernel (kernel_attrs.hpp: `tessera_kernel`, or
  /// ASTRA-sim's `num_ops` / `tensor_size`) are timed by this GPU model instead of `compute`;
  /// nodes without them keep `compute`'s rule. Must outlive the builder.
  const compute::GpuModel* gpu = nullptr;
  /// Keep node names (interned). Off saves memory for huge traces; names then read "".
  bool keep_names = true;
  /// NPUs of the run (0 = unknown, as for `trace inspect` without --npus): a SEND's comm_dst or
  /// a RECV's comm_src outside 0..npus-1 is then an error of the trace, found while loading.
  int npus = 0;
  /// Simulate BROADCAST nodes instead of replaying them from `duration_micros` (ASTRA-sim's rule,
  /// kept for the ASTRA collective library); set when NCCL's model, which runs broadcasts, runs
  /// the collectives.
  bool simulate_broadcast = false;
};

/// One node, 72 bytes. Fields that do not apply to the node's type hold their defaults.
struct Node {
  enum Flag : std::uint8_t {
    kCpuOp = 1 << 0,    ///< is_cpu_op: occupies the CPU slot, always replayed
    kHasSrc = 1 << 1,   ///< comm_src present
    kHasDst = 1 << 2,   ///< comm_dst present
    kHasTag = 1 << 3,   ///< comm_tag present
    kReplayed = 1 << 4, ///< a non-COMP node replayed from `duration` instead of simulated
                        ///< (BROADCAST, as ASTRA-sim; CPU-side COLL launch nodes; every
                        ///< node under ComputeModel::replay_only)
  };

  std::uint64_t id = 0;     ///< id in the trace file
  SimTime duration = 0;     ///< COMP: compute time (replay or roofline); kReplayed: replay time
  Bytes size = 0;           ///< COLL/SEND/RECV: comm_size; MEM_LOAD/STORE and COMP: tensor_size
  std::uint32_t name = 0;   ///< index into Workload::name()'s table
  std::uint32_t deps_begin = 0;     ///< into the flat dependency array: data deps, then ctrl deps
  std::uint32_t data_dep_count = 0;
  std::uint32_t ctrl_dep_count = 0;
  std::uint32_t children_begin = 0;
  std::uint32_t child_count = 0;
  std::int32_t src = 0;       ///< comm_src (SEND/RECV), valid if kHasSrc
  std::int32_t dst = 0;       ///< comm_dst, valid if kHasDst
  std::int32_t tag = 0;       ///< comm_tag, valid if kHasTag
  std::int32_t priority = 0;  ///< comm_priority
  std::uint16_t pg = 0;       ///< index into Workload::pg_name(); 0 is "" (all NPUs)
  std::uint16_t involved_dim = 0xF;  ///< bit i: network dimension i is used (absent: 4 × true)
  std::uint8_t kind = 0;            ///< NodeType, stored narrow; use type()
  std::uint8_t coll = 0;            ///< CollectiveType (COLL only); use collective()
  std::uint8_t flags = 0;
  std::uint8_t involved_dim_count = 4;  ///< number of entries in involved_dim

  NodeType type() const { return static_cast<NodeType>(kind); }
  CollectiveType collective() const { return static_cast<CollectiveType>(coll); }
  bool is_cpu_op() const { return flags & kCpuOp; }
  bool has(Flag f) const { return flags & f; }
};

/// Interned strings in one character arena: 8 bytes of offset per distinct string plus its
/// characters (no per-string allocation), with an open-addressing index used while building.
/// Id 0 is "".
class NameTable {
 public:
  NameTable();
  /// The id of `s`, adding it if new.
  std::uint32_t intern(std::string_view s);
  std::string_view operator[](std::uint32_t id) const {
    return std::string_view(chars_).substr(offsets_[id], offsets_[id + 1] - offsets_[id]);
  }
  /// Number of distinct strings, "" included.
  std::size_t size() const { return offsets_.size() - 1; }
  /// Drops the lookup index (intern() must not be called afterwards).
  void seal();
  /// Bytes held.
  std::size_t memory_bytes() const;

 private:
  void grow();
  std::string chars_;
  std::vector<std::uint64_t> offsets_;
  std::vector<std::uint32_t> slots_;  // id + 1; 0 is empty
};

/// A process group declared by a PyTorch METADATA node ("process_group:init").
struct PgDeclaration {
  std::string pg_name;
  std::vector<int> ranks;  ///< empty means all NPUs
};

/// Counters of problems that the policy tolerated (each also appears in warnings()).
struct LoadReport {
  std::uint64_t dangling_ctrl_refs = 0;   ///< ctrl_deps references to ids absent from the file
  std::uint64_t dangling_ctrl_ids = 0;    ///< distinct absent ids among them
  std::uint64_t ctrl_self_loops = 0;      ///< nodes listing themselves in ctrl_deps
  std::uint64_t ctrl_cycle_edges = 0;     ///< ctrl_deps dropped because they closed a cycle
  std::uint64_t cpu_collectives = 0;      ///< COLL nodes with is_cpu_op=true, replayed
  std::uint64_t zero_duration_comp = 0;   ///< COMP replayed as 1 ns because duration_micros = 0
};

/// One NPU's validated workload.
class Workload {
 public:
  int npu() const { return npu_; }
  /// Where it came from: the .et path, or "<text file> (converted)".
  const std::string& source() const { return source_; }
  const EtGlobalMetadata& metadata() const { return metadata_; }

  std::size_t size() const { return g_->nodes_.size(); }
  const Node& node(NodeIndex i) const { return g_->nodes_[i]; }
  std::span<const Node> nodes() const { return g_->nodes_; }

  /// Data dependencies of node i (indices; all must finish before i is issued).
  std::span<const NodeIndex> data_deps(NodeIndex i) const {
    return {g_->deps_.data() + g_->nodes_[i].deps_begin, g_->nodes_[i].data_dep_count};
  }
  /// Control dependencies of node i that the policy enforces (empty under kDataOnly).
  std::span<const NodeIndex> ctrl_deps(NodeIndex i) const {
    return {g_->deps_.data() + g_->nodes_[i].deps_begin + g_->nodes_[i].data_dep_count, g_->nodes_[i].ctrl_dep_count};
  }
  /// All enforced dependencies of node i: data deps then ctrl deps (may repeat an index).
  std::span<const NodeIndex> deps(NodeIndex i) const {
    return {g_->deps_.data() + g_->nodes_[i].deps_begin, g_->nodes_[i].data_dep_count + g_->nodes_[i].ctrl_dep_count};
  }
  /// Nodes that depend on node i, ascending and without repeats: whom to notify on completion.
  std::span<const NodeIndex> children(NodeIndex i) const {
    return {g_->children_.data() + g_->nodes_[i].children_begin, g_->nodes_[i].child_count};
  }
  /// Number of distinct enforced dependencies of node i (the runtime's initial "waiting on" count).
  std::uint32_t parent_count(NodeIndex i) const { return g_->parent_count_[i]; }
  /// Nodes with no enforced dependencies, ascending.
  const std::vector<NodeIndex>& roots() const { return g_->roots_; }
  /// A topological order (ascending index among ready nodes, i.e. ASTRA-sim's issue preference).
  const std::vector<NodeIndex>& topological_order() const { return g_->topo_; }

  std::string_view name(NodeIndex i) const { return g_->names_[g_->nodes_[i].name]; }
  /// The interned node names (Node::name indexes it).
  const NameTable& names() const { return g_->names_; }
  std::string_view pg_name(NodeIndex i) const { return pg_names_[g_->nodes_[i].pg]; }
  /// Distinct pg_name values; index 0 is "".
  const std::vector<std::string>& pg_names() const { return pg_names_; }
  /// Process groups declared by METADATA nodes, in file order.
  const std::vector<PgDeclaration>& pg_declarations() const { return pg_declarations_; }

  /// comm_src / comm_dst of node i as this NPU sees them (valid if the node has kHasSrc /
  /// kHasDst). Read these, not Node::src / Node::dst, which a shared graph holds for the NPU it
  /// was built for.
  std::int32_t src(NodeIndex i) const { return peer(g_->nodes_[i].src); }
  std::int32_t dst(NodeIndex i) const { return peer(g_->nodes_[i].dst); }

  /// This workload's graph as NPU `npu`'s: the same nodes and edges (shared, not copied), with
  /// `npu`'s communicator groups (`pg_names`, index for index with pg_names()), its declarations,
  /// and its peers (`peers`: each comm_src/comm_dst value the graph holds -> `npu`'s). For NPUs
  /// whose graphs differ only there, as the LLM generator's ranks with the same pipeline stage
  /// and context-parallel rank. Throws Error if `pg_names` does not match in size.
  Workload rebound(int npu, std::string source, std::vector<std::string> pg_names,
                   std::vector<PgDeclaration> declarations,
                   std::vector<std::pair<std::int32_t, std::int32_t>> peers) const;
  /// Whether two workloads share one graph.
  bool shares_graph_with(const Workload& other) const { return g_ == other.g_; }

  /// Index of the node with trace id `id`.
  std::optional<NodeIndex> find(std::uint64_t id) const;

  const LoadReport& report() const { return report_; }
  const std::vector<Diagnostic>& warnings() const { return warnings_; }
  /// Bytes in use by this workload (nodes, dependency and child arrays, orders, names).
  std::size_t memory_bytes() const;

  /// The parallelism each communication node serves (kNone for the others), set by the LLM step
  /// generator; a trace from a file has none, and has_parallelism() is false.
  bool has_parallelism() const { return !g_->parallelism_.empty(); }
  CommParallelism parallelism(NodeIndex i) const {
    return g_->parallelism_.empty() ? CommParallelism::kNone : g_->parallelism_[i];
  }
  /// One label per node (size() of them). Throws Error otherwise.
  void set_parallelism(std::vector<CommParallelism> labels);

 private:
  friend class WorkloadBuilder;
  int npu_ = 0;
  std::string source_;
  EtGlobalMetadata metadata_;
  /// The dependency graph: nodes, their edges and orders, names and labels. NPUs whose graphs
  /// differ only in their peers and communicator groups share one (rebound()).
  struct Graph {
    std::vector<Node> nodes_;
    std::vector<NodeIndex> deps_;
    std::vector<NodeIndex> children_;
    std::vector<std::uint32_t> parent_count_;
    std::vector<NodeIndex> roots_;
    std::vector<NodeIndex> topo_;
    NameTable names_;
    std::vector<CommParallelism> parallelism_;  // per node, or empty
  };
  std::shared_ptr<Graph> g_ = std::make_shared<Graph>();
  std::vector<std::string> pg_names_;
  std::vector<PgDeclaration> pg_declarations_;
  /// Peer translation of a rebound workload: (the graph's comm_src/comm_dst, this NPU's), sorted;
  /// empty when the graph is this NPU's own.
  std::vector<std::pair<std::int32_t, std::int32_t>> peers_;
  std::int32_t peer(std::int32_t v) const;
  LoadReport report_;
  std::vector<Diagnostic> warnings_;
};

/// Builds a Workload from a stream of EtNodes (any order; forward references are fine), then
/// validates it. Used by the .et loader and by the in-memory text converter.
class WorkloadBuilder {
 public:
  /// `source` names the input in messages (a path).
  WorkloadBuilder(int npu, std::string source, LoadOptions options);
  ~WorkloadBuilder();
  WorkloadBuilder(const WorkloadBuilder&) = delete;
  WorkloadBuilder& operator=(const WorkloadBuilder&) = delete;

  void set_metadata(EtGlobalMetadata metadata);
  /// Reserves room for about `nodes` nodes (saves the copies of a growing array on big traces).
  void reserve(std::size_t nodes);
  /// Adds one node. Problems are collected and reported together by finish().
  void add(const EtNode& node);
  /// Resolves ids, applies the dependency policy, checks for cycles. Throws InputError listing
  /// every problem (each naming the file and the node).
  Workload finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Loads and validates one .et file as NPU `npu`.
Workload load_workload_file(const std::string& path, int npu, const LoadOptions& options);

}  // namespace tessera::workload
