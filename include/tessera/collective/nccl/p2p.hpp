// NCCL's point-to-point layer: the round schedule of a grouped send/recv (all-to-all), how many
// channels each send or receive is striped over, its protocol and chunk (src/enqueue.cc addP2pToPlan,
// scheduleP2pTasksToPlan; src/init.cc ncclP2pSchedule; src/include/channel.h), and the NIC a
// network transfer leaves through, PXN included (src/graph/search.cc ncclTopoGetNetDev).
#pragma once

#include <cstdint>
#include <vector>

#include "tessera/collective/nccl/comm.hpp"

namespace tessera::collective::nccl {

/// One round of the schedule, seen from one rank: it sends to `send` and receives from `recv`.
struct P2pRound {
  int send = 0;
  int recv = 0;
};

/// The nRanks rounds of rank `rank` (ncclP2pSchedule): groups of up to 8 local GPUs, group deltas in
/// the quadratic order (x*x + x) / 2 mod 2^k, local deltas 0 .. group size - 1. Round 0 is the rank
/// itself. Ranks are node-major: rank = node * gpus_per_node + local.
std::vector<P2pRound> p2p_schedule(const Comm& comm, int rank);

/// The first channel of a round's stripe (ncclP2pChannelBaseForRound: the round's base, bit-reversed
/// over log2(p2p channels)); part p runs on (base + p) mod p2p channels.
int p2p_channel_base(const Comm& comm, int round);

/// Channels of one operation (scheduleP2pTasksToPlan): the per-peer count, halved until an operation
/// to every rank fits the p2p channels at once.
int p2p_min_channels(const Comm& comm);

/// One send or receive of `bytes` to or from a peer.
struct P2pTransfer {
  int channels = 0;                 ///< parts, each on its own channel
  Proto proto = Proto::kSimple;     ///< LL when bytes <= channels * NCCL_P2P_LL_THRESHOLD
  std::int64_t chunk_bytes = 0;     ///< data per FIFO step (LL: half the step's wire bytes)
  std::vector<std::int64_t> parts;  ///< data bytes of each part (4 KiB aligned, the last one shorter)
};

/// addP2pToPlan for one direction. `network` says whether the peer is reached through a NIC (it
/// shortens the chunk of small transfers); `self` is a copy to oneself (never LL).
P2pTransfer plan_p2p(const Comm& comm, std::int64_t bytes, bool network, bool self = false);

/// Where a network send from `src` to `dst` (different nodes) leaves and arrives.
struct P2pRoute {
  int proxy_gpu = 0;  ///< local GPU (on src's node) whose NIC sends; src itself without PXN
  int src_nic = 0;    ///< NIC index on the source node
  int dst_nic = 0;    ///< NIC index on the destination node (the receiver's own NIC)
  bool pxn = false;   ///< the data first crosses NVLink to proxy_gpu
};
/// NCCL_P2P_PXN_LEVEL=2 (default): leave through the NIC of the local GPU with the receiver's local
/// index, so the transfer stays on one rail.
P2pRoute p2p_route(const Comm& comm, int src, int dst);

}  // namespace tessera::collective::nccl
