// NCCL's per-call choice (src/enqueue.cc ncclGetAlgoInfo, updateCollCostTable, topoGetAlgoInfo): the
// cheapest (algorithm, protocol) by the tuner's time, then how many CTAs and threads run it.
#pragma once

#include <array>
#include <cstdint>

#include "tessera/collective/nccl/comm.hpp"

namespace tessera::collective::nccl {

/// One collective call as NCCL's API sees it.
struct CollRequest {
  Func func = Func::kAllReduce;
  /// Elements per rank as the API counts them: the buffer for all-reduce, broadcast and reduce, the
  /// send count for all-gather, the receive count for reduce-scatter.
  std::int64_t count = 0;
  int type_bytes = 4;
  /// The (operation, type) pair is one NVLS can reduce (ncclNvlsSupported: sum of float/half/bf16 and
  /// integers, min/max of half/bf16/integers). All-gather ignores it.
  bool nvls_reducible = true;
  /// fp8 rings of more than 8 ranks lose precision: NCCL makes them the last choice.
  bool fp8 = false;
  /// Collectives aggregated into one launch (NCCL's numPipeOps).
  int pipe_ops = 1;
};

struct Choice {
  Algo algo = Algo::kRing;
  Proto proto = Proto::kSimple;
  int channels = 0;        ///< CTAs (info->nMaxChannels)
  int threads = 0;         ///< threads per CTA (info->nWarps * 32)
  float time_us = 0;       ///< the tuner's estimate (ncclGroupSimulateEnd's estimatedTime)
  std::int64_t bytes = 0;  ///< nBytes the tuner ranked with: the full array for all-gather/reduce-scatter
};

/// The tuner's time of every (algorithm, protocol) for `req`, -1 where unavailable (updateCollCostTable).
using CostTable = std::array<std::array<float, kNumProtos>, kNumAlgos>;
CostTable cost_table(const Comm& comm, const CollRequest& req);

/// NCCL's choice. Throws InputError when the NCCL_ALGO / NCCL_PROTO overrides leave nothing available.
Choice select(const Comm& comm, const CollRequest& req);

}  // namespace tessera::collective::nccl
