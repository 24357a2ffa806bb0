#include "tessera/collective/nccl/tuner.hpp"

#include <algorithm>
#include <limits>

#include "int_math.hpp"
#include "tessera/collective/nccl/constants.hpp"

namespace tessera::collective::nccl {

namespace {

constexpr int A(Algo a) { return static_cast<int>(a); }
constexpr int P(Proto p) { return static_cast<int>(p); }

// All constants below: src/graph/tuning.cc ncclTunerConstantsDefaults and neighbours
// (NVIDIA/nccl@5067397c). Rows: Tree, Ring, CollNetDirect, CollNetChain, NVLS, NVLSTree, PAT;
// columns LL, LL128, Simple.
constexpr float kBaseLat[kNumAlgos][kNumProtos] = {
    {6.8f, 14.0f, 8.4f}, {6.6f, 14.0f, 8.4f}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {8.0f, 8.0f, 8.0f}};
// hwLatencies [NVLINK, PCI, NET][algo][proto], µs per step.
constexpr float kHwLat[3][kNumAlgos][kNumProtos] = {
    {{0.6f, 1.25f, 4.0f},
     {0.6f, 1.9f, 3.4f},
     {0, 0, 3.7f},
     {0, 0, 2.8f},
     {0, 0, 25},
     {0, 0, 25},
     {0, 0, 4.0f}},
    {{1.0f, 1.9f, 4.0f}, {1.0f, 2.5f, 5.7f}, {0, 0, 3.7f}, {0, 0, 2.8f}, {0, 0, 0}, {0, 0, 0}, {0, 0, 4.0f}},
    {{5.0f, 8.5f, 14}, {2.7f, 4.0f, 14.0f}, {0, 0, 31}, {0, 0, 30}, {0, 0, 18}, {0, 0, 20.9f}, {0, 0, 14}}};
// Index 1 of the cap tables: 0 Volta, 1 Ampere, 2 Hopper (compCapIndex); index 2: 1, 2, >2 nodes.
// llMaxBws rows are indexed by the GPU on one node but by the CPU vendor across nodes (0 = Intel,
// 1 = AMD), so the Hopper row's multi-node entries are never read.
constexpr double kLlMaxBw[4][3] = {
    {39.0, 39.0, 20.4}, {87.7, 22.5, 19.0}, {141.0, 45.0, 35.0}, {282.0, 90.0, 70.0}};
constexpr double kPerChMaxRingLl128Bw[3][3] = {{20.0, 20.0, 20.0}, {20.0, 20.0, 20.0}, {36.7, 36.7, 36.7}};
constexpr double kPerChMaxTreeLl128Bw[3][3] = {{20.0, 20.0, 20.0}, {20.0, 20.0, 20.0}, {36.7, 36.7, 29.0}};
constexpr double kPerChMaxTreeBw[3][3] = {{26.5, 18.5, 10.0}, {24.0, 23.6, 17.8}, {38.7, 41.4, 36.0}};
constexpr double kPerChMaxNvlsTreeBw[3][3] = {{26.5, 18.5, 10.0}, {24.0, 23.6, 17.8}, {0.0, 57.7, 45.5}};
// nvlsEfficiency: Volta, Ampere, Hopper.
constexpr float kNvlsEfficiency[3] = {0.0f, 0.0f, 0.85f};
// Network post overhead, µs (getNetOverhead): Intel 1, AMD 2; Simple pays it three times.
constexpr float kNetOverheadIntel = 1.0f, kNetOverheadAmd = 2.0f;
// treeCorrectionFactor[proto][log2(bytes/64)], 64 B .. 256 MiB (ncclTopoGetAlgoTime).
constexpr float kTreeCorrection[kNumProtos][24] = {
    {1.0f, 1.0f, 1.0f, 1.0f, .9f, .8f, .7f, .7f,  .7f,  .7f,  .6f,  .5f,
     .4f,  .4f,  .5f,  .6f,  .7f, .8f, .9f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f},
    {1.0f, 1.0f, 1.0f, 1.0f, 1.0f, .9f, .8f, .8f, .8f, .7f,  .6f,  .6f,
     .6f,  .6f,  .6f,  .6f,  .8f,  .9f, .9f, .9f, .9f, 1.0f, 1.0f, 1.0f},
    {.9f, .9f, .9f, .9f, .9f, .9f, .9f, .8f, .7f, .6f, .6f, .5f,
     .5f, .5f, .5f, .6f, .7f, .8f, .7f, .7f, .8f, .9f, .9f, .9f}};

int comp_cap_index(GpuArch arch) { return arch == GpuArch::kSm90 ? 2 : 1; }

bool is_pat_enabled(const Comm& c) {
  // ncclPatEnable: one GPU per node (and a host network, which is all that is modelled).
  return c.nodes == c.ranks;
}

}  // namespace

float base_latency(Algo a, Proto p) { return kBaseLat[A(a)][P(p)]; }
float hw_latency(Hw hw, Algo a, Proto p) { return kHwLat[static_cast<int>(hw)][A(a)][P(p)]; }

void tune_model(Comm& c) {
  const NcclSystem& s = c.system;
  const Graph& ring = c.graphs.ring;
  // Ring Simple drops to 256 threads on PCIe-class bandwidth.
  const int simple_default = ring.bw_intra * ring.channels <= kPciGbps ? 256 : kSimpleMaxThreads;
  for (auto& row : c.max_threads) row[P(Proto::kSimple)] = kMaxThreads;
  c.max_threads[A(Algo::kRing)][P(Proto::kSimple)] = simple_default;
  c.max_threads[A(Algo::kTree)][P(Proto::kSimple)] = kSimpleMaxThreads;
  for (Algo a : {Algo::kRing, Algo::kTree}) {
    c.max_threads[A(a)][P(Proto::kLl)] = kLlMaxThreads;
    c.max_threads[A(a)][P(Proto::kLl128)] = kLl128MaxThreads;
  }
  for (int a = 0; a < kNumAlgos; ++a) {
    c.thread_thresholds[a][P(Proto::kLl)] = kLlThreadThreshold;
    c.thread_thresholds[a][P(Proto::kLl128)] = kLl128ThreadThreshold;
    c.thread_thresholds[a][P(Proto::kSimple)] = kSimpleThreadThreshold;
  }
  c.thread_thresholds[A(Algo::kRing)][P(Proto::kLl)] *= c.ranks;
  c.thread_thresholds[A(Algo::kCollNetDirect)][P(Proto::kSimple)] = 512;
  c.thread_thresholds[A(Algo::kCollNetChain)][P(Proto::kSimple)] = 512;

  const int n_nodes = c.nodes, n_ranks = c.ranks;
  const int cc = comp_cap_index(s.arch);
  const int index2 = n_nodes <= 2 ? n_nodes - 1 : 2;
  const int index1 = n_nodes == 1 ? cc : (s.cpu == CpuVendor::kAmd ? 1 : 0);
  const double ll_max_bw = kLlMaxBw[index1][index2];
  const double per_ch_tree = kPerChMaxTreeBw[cc][index2];
  const double per_ch_ring_ll128 = kPerChMaxRingLl128Bw[cc][index2];
  const double per_ch_tree_ll128 = kPerChMaxTreeLl128Bw[cc][index2];
  const double per_ch_nvls_tree = kPerChMaxNvlsTreeBw[cc][index2];
  const float ppn = static_cast<float>(n_ranks) / static_cast<float>(n_nodes);
  const float net_overhead = s.cpu == CpuVendor::kAmd ? kNetOverheadAmd : kNetOverheadIntel;

  int intra_hw[kNumAlgos], hw[kNumAlgos];
  for (int a = 0; a < kNumAlgos; ++a) {
    intra_hw[a] = c.graph_for(Algo(a)).type_intra == PathType::kNvl ? 0 : 1;
    hw[a] = n_nodes == 1 ? intra_hw[a] : 2;
  }

  for (int coll = 0; coll < kNumFuncs; ++coll) {
    const Func f = Func(coll);
    const int nsteps = f == Func::kAllReduce                                  ? 2 * (n_ranks - 1)
                       : (f == Func::kReduceScatter || f == Func::kAllGather) ? n_ranks - 1
                                                                              : n_ranks;
    for (int a = 0; a < kNumAlgos; ++a) {
      const Algo algo = Algo(a);
      if ((f == Func::kBroadcast || f == Func::kReduce) && algo != Algo::kRing) continue;
      if ((f == Func::kReduceScatter || f == Func::kAllGather) && algo != Algo::kPat && algo != Algo::kRing &&
          algo != Algo::kNvls && algo != Algo::kCollNetDirect)
        continue;
      if (f == Func::kAllReduce && algo == Algo::kPat) continue;
      const Graph& graph = c.graph_for(algo);
      for (int p = 0; p < kNumProtos; ++p) {
        const Proto proto = Proto(p);
        if ((algo == Algo::kNvls || algo == Algo::kNvlsTree) && proto != Proto::kSimple) continue;
        if ((f == Func::kReduceScatter || f == Func::kAllGather) && algo == Algo::kPat &&
            (proto != Proto::kSimple || !is_pat_enabled(c)))
          continue;
        const bool collnet = algo == Algo::kCollNetDirect || algo == Algo::kCollNetChain;
        float bw = n_nodes <= 2 || collnet ? graph.bw_intra : graph.bw_inter;
        if (algo == Algo::kNvls || algo == Algo::kNvlsTree) {
          if (graph.channels < 2) continue;
          // busBw per NVLS channel: the switch's efficiency, one channel's worth lost to the pipeline,
          // and all-reduce pipelining its reduce and broadcast halves.
          float intra_bw = graph.bw_intra * kNvlsEfficiency[cc] * static_cast<float>(graph.channels - 1) /
                           static_cast<float>(graph.channels);
          if (f == Func::kAllReduce) {
            intra_bw *= 2.0f;
          } else {
            intra_bw *= (ppn - 1) / ppn;
          }
          const float inter_bw = graph.bw_inter * ((n_nodes <= 2 && algo == Algo::kNvlsTree) ? 2.0f : 1.0f);
          bw = std::min({intra_bw, inter_bw,
                         algo == Algo::kNvlsTree ? static_cast<float>(per_ch_nvls_tree)
                                                 : std::numeric_limits<float>::max()});
        }
        float bus_bw = static_cast<float>(graph.channels) * bw;

        if (algo == Algo::kRing && proto == Proto::kLl)
          bus_bw = static_cast<float>(std::min(ll_max_bw, bus_bw * .5));
        if (algo == Algo::kRing && proto == Proto::kLl128)
          bus_bw = static_cast<float>(std::min(bus_bw * 0.92, graph.channels * per_ch_ring_ll128));
        if (algo == Algo::kTree && f == Func::kAllReduce)
          bus_bw = static_cast<float>(std::min(bus_bw * .92, graph.channels * per_ch_tree));
        if (algo == Algo::kTree && proto == Proto::kLl)
          bus_bw = static_cast<float>(std::min(bus_bw * 1.0 / 3.8, ll_max_bw));
        if (algo == Algo::kTree && proto == Proto::kLl128)
          bus_bw = static_cast<float>(std::min(bus_bw * (n_nodes == 1 ? 7.0 / 9.0 : 120.0 / 128.0),
                                               graph.channels * per_ch_tree_ll128));
        if (algo == Algo::kTree && c.max_tree_pattern == Pattern::kTree) bus_bw *= .85f;
        if (algo == Algo::kPat) bus_bw *= .75f;
        if (collnet) bus_bw = 0;  // no collnet plugin (SHARP) is modelled
        // Multi-node NVLS all-gather / reduce-scatter need collnet, which is not modelled.
        if (algo == Algo::kNvls && (f == Func::kAllGather || f == Func::kReduceScatter) && n_nodes > 1)
          bus_bw = 0;

        // Bus bandwidth to algorithm bandwidth.
        if (!(algo != Algo::kRing && (f == Func::kAllGather || f == Func::kReduceScatter))) {
          float ratio = 1.0f;
          if (algo == Algo::kRing || algo == Algo::kNvls || algo == Algo::kNvlsTree)
            ratio *= static_cast<float>(1.0 * n_ranks / nsteps);
          else
            ratio *= .5f;
          bus_bw *= ratio;
        }
        c.bandwidths[coll][a][p] = bus_bw;

        float& lat = c.latencies[coll][a][p];
        lat = kBaseLat[a][p];
        float intra_lat = kHwLat[intra_hw[a]][a][p];
        // With one GPU per node every network step is exposed: use the Tree network latency.
        float inter_lat = ppn == 1 ? kHwLat[2][A(Algo::kTree)][p] : kHwLat[2][a][p];
        inter_lat += graph.latency_inter;
        if (proto == Proto::kSimple) inter_lat += graph.latency_inter;  // the flush

        if (algo == Algo::kRing) {
          float step_lat = kHwLat[hw[a]][a][p];
          if (f == Func::kReduce || f == Func::kBroadcast) {
            if (graph.same_channels) {
              lat += step_lat;
            } else {
              if (proto == Proto::kSimple) step_lat = kHwLat[hw[a]][A(Algo::kTree)][p];
              lat += nsteps * step_lat;
            }
          } else {
            // Inter-node rings still launch every step through the network proxy.
            float overhead = 0.0f;
            if (n_nodes > 1) {
              overhead = net_overhead;
              if (proto == Proto::kSimple) overhead *= 3;
            }
            intra_lat = std::max(intra_lat, overhead);
            const int inter_steps = n_nodes == 1            ? 0
                                    : f == Func::kAllReduce ? 2 * (n_nodes - 1)
                                                            : n_nodes - 1;
            lat += (nsteps - inter_steps) * intra_lat + inter_steps * inter_lat;
          }
        } else if (algo == Algo::kTree) {
          if (f == Func::kAllReduce)
            lat += 2 * ((n_ranks / n_nodes - 1) * intra_lat + log2i(n_nodes) * inter_lat);
        } else if (algo == Algo::kNvls) {
          lat = intra_lat;
          if (n_nodes > 1) lat += inter_lat;
        } else if (algo == Algo::kNvlsTree) {
          lat += intra_lat + 2 * log2i(n_nodes) * inter_lat;
        } else if (algo == Algo::kPat) {
          if (f == Func::kAllGather || f == Func::kReduceScatter)
            lat += log2i(n_nodes) * (inter_lat / 3.5f) + n_ranks * 2.8f;
        }
      }
    }
  }

  // Enable matrices: the user's lists, then NCCL's rules.
  for (int coll = 0; coll < kNumFuncs; ++coll) {
    for (int a = 0; a < kNumAlgos; ++a) {
      const Algo algo = Algo(a);
      bool enabled = c.options.algo_enable[coll][a] != 0;
      if (n_nodes == 1 && algo == Algo::kNvlsTree) enabled = false;
      if (algo == Algo::kCollNetDirect || algo == Algo::kCollNetChain || (algo == Algo::kNvls && n_nodes > 1))
        enabled = false;  // no collnet support
      for (int p = 0; p < kNumProtos; ++p) {
        int p_enable = c.options.proto_enable[coll][p];
        if (p_enable == 2 && Proto(p) == Proto::kLl128) {
          // LL128 by default only where NVLink delivers a warp's 128-byte line in one piece: NVLink
          // inside the node, and NICs up to PXN (Hopper, NCCL_LL128_C2C=1) or PXB.
          const Graph& graph = c.graph_for(algo);
          const PathType inter_max = s.arch == GpuArch::kSm90 ? PathType::kPxn : PathType::kPxb;
          p_enable = graph.type_inter <= inter_max && graph.type_intra <= PathType::kNvb ? 1 : 0;
        }
        if (p_enable == 0 || !enabled) c.bandwidths[coll][a][p] = 0;
      }
    }
  }
}

float algo_time(const Comm& c, Func f, Algo a, Proto p, std::int64_t bytes, int pipe_ops) {
  float bw = c.bandwidth(f, a, p);
  float lat = c.latency(f, a, p);
  if (bw == 0) return -1.0f;
  const int log_size = log2i(bytes >> 6);
  if (a == Algo::kTree && f == Func::kAllReduce && log_size >= 0 && log_size < 23)
    bw *= kTreeCorrection[P(p)][log_size];
  // (NVLSTree takes the same correction only on sm100 x86, which is not modelled.)
  if (a == Algo::kRing && p == Proto::kSimple && c.nodes > 1 && f == Func::kAllReduce &&
      bytes / (static_cast<std::int64_t>(c.channels) * c.ranks) >= 64)
    lat *= 1.4f;  // "plateau effect of ring" (1.9 before sm80, not modelled)
  const int lat_count =
      a == Algo::kRing ? pipe_ops : (pipe_ops + kMaxDevWorkBatchColls - 1) / kMaxDevWorkBatchColls;
  return lat * static_cast<float>(lat_count) + static_cast<float>(bytes) / (1000.0f * bw);
}

}  // namespace tessera::collective::nccl
