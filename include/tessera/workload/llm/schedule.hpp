// Pipeline schedules as Megatron-Core runs them: the order of forward and backward passes of one
// pipeline rank over micro-batches and model chunks (MLM megatron/core/pipeline_parallel/
// schedules.py: forward_backward_pipelining_without_interleaving, get_schedule_table,
// get_pp_rank_microbatches). Without pipelining (pp = 1) every micro-batch runs forward then
// backward.
#pragma once

#include <string>
#include <vector>

namespace tessera::llm {

/// One pass of one micro-batch through one model chunk of a pipeline rank.
struct PipeOp {
  bool forward = true;
  int micro_batch = 0;
  int chunk = 0;  ///< model chunk on this rank; it holds virtual stage chunk·pp + rank
  bool operator==(const PipeOp&) const = default;
};

struct ScheduleParams {
  int pp = 1;  ///< pipeline ranks
  int vp = 1;  ///< model chunks per rank (1 = 1F1B, > 1 = interleaved 1F1B)
  int micro_batches = 1;
  int group_size = 0;  ///< interleaved: micro-batches per group (microbatch_group_size_per_vp_stage); 0 = pp
};

/// Warm-up forwards of `rank`: 1F1B min(pp − rank − 1, m); interleaved
/// min(2·(pp − rank − 1) + (vp − 1)·G, m·vp); 0 without pipelining.
int warmup_passes(const ScheduleParams& p, int rank);

/// The interleaved schedule table: the (micro-batch, chunk) of each forward virtual id.
std::vector<PipeOp> schedule_table(const ScheduleParams& p);

/// The 2·m·vp passes of `rank` in execution order.
std::vector<PipeOp> pipeline_schedule(const ScheduleParams& p, int rank);

/// Most micro-batch activations a rank holds at once: the peak of forwards done minus
/// backwards done over its schedule (in chunk passes).
int peak_in_flight(const std::vector<PipeOp>& schedule);

/// "F0.0 F1.0 B0.1 ..." (micro-batch.chunk), or "F0 F1 B0 ..." when every chunk is 0.
std::string schedule_text(const std::vector<PipeOp>& schedule);

}  // namespace tessera::llm
