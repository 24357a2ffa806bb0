// EtNode stream -> compact, validated Workload: the public WorkloadBuilder, file loading, and the
// Workload accessors that are not inline. Node semantics are in node_semantics.cpp, the graph in
// dependency_graph.cpp.
#include <algorithm>
#include <filesystem>

#include "builder_impl.hpp"
#include "tessera/workload/et_io.hpp"

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
  return g_->nodes_.size() * sizeof(Node) +
         (g_->deps_.size() + g_->children_.size() + g_->parent_count_.size() + g_->roots_.size() + g_->topo_.size()) *
             sizeof(NodeIndex) +
         g_->names_.memory_bytes() + g_->parallelism_.size();
}

void Workload::set_parallelism(std::vector<CommParallelism> labels) {
  if (g_.use_count() > 1) throw Error(fmt::format("{}: labels set on a shared graph", source_));
  if (labels.size() != g_->nodes_.size()) {
    throw Error(fmt::format("{}: {} parallelism labels for {} nodes", source_, labels.size(), g_->nodes_.size()));
  }
  g_->parallelism_ = std::move(labels);
}

std::int32_t Workload::peer(std::int32_t v) const {
  if (peers_.empty()) return v;
  auto it = std::lower_bound(peers_.begin(), peers_.end(), std::pair<std::int32_t, std::int32_t>{v, INT32_MIN});
  return it != peers_.end() && it->first == v ? it->second : v;
}

Workload Workload::rebound(int npu, std::string source, std::vector<std::string> pg_names,
                           std::vector<PgDeclaration> declarations,
                           std::vector<std::pair<std::int32_t, std::int32_t>> peers) const {
  if (pg_names.size() != pg_names_.size()) {
    throw Error(fmt::format("{}: {} communicator groups to rebind {} to, for {} in the graph", source_,
                            pg_names.size(), source, pg_names_.size()));
  }
  Workload w;
  w.npu_ = npu;
  w.source_ = std::move(source);
  w.metadata_ = metadata_;
  w.g_ = g_;
  w.pg_names_ = std::move(pg_names);
  w.pg_declarations_ = std::move(declarations);
  std::sort(peers.begin(), peers.end());
  w.peers_ = std::move(peers);
  w.report_ = report_;
  w.warnings_ = warnings_;
  return w;
}

std::optional<NodeIndex> Workload::find(std::uint64_t id) const {
  // Nodes are sorted by id, so a binary search over them needs no extra index.
  auto it = std::lower_bound(g_->nodes_.begin(), g_->nodes_.end(), id,
                             [](const Node& n, std::uint64_t v) { return n.id < v; });
  if (it == g_->nodes_.end() || it->id != id) return std::nullopt;
  return static_cast<NodeIndex>(it - g_->nodes_.begin());
}

Workload WorkloadBuilder::Impl::finish() {
  w.g_->names_.seal();
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
void WorkloadBuilder::reserve(std::size_t nodes) { impl_->w.g_->nodes_.reserve(nodes); }
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
