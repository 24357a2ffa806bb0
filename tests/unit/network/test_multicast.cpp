// NVSwitch multicast groups (Network::add_multicast_group): multicast replication at the switch's
// output ports and in-switch reduction, against closed forms on an idle network, byte
// conservation at the switch, and identical results on 1, 2 and 4 ranks.
#include <gtest/gtest.h>

#include "net_test_util.hpp"
#include "tessera/pdes/graph.hpp"

using namespace tessera;
using namespace tessera::network;
using namespace tessera::network::testing;

namespace {
constexpr std::int64_t kBw = 50'000'000'000;  // 50 GB/s: a 4096 B packet takes 81.92 ns
constexpr SimTime kLat = 500 * kNanosecond;
const SimTime kTx = tx_time(4096, Bandwidth{kBw});
constexpr NodeId kSwitch = 4;  // the one switch of a 4-NPU Switch dimension (NPUs come first)

using Op = bench::TrafficMessage::Op;

// Four NPUs on one switch, all in multicast group 0.
bench::TrafficSpec star4(std::vector<bench::TrafficMessage> msgs) {
  bench::TrafficSpec s;
  s.topology = dims_spec({dim(DimensionKind::kSwitch, 4, kBw, kLat)});
  s.multicast_groups = {{0, 1, 2, 3}};
  s.messages = std::move(msgs);
  return s;
}

Bytes link_bytes(const bench::TrafficResult& r, NodeId from, NodeId to) {
  Bytes b = 0;
  for (const auto& l : r.links) {
    if (l.from == from && l.to == to) b += l.bytes;
  }
  return b;
}
}  // namespace

TEST(Multicast, OneSerializationIntoTheSwitchThenACopyPerMember) {
  // P packets pipeline over the two links as a unicast does, and every member (the source too)
  // has the message at the same time.
  const int P = 64;
  const Bytes bytes = Bytes{4096} * P;
  const auto r = run(star4({{1, 0, bytes, 0, 7, Op::kMulticast}}));
  EXPECT_EQ(r.messages, 4u);
  for (int m = 0; m < 4; ++m) EXPECT_EQ(find(r, 1, m, 7).arrived, 2 * kLat + (P + 1) * kTx) << "member " << m;
  // One copy into the switch, one out of each of its ports.
  EXPECT_EQ(link_bytes(r, 1, kSwitch), bytes);
  for (NodeId m = 0; m < 4; ++m) EXPECT_EQ(link_bytes(r, kSwitch, m), bytes);
  for (NodeId m : {0u, 2u, 3u}) EXPECT_EQ(link_bytes(r, m, kSwitch), 0);
}

TEST(Multicast, OnePacketPaysItsSerializationOnBothLinks) {
  const auto r = run(star4({{0, 0, 1000, 0, 1, Op::kMulticast}}));
  const SimTime tx = tx_time(1000, Bandwidth{kBw});
  for (int m = 0; m < 4; ++m) EXPECT_EQ(find(r, 0, m, 1).arrived, 2 * (kLat + tx));
}

TEST(SwitchReduce, PullsEveryMembersShareAndReturnsTheSum) {
  // Request (no payload) up, a read request down to every member, the shares up in parallel,
  // the sum back packet by packet: 4 latencies and the pipelined stream of P packets.
  const int P = 32;
  const Bytes c = Bytes{4096} * P;
  const auto r = run(star4({{2, 0, c, 0, 9, Op::kSwitchReduce}}));
  EXPECT_EQ(r.messages, 1u);
  EXPECT_EQ(find(r, 2, 2, 9).arrived, 4 * kLat + (P + 1) * kTx);
  // Conservation: c from each member into the switch, c out of it, to the requester only.
  for (NodeId m = 0; m < 4; ++m) EXPECT_EQ(link_bytes(r, m, kSwitch), c) << "member " << m;
  EXPECT_EQ(link_bytes(r, kSwitch, 2), c);
  for (NodeId m : {0u, 1u, 3u}) EXPECT_EQ(link_bytes(r, kSwitch, m), 0);
}

TEST(SwitchReduce, LastPartialPacket) {
  const Bytes c = 4096 * 3 + 100;
  const auto r = run(star4({{0, 0, c, 0, 3, Op::kSwitchReduce}}));
  const SimTime tail = tx_time(100, Bandwidth{kBw});
  EXPECT_EQ(find(r, 0, 0, 3).arrived, 4 * kLat + 4 * kTx + tail);
  EXPECT_EQ(link_bytes(r, kSwitch, 0), c);
}

TEST(SwitchReduce, MembersShareTheirLinkWithOwnTraffic) {
  // Member 3 is busy sending P packets to NPU 1 when the read request comes: its share queues
  // behind them on its link, so the sum is that much later.
  const int P = 32;
  const Bytes c = 4096;
  const auto r = run(star4({{3, 1, Bytes{4096} * P, 0, 5}, {0, 0, c, 0, 6, Op::kSwitchReduce}}));
  // The share leaves 3 after its P packets: at P * kTx (> the read request's arrival 2 kLat).
  ASSERT_GT(P * kTx, 2 * kLat);
  EXPECT_EQ(find(r, 0, 0, 6).arrived, P * kTx + kTx + kLat + kTx + kLat);
}

TEST(MulticastGroups, IdenticalOn124Ranks) {
  // Concurrent multicasts and reductions from every NPU, round-robin placement (the switch and
  // the NPUs on different ranks).
  std::vector<bench::TrafficMessage> msgs;
  for (int s = 0; s < 4; ++s) {
    msgs.push_back(
        {s, 0, 4096 * 20 + 17 * s, SimTime{s} * 100 * kNanosecond, std::uint64_t(10 + s), Op::kMulticast});
    msgs.push_back(
        {s, 0, 4096 * 9 + 5, SimTime{s} * 50 * kNanosecond, std::uint64_t(20 + s), Op::kSwitchReduce});
    msgs.push_back({s, (s + 1) % 4, 4096 * 7, 0, std::uint64_t(30 + s)});
  }
  auto spec = star4(msgs);
  spec.placement = "round-robin";
  const auto one = run(spec, 1);
  EXPECT_EQ(one.messages, 4u * 4 + 4 + 4);
  const std::string f = one.fingerprint();
  EXPECT_EQ(run(spec, 2).fingerprint(), f);
  EXPECT_EQ(run(spec, 4).fingerprint(), f);
}

TEST(MulticastGroups, HgxBoxGroupUsesTheNvSwitch) {
  HgxH100Spec h;
  h.boxes = 2;
  bench::TrafficSpec s;
  s.topology = TopologySpec::of(h);
  s.multicast_groups = {{0, 1, 2, 3, 4, 5, 6, 7}, {8, 9, 10, 11, 12, 13, 14, 15}};
  s.messages = {{9, 1, 4096, 0, 1, Op::kMulticast}, {3, 0, 8192, 0, 2, Op::kSwitchReduce}};
  const auto r = run(s);
  const SimTime tx = tx_time(4096, h.nvlink_bandwidth);
  for (int m = 8; m < 16; ++m) EXPECT_EQ(find(r, 9, m, 1).arrived, 2 * (h.nvlink_latency + tx));
  EXPECT_EQ(find(r, 3, 3, 2).arrived, 4 * h.nvlink_latency + 3 * tx);
  EXPECT_EQ(r.messages, 9u);
}

TEST(MulticastGroups, BadGroupsAreRefused) {
  HgxH100Spec h;
  h.boxes = 2;
  h.ib_switch_radix = 8;  // 4 hosts per leaf: GPUs 0 and 8 share no switch
  Network packet(TopologySpec::of(h), NetworkModel::kPacket);
  EXPECT_THROW(packet.add_multicast_group({0, 8}), Error);     // two boxes, two leaves
  EXPECT_THROW(packet.add_multicast_group({0}), Error);        // one member
  EXPECT_THROW(packet.add_multicast_group({0, 1, 1}), Error);  // a member twice
  EXPECT_THROW(packet.add_multicast_group({0, 99}), Error);    // not an NPU
  EXPECT_EQ(packet.add_multicast_group({3, 1, 2}), 0u);
  EXPECT_EQ(packet.add_multicast_group({8, 9}), 1u);
  EXPECT_EQ(packet.multicast_group(0).members, (std::vector<NodeId>{3, 1, 2}));
  Network astra(TopologySpec::of(h), NetworkModel::kAstraCongestionAware);
  EXPECT_THROW(astra.add_multicast_group({0, 1}), Error);
  pdes::GraphBuilder b;
  packet.add_to_graph(b);
  const pdes::Graph g = std::move(b).build();
  packet.bind(g);
  EXPECT_THROW(packet.add_multicast_group({4, 5}), Error);  // after bind
}
