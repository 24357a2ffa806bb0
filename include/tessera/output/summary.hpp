// The console and JSON reports of a run (rank 0 prints them once; the contents depend only on the
// simulated results, so they are identical for any rank count).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tessera/output/records.hpp"

namespace tessera::output {

/// One collective across the NPUs that ran it: the k-th collective of each NPU with the same type,
/// size and group size. Time = latest end − earliest start; nccl-tests bandwidths from that time.
struct CollectiveRow {
  std::int64_t index = 0;      ///< k: position among each NPU's collectives, in start order
  std::int8_t collective = 0;  ///< Chakra CollectiveCommType
  Bytes bytes = 0;             ///< comm_size
  std::int32_t group_size = 0;
  std::int32_t npus = 0;       ///< NPUs that ran it
  /// The algorithm label the NPUs recorded ("ring", "ring/direct", "custom"; docs/hdf5-layout.md).
  /// NPUs should agree; if they do not, their distinct labels sorted and joined by '|'
  /// ("direct|ring"), so the summary shows the disagreement instead of picking one. "" = none.
  std::string algorithm;
  /// The distinct chunk counts the NPUs recorded, ascending (one entry when they agree; empty
  /// when no record has one).
  std::vector<std::int32_t> chunks;
  std::string protocol;  ///< NCCL's protocol(s), "|"-joined; "" for ASTRA algorithms
  std::int32_t channels = 0;  ///< NCCL CTAs (the most any NPU used); 0 for ASTRA algorithms
  SimTime start = 0;
  SimTime end = 0;
  double algbw_gbps = 0;
  double busbw_gbps = 0;
};

/// The training figures of an LLM run (workload.llm), computed by the caller from the finish
/// times (the reports only print them).
struct LlmFigures {
  std::string model;  ///< preset name, "custom", or "<preset> (modified)"
  int steps = 1;
  SimTime step_time = 0;    ///< the last NPU's finish / steps
  double tokens_per_s = 0;  ///< global_batch x seq_len / step time
  double mfu = 0;           ///< NeMo's model FLOPs utilisation, 0..1
  double model_flops_per_sample = 0;
  double peak_tflops = 0;  ///< the GPU's dense peak at the run's precision
};

/// The run-level facts the reports print next to the records (RunRecords holds the rows).
struct RunReport {
  std::string source;         ///< scenario file or "ASTRA-sim command line"
  std::string network_model;  ///< "packet", ...
  std::string topology;       ///< one line describing the network
  SimTime end_time = 0;
  std::uint64_t events = 0;
  /// Why the run stopped before every NPU finished ("stopped by SIGTERM", "--max-sim-time
  /// reached"); "" for a complete run. A partial report says PARTIAL in every format.
  std::string partial;
  SimTime reached = 0;  ///< simulated time every event ran up to (partial runs)
  /// Set for a complete LLM run: step time, tokens/s, MFU, and the per-NPU breakdown per step.
  std::optional<LlmFigures> llm;
};

/// The mean over NPUs of each part of `rows` (each rounded down to the ps); npu = -1.
NpuBreakdown mean_breakdown(const std::vector<NpuBreakdown>& rows);

/// Aggregates per-NPU collective records (records.collectives, labels in records.strings) into
/// rows (index order).
std::vector<CollectiveRow> collective_rows(const RunRecords& records);

/// ASTRA-sim's per-NPU report lines, NPUs in completion order (ties by id), times in whole ns
/// ("cycles"): `sys[N] finished, T cycles, exposed communication E cycles.`, the two post-processing
/// lines, `sys[N], Wall time: T`, `sys[N], Comm time: C` and, when non-zero, GPU and CPU time.
std::string format_astra_log(const RunRecords& records, const RunReport& report);

/// The default human-readable summary: run totals, per-NPU table (all NPUs up to 32, else
/// min/mean/max), and the collectives with their times and nccl-tests bandwidths.
std::string format_summary(const RunRecords& records, const RunReport& report);

/// The machine-readable summary (JSON, 2-space indent, trailing newline). Times in ps; the
/// per-NPU keys come from the NpuSummary field table (record_fields.hpp).
std::string summary_json(const RunRecords& records, const RunReport& report);

}  // namespace tessera::output
