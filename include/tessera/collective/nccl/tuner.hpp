// NCCL's tuning model (src/graph/tuning.cc ncclTopoTuneModel, ncclTopoGetAlgoTime): per (function,
// algorithm, protocol) a latency and an algorithm bandwidth, and the predicted time
// latency * latCount + bytes / bandwidth that NCCL minimises. NCCL computes in float; so does this,
// so that near-ties break the way NCCL's do.
#pragma once

#include <cstdint>

#include "tessera/collective/nccl/comm.hpp"

namespace tessera::collective::nccl {

/// Fills comm.max_threads, thread_thresholds, bandwidths and latencies from the graphs and the
/// options (NCCL_ALGO, NCCL_PROTO and the LL128 and NVLSTree enable rules).
void tune_model(Comm& comm);

/// ncclTopoGetAlgoTime in µs, or -1 when (f, a, p) is not available. Applies the Tree correction
/// table and the multi-node Ring/Simple latency factor. `pipe_ops` is the number of collectives
/// aggregated into one launch (1 for a single call).
float algo_time(const Comm& comm, Func f, Algo a, Proto p, std::int64_t bytes, int pipe_ops = 1);

/// NCCL's base latency of (a, p) and hardware latency per step on NVLink / PCI / network, µs
/// (src/graph/tuning.cc ncclTunerConstantsDefaults). For tests and docs.
enum class Hw { kNvlink, kPci, kNet };
float base_latency(Algo a, Proto p);
float hw_latency(Hw hw, Algo a, Proto p);

}  // namespace tessera::collective::nccl
