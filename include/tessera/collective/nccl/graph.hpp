// NCCL's channel search (src/graph/search.cc ncclTopoCompute): for each pattern, the number of
// channels and the bandwidth per channel that fit the links of the system. The search tries the speeds
// of NCCL's speed arrays from fast to slow, counts each channel's bandwidth on every link it crosses,
// keeps the best solution by NCCL's comparison, duplicates channels by NCCL's rule and then tries to
// raise the speed again, exactly as ncclTopoCompute's two passes do. Instead of NCCL's depth-first walk
// over GPU orders it places channels the way that walk ends up placing them on identical nodes (rings in
// GPU index order from a NIC's GPU, NICs used round robin), so the counts come from the link budgets.
#pragma once

#include <string_view>

#include "tessera/collective/nccl/system.hpp"

namespace tessera::collective::nccl {

/// Search patterns (src/include/graph.h NCCL_TOPO_PATTERN_*).
enum class Pattern {
  kBalancedTree,  ///< tree whose NIC traffic is split over two GPUs
  kSplitTree,     ///< not searched by NCCL's collectives; listed for completeness
  kTree,          ///< tree with all NIC traffic on one GPU (Hopper's fallback)
  kRing,
  kNvls,
};
std::string_view to_string(Pattern p);

/// One search result (struct ncclTopoGraph): what the tuner and the planners read.
struct Graph {
  Pattern pattern = Pattern::kRing;
  int channels = 0;       ///< search channels (before ncclTopoPostset doubles them into CTAs)
  float bw_intra = 0.0f;  ///< GB/s per channel inside a node
  float bw_inter = 0.0f;  ///< GB/s per channel on the network (the NVLS second pass raises it)
  PathType type_intra = PathType::kLoc;
  PathType type_inter = PathType::kPix;
  float latency_inter = 0.0f;  ///< µs, the NET plugin's latency (0 for the built-in IB plugin)
  bool same_channels = true;
};

struct Graphs {
  Graph ring;
  Graph tree;
  Graph nvls;  ///< channels = 0 when NVLS is not supported or not searched
};

/// Runs the ring, tree and (when `search_nvls`) NVLS searches in NCCL's order: the tree is held to
/// the ring's channel count (src/init.cc: treeGraph min = max = ringGraph->nChannels).
Graphs search_graphs(const NcclSystem& system, bool search_nvls);

/// One pattern's search with NCCL's channel bounds (exposed for tests).
Graph search_graph(const NcclSystem& system, Pattern pattern, int min_channels, int max_channels);

}  // namespace tessera::collective::nccl
