// The planners alone: no engine, no network.
#include <gtest/gtest.h>

#include "tessera/collective/plan.hpp"
#include "tessera/collective/registry.hpp"
#include "tessera/error.hpp"

namespace tessera::collective {
namespace {

using T = CollectiveType;
constexpr Bytes S = 1 << 20;

TEST(RingView, DimensionRingsMatchAstraRingTopology) {
  const TopologyView topo{{4, 2, 3}};
  // NPU 13 = (1, 1, 1): dim 0 ring {12..15}, dim 1 ring {9, 13}, dim 2 ring {5, 13, 21}.
  const RingView d0 = RingView::of_dimension(topo, 0, 13);
  EXPECT_EQ(d0.size(), 4);
  EXPECT_EQ(d0.position(), 1);
  EXPECT_EQ(d0.npu_at(0), 12);
  EXPECT_EQ(d0.npu_at(3), 15);
  const RingView d1 = RingView::of_dimension(topo, 1, 13);
  EXPECT_EQ(d1.size(), 2);
  EXPECT_EQ(d1.position(), 1);
  EXPECT_EQ(d1.npu_at(0), 9);
  const RingView d2 = RingView::of_dimension(topo, 2, 13);
  EXPECT_EQ(d2.position(), 1);
  EXPECT_EQ(d2.npu_at(0), 5);
  EXPECT_EQ(d2.npu_at(2), 21);
  EXPECT_EQ(RingView::flat(topo, 13).size(), 24);
}

TEST(RingPlan, AllReduceIsRsThenAgWithReductionsBeforeSends2ToN) {
  const PhaseProgram p = plan_phase(T::kAllReduce, parse_algorithm("ring"), RingView(0, 1, 4, 1), Direction::kClockwise, S);
  EXPECT_EQ(p.sends, 6);
  EXPECT_EQ(p.window, 1);
  EXPECT_EQ(p.output_bytes, S);
  const auto steps = expand(p);
  using K = StepLine;
  const std::vector<StepLine> want = {
      {K::kSend, 2, S / 4},   {K::kRecv, 0, S / 4},                          // step 1
      {K::kReduce, -1, S / 4}, {K::kSend, 2, S / 4}, {K::kRecv, 0, S / 4},   // reduce-scatter
      {K::kReduce, -1, S / 4}, {K::kSend, 2, S / 4}, {K::kRecv, 0, S / 4},
      {K::kReduce, -1, S / 4}, {K::kSend, 2, S / 4}, {K::kRecv, 0, S / 4},   // 1st all-gather send
      {K::kSend, 2, S / 4},   {K::kRecv, 0, S / 4},
      {K::kSend, 2, S / 4},   {K::kRecv, 0, S / 4}};
  EXPECT_EQ(steps, want);
  // The packet after the last receive (which ends the phase) does not reduce.
  EXPECT_FALSE(p.packet(6).reduce);
}

TEST(RingPlan, SizesPerType) {
  const RingView r(0, 1, 8, 0);
  const auto ag = plan_phase(T::kAllGather, parse_algorithm("ring"), r, Direction::kClockwise, S);
  EXPECT_EQ(ag.sends, 7);
  EXPECT_EQ(ag.packet(0).bytes, S);
  EXPECT_EQ(ag.output_bytes, 8 * S);
  const auto rs = plan_phase(T::kReduceScatter, parse_algorithm("ring"), r, Direction::kClockwise, S);
  EXPECT_EQ(rs.output_bytes, S / 8);
  for (int k = 1; k < 8; ++k) EXPECT_TRUE(rs.packet(k).reduce) << k;
  const auto a2a = plan_phase(T::kAllToAll, parse_algorithm("ring"), r, Direction::kAnticlockwise, S);
  EXPECT_EQ(a2a.sends, 28);  // n(n-1)/2 relayed messages
  EXPECT_EQ(a2a.packet(5).send_to, 7);  // anticlockwise neighbour
  EXPECT_EQ(a2a.packet(5).recv_from, 1);
}

TEST(DirectPlan, PacketKGoesToDistanceOnePlusKModNMinus1) {
  const auto p = plan_phase(T::kAllReduce, parse_algorithm("direct"), RingView(0, 1, 5, 2), Direction::kClockwise, S);
  EXPECT_EQ(p.window, 4);
  EXPECT_EQ(p.sends, 8);
  EXPECT_EQ(p.second_round, 4);
  std::vector<int> to, from;
  for (int k = 0; k < 8; ++k) {
    to.push_back(p.packet(k).send_to);
    from.push_back(p.packet(k).recv_from);
  }
  EXPECT_EQ(to, (std::vector<int>{3, 4, 0, 1, 3, 4, 0, 1}));
  EXPECT_EQ(from, (std::vector<int>{1, 0, 4, 3, 1, 0, 4, 3}));
  // Window packets at start never reduce; the next window (created on the first-round
  // receives) reduce; the all-gather round does not.
  for (int k = 0; k < 4; ++k) EXPECT_FALSE(p.packet(k).reduce);
  for (int k = 4; k < 8; ++k) EXPECT_TRUE(p.packet(k).reduce);
  for (int k = 8; k < 12; ++k) EXPECT_FALSE(p.packet(k).reduce);
  const auto w2 = plan_phase(T::kAllToAll, parse_algorithm("direct2"), RingView(0, 1, 5, 2), Direction::kClockwise, S);
  EXPECT_EQ(w2.window, 2);
  EXPECT_EQ(w2.sends, 4);
  EXPECT_EQ(w2.packet(0).bytes, S / 5);
}

TEST(HalvingDoublingPlan, AllReduceMessageSequenceOn8) {
  const auto p = plan_phase(T::kAllReduce, parse_algorithm("halvingDoubling"), RingView(0, 1, 8, 0),
                            Direction::kClockwise, S);
  EXPECT_EQ(p.sends, 6);
  std::vector<Bytes> sizes;
  std::vector<int> peers;
  std::vector<bool> reduce;
  for (int k = 0; k < 6; ++k) {
    sizes.push_back(p.packet(k).bytes);
    peers.push_back(p.packet(k).send_to);
    reduce.push_back(p.packet(k).reduce);
  }
  EXPECT_EQ(sizes, (std::vector<Bytes>{S / 2, S / 4, S / 8, S / 8, S / 4, S / 2}));
  EXPECT_EQ(peers, (std::vector<int>{1, 2, 4, 4, 2, 1}));
  EXPECT_EQ(reduce, (std::vector<bool>{false, true, true, false, false, false}));
  // Position 5 (binary 101): distance 1 anticlockwise (5/1 odd), 2 clockwise (5/2 = 2 even),
  // 4 anticlockwise (5/4 odd).
  const auto q = plan_phase(T::kAllReduce, parse_algorithm("halvingDoubling"), RingView(0, 1, 8, 5),
                            Direction::kClockwise, S);
  EXPECT_EQ(q.packet(0).send_to, 4);
  EXPECT_EQ(q.packet(1).send_to, 7);
  EXPECT_EQ(q.packet(2).send_to, 1);
}

TEST(HalvingDoublingPlan, AllGatherDoublesFromTheFarthestPeer) {
  const auto p = plan_phase(T::kAllGather, parse_algorithm("halvingDoubling"), RingView(0, 1, 8, 0),
                            Direction::kClockwise, S);
  EXPECT_EQ(p.sends, 3);
  EXPECT_EQ(p.packet(0).bytes, S);
  EXPECT_EQ(p.packet(1).bytes, 2 * S);
  EXPECT_EQ(p.packet(2).bytes, 4 * S);
  EXPECT_EQ(p.packet(0).send_to, 4);
  EXPECT_EQ(p.packet(1).send_to, 2);
  EXPECT_EQ(p.packet(2).send_to, 1);
  EXPECT_THROW(plan_phase(T::kAllReduce, parse_algorithm("halvingDoubling"), RingView(0, 1, 6, 0),
                          Direction::kClockwise, S),
               InputError);
}

TEST(DoubleBinaryTreePlan, InOrderTreesAlternateRoots) {
  // RootMax on 8: in-order ids 0..6 form the perfect tree (root 3), the dummy root is 7.
  auto at = [](int pos, bool flip) {
    return plan_phase(T::kAllReduce, parse_algorithm("doubleBinaryTree"), RingView(0, 1, 8, pos), Direction::kClockwise,
                      S, flip);
  };
  EXPECT_EQ(at(7, false).role, TreeRole::kRoot);
  EXPECT_EQ(at(7, false).left, 3);
  EXPECT_EQ(at(3, false).role, TreeRole::kIntermediate);
  EXPECT_EQ(at(3, false).parent, 7);
  EXPECT_EQ(at(3, false).left, 1);
  EXPECT_EQ(at(3, false).right, 5);
  EXPECT_EQ(at(5, false).left, 4);
  EXPECT_EQ(at(5, false).right, 6);
  EXPECT_EQ(at(6, false).role, TreeRole::kLeaf);
  EXPECT_EQ(at(6, false).parent, 5);
  // RootMin: the root is 0, the perfect tree takes 1..7 (root 4).
  EXPECT_EQ(at(0, true).role, TreeRole::kRoot);
  EXPECT_EQ(at(0, true).right, 4);
  EXPECT_EQ(at(4, true).parent, 0);
  EXPECT_EQ(at(2, true).left, 1);
  EXPECT_EQ(at(2, true).right, 3);
  EXPECT_EQ(at(7, true).parent, 6);
  EXPECT_EQ(at(0, true).tree_bytes, S);
  EXPECT_THROW(plan_phase(T::kAllGather, parse_algorithm("doubleBinaryTree"), RingView(0, 1, 8, 0),
                          Direction::kClockwise, S),
               InputError);
}

TEST(TreePlans, BroadcastReduceHeapOrderFromTheRoot) {
  // Root 2 of 6: relative order 2, 3, 4, 5, 0, 1; children of rel r are 2r+1, 2r+2.
  const auto root = plan_tree(T::kBroadcast, RingView(0, 1, 6, 2), 2, S);
  EXPECT_EQ(root.role, TreeRole::kRoot);
  EXPECT_EQ(root.left, 3);
  EXPECT_EQ(root.right, 4);
  const auto p3 = plan_tree(T::kReduce, RingView(0, 1, 6, 3), 2, S);
  EXPECT_EQ(p3.parent, 2);
  EXPECT_EQ(p3.left, 5);
  EXPECT_EQ(p3.right, 0);
  const auto p1 = plan_tree(T::kReduce, RingView(0, 1, 6, 1), 2, S);
  EXPECT_EQ(p1.role, TreeRole::kLeaf);
  EXPECT_EQ(p1.parent, 4);
}

TEST(BarrierPlan, DisseminationRounds) {
  const auto b = plan_barrier(RingView(0, 1, 5, 0), 1);
  EXPECT_EQ(b.sends, 3);  // ceil(log2 5)
  EXPECT_EQ(b.packet(0).send_to, 1);
  EXPECT_EQ(b.packet(1).send_to, 2);
  EXPECT_EQ(b.packet(2).send_to, 4);
  EXPECT_EQ(b.packet(2).recv_from, 1);
}

TEST(Planners, RingAllToAllStaysO1InMemory) {
  // 4096 NPUs: 8.4 million relayed messages, generated lazily.
  const auto p = plan_phase(T::kAllToAll, parse_algorithm("ring"), RingView(0, 1, 4096, 7), Direction::kClockwise, S);
  EXPECT_EQ(p.sends, 4096LL * 4095 / 2);
  EXPECT_EQ(p.packet(p.sends - 1).send_to, 8);
  EXPECT_LT(sizeof(p), 512u);
}

}  // namespace
}  // namespace tessera::collective
