// One CTA of NCCL's Tree all-reduce (src/device/all_reduce.h runTreeSplit), as the executor runs it:
// the CTA's neighbours, the chunks of its part, the two sub-programs' threads and the GPU-side cost of
// a step. The executor (executor.cpp) waits, sends and times; this file decides what a step is.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "tessera/collective/nccl/chunking.hpp"
#include "tessera/collective/nccl/comm.hpp"
#include "tessera/collective/nccl/selection.hpp"
#include "tessera/collective/nccl/timing.hpp"

namespace tessera::collective::nccl {

/// Slots of a tree connection a sender may fill ahead of the receiver: NCCL_STEPS, one per chunk
/// (Tree runs ProtoSimple<1, 1>, LL and LL128 one slot per step).
inline constexpr int kTreeWindow = 8;

struct TreeCta {
  NpuId up = -1;              ///< parent (-1: this GPU is the tree's root)
  std::vector<NpuId> down;    ///< children, at most 3
  std::vector<Bytes> chunks;  ///< data bytes of each chunk of the part, in order
  int threads = 0;            ///< the CTA's threads (NCCL gives Tree all of them)
  int up_threads = 0;         ///< reduce-up's share (nthreadsSplit); broadcast-down gets the rest
  // Progress of the sub-programs (the root runs only the first: recv-reduce-copy-send).
  std::int64_t up_next = 0, down_next = 0;
  bool up_busy = false, down_busy = false;
  std::int64_t up_sends = 0;    ///< chunks sent to the parent
  std::int64_t down_sends = 0;  ///< chunks sent to every child
  /// Arrivals by (message kind, sender): a child's and the parent's counters are apart.
  std::map<std::pair<int, NpuId>, std::int64_t> from;

  bool root() const { return up == -1; }
  std::int64_t got(int kind, NpuId src) const {
    const auto it = from.find({kind, src});
    return it == from.end() ? 0 : it->second;
  }
};

/// The CTA `cta` of a Tree all-reduce at `position` of `members` (node-major communicator ranks)
/// running `part` with NCCL's `choice`.
TreeCta make_tree_cta(const Comm& comm, const Choice& choice, const ChannelPart& part, int cta,
                      const std::vector<NpuId>& members, int position, int type_bytes);

/// What one step of a sub-program costs on the GPU.
struct TreeStepCost {
  SimTime local = 0;       ///< until the step's flags may leave
  SimTime data_after = 0;  ///< when its data leave (Simple: after the copy call; LL, LL128: at once)
};

/// A step of `bytes` data by `threads` of the CTA's `cta_threads`, storing to `sends` peers (0: to
/// the user buffer only). The Ring's step costs (docs/nccl.md §8) with the CTA's rates divided by
/// the threads' share; LL's stores, which bound its rate, are made once per peer.
TreeStepCost tree_step_cost(const GpuTiming& t, Proto proto, int threads, int cta_threads, Bytes bytes,
                            int sends);

}  // namespace tessera::collective::nccl
