#include "tessera/runtime/time_breakdown.hpp"

#include <algorithm>

namespace tessera::runtime {

using workload::CommParallelism;
using workload::NodeIndex;
using workload::NodeType;

namespace {

bool is_comm(NodeType t) {
  return t == NodeType::kCommColl || t == NodeType::kCommSend || t == NodeType::kCommRecv;
}

}  // namespace

TimeBreakdown::TimeBreakdown(const workload::Workload& wl) : wl_(wl), active_(wl.has_parallelism()) {
  if (!active_) return;
  end_.assign(wl.size(), -1);
  cause_.assign(wl.size(), kNone);
}

NodeIndex TimeBreakdown::blame(NodeIndex i) const {
  // The dependency that completed last (ties: the higher index, so the rule is deterministic).
  NodeIndex last = kNone;
  for (NodeIndex d : wl_.deps(i)) {
    if (last == kNone || end_[d] > end_[last] || (end_[d] == end_[last] && d > last)) last = d;
  }
  if (last == kNone) return kNone;
  if (wl_.node(last).type() == NodeType::kComp) return kNone;
  return cause_[last];
}

void TimeBreakdown::charge(SimTime from, SimTime to, NodeIndex cause, output::NpuBreakdown& b) const {
  if (to <= from) return;
  const CommParallelism p = cause == kNone ? CommParallelism::kNone : wl_.parallelism(cause);
  if (p == CommParallelism::kNone) {
    b.other += to - from;
    return;
  }
  SimTime bubble = 0;
  if (p == CommParallelism::kPp && wl_.node(cause).type() == NodeType::kCommRecv) {
    if (const auto s = send_start_.find(cause); s != send_start_.end())
      bubble = std::clamp<SimTime>(s->second - from, 0, to - from);
  }
  b.bubble += bubble;
  b.exposed[static_cast<int>(p) - 1] += to - from - bubble;
}

void TimeBreakdown::compute_issued(NodeIndex i, SimTime now) {
  if (!active_) return;
  charge(gpu_free_, now, blame(i), sums_);
}

void TimeBreakdown::completed(NodeIndex i, SimTime now) {
  if (!active_) return;
  end_[i] = now;
  last_done_ = i;
  const NodeType t = wl_.node(i).type();
  if (t == NodeType::kComp) {
    gpu_free_ = now;
  } else if (is_comm(t) && wl_.parallelism(i) != CommParallelism::kNone) {
    cause_[i] = i;
  } else {
    cause_[i] = blame(i);  // METADATA and the like pass on what they waited for
  }
}

void TimeBreakdown::send_started(NodeIndex i, SimTime send_start) {
  if (active_) send_start_[i] = send_start;  // once per PP receive: it completes once
}

output::NpuBreakdown TimeBreakdown::result(int npu, SimTime finish, SimTime compute) const {
  output::NpuBreakdown b = sums_;
  b.npu = npu;
  b.finish = finish;
  if (last_done_ != kNone) {
    const NodeIndex cause = wl_.node(last_done_).type() == NodeType::kComp ? kNone : cause_[last_done_];
    charge(gpu_free_, finish, cause, b);
  }
  b.compute = compute;  // one stream: kernels never overlap, so busy + idle stretches = finish
  return b;
}

}  // namespace tessera::runtime
