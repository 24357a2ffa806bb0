// Node emission for the step graph: ids in program order, one compute stream (every kernel after
// the previous one, as on Megatron's single CUDA stream), stream waits on communication, and
// point-to-point tags both ends derive alike.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "step_graph.hpp"
#include "tessera/workload/kernel_attrs.hpp"

namespace tessera::llm::detail {

using workload::EtAttribute;
using workload::NodeType;

std::string StepGraph::name(const std::string& op) const {
  const char pass = pass_ == PassKind::kForward ? 'F' : pass_ == PassKind::kBackward ? 'B' : 'R';
  const std::string step = run_.steps > 1 ? fmt::format("s{} ", step_) : "";
  if (layer_ < 0) return fmt::format("{}{}{}.{} {}", step, pass, mb_, chunk_, op);
  return fmt::format("{}{}{}.{} L{} {}", step, pass, mb_, chunk_, layer_, op);
}

std::int32_t StepGraph::tag(int kind, int index, int sub) const {
  // Unique per (step, kind, index, sub) for realistic sizes; a wrap can only pair messages that
  // both ends send and post in the same order, since matching is FIFO per (peer, tag, size).
  constexpr std::uint64_t kSpan = (std::uint64_t{1} << 31) - 2;
  const std::uint64_t v =
      ((static_cast<std::uint64_t>(step_) * 16 + static_cast<std::uint64_t>(kind)) * 8192 +
       static_cast<std::uint64_t>(index)) *
          65536 +
      static_cast<std::uint64_t>(sub);
  return static_cast<std::int32_t>(v % kSpan + 1);
}

bool StepGraph::has_group(GroupKind g) const { return groups_.id(g, npu_) != 0; }

std::vector<NodeId> StepGraph::here() const {
  if (last_compute_) return {*last_compute_};
  return {};
}

NodeId StepGraph::compute(const std::string& op, const compute::Kernel& k) {
  node_.clear();
  node_.id = next_id_++;
  node_.name = name(op);
  node_.type = NodeType::kComp;
  if (last_compute_) node_.data_deps.push_back(*last_compute_);
  for (NodeId w : waits_) {
    if (std::find(node_.data_deps.begin(), node_.data_deps.end(), w) == node_.data_deps.end()) {
      node_.data_deps.push_back(w);
    }
  }
  waits_.clear();
  node_.attrs.push_back(EtAttribute::make_bool("is_cpu_op", false));
  workload::add_kernel_attributes(k, node_);
  // Tools that replay durations (ASTRA-sim without roofline) read whole microseconds.
  const SimTime t = gpu_.time(k);
  node_.duration_micros =
      static_cast<std::uint64_t>(std::max<SimTime>(1, (t + kMicrosecond / 2) / kMicrosecond));
  sink_.node(node_);
  last_compute_ = node_.id;
  return node_.id;
}

NodeId StepGraph::collective(const std::string& op, CollectiveType type, Bytes size,
                             GroupKind group, std::vector<NodeId> deps) {
  node_.clear();
  node_.id = next_id_++;
  node_.name = name(op);
  node_.type = NodeType::kCommColl;
  node_.data_deps = std::move(deps);
  node_.attrs.push_back(EtAttribute::make_bool("is_cpu_op", false));
  node_.attrs.push_back(EtAttribute::make_int64("comm_type", static_cast<std::int64_t>(type)));
  node_.attrs.push_back(EtAttribute::make_int64("comm_size", size));
  node_.attrs.push_back(EtAttribute::make_string("pg_name", std::to_string(groups_.id(group, npu_))));
  sink_.node(node_);
  label(node_.id, group);
  return node_.id;
}

void StepGraph::label(NodeId id, GroupKind via) {
  if (labels_ == nullptr) return;
  if (labels_->size() <= id) labels_->resize(id + 1, workload::CommParallelism::kNone);
  (*labels_)[id] = parallelism_of(via);
}

NodeId StepGraph::p2p(NodeType type, const std::string& op, int src, int dst, std::int32_t t, Bytes size,
                      std::vector<NodeId> deps) {
  node_.clear();
  node_.id = next_id_++;
  node_.name = name(op);
  node_.type = type;
  node_.data_deps = std::move(deps);
  node_.attrs.push_back(EtAttribute::make_bool("is_cpu_op", false));
  node_.attrs.push_back(EtAttribute::make_int64("comm_size", size));
  node_.attrs.push_back(EtAttribute::make_int32("comm_src", src));
  node_.attrs.push_back(EtAttribute::make_int32("comm_dst", dst));
  node_.attrs.push_back(EtAttribute::make_int32("comm_tag", t));
  sink_.node(node_);
  return node_.id;
}

NodeId StepGraph::send(const std::string& op, GroupKind via, int dst, std::int32_t t, Bytes size,
                       std::vector<NodeId> deps) {
  const NodeId id = p2p(NodeType::kCommSend, op, npu_, dst, t, size, std::move(deps));
  label(id, via);
  return id;
}

// A receive is posted from the start: its consumer waits for it.
NodeId StepGraph::recv(const std::string& op, GroupKind via, int src, std::int32_t t, Bytes size) {
  const NodeId id = p2p(NodeType::kCommRecv, op, src, npu_, t, size, {});
  label(id, via);
  return id;
}

compute::Kernel StepGraph::gemm(std::int64_t m, std::int64_t n, std::int64_t k, compute::Precision p,
                                bool accumulate_fp32, std::int64_t batch) const {
  compute::Kernel g;
  g.kind = compute::KernelKind::kGemm;
  g.precision = p;
  g.m = m;
  g.n = n;
  g.k = k;
  g.batch = batch;
  g.flops = 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) *
            static_cast<double>(batch);
  const double in = compute::element_bytes(p);
  // Outputs are 16-bit; a weight gradient accumulates into the fp32 main grad (read + write),
  // as gradient_accumulation_fusion does.
  const double out = accumulate_fp32 ? 8 : 2;
  g.bytes =
      static_cast<double>(batch) *
      ((static_cast<double>(m) * static_cast<double>(k) + static_cast<double>(k) * static_cast<double>(n)) *
           in +
       static_cast<double>(m) * static_cast<double>(n) * out);
  return g;
}

compute::Kernel StepGraph::memory(double bytes) const {
  compute::Kernel k;
  k.kind = compute::KernelKind::kMemory;
  k.bytes = bytes;
  return k;
}

compute::Kernel StepGraph::attention(bool forward, std::int64_t q, std::int64_t kv, bool causal,
                                     double heads) const {
  compute::Kernel a;
  a.kind = forward ? compute::KernelKind::kAttentionForward : compute::KernelKind::kAttentionBackward;
  a.precision = compute::Precision::kBf16;
  a.backend = backend_;
  a.m = q;
  a.n = kv;
  a.k = run_.model.kv_channels();
  a.batch = static_cast<std::int64_t>(std::llround(run_.micro_batch * heads));
  a.causal = causal;
  const double d = static_cast<double>(a.k);
  const double b = run_.micro_batch;
  // FlashAttention's convention: 4·batch·q·kv·d forward (half causal), 2.5 x that backward.
  a.flops = 4.0 * static_cast<double>(a.batch) * static_cast<double>(q) * static_cast<double>(kv) * d *
            (causal ? 0.5 : 1.0) * (forward ? 1.0 : 2.5);
  // Q and O (or dO, dQ) per query, K and V per key.
  const double io =
      b * (static_cast<double>(q) * heads * d * 2 + static_cast<double>(kv) * kv_heads_ * d * 2) * e_;
  a.bytes = forward ? io : 2 * io;
  return a;
}

}  // namespace tessera::llm::detail
