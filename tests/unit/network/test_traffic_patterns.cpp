// Traffic patterns on every topology: neighbour exchange against closed forms, conservation under
// heavy congestion, and identical results on 1, 2 and 4 loopback ranks.
#include <gtest/gtest.h>

#include <map>

#include "net_test_util.hpp"

using namespace tessera;
using namespace tessera::network;
using namespace tessera::network::testing;

namespace {
constexpr std::int64_t kBw = 50'000'000'000;
constexpr SimTime kLat = 100 * kNanosecond;
const SimTime kTx = tx_time(4096, Bandwidth{kBw});
constexpr int kP = 32;  // packets per message

TopologySpec torus(std::vector<int> dims) {
  return TopologySpec::of(TorusSpec{std::move(dims), Bandwidth{kBw}, kLat});
}
TopologySpec fat_tree(int radix, int hosts, double o = 1.0) {
  return TopologySpec::of(FatTreeSpec{radix, hosts, o, Bandwidth{kBw}, kLat, 200 * kNanosecond});
}
TopologySpec hgx(int boxes) {
  HgxH100Spec h;
  h.boxes = boxes;
  h.ib_switch_radix = 8;
  return TopologySpec::of(h);
}
bench::TrafficSpec neighbours(TopologySpec topo, int n, int stride = 1) {
  bench::TrafficSpec s;
  s.topology = std::move(topo);
  for (int i = 0; i < n; ++i) s.messages.push_back({i, (i + stride) % n, Bytes{4096} * kP, 0, 0});
  return s;
}
bench::TrafficSpec all_to_all(TopologySpec topo, int n, Bytes bytes) {
  bench::TrafficSpec s;
  s.topology = std::move(topo);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      if (i != j) s.messages.push_back({i, j, bytes, 0, static_cast<std::uint64_t>(j)});
    }
  }
  return s;
}
}  // namespace

TEST(NeighbourExchange, RingAndFullyConnectedUseOneLinkEach) {
  // Each message has its own link: k = 1 hop pipeline.
  for (auto kind : {DimensionKind::kRing, DimensionKind::kFullyConnected}) {
    const auto r = run(neighbours(dims_spec({dim(kind, 8, kBw, kLat)}), 8));
    for (int i = 0; i < 8; ++i) EXPECT_EQ(find(r, i, (i + 1) % 8).arrived, kLat + kP * kTx);
  }
}

TEST(NeighbourExchange, SwitchTwoHops) {
  const auto r = run(neighbours(dims_spec({dim(DimensionKind::kSwitch, 8, kBw, kLat)}), 8));
  for (int i = 0; i < 8; ++i) EXPECT_EQ(find(r, i, (i + 1) % 8).arrived, 2 * kLat + (kP + 1) * kTx);
}

TEST(NeighbourExchange, TorusEveryDimensionAtOnce) {
  // Each NPU sends to its +1 neighbour in every dimension at once: distinct links, no contention.
  bench::TrafficSpec s;
  s.topology = torus({4, 3, 2});
  const int n = 24;
  const int strides[] = {1, 4, 12};
  for (int i = 0; i < n; ++i) {
    const int c[3] = {i % 4, (i / 4) % 3, i / 12};
    for (int d = 0; d < 3; ++d) {
      const int size = d == 0 ? 4 : d == 1 ? 3 : 2;
      const int j = i + (((c[d] + 1) % size) - c[d]) * strides[d];
      s.messages.push_back({i, j, Bytes{4096} * kP, 0, static_cast<std::uint64_t>(d)});
    }
  }
  const auto r = run(s);
  EXPECT_EQ(r.messages, 72u);
  // Dimension 2 has size 2: its +1 and -1 neighbours coincide, still one message per link.
  for (const auto& d : r.deliveries) EXPECT_EQ(d.arrived, kLat + kP * kTx) << d.src << "->" << d.dst;
}

TEST(NeighbourExchange, FatTreeSprayedOverSpines) {
  // 8 leaves x 4 hosts (k = 8): i -> i+1 stays in the leaf except from the last host of each leaf,
  // which goes up over all 4 spines; the host links are the bottleneck either way.
  const auto r = run(neighbours(fat_tree(8, 32), 32));
  const SimTime sw = 200 * kNanosecond;
  for (int i = 0; i < 32; ++i) {
    const bool up = i % 4 == 3;
    const SimTime expect = up ? 4 * kLat + 3 * sw + (kP + 3) * kTx : 2 * kLat + sw + (kP + 1) * kTx;
    EXPECT_EQ(find(r, i, (i + 1) % 32).arrived, expect) << i;
  }
}

TEST(NeighbourExchange, HgxInsideAndAcrossBoxes) {
  const auto r = run(neighbours(hgx(2), 16));
  const HgxH100Spec h;
  const SimTime nv = tx_time(4096, h.nvlink_bandwidth);
  const SimTime ib = tx_time(4096, h.nic_bandwidth);
  for (int i = 0; i < 16; ++i) {
    if (i % 8 == 7) {
      // Out of the GPU's NIC: GPU -> leaf -> (spine -> leaf) -> GPU, IB links only.
      const int hops = (i / 4) == ((i + 1) % 16) / 4 ? 2 : 4;
      EXPECT_EQ(find(r, i, (i + 1) % 16).arrived,
                hops * h.ib_link_latency + (hops - 1) * h.ib_switch_latency + (kP + hops - 1) * ib)
          << i;
    } else {
      EXPECT_EQ(find(r, i, i + 1).arrived, 2 * h.nvlink_latency + (kP + 1) * nv) << i;
    }
  }
}

TEST(Conservation, HeavyCongestionLosesAndDuplicatesNothing) {
  // All-to-all with one-packet buffers on an oversubscribed fat-tree, a torus and a ring: every
  // message arrives exactly once, and every switch forwards exactly what it received.
  std::vector<std::pair<TopologySpec, int>> cases = {
      {fat_tree(8, 24, 3.0), 24},
      {torus({4, 4}), 16},
      {dims_spec({dim(DimensionKind::kRing, 6, kBw, kLat)}), 6}};
  for (auto& [topo, n] : cases) {
    auto s = all_to_all(topo, n, 4096 * 5 + 17);
    s.packet.buffer_per_port = 4096;
    const auto r = run(s);
    ASSERT_EQ(r.messages, static_cast<std::uint64_t>(n * (n - 1)));
    ASSERT_EQ(r.deliveries.size(), static_cast<std::size_t>(n * (n - 1)));
    for (const auto& d : r.deliveries) {
      EXPECT_GT(d.arrived, 0);
      EXPECT_GE(d.delivered, d.arrived);
    }
    std::map<std::uint32_t, std::pair<Bytes, Bytes>> io;  // node -> (in, out)
    Bytes into_npus = 0;
    std::uint64_t pkts_into_npus = 0;
    for (const auto& l : r.links) {
      io[l.from].second += l.bytes;
      io[l.to].first += l.bytes;
      if (l.to < static_cast<std::uint32_t>(n)) {
        into_npus += l.bytes;
        pkts_into_npus += l.packets;
      }
    }
    for (const auto& [node, inout] : io) {
      if (node >= static_cast<std::uint32_t>(n)) {
        EXPECT_EQ(inout.first, inout.second) << "switch " << node;
      }
    }
    std::uint64_t stall = 0;
    for (const auto& l : r.links) stall += static_cast<std::uint64_t>(l.credit_stall);
    EXPECT_GT(stall, 0u);  // the buffers really pushed back
    if (topo.name() == "fat_tree") {
      // NPUs do not route on a fat-tree: what reaches NPUs is exactly the payload, once.
      EXPECT_EQ(into_npus, Bytes{n} * (n - 1) * (4096 * 5 + 17));
      EXPECT_EQ(pkts_into_npus, static_cast<std::uint64_t>(n * (n - 1) * 6));
    }
  }
}

TEST(Determinism, SameResultsOnOneTwoAndFourLoopbackRanks) {
  std::vector<bench::TrafficSpec> specs;
  auto a = all_to_all(hgx(2), 16, 4096 * 3 + 5);
  a.packet.buffer_per_port = 8192;
  specs.push_back(a);
  auto b = all_to_all(torus({4, 2}), 8, 20000);
  b.packet.buffer_per_port = 4096;
  b.placement = "round-robin";  // splits everything, NVSwitch boxes and all
  specs.push_back(b);
  auto c = all_to_all(dims_spec({dim(DimensionKind::kSwitch, 8, kBw, kLat)}), 8, 1 << 16);
  c.model = NetworkModel::kAstraCongestionAware;
  c.placement = "round-robin";
  specs.push_back(c);
  auto d = c;
  d.model = NetworkModel::kAstraCongestionUnaware;
  specs.push_back(d);
  auto e = a;
  e.placement = "round-robin";
  specs.push_back(e);
  for (const auto& s : specs) {
    const std::string one = run(s, 1).fingerprint();
    EXPECT_GT(one.size(), 100u);
    const auto two = run(s, 2);
    EXPECT_EQ(two.fingerprint(), one);
    EXPECT_GT(two.run.stats.remote_events, 0u);  // events really crossed ranks
    EXPECT_EQ(run(s, 4).fingerprint(), one);
  }
}
