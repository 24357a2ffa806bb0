// The tuner's tables against the worked numbers of reference nccl-model.md §5.4 and §7.
#include <gtest/gtest.h>

#include "tessera/collective/nccl/tuner.hpp"

namespace tessera::collective::nccl {
namespace {

constexpr Func AR = Func::kAllReduce;

TEST(NcclTuner, H100OneNodeAllReduceMatchesTheWorkedTable) {
  const Comm c = make_comm(hgx_h100(1));
  // Ring: 6.6 + 14 x 0.6; 14 + 14 x 1.9; 8.4 + 14 x 3.4.
  EXPECT_NEAR(c.latency(AR, Algo::kRing, Proto::kLl), 15.0, 1e-4);
  EXPECT_NEAR(c.latency(AR, Algo::kRing, Proto::kLl128), 40.6, 1e-4);
  EXPECT_NEAR(c.latency(AR, Algo::kRing, Proto::kSimple), 56.0, 1e-4);
  // Bus bandwidths min(141, 180), min(331, 440), 360 converted by 8/14.
  EXPECT_NEAR(c.bandwidth(AR, Algo::kRing, Proto::kLl), 141.0 * 8 / 14, 1e-3);
  EXPECT_NEAR(c.bandwidth(AR, Algo::kRing, Proto::kLl128), 360 * 0.92 * 8 / 14, 1e-2);
  EXPECT_NEAR(c.bandwidth(AR, Algo::kRing, Proto::kSimple), 360.0 * 8 / 14, 1e-3);
  // Tree: 15.2, 31.5, 64.4 us; 87, 258, 331 busBw halved.
  EXPECT_NEAR(c.latency(AR, Algo::kTree, Proto::kLl), 15.2, 1e-4);
  EXPECT_NEAR(c.latency(AR, Algo::kTree, Proto::kLl128), 31.5, 1e-4);
  EXPECT_NEAR(c.latency(AR, Algo::kTree, Proto::kSimple), 64.4, 1e-4);
  EXPECT_NEAR(c.bandwidth(AR, Algo::kTree, Proto::kLl), 331.2 / 3.8 / 2, 1e-2);
  EXPECT_NEAR(c.bandwidth(AR, Algo::kTree, Proto::kLl128), 331.2 * 7 / 9 / 2, 1e-2);
  EXPECT_NEAR(c.bandwidth(AR, Algo::kTree, Proto::kSimple), 331.2 / 2, 1e-2);
  // NVLS: 25 us; 8 x min(40 x 0.85 x 7/8 x 2, 60) = 476 busBw, 272 algBw.
  EXPECT_NEAR(c.latency(AR, Algo::kNvls, Proto::kSimple), 25.0, 1e-4);
  EXPECT_NEAR(c.bandwidth(AR, Algo::kNvls, Proto::kSimple), 476.0 * 8 / 14, 1e-2);
  // NVLS runs Simple only; NVLSTree not on one node.
  EXPECT_EQ(c.bandwidth(AR, Algo::kNvls, Proto::kLl), 0);
  EXPECT_EQ(c.bandwidth(AR, Algo::kNvlsTree, Proto::kSimple), 0);
  EXPECT_EQ(c.bandwidth(AR, Algo::kCollNetDirect, Proto::kSimple), 0);
}

TEST(NcclTuner, AlgoTimeIsLatencyPlusBytesOverBandwidth) {
  const Comm c = make_comm(hgx_h100(1));
  const std::int64_t mib = 1 << 20;
  EXPECT_NEAR(algo_time(c, AR, Algo::kRing, Proto::kLl, mib), 15.0 + mib / (1000 * 141.0 * 8 / 14), 1e-3);
  EXPECT_NEAR(algo_time(c, AR, Algo::kNvls, Proto::kSimple, mib), 25.0 + mib / (1000 * 272.0), 1e-2);
  // Tree carries NCCL's correction: 1 MiB is log2(1 MiB / 64) = 14 -> 0.5 for LL.
  EXPECT_NEAR(algo_time(c, AR, Algo::kTree, Proto::kLl, mib), 15.2 + mib / (1000 * 331.2 / 3.8 / 2 * 0.5),
              1e-2);
  EXPECT_EQ(algo_time(c, AR, Algo::kNvls, Proto::kLl, mib), -1.0f);
}

TEST(NcclTuner, H100TwoNodesNvlsTreeIsCappedAndTreeTakesThePatternPenalty) {
  const Comm c = make_comm(hgx_h100(2));
  // NVLSTree: min(59.5, 2 x 48, 57.7) x 8 channels x 16/30.
  EXPECT_NEAR(c.bandwidth(AR, Algo::kNvlsTree, Proto::kSimple), 57.7 * 8 * 16 / 30, 1e-2);
  // 25 + 2 x log2(2) x 20.9.
  EXPECT_NEAR(c.latency(AR, Algo::kNvlsTree, Proto::kSimple), 66.8, 1e-3);
  // Tree Simple: min(384 x .92, 8 x 41.4) x .85 (TREE pattern) / 2; 8.4 + 2 (7 x 4 + 14).
  EXPECT_NEAR(c.bandwidth(AR, Algo::kTree, Proto::kSimple), 331.2 * 0.85 / 2, 1e-2);
  EXPECT_NEAR(c.latency(AR, Algo::kTree, Proto::kSimple), 92.4, 1e-3);
  // Ring LL across nodes: 6.6 + 28 x max(0.6, 1.0 Intel overhead) + 2 x 2.7; busBw capped at 39.
  EXPECT_NEAR(c.latency(AR, Algo::kRing, Proto::kLl), 40.0, 1e-3);
  EXPECT_NEAR(c.bandwidth(AR, Algo::kRing, Proto::kLl), 39.0 * 16 / 30, 1e-3);
  // Ring Simple: 8.4 + 28 x max(3.4, 3 x 1.0) + 2 x 14.
  EXPECT_NEAR(c.latency(AR, Algo::kRing, Proto::kSimple), 8.4 + 28 * 3.4 + 2 * 14, 1e-3);
  // ... and x1.4 in the time once bytes / (channels x ranks) >= 64.
  const std::int64_t big = std::int64_t{1} << 30;
  EXPECT_NEAR(algo_time(c, AR, Algo::kRing, Proto::kSimple, big),
              (8.4 + 28 * 3.4 + 2 * 14) * 1.4 + big / (1000 * 384.0 * 16 / 30), 0.05);
  // Multi-node NVLS needs collnet.
  EXPECT_EQ(c.bandwidth(AR, Algo::kNvls, Proto::kSimple), 0);
}

TEST(NcclTuner, ThreeOrMoreNodesUseTheNetworkBandwidth) {
  const Comm c = make_comm(hgx_h100(4));
  // Ring: bwInter 48 x 8; NVLSTree: min(59.5, 48, 45.5) x 8.
  EXPECT_NEAR(c.bandwidth(AR, Algo::kRing, Proto::kSimple), 384.0 * 32 / 62, 1e-2);
  EXPECT_NEAR(c.bandwidth(AR, Algo::kNvlsTree, Proto::kSimple), 45.5 * 8 * 32 / 62, 1e-2);
  EXPECT_NEAR(c.bandwidth(AR, Algo::kRing, Proto::kLl), 20.4 * 32 / 62, 1e-3);  // Intel, > 2 nodes
}

TEST(NcclTuner, A100CapsAndLinkBandwidth) {
  const Comm one = make_comm(dgx_a100(1));
  EXPECT_NEAR(one.bandwidth(AR, Algo::kRing, Proto::kSimple), 240.0 * 8 / 14, 1e-3);
  EXPECT_NEAR(one.bandwidth(AR, Algo::kRing, Proto::kLl), 87.7 * 8 / 14, 1e-3);
  EXPECT_NEAR(one.bandwidth(AR, Algo::kRing, Proto::kLl128), std::min(240 * 0.92, 12 * 20.0) * 8 / 14, 1e-2);
  EXPECT_EQ(one.bandwidth(AR, Algo::kNvls, Proto::kSimple), 0);
  const Comm two = make_comm(dgx_a100(2));
  EXPECT_NEAR(two.bandwidth(AR, Algo::kRing, Proto::kSimple), 192.0 * 16 / 30, 1e-3);
  // AMD CPU: LL cap 22.5 at 2 nodes, network overhead 2 us.
  EXPECT_NEAR(two.bandwidth(AR, Algo::kRing, Proto::kLl), 22.5 * 16 / 30, 1e-3);
  EXPECT_NEAR(two.latency(AR, Algo::kRing, Proto::kLl), 6.6 + 28 * 2.0 + 2 * 2.7, 1e-3);
}

TEST(NcclTuner, OtherCollectivesUseTheirStepCounts) {
  const Comm c = make_comm(hgx_h100(1));
  // All-gather ring: n-1 steps, n/(n-1) conversion; NVLS AG: no conversion, (ppn-1)/ppn instead of x2.
  EXPECT_NEAR(c.latency(Func::kAllGather, Algo::kRing, Proto::kSimple), 8.4 + 7 * 3.4, 1e-4);
  EXPECT_NEAR(c.bandwidth(Func::kAllGather, Algo::kRing, Proto::kSimple), 360.0 * 8 / 7, 1e-2);
  EXPECT_NEAR(c.bandwidth(Func::kAllGather, Algo::kNvls, Proto::kSimple), 8 * 40 * 0.85f * 7 / 8 * 7 / 8,
              1e-2);
  // Broadcast: ring only, one extra step latency on the same channels.
  EXPECT_NEAR(c.latency(Func::kBroadcast, Algo::kRing, Proto::kSimple), 8.4 + 3.4, 1e-4);
  EXPECT_NEAR(c.bandwidth(Func::kBroadcast, Algo::kRing, Proto::kSimple), 360.0, 1e-3);
  EXPECT_EQ(c.bandwidth(Func::kBroadcast, Algo::kTree, Proto::kSimple), 0);
  EXPECT_EQ(c.bandwidth(Func::kAllGather, Algo::kTree, Proto::kSimple), 0);
}

TEST(NcclTuner, ThreadThresholdsAndMaxThreads) {
  const Comm c = make_comm(hgx_h100(1));
  EXPECT_EQ(c.thread_thresholds[int(Algo::kRing)][int(Proto::kLl)], 64);  // 8 x nRanks
  EXPECT_EQ(c.thread_thresholds[int(Algo::kTree)][int(Proto::kLl)], 8);
  EXPECT_EQ(c.thread_thresholds[int(Algo::kRing)][int(Proto::kSimple)], 64);
  EXPECT_EQ(c.max_threads[int(Algo::kRing)][int(Proto::kSimple)], 512);
  EXPECT_EQ(c.max_threads[int(Algo::kRing)][int(Proto::kLl128)], 640);
  EXPECT_EQ(c.max_threads[int(Algo::kNvls)][int(Proto::kSimple)], 640);
}

TEST(NcclTuner, PublishedConstants) {
  EXPECT_FLOAT_EQ(base_latency(Algo::kRing, Proto::kLl), 6.6f);
  EXPECT_FLOAT_EQ(hw_latency(Hw::kNvlink, Algo::kRing, Proto::kSimple), 3.4f);
  EXPECT_FLOAT_EQ(hw_latency(Hw::kNet, Algo::kNvlsTree, Proto::kSimple), 20.9f);
  EXPECT_FLOAT_EQ(hw_latency(Hw::kPci, Algo::kRing, Proto::kLl128), 2.5f);
}

}  // namespace
}  // namespace tessera::collective::nccl
