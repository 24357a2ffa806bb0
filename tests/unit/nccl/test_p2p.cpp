// Point-to-point schedule, channels, protocol and PXN route (reference nccl-model.md §3.6).
#include <gtest/gtest.h>

#include <set>

#include "tessera/collective/nccl/p2p.hpp"

namespace tessera::collective::nccl {
namespace {

constexpr std::int64_t K = 1024, M = K * K, G = M * K;

TEST(NcclP2p, OneNodeScheduleWalksTheLocalDeltas) {
  const Comm c = make_comm(hgx_h100(1));
  const auto rounds = p2p_schedule(c, 3);
  ASSERT_EQ(rounds.size(), 8u);
  for (int d = 0; d < 8; ++d) {
    EXPECT_EQ(rounds[d].send, (3 + d) % 8);
    EXPECT_EQ(rounds[d].recv, (3 - d + 8) % 8);
  }
}

TEST(NcclP2p, NodeDeltasFollowTheQuadraticOrder) {
  const Comm c = make_comm(hgx_h100(16));
  const auto rounds = p2p_schedule(c, 0);
  ASSERT_EQ(rounds.size(), 128u);
  const int expected[16] = {0, 1, 3, 6, 10, 15, 5, 12, 4, 13, 7, 2, 14, 11, 9, 8};
  for (int k = 0; k < 16; ++k) EXPECT_EQ(rounds[8 * k].send / 8, expected[k]) << k;
  std::set<int> sends;
  for (const auto& r : rounds) sends.insert(r.send);
  EXPECT_EQ(sends.size(), 128u);  // every peer exactly once
}

TEST(NcclP2p, OneNodeChannelsAndProtocol) {
  const Comm c = make_comm(hgx_h100(1));
  EXPECT_EQ(p2p_min_channels(c), 4);  // 32 per peer, halved until x 8 ranks fits 32
  const P2pTransfer small = plan_p2p(c, 8 * K, false);
  EXPECT_EQ(small.channels, 1);
  EXPECT_EQ(small.proto, Proto::kLl);
  EXPECT_EQ(small.chunk_bytes, 32 * K);
  const P2pTransfer mid = plan_p2p(c, 64 * M, false);
  EXPECT_EQ(mid.channels, 4);
  EXPECT_EQ(mid.proto, Proto::kSimple);
  EXPECT_EQ(mid.chunk_bytes, 512 * K);
  ASSERT_EQ(mid.parts.size(), 4u);
  EXPECT_EQ(mid.parts[0], 16 * M);
  const P2pTransfer big = plan_p2p(c, 1 * G, false);
  EXPECT_EQ(big.channels, 32);                                        // doubled while parts exceed 32 steps
  EXPECT_FALSE(plan_p2p(c, 4 * K, false, true).proto == Proto::kLl);  // copies to self are never LL
}

TEST(NcclP2p, NetworkTransfersUseShorterChunks) {
  const Comm c = make_comm(hgx_h100(2));
  EXPECT_EQ(p2p_min_channels(c), 1);
  const P2pTransfer t = plan_p2p(c, 1 * M, true);
  EXPECT_EQ(t.channels, 4);
  EXPECT_EQ(t.proto, Proto::kSimple);
  EXPECT_EQ(t.chunk_bytes, 128 * K);
  EXPECT_EQ(plan_p2p(c, 512 * K, true).chunk_bytes, 64 * K);  // < 8 steps: halved
  EXPECT_EQ(plan_p2p(c, 100 * K, true).chunk_bytes, 32 * K);  // < 1 step: a quarter
  const P2pTransfer odd = plan_p2p(c, 1'000'000, true);
  std::int64_t sum = 0;
  for (auto p : odd.parts) sum += p;
  EXPECT_EQ(sum, 1'000'000);
  EXPECT_EQ(odd.parts[0] % 4096, 0);
}

TEST(NcclP2p, PxnKeepsTrafficOnTheReceiversRail) {
  const Comm c = make_comm(hgx_h100(2));
  const P2pRoute r = p2p_route(c, 3, 13);
  EXPECT_TRUE(r.pxn);
  EXPECT_EQ(r.proxy_gpu, 5);
  EXPECT_EQ(r.src_nic, 5);
  EXPECT_EQ(r.dst_nic, 5);
  NcclOptions o;
  o.pxn_disable = true;
  const P2pRoute direct = p2p_route(make_comm(hgx_h100(2), o), 3, 13);
  EXPECT_FALSE(direct.pxn);
  EXPECT_EQ(direct.proxy_gpu, 3);
  EXPECT_EQ(direct.src_nic, 3);
  EXPECT_EQ(direct.dst_nic, 5);
}

TEST(NcclP2p, ChannelBaseIsBitReversed) {
  const Comm c = make_comm(hgx_h100(1));  // 32 p2p channels
  EXPECT_EQ(p2p_channel_base(c, 0), 0);
  EXPECT_EQ(p2p_channel_base(c, 1), 16);
  EXPECT_EQ(p2p_channel_base(c, 2), 8);
  EXPECT_EQ(p2p_channel_base(c, 3), 24);
}

}  // namespace
}  // namespace tessera::collective::nccl
