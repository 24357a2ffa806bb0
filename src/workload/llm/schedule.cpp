// 1F1B and interleaved 1F1B as Megatron-Core orders them (reference llm-training.md §2).
#include <algorithm>

#include <fmt/format.h>

#include "tessera/workload/llm/schedule.hpp"

namespace tessera::llm {

int warmup_passes(const ScheduleParams& p, int rank) {
  if (p.pp <= 1) return 0;
  const int total = p.micro_batches * p.vp;
  if (p.vp <= 1) return std::min(p.pp - rank - 1, p.micro_batches);
  const int group = p.group_size > 0 ? p.group_size : p.pp;
  return std::min(2 * (p.pp - rank - 1) + (p.vp - 1) * group, total);
}

std::vector<PipeOp> schedule_table(const ScheduleParams& p) {
  const int group = p.group_size > 0 ? p.group_size : p.pp;
  std::vector<PipeOp> table;
  table.reserve(static_cast<std::size_t>(p.micro_batches * p.vp));
  // Micro-batches in groups of G (the last group takes the remainder); within a group, chunk 0
  // for each of its micro-batches, then chunk 1, ...
  for (int first = 0; first < p.micro_batches; first += group) {
    const int last = first + group >= p.micro_batches ? p.micro_batches : first + group;
    for (int chunk = 0; chunk < p.vp; ++chunk) {
      for (int mb = first; mb < last; ++mb) table.push_back({true, mb, chunk});
    }
  }
  return table;
}

std::vector<PipeOp> pipeline_schedule(const ScheduleParams& p, int rank) {
  std::vector<PipeOp> out;
  const int m = p.micro_batches;
  if (p.pp <= 1 && p.vp <= 1) {
    for (int mb = 0; mb < m; ++mb) {
      out.push_back({true, mb, 0});
      out.push_back({false, mb, 0});
    }
    return out;
  }
  const std::vector<PipeOp> table = schedule_table(p);
  const int total = static_cast<int>(table.size());
  auto fwd = [&](int k) { return table[static_cast<std::size_t>(k)]; };
  // Backward virtual id k runs micro-batch T[k] on chunk vp − 1 − T[k].chunk: chunks in reverse.
  auto bwd = [&](int k) {
    PipeOp op = table[static_cast<std::size_t>(k)];
    op.forward = false;
    op.chunk = p.vp - 1 - op.chunk;
    return op;
  };
  const int warmup = warmup_passes(p, rank);
  for (int k = 0; k < warmup; ++k) out.push_back(fwd(k));
  for (int k = 0; k < total - warmup; ++k) {
    out.push_back(fwd(warmup + k));
    out.push_back(bwd(k));
  }
  for (int k = total - warmup; k < total; ++k) out.push_back(bwd(k));
  return out;
}

int peak_in_flight(const std::vector<PipeOp>& schedule) {
  int live = 0, peak = 0;
  for (const PipeOp& op : schedule) {
    live += op.forward ? 1 : -1;
    peak = std::max(peak, live);
  }
  return peak;
}

std::string schedule_text(const std::vector<PipeOp>& schedule) {
  const bool chunks =
      std::any_of(schedule.begin(), schedule.end(), [](const PipeOp& o) { return o.chunk != 0; });
  std::string s;
  for (const PipeOp& op : schedule) {
    if (!s.empty()) s += ' ';
    s += chunks ? fmt::format("{}{}.{}", op.forward ? 'F' : 'B', op.micro_batch, op.chunk)
                : fmt::format("{}{}", op.forward ? 'F' : 'B', op.micro_batch);
  }
  return s;
}

}  // namespace tessera::llm
