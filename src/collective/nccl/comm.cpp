#include "tessera/collective/nccl/comm.hpp"

#include <algorithm>

#include "int_math.hpp"
#include "tessera/collective/nccl/constants.hpp"
#include "tessera/collective/nccl/tuner.hpp"

namespace tessera::collective::nccl {

namespace {

const Graph kNoGraph{};

// ncclTopoComputeP2pChannelsPerPeer / ncclTopoGetNchannels: two channels per NVLink to an NVLink
// peer; on the network at least one per NIC and enough to carry the GPU's PCIe bandwidth at
// NCCL_P2P_PER_CHANNEL_NET_BW; the communicator keeps the minimum over its peers.
int p2p_channels_per_peer(const NcclSystem& s) {
  int min_channels = kMaxChannels;
  if (s.gpus_per_node > 1) {
    const int nvl = 2 * std::max(1, static_cast<int>(s.nvlink_gpu_gbps() / s.nvlink_link_gbps()));
    min_channels = std::min(min_channels, nvl);
  }
  if (s.nodes > 1) {
    // Local NICs are taken until their bandwidth covers the GPU's PCIe bandwidth
    // (ncclTopoGetLocalNetCountByBw).
    const int local_nics = std::max(1, s.nics_per_node / s.gpus_per_node);
    int count = 0;
    double bw = 0;
    while (count < local_nics) {
      bw += s.gpu_nic_gbps();
      ++count;
      if (bw >= s.pcie_gbps()) break;
    }
    const int by_bw = (static_cast<int>(bw) + kP2pPerChannelNetGbps - 1) / kP2pPerChannelNetGbps;
    min_channels = std::min(min_channels, std::max(count, by_bw));
  }
  return min_channels;
}

}  // namespace

const Graph& Comm::graph_for(Algo a) const {
  switch (a) {
    case Algo::kTree:
    case Algo::kPat:
      return graphs.tree;
    case Algo::kRing:
      return graphs.ring;
    case Algo::kNvls:
    case Algo::kNvlsTree:
      return graphs.nvls;
    case Algo::kCollNetDirect:
    case Algo::kCollNetChain:
      return kNoGraph;
  }
  return kNoGraph;
}

Comm make_comm(const NcclSystem& system, const NcclOptions& options) {
  validate(system);
  Comm c;
  c.system = system;
  c.options = options;
  c.ranks = system.ranks();
  c.nodes = system.nodes;
  c.local_ranks = system.gpus_per_node;

  // ncclNvlsInit: NVLS needs two GPUs and multicast (NCCL_NVLS_ENABLE=2), or is forced (=1); the NVLS
  // search then needs sm90 and an NVSwitch.
  const bool nvls_wanted =
      options.nvls_enable != 0 && system.gpus_per_node >= 2 && (options.nvls_enable == 1 || system.multicast);
  c.graphs = search_graphs(system, nvls_wanted);
  c.nvls_support = nvls_wanted && c.graphs.nvls.channels > 0;
  c.max_tree_pattern = c.graphs.tree.pattern;

  // ncclNvlsTuning: CTAs, chunk and tree chunk cap.
  int min_ctas = options.min_ctas, max_ctas = options.max_ctas;
  if (min_ctas > max_ctas) min_ctas = max_ctas;  // src/init.cc: both become maxCTAs
  if (c.nvls_support) {
    int nvls = options.nvls_nchannels > 0 ? options.nvls_nchannels : kNvlsChannelsSm90;
    c.nvls_channels = std::max(min_ctas, std::min(max_ctas, nvls));
    c.nvls_chunk_bytes = options.nvls_chunk_bytes;
    c.nvlstree_max_chunk_bytes = options.nvlstree_max_chunk_bytes > 0 ? options.nvlstree_max_chunk_bytes
                                 : c.nodes >= 4                       ? 65536
                                                                      : c.nvls_chunk_bytes;
  }

  // Ring and tree share the channel count (src/init.cc), which ncclTopoPostset doubles into CTAs.
  int channels = std::min(c.graphs.tree.channels, c.graphs.ring.channels);
  c.graphs.tree.channels = c.graphs.ring.channels = channels;
  channels = std::min(kMaxChannels, channels * 2);
  // "Use 4 compute channels per search channel to reach peak BW on <8 PPN" (src/graph/connect.cc).
  if (system.arch == GpuArch::kSm90 && c.nodes > 1 && c.graphs.ring.bw_intra > 45.0f && channels < 16)
    channels *= 2;
  // NCCL_MAX_NCHANNELS and maxCTAs cap, then NCCL_MIN_NCHANNELS and minCTAs duplicate up.
  const int max_nch = options.max_nchannels > 0 ? options.max_nchannels : kMaxChannels;
  const int min_nch = std::max(0, options.min_nchannels);
  channels = std::min({max_nch, channels, max_ctas});
  channels = std::max({channels, min_nch, min_ctas});
  c.channels = std::min(channels, kMaxChannels);

  // computeBuffSizes.
  const std::int64_t defaults[kNumProtos] = {kLlBuffBytes, kLl128BuffBytes, kSimpleBuffBytes};
  for (int p = 0; p < kNumProtos; ++p)
    c.buff_bytes[p] = options.buff_bytes[p] > 0 ? options.buff_bytes[p] : defaults[p];
  if (c.nodes > 1) {
    c.p2p_chunk_bytes = options.p2p_net_chunk_bytes;
  } else if (system.gpus_per_node > 1) {  // every GPU pair on NVLink (isAllNvlink)
    c.p2p_chunk_bytes = options.p2p_nvl_chunk_bytes;
  } else {
    c.p2p_chunk_bytes = options.p2p_pci_chunk_bytes;
  }
  const std::int64_t simple_buff = c.buff_bytes[static_cast<int>(Proto::kSimple)];
  if (c.p2p_chunk_bytes * kSteps > simple_buff) c.p2p_chunk_bytes = simple_buff / kSteps;

  // ncclTopoComputeP2pChannels: powers of two; across nodes fewer per peer so that every peer of a
  // round fits (at most 8 p2p operations per channel).
  c.p2p_channels = pow2_up(std::max(1, std::min(c.channels, kMaxChannels)));
  int per_peer = pow2_up(p2p_channels_per_peer(system));
  if (c.nodes > 1) {
    const int rounds = (c.ranks + kMaxP2pPerBatch - 1) / kMaxP2pPerBatch;
    while (per_peer * rounds > c.p2p_channels && per_peer > 1) per_peer /= 2;
  } else {
    per_peer = std::min(c.p2p_channels, per_peer);
  }
  c.p2p_channels_per_peer = per_peer;

  tune_model(c);
  return c;
}

}  // namespace tessera::collective::nccl
