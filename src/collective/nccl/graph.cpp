#include "tessera/collective/nccl/graph.hpp"

#include <algorithm>
#include <cmath>
#include <span>
#include <vector>

#include "tessera/collective/nccl/constants.hpp"

namespace tessera::collective::nccl {

std::string_view to_string(Pattern p) {
  switch (p) {
    case Pattern::kBalancedTree:
      return "balanced_tree";
    case Pattern::kSplitTree:
      return "split_tree";
    case Pattern::kTree:
      return "tree";
    case Pattern::kRing:
      return "ring";
    case Pattern::kNvls:
      return "nvls";
  }
  return "?";
}

namespace {

// Per-channel speeds the search tries, GB/s (src/graph/search.cc speedArrayIntra/Inter and the sm90
// variants).
constexpr float kSpeedIntra[] = {40.0, 30.0, 20.0, 18.0, 15.0, 12.0, 10.0, 9.0, 7.0, 6.0, 5.0, 4.0, 3.0};
constexpr float kSpeedInter[] = {48.0, 30.0, 28.0, 24.0, 20.0, 18.0, 15.0, 12.0, 10.0, 9.0,
                                 7.0,  6.0,  5.0,  4.0,  3.0,  2.4,  1.2,  0.24, 0.12};
constexpr float kSm90SpeedIntra[] = {60.0, 50.0, 40.0, 30.0, 24.0, 20.0, 15.0, 12.0, 11.0, 6.0, 3.0};
constexpr float kSm90SpeedInter[] = {48.0, 45.0, 42.0, 40.0, 30.0, 24.0, 22.0, 20.0, 17.5,
                                     15.0, 12.0, 6.0,  3.0,  2.4,  1.2,  0.24, 0.12};

// NCCL subtracts bandwidth from links rounded to 1/1000 (search.cc SUB_ROUND); a channel fits while
// the remaining bandwidth is at least its speed, which this tolerance reproduces.
constexpr double kFitTolerance = 1e-3;

// The links of one node as the search sees them, and the channels placed on them so far.
class NodeBudget {
 public:
  explicit NodeBudget(const NcclSystem& s)
      : s_(s),
        g_(s.gpus_per_node),
        n_(s.nics_per_node),
        nvl_(s.nvlink_gpu_gbps()),
        pcie_(s.pcie_gbps()),
        nic_(std::min(s.nic_gbps(), s.pcie_gbps())),
        nvl_out_(g_, 0.0),
        nvl_in_(g_, 0.0),
        pcie_up_(g_, 0.0),
        pcie_down_(g_, 0.0),
        nic_in_(std::max(n_, 1), 0.0),
        nic_out_(std::max(n_, 1), 0.0) {}

  int gpus() const { return g_; }
  int nics() const { return n_; }
  int local_gpu(int nic) const { return s_.nic_local_gpu(nic); }
  // The first NIC of GPU `gpu`'s PCIe switch.
  int local_nic(int gpu) const {
    if (n_ >= g_) return gpu * (n_ / g_);
    return gpu / (g_ / n_);
  }
  bool same_nic_switch(int a, int b) const {
    return a / s_.gpus_per_nic_switch == b / s_.gpus_per_nic_switch;
  }

  // NET nic -> GPU (ring or tree entry) at `bw`.
  void enter(int nic, int gpu, double bw) {
    nic_in_[nic] += bw;
    pcie_down_[gpu] += bw;
  }
  // GPU -> NET nic (ring exit or tree return) at `bw`.
  void leave(int gpu, int nic, double bw) {
    pcie_up_[gpu] += bw;
    nic_out_[nic] += bw;
  }
  // GPU -> NVSwitch -> GPU.
  void nvlink(int from, int to, double bw) {
    nvl_out_[from] += bw;
    nvl_in_[to] += bw;
  }
  void nvlink_out(int gpu, double bw) { nvl_out_[gpu] += bw; }
  void nvlink_in(int gpu, double bw) { nvl_in_[gpu] += bw; }

  bool fits() const {
    auto within = [](std::span<const double> used, double cap) {
      return std::all_of(used.begin(), used.end(), [&](double u) { return u <= cap + kFitTolerance; });
    };
    return within(nvl_out_, nvl_) && within(nvl_in_, nvl_) && within(pcie_up_, pcie_) &&
           within(pcie_down_, pcie_) && within(nic_in_, nic_) && within(nic_out_, nic_);
  }

 private:
  const NcclSystem& s_;
  int g_, n_;
  double nvl_, pcie_, nic_;
  std::vector<double> nvl_out_, nvl_in_, pcie_up_, pcie_down_, nic_in_, nic_out_;
};

// Channel `c`'s ring through one node: the GPUs in index order from `first` (forward) or backward.
void place_ring_gpus(NodeBudget& b, int first, bool forward, double bw) {
  const int g = b.gpus();
  for (int i = 0; i + 1 < g; ++i) {
    const int from = forward ? (first + i) % g : (first - i + g) % g;
    const int to = forward ? (first + i + 1) % g : (first - i - 1 + g) % g;
    b.nvlink(from, to, bw);
  }
}

// How many channels of `pattern` fit at (bw_intra, bw_inter), at most max_channels. Channels are
// placed as NCCL's search places them on identical NVSwitch nodes:
// - NVSwitch systems try the neighbouring GPUs first (search.cc ncclTopoSearchNextGpuSort), so a ring
//   or chain walks the GPUs in index order from its first GPU;
// - channel c starts at NIC c mod nNics (ncclTopoSearchRecNet) and at that NIC's local GPU;
// - with NCCL_CROSS_NIC=2 an odd ring channel enters where the previous one left and leaves where it
//   entered (ncclTopoSearchCheckNet), i.e. it runs the previous ring backwards;
// - a tree enters and leaves through the same NIC; a balanced tree splits the way back to the NIC over
//   the first two GPUs of the chain, which must share the NIC's PCIe switch;
// - NVLS channel c has head GPU c (one node) or the local GPU of NIC c; the head's NVSwitch links
//   carry twice the channel's bandwidth (search.cc ncclTopoSearchTryNvls).
int fit_channels(const NcclSystem& s, Pattern pattern, double bw_intra, double bw_inter, int max_channels) {
  NodeBudget b(s);
  const int g = s.gpus_per_node;
  const bool inter = s.nodes > 1;
  int placed = 0;
  int prev_first = 0, prev_last = 0, prev_in_nic = 0, prev_out_nic = 0;
  for (int c = 0; c < max_channels; ++c) {
    if (pattern == Pattern::kNvls) {
      int head = c;
      if (inter) {
        if (c >= std::min(b.nics(), g)) break;  // one head per NIC, no GPU twice
        head = b.local_gpu(c);
        b.enter(c, head, bw_inter);
      } else if (c >= g) {
        break;
      }
      for (int d = 0; d < g; ++d) {
        const double mult = d == head ? 2.0 : 1.0;
        b.nvlink_out(d, mult * bw_intra);
        b.nvlink_in(d, mult * bw_intra);
      }
    } else if (pattern == Pattern::kRing) {
      if (!inter) {
        place_ring_gpus(b, 0, true, bw_intra);
        b.nvlink(g - 1, 0, bw_intra);
      } else {
        int in_nic, first, last, out_nic;
        bool forward;
        if (c % 2 == 1 && g > 1) {
          in_nic = prev_out_nic;
          first = prev_last;
          last = prev_first;
          out_nic = prev_in_nic;
          forward = false;
        } else {
          in_nic = c % b.nics();
          first = b.local_gpu(in_nic);
          last = (first - 1 + g) % g;
          out_nic = g > 1 ? b.local_nic(last) : in_nic;
          forward = true;
        }
        b.enter(in_nic, first, bw_inter);
        place_ring_gpus(b, first, forward, bw_intra);
        b.leave(last, out_nic, bw_inter);
        prev_first = first;
        prev_last = last;
        prev_in_nic = in_nic;
        prev_out_nic = out_nic;
      }
    } else {  // trees: a chain inside the node
      if (!inter) {
        place_ring_gpus(b, 0, true, bw_intra);
      } else {
        const int nic = c % b.nics();
        const int first = b.local_gpu(nic);
        b.enter(nic, first, bw_inter);
        place_ring_gpus(b, first, true, bw_intra);
        if (pattern == Pattern::kBalancedTree) {
          const int second = (first + 1) % g;
          if (g < 2 || !b.same_nic_switch(first, second)) return 0;
          b.leave(first, nic, bw_inter / 2);
          b.leave(second, nic, bw_inter / 2);
        } else {
          b.leave(first, nic, bw_inter);
        }
      }
    }
    if (!b.fits()) break;
    placed = c + 1;
  }
  return placed;
}

std::span<const float> speed_array(const NcclSystem& s) {
  const bool sm90 = s.arch == GpuArch::kSm90;
  if (s.nodes > 1)
    return sm90 ? std::span<const float>(kSm90SpeedInter) : std::span<const float>(kSpeedInter);
  return sm90 ? std::span<const float>(kSm90SpeedIntra) : std::span<const float>(kSpeedIntra);
}

struct Candidate {
  Pattern pattern;
  int channels = 0;
  float bw_intra = 0, bw_inter = 0;
};

// ncclTopoCompareGraphs: NVLS wants more heads (up to the GPU count) or more total network
// bandwidth; the others more total intra bandwidth (ties keep the earlier, faster-channel solution).
bool better(const Candidate& c, const Candidate& best, Pattern pattern, int gpus, int min_channels) {
  if (c.channels < min_channels || c.channels == 0) return false;
  if (best.channels == 0) return true;
  if (pattern == Pattern::kNvls) {
    if (c.channels > best.channels && c.channels <= gpus) return true;
    return c.channels * c.bw_inter > best.channels * best.bw_inter;
  }
  return c.channels * c.bw_intra > best.channels * best.bw_intra;
}

}  // namespace

Graph search_graph(const NcclSystem& s, Pattern pattern, int min_channels, int max_channels) {
  const bool inter = s.nodes > 1;
  const int g = s.gpus_per_node;
  const bool sm90 = s.arch == GpuArch::kSm90;
  Graph graph;
  graph.pattern = pattern;
  graph.type_intra = g > 1 ? PathType::kNvl : PathType::kLoc;
  graph.type_inter = s.nic_path;
  if (pattern == Pattern::kNvls) {
    // NVLS needs an NVSwitch and sm90 (search.cc); its heads are at most the local GPUs.
    if (!s.nvswitch || !sm90 || g < 2) return graph;
    max_channels = std::min(kMaxNvlsArity, g);
    if (!inter) min_channels = max_channels;  // pull evenly from all GPUs
  }

  // system->maxBw / totalBw (search.cc ncclTopoSearchInit): the best path from a GPU to a peer GPU
  // (one node) or NIC, and a GPU's NVLink (or PCIe) total.
  const float max_bw = static_cast<float>(inter ? s.gpu_nic_gbps() : s.nvlink_gpu_gbps());
  const float total_bw = static_cast<float>(std::max(s.pcie_gbps(), g > 1 ? s.nvlink_gpu_gbps() : 0.0));
  // Patterns other than rings need not come back to their first NIC: NCCL raises the NVLink budget
  // by ndevs/(ndevs-1) when picking the first speed.
  float start_total = total_bw;
  if (g > 1 && pattern != Pattern::kRing) start_total *= static_cast<float>(g) / static_cast<float>(g - 1);

  const std::span<const float> speeds = speed_array(s);
  const int nspeeds = static_cast<int>(speeds.size());
  int idx = 0;
  while ((speeds[idx] > max_bw || speeds[idx] * min_channels > start_total) && idx < nspeeds - 1) ++idx;

  // Pass 1: from the first speed down, each pattern variant NCCL tries at that speed.
  std::vector<Pattern> variants{pattern};
  // Hopper tries a simpler tree (all NIC traffic on one GPU) when the balanced one is searched.
  if (pattern == Pattern::kBalancedTree && sm90) variants.push_back(Pattern::kTree);
  Candidate best{pattern};
  for (;;) {
    bool optimal = false;
    for (Pattern v : variants) {
      Pattern placed_as = v;
      // Before sm90 a balanced tree whose partner GPU is not on the NIC's switch is still found,
      // through a farther path type (search.cc raises typeInter up to SYS for ccMin < 90).
      int k = fit_channels(s, v, speeds[idx], speeds[idx], max_channels);
      if (k == 0 && v == Pattern::kBalancedTree && !sm90 && inter) {
        k = fit_channels(s, Pattern::kTree, speeds[idx], speeds[idx], max_channels);
        placed_as = Pattern::kBalancedTree;
        if (k > 0) graph.type_inter = PathType::kSys;
      }
      Candidate c{placed_as, k, speeds[idx], speeds[idx]};
      if (better(c, best, pattern, g, min_channels)) best = c;
      if (best.channels == max_channels) optimal = true;
      if (optimal) break;
    }
    if (optimal) break;
    if (best.channels > 0 && best.channels * best.bw_inter >= total_bw) break;
    // Decrease the speed while it stays above half of the best solution's (or none was found).
    if (idx < nspeeds - 1 && (best.channels == 0 || speeds[idx + 1] / best.bw_inter > .49f)) {
      ++idx;
      continue;
    }
    break;
  }

  if (best.channels == 0) {
    // No solution: NCCL falls back to one channel in PCI order at 0.1 GB/s (search.cc).
    if (pattern == Pattern::kNvls) return graph;
    graph.channels = 1;
    graph.bw_intra = 0.1f;
    graph.bw_inter = inter ? 0.1f : 0.0f;
    graph.type_intra = PathType::kSys;
    graph.type_inter = inter ? PathType::kSys : PathType::kDis;
    return graph;
  }
  graph.pattern = best.pattern;
  graph.channels = best.channels;
  graph.bw_intra = best.bw_intra;
  graph.bw_inter = best.bw_inter;

  // ncclTopoDupChannels: twice the channels at half the speed, except for NVLS, slow channels, and
  // (after Ampere) 25-50 GB/s channels when there are more than 4.
  if (pattern != Pattern::kNvls && graph.bw_intra >= 25.0f &&
      !(s.arch == GpuArch::kSm90 && graph.bw_intra < 50.0f && graph.channels > 4)) {
    const int dup = std::min(graph.channels * 2, max_channels);
    const int div = (dup + graph.channels - 1) / graph.channels;
    graph.bw_intra /= static_cast<float>(div);
    graph.bw_inter /= static_cast<float>(div);
    graph.channels = dup;
  }

  // Pass 2: try to raise the speed again with at least the channels found.
  idx = 0;
  while (speeds[idx] > graph.bw_inter && idx < nspeeds - 1) ++idx;
  float tmp_intra = speeds[idx], tmp_inter = speeds[idx];
  const int need = graph.channels;
  while (idx > 0) {
    if (graph.pattern == Pattern::kRing) {
      tmp_intra = tmp_inter = speeds[--idx];
    } else if (graph.pattern == Pattern::kNvls) {
      if (!(tmp_inter == graph.bw_inter && tmp_inter < tmp_intra * 2)) break;
      tmp_inter = speeds[--idx];
    } else {
      if (!(tmp_intra == graph.bw_intra && tmp_intra < tmp_inter * 2)) break;
      tmp_intra = speeds[--idx];
    }
    const int max_here = graph.pattern == Pattern::kNvls ? need : max_channels;
    const int k = fit_channels(s, graph.pattern, tmp_intra, tmp_inter, max_here);
    Candidate c{graph.pattern, std::min(k, max_here), tmp_intra, tmp_inter};
    Candidate cur{graph.pattern, graph.channels, graph.bw_intra, graph.bw_inter};
    if (better(c, cur, graph.pattern, g, need)) {
      graph.channels = c.channels;
      graph.bw_intra = c.bw_intra;
      graph.bw_inter = c.bw_inter;
    }
  }
  return graph;
}

Graphs search_graphs(const NcclSystem& s, bool search_nvls) {
  Graphs graphs;
  // src/init.cc: ring 1..MAXCHANNELS/2, tree held to the ring's count, NVLS 1..MAXCHANNELS.
  graphs.ring = search_graph(s, Pattern::kRing, 1, kMaxChannels / 2);
  graphs.tree = search_graph(s, Pattern::kBalancedTree, graphs.ring.channels, graphs.ring.channels);
  if (search_nvls) graphs.nvls = search_graph(s, Pattern::kNvls, 1, kMaxChannels);
  return graphs;
}

}  // namespace tessera::collective::nccl
