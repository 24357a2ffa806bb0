// A communicator over every GPU of an NcclSystem, set up as ncclCommInitRank sets one up
// (src/init.cc initTransportsRank): the graphs, the channels and CTAs, the NVLS and p2p resources, the
// buffer sizes, and the tuner's bandwidth/latency tables (src/graph/tuning.cc ncclTopoTuneModel).
#pragma once

#include <cstdint>

#include "tessera/collective/nccl/graph.hpp"
#include "tessera/collective/nccl/options.hpp"
#include "tessera/collective/nccl/system.hpp"

namespace tessera::collective::nccl {

struct Comm {
  NcclSystem system;
  NcclOptions options;
  int ranks = 0;
  int nodes = 0;
  int local_ranks = 0;  ///< GPUs per node (ppn)
  Graphs graphs;
  bool nvls_support = false;
  /// comm->nChannels: CTAs available to Ring and Tree collectives (the search channels doubled by
  /// ncclTopoPostset, then NCCL_MIN/MAX_NCHANNELS and min/maxCTAs).
  int channels = 0;
  /// comm->nvlsChannels: CTAs of NVLS and NVLSTree (16 on sm90, clamped to min/maxCTAs).
  int nvls_channels = 0;
  std::int64_t nvls_chunk_bytes = 0;
  std::int64_t nvlstree_max_chunk_bytes = 0;
  /// Per-connection buffer of each protocol (comm->buffSizes), 8 slots each.
  std::int64_t buff_bytes[kNumProtos] = {};
  /// Point-to-point: chunk (comm->p2pChunkSize), channels (p2pnChannels) and channels per peer.
  std::int64_t p2p_chunk_bytes = 0;
  int p2p_channels = 0;
  int p2p_channels_per_peer = 0;
  /// The tree pattern the search kept: TREE (not BALANCED_TREE) makes the tuner take 15 % off Tree.
  Pattern max_tree_pattern = Pattern::kBalancedTree;

  /// The tuner's tables (comm->maxThreads, threadThresholds, bandwidths, latencies). Bandwidths are
  /// algorithm bandwidths in GB/s (0 = not available); latencies in µs.
  int max_threads[kNumAlgos][kNumProtos] = {};
  std::int64_t thread_thresholds[kNumAlgos][kNumProtos] = {};
  float bandwidths[kNumFuncs][kNumAlgos][kNumProtos] = {};
  float latencies[kNumFuncs][kNumAlgos][kNumProtos] = {};

  /// The graph the tuner reads for `a` (src/init.cc: NVLS and NVLSTree share the NVLS graph, PAT
  /// uses the tree graph, CollNet graphs are empty: no collnet plugin is modelled).
  const Graph& graph_for(Algo a) const;
  float bandwidth(Func f, Algo a, Proto p) const { return bandwidths[int(f)][int(a)][int(p)]; }
  float latency(Func f, Algo a, Proto p) const { return latencies[int(f)][int(a)][int(p)]; }
};

/// Builds the communicator. Validates the system first (InputError on a bad description).
Comm make_comm(const NcclSystem& system, const NcclOptions& options = NcclOptions());

}  // namespace tessera::collective::nccl
