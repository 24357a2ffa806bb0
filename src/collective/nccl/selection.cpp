#include "tessera/collective/nccl/selection.hpp"

#include <cfloat>

#include <fmt/format.h>

#include "tessera/collective/nccl/constants.hpp"
#include "tessera/collective/nccl/tuner.hpp"
#include "tessera/error.hpp"

namespace tessera::collective::nccl {

namespace {

std::int64_t tuner_bytes(const Comm& c, const CollRequest& r) {
  // ncclFuncMaxSendRecvCount: all-gather and reduce-scatter are ranked by the full array.
  const bool full = r.func == Func::kAllGather || r.func == Func::kReduceScatter;
  return r.count * r.type_bytes * (full ? c.ranks : 1);
}

}  // namespace

CostTable cost_table(const Comm& c, const CollRequest& r) {
  CostTable table;
  for (auto& row : table) row.fill(-1.0f);
  const std::int64_t bytes = tuner_bytes(c, r);
  const bool nvls_ok = c.nvls_support && (r.nvls_reducible || r.func == Func::kAllGather);
  for (int a = 0; a < kNumAlgos; ++a) {
    const Algo algo = Algo(a);
    if (algo == Algo::kCollNetDirect || algo == Algo::kCollNetChain) continue;  // no collnet
    if ((algo == Algo::kNvls || algo == Algo::kNvlsTree) &&
        (!nvls_ok || (r.func != Func::kAllReduce && c.local_ranks > kMaxNvlsArity)))
      continue;
    if (algo == Algo::kNvls && c.nodes > 1) continue;  // multi-node NVLS needs collnet
    for (int p = 0; p < kNumProtos; ++p) {
      float t = algo_time(c, r.func, algo, Proto(p), bytes, r.pipe_ops);
      if (r.fp8 && algo == Algo::kRing && c.ranks > 8 && t >= 0) t *= 1024.0f;
      table[a][p] = t;
    }
  }
  return table;
}

Choice select(const Comm& c, const CollRequest& r) {
  const CostTable table = cost_table(c, r);
  Choice ch;
  ch.bytes = tuner_bytes(c, r);
  float best = FLT_MAX;
  int algo = -1, proto = -1;
  for (int a = 0; a < kNumAlgos; ++a) {
    for (int p = 0; p < kNumProtos; ++p) {
      if (table[a][p] >= 0.0f && table[a][p] < best) {
        best = table[a][p];
        algo = a;
        proto = p;
      }
    }
  }
  if (algo < 0) {
    throw InputError(Diagnostic{
        "", 0, "NCCL_ALGO/NCCL_PROTO",
        fmt::format("no algorithm/protocol is available for {} on {} GPUs", to_string(r.func), c.ranks),
        "enable an algorithm and protocol this system supports (Ring with Simple always is)"});
  }
  ch.algo = Algo(algo);
  ch.proto = Proto(proto);
  ch.time_us = best;

  // topoGetAlgoInfo: CTAs and threads.
  const std::int64_t bytes = ch.bytes;
  int nc = c.channels;
  int nt = c.max_threads[algo][proto];
  const std::int64_t threshold = c.thread_thresholds[algo][proto];
  if (ch.algo == Algo::kNvls || ch.algo == Algo::kNvlsTree) {
    nc = c.nvls_channels;  // NVLS should not need more than 16 channels to reach peak bandwidth
  } else {
    while (bytes < std::int64_t{nc} * nt * threshold && nc >= 2) --nc;
  }
  if (ch.algo != Algo::kNvls && ch.algo != Algo::kNvlsTree) {
    while (bytes < std::int64_t{nc} * nt * threshold && nt % 128 == 0) nt /= 2;
  }
  if (ch.proto == Proto::kSimple) {
    if (ch.algo == Algo::kRing) nt += kWarpSize;      // the sync warp
    if (ch.algo == Algo::kTree) nt += 4 * kWarpSize;  // split thread model
  }
  if (nt / kWarpSize < 3) nt = 3 * kWarpSize;
  if (ch.algo == Algo::kTree || ch.algo == Algo::kPat) nt = kMaxThreads;
  ch.channels = nc;
  ch.threads = nt;
  return ch;
}

}  // namespace tessera::collective::nccl
