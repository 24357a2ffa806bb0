// The two ASTRA-sim message-level models: ns truncation rules of docs/astra-parity.md §1 and §9.
#include <gtest/gtest.h>

#include "net_test_util.hpp"
#include "tessera/network/astra_timing.hpp"

using namespace tessera;
using namespace tessera::network;
using namespace tessera::network::testing;

namespace {
const Bandwidth kBw50 = astra_gbps(50.0);    // Ring_8npus.yml: 50 GB/s, 500 ns
const Bandwidth kBw400 = astra_gbps(400.0);  // HGX-H100-validated.yml: 400 GB/s, 936.25 ns
constexpr SimTime kLat500 = 500 * kNanosecond;
constexpr SimTime kLat93625 = 936'250;

bench::TrafficSpec spec(NetworkModel model, TopologySpec topo, std::vector<bench::TrafficMessage> msgs) {
  bench::TrafficSpec s;
  s.topology = std::move(topo);
  s.model = model;
  s.messages = std::move(msgs);
  return s;
}
}  // namespace

TEST(AstraTiming, TruncationRules) {
  // 1 MiB at 50 GB/s (2^30): 1048576 / 53.6870912 = 19531.25 ns.
  EXPECT_EQ(astra::serialization(1 << 20, kBw50), 19531 * kNanosecond);
  EXPECT_EQ(astra::hop_arrival(1 << 20, kBw50, kLat500), 20031 * kNanosecond);
  // 936.25 + 19531.25 = 20467.5 -> 20467; two hops of latency, one serialization: 21403.75 -> 21403
  EXPECT_EQ(astra::hop_arrival(1 << 20, kBw50, kLat93625), 20467 * kNanosecond);
  EXPECT_EQ(astra::unaware(2, 1 << 20, kBw50, kLat93625), 21403 * kNanosecond);
  // 131072 B at 400 GB/s: 305.17578125 ns
  EXPECT_EQ(astra::hop_arrival(131072, kBw400, kLat93625), 1241 * kNanosecond);
}

TEST(AstraAware, RingNeighbourEqualsUnaware) {
  const auto topo = dims_spec({dim(DimensionKind::kRing, 8, kBw50.bytes_per_second, kLat500)});
  const auto a = run(spec(NetworkModel::kAstraCongestionAware, topo, {{2, 3, 1 << 20, 0, 0}}));
  const auto u = run(spec(NetworkModel::kAstraCongestionUnaware, topo, {{2, 3, 1 << 20, 0, 0}}));
  EXPECT_EQ(find(a, 2, 3).arrived, 20031 * kNanosecond);
  EXPECT_EQ(find(u, 2, 3).arrived, 20031 * kNanosecond);
}

TEST(AstraAware, StoreAndForwardPerHop) {
  // Whole message per hop: k x uint64(lat + size/B) (no pipelining); unaware: one truncation.
  const auto topo = dims_spec({dim(DimensionKind::kRing, 8, kBw50.bytes_per_second, kLat500)});
  const auto a =
      run(spec(NetworkModel::kAstraCongestionAware, topo, {{0, 3, 1 << 20, 0, 0}, {0, 5, 1 << 20, 0, 1}}));
  EXPECT_EQ(find(a, 0, 3).arrived, 3 * 20031 * kNanosecond);
  // 0 -> 5 goes anticlockwise (3 hops) on the other link: no interaction.
  EXPECT_EQ(find(a, 0, 5, 1).arrived, 3 * 20031 * kNanosecond);
  // 0 -> 4: a tie, clockwise (shares the link 0->1 with the first message: waits 19531 ns).
  const auto b =
      run(spec(NetworkModel::kAstraCongestionAware, topo, {{0, 3, 1 << 20, 0, 0}, {0, 4, 1 << 20, 0, 1}}));
  EXPECT_EQ(find(b, 0, 4, 1).arrived, 19531 * kNanosecond + 4 * 20031 * kNanosecond);
  const auto u = run(spec(NetworkModel::kAstraCongestionUnaware, topo, {{0, 3, 1 << 20, 0, 0}}));
  EXPECT_EQ(find(u, 0, 3).arrived, static_cast<SimTime>(3 * 500 + 19531.25) * kNanosecond);
}

TEST(AstraAware, SwitchIsTwoHopsAndQueuesFifo) {
  const auto topo = dims_spec({dim(DimensionKind::kSwitch, 8, kBw400.bytes_per_second, kLat93625)});
  // HGX numbers: a 131072 B message: 2 x 1241 = 2482 ns (unaware: uint64(2 x 936.25 + 305.18) = 2177).
  const auto a = run(spec(NetworkModel::kAstraCongestionAware, topo, {{0, 1, 131072, 0, 0}}));
  EXPECT_EQ(find(a, 0, 1).arrived, 2482 * kNanosecond);
  const auto u = run(spec(NetworkModel::kAstraCongestionUnaware, topo, {{0, 1, 131072, 0, 0}}));
  EXPECT_EQ(find(u, 0, 1).arrived, 2177 * kNanosecond);
  // Two messages sharing the NPU0 -> switch link are spaced by uint64(size/B) = 305 ns.
  const auto q =
      run(spec(NetworkModel::kAstraCongestionAware, topo, {{0, 1, 131072, 0, 0}, {0, 2, 131072, 0, 1}}));
  EXPECT_EQ(find(q, 0, 1).arrived, 2482 * kNanosecond);
  EXPECT_EQ(find(q, 0, 2, 1).arrived, (305 + 2482) * kNanosecond);
  // The sender learns of delivery through the acknowledgement (one path latency later).
  EXPECT_EQ(find(q, 0, 1).delivered, 2482 * kNanosecond + 2 * kLat93625);
  EXPECT_EQ(find(q, 0, 1).injected, 305 * kNanosecond);
}

TEST(AstraUnaware, FirstDifferingDimensionOnly) {
  // Ring 4 x FullyConnected 2 x Switch 3; 0 -> (1, 1, 2) pays only dimension 0 (1 ring hop).
  const auto topo =
      dims_spec({dim(DimensionKind::kRing, 4, astra_gbps(200).bytes_per_second, 50 * kNanosecond),
                 dim(DimensionKind::kFullyConnected, 2, astra_gbps(100).bytes_per_second, 500 * kNanosecond),
                 dim(DimensionKind::kSwitch, 3, astra_gbps(50).bytes_per_second, 2000 * kNanosecond)});
  const int far = 1 + 1 * 4 + 2 * 8;
  const int d2 = 2 * 8;
  const int d0_2hops = 2;
  const auto u = run(spec(NetworkModel::kAstraCongestionUnaware, topo,
                          {{0, far, 1 << 20, 0, 0}, {0, d2, 1 << 20, 0, 1}, {0, d0_2hops, 1 << 20, 0, 2}}));
  EXPECT_EQ(find(u, 0, far).arrived, astra::unaware(1, 1 << 20, astra_gbps(200), 50 * kNanosecond));
  EXPECT_EQ(find(u, 0, d2, 1).arrived, astra::unaware(2, 1 << 20, astra_gbps(50), 2000 * kNanosecond));
  EXPECT_EQ(find(u, 0, d0_2hops, 2).arrived, astra::unaware(2, 1 << 20, astra_gbps(200), 50 * kNanosecond));
  // The sender's callbacks fire exactly at arrival (it computes the closed form itself).
  EXPECT_EQ(find(u, 0, far).delivered, find(u, 0, far).arrived);
}

TEST(AstraUnaware, MessagesNeverInteract) {
  const auto topo = dims_spec({dim(DimensionKind::kSwitch, 8, kBw400.bytes_per_second, kLat93625)});
  std::vector<bench::TrafficMessage> msgs;
  for (int i = 1; i < 8; ++i) msgs.push_back({i, 0, 131072, 0, 0});
  const auto u = run(spec(NetworkModel::kAstraCongestionUnaware, topo, msgs));
  for (int i = 1; i < 8; ++i) EXPECT_EQ(find(u, i, 0).arrived, 2177 * kNanosecond);
}

TEST(NetworkModelNames, ParseAndList) {
  EXPECT_EQ(parse_network_model("packet"), NetworkModel::kPacket);
  EXPECT_EQ(parse_network_model("astra-congestion-aware"), NetworkModel::kAstraCongestionAware);
  EXPECT_EQ(parse_network_model("astra-congestion-unaware"), NetworkModel::kAstraCongestionUnaware);
  try {
    parse_network_model("analytical");
    FAIL();
  } catch (const InputError& e) {
    // The valid names come from the one model table, in its order.
    EXPECT_NE(std::string(e.what()).find("packet, astra-congestion-aware, astra-congestion-unaware"),
              std::string::npos)
        << e.what();
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
  }
  try {
    parse_network_model("astra-congestion-awre");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean \"astra-congestion-aware\""), std::string::npos)
        << e.what();
  }
  // Every row names its model once, and names map back to their model.
  for (const NetworkModelInfo& m : network_models()) {
    EXPECT_EQ(parse_network_model(m.name), m.model);
    EXPECT_EQ(to_string(m.model), m.name);
    EXPECT_FALSE(m.links.empty()) << m.name;
  }
}
