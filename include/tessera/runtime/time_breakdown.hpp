// Where an NPU's time goes in a generated LLM run (docs/llm.md "Output"): the GPU compute stream
// is busy (compute) or idle; each idle stretch is charged to the communication node the next
// kernel (or the end of the NPU's work) waited for last, by that node's parallelism label, and a
// pipeline receive's wait is bubble up to the moment its send started at the upstream stage.
#pragma once

#include <unordered_map>
#include <vector>

#include "tessera/output/records.hpp"
#include "tessera/workload/workload.hpp"

namespace tessera::runtime {

class TimeBreakdown {
 public:
  /// Active only when the workload has parallelism labels (LLM runs); otherwise every call is a
  /// no-op and it holds no per-node state.
  explicit TimeBreakdown(const workload::Workload& wl);
  bool active() const { return active_; }

  /// A compute node issues at `now` (the GPU stream was idle since the previous kernel ended).
  void compute_issued(workload::NodeIndex i, SimTime now);
  /// Node `i` completed at `now`.
  void completed(workload::NodeIndex i, SimTime now);
  /// The matching send of PP receive `i` started at `send_start` at its peer.
  void send_started(workload::NodeIndex i, SimTime send_start);
  /// The NPU's work ended at `finish` after `compute` of kernels: charges the idle tail after the
  /// last kernel.
  output::NpuBreakdown result(int npu, SimTime finish, SimTime compute) const;

 private:
  static constexpr workload::NodeIndex kNone = 0xFFFFFFFFu;
  /// The communication node `i` waited for last (kNone: none, or a kernel).
  workload::NodeIndex blame(workload::NodeIndex i) const;
  void charge(SimTime from, SimTime to, workload::NodeIndex cause, output::NpuBreakdown& b) const;

  const workload::Workload& wl_;
  bool active_;
  std::vector<SimTime> end_;                // per node: completion time (-1: not yet)
  std::vector<workload::NodeIndex> cause_;  // per node: the communication node behind it
  // PP receives only (a few per micro-batch, not one slot per node): the matching send's start.
  std::unordered_map<workload::NodeIndex, SimTime> send_start_;
  SimTime gpu_free_ = 0;                   // when the last kernel ended
  workload::NodeIndex last_done_ = kNone;  // the node that completed last
  output::NpuBreakdown sums_;              // idle stretches charged so far (compute excluded)
};

}  // namespace tessera::runtime
