// Topology builders and routing: structure, names, every route reaches its destination, the hop
// counts of each kind, fat-tree path diversity, and errors that name the key and the fix.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "net_test_util.hpp"
#include "tessera/network/nic.hpp"
#include "tessera/pdes/graph.hpp"

using namespace tessera;
using namespace tessera::network;
using namespace tessera::network::testing;

namespace {
// Walks the route of one packet; returns the nodes visited after `src`.
std::vector<NodeId> walk(const Topology& t, NodeId src, NodeId dst, std::uint64_t hash = 0) {
  std::vector<NodeId> path;
  NodeId at = src;
  std::uint8_t vc = 0, dim = kNoDim;
  while (at != dst && path.size() < 64) {
    const Hop h = t.route(at, dst, hash, vc, dim);
    EXPECT_LT(h.port, t.node(at).ports.size());
    at = t.node(at).ports[h.port].peer;
    vc = h.vc;
    dim = h.dim;
    path.push_back(at);
  }
  return path;
}

void expect_all_routes_arrive(const Topology& t) {
  for (NodeId s = 0; s < static_cast<NodeId>(t.num_npus()); ++s) {
    for (NodeId d = 0; d < static_cast<NodeId>(t.num_npus()); ++d) {
      if (s == d) continue;
      const auto p = walk(t, s, d, s * 7919u + d);
      ASSERT_FALSE(p.empty());
      ASSERT_EQ(p.back(), d) << t.node(s).name << " -> " << t.node(d).name;
    }
  }
}

TopologySpec fat_tree(int radix, int hosts, double o = 1.0) {
  FatTreeSpec f;
  f.radix = radix;
  f.hosts = hosts;
  f.oversubscription = o;
  return TopologySpec::of(f);
}
}  // namespace

TEST(Topology, LinksAreSymmetricAndNamesSortLikeIds) {
  for (const TopologySpec& spec :
       {dims_spec({dim(DimensionKind::kRing, 5, 1, 1), dim(DimensionKind::kSwitch, 3, 1, 1),
                   dim(DimensionKind::kFullyConnected, 4, 1, 1)}),
        fat_tree(4, 16), fat_tree(8, 128, 3.0)}) {
    const Topology t = build_topology(spec);
    for (NodeId i = 0; i < t.num_nodes(); ++i) {
      for (std::size_t p = 0; p < t.node(i).ports.size(); ++p) {
        const PortInfo& a = t.node(i).ports[p];
        if (a.peer == kNoNode) {
          EXPECT_FALSE(t.is_npu(i));
          continue;
        }
        const PortInfo& b = t.node(a.peer).ports[a.peer_port];
        EXPECT_EQ(b.peer, i);
        EXPECT_EQ(b.peer_port, p);
      }
    }
    pdes::GraphBuilder gb;
    Network net(spec, NetworkModel::kPacket);
    net.add_to_graph(gb);
    const pdes::Graph g = std::move(gb).build();
    net.bind(g);
    for (int n = 0; n < t.num_npus(); ++n)
      EXPECT_EQ(net.lp_of(static_cast<NodeId>(n)), static_cast<pdes::LpId>(n));
    expect_all_routes_arrive(t);
  }
}

TEST(Topology, AstraDimensionsHopCounts) {
  const Topology t = build_topology(dims_spec({dim(DimensionKind::kRing, 8, 1, 1)}));
  EXPECT_EQ(t.num_nodes(), 8u);
  EXPECT_EQ(walk(t, 0, 4).size(), 4u);  // tie: clockwise
  EXPECT_EQ(walk(t, 0, 4), (std::vector<NodeId>{1, 2, 3, 4}));
  EXPECT_EQ(walk(t, 1, 6), (std::vector<NodeId>{0, 7, 6}));
  EXPECT_EQ(t.num_vcs(), 2);

  const Topology s = build_topology(dims_spec({dim(DimensionKind::kSwitch, 8, 1, 1)}));
  EXPECT_EQ(s.num_nodes(), 9u);
  EXPECT_EQ(walk(s, 3, 5).size(), 2u);
  EXPECT_EQ(s.node(8).name, "sw/dim0/000000");

  const Topology f = build_topology(dims_spec({dim(DimensionKind::kFullyConnected, 6, 1, 1)}));
  EXPECT_EQ(f.node(0).ports.size(), 5u);
  EXPECT_EQ(walk(f, 4, 1), (std::vector<NodeId>{1}));

  // Ring of 2: one link pair, as ASTRA-sim.
  const Topology r2 = build_topology(dims_spec({dim(DimensionKind::kRing, 2, 1, 1)}));
  EXPECT_EQ(r2.node(0).ports.size(), 1u);
}

TEST(Topology, MultiDimensionalRoutesAreDimensionOrdered) {
  // [Ring 4, Switch 2, FullyConnected 3]: 0 -> (2, 1, 2) = 2 + 4 + 16 = 22.
  const Topology t =
      build_topology(dims_spec({dim(DimensionKind::kRing, 4, 1, 1), dim(DimensionKind::kSwitch, 2, 1, 1),
                                dim(DimensionKind::kFullyConnected, 3, 1, 1)}));
  EXPECT_EQ(t.num_npus(), 24);
  const auto p = walk(t, 0, 22);
  ASSERT_EQ(p.size(), 5u);  // 2 ring hops, switch, NPU, one FC hop
  EXPECT_EQ(p[0], 1u);
  EXPECT_EQ(p[1], 2u);
  EXPECT_FALSE(t.is_npu(p[2]));
  EXPECT_EQ(p[3], 6u);
  EXPECT_EQ(p[4], 22u);
  EXPECT_EQ(t.first_differing_dim(0, 22), 0);
  EXPECT_EQ(t.first_differing_dim(2, 22), 1);
}

TEST(Topology, TorusDatelineVirtualChannels) {
  TorusSpec s;
  s.dims = {4, 4, 3};
  const Topology t = build_topology(TopologySpec::of(s));
  EXPECT_EQ(t.num_npus(), 48);
  EXPECT_EQ(t.node(0).ports.size(), 6u);
  expect_all_routes_arrive(t);
  // 3 -> 0 crosses the wrap link 3 -> 0 clockwise: VC 1 on that hop.
  const Hop h = t.route(3, 0, 0, 0, kNoDim);
  EXPECT_EQ(h.vc, 1);
  const Hop h2 = t.route(2, 0, 0, 0, kNoDim);  // 2 -> 0: tie, clockwise 2 -> 3 still VC 0
  EXPECT_EQ(h2.vc, 0);
}

TEST(Topology, FatTreeLevelsAndOversubscription) {
  const Topology two = build_topology(fat_tree(8, 32));  // 8 leaves of 4 hosts, 4 spines
  EXPECT_EQ(two.num_nodes(), 32u + 8 + 4);
  EXPECT_EQ(walk(two, 0, 1).size(), 2u);                   // same leaf
  EXPECT_EQ(walk(two, 0, 31).size(), 4u);                  // via a spine
  const Topology three = build_topology(fat_tree(4, 16));  // k=4: 4 pods x 2 leaves x 2 hosts
  EXPECT_EQ(three.num_nodes(), 16u + 8 + 8 + 4);
  EXPECT_EQ(walk(three, 0, 2).size(), 4u);                     // same pod
  EXPECT_EQ(walk(three, 0, 15).size(), 6u);                    // via a core
  const Topology one = build_topology(fat_tree(8, 3));  // one leaf, nothing above it
  EXPECT_EQ(one.num_nodes(), 4u);
  EXPECT_EQ(walk(one, 0, 2).size(), 2u);
  const Topology over = build_topology(fat_tree(8, 24, 3.0));  // 6 down, 2 up per leaf
  EXPECT_EQ(over.node(24).ports.size(), 8u);
  EXPECT_EQ(over.num_nodes(), 24u + 4 + 2);
}

TEST(Topology, FatTreePathDiversityIsDeterministic) {
  const Topology t = build_topology(fat_tree(4, 16));
  std::set<std::vector<NodeId>> paths;
  for (std::uint32_t pkt = 0; pkt < 256; ++pkt) paths.insert(walk(t, 0, 15, flow_hash(0, 15, 0, pkt)));
  EXPECT_EQ(paths.size(), 4u);  // 2 aggregation switches x 2 cores
  EXPECT_EQ(walk(t, 0, 15, flow_hash(0, 15, 3, 9)), walk(t, 0, 15, flow_hash(0, 15, 3, 9)));
  const Topology two = build_topology(fat_tree(8, 32));
  std::set<std::vector<NodeId>> p2;
  for (std::uint32_t pkt = 0; pkt < 256; ++pkt) p2.insert(walk(two, 0, 31, flow_hash(0, 31, 1, pkt)));
  EXPECT_EQ(p2.size(), 4u);  // one per spine
}

TEST(Topology, HgxBoxes) {
  HgxH100Spec s;
  s.boxes = 4;
  s.ib_switch_radix = 8;  // 4 GPUs per leaf: 8 leaves, 4 spines
  const Topology t = build_topology(TopologySpec::of(s));
  EXPECT_EQ(t.num_npus(), 32);
  EXPECT_EQ(t.node(9).group, "box/00001");
  EXPECT_EQ(t.node(32).name, "sw/nvswitch/00000");
  EXPECT_EQ(t.node(33).group, "box/00001");
  EXPECT_EQ(walk(t, 0, 7).size(), 2u);  // over NVSwitch
  EXPECT_EQ(walk(t, 0, 8).size(), 4u);  // leaf, spine, leaf
  EXPECT_EQ(t.dimension_sizes(), (std::vector<int>{8, 4}));
  expect_all_routes_arrive(t);
}

TEST(Topology, ErrorsNameTheKeyAndTheFix) {
  try {
    build_topology(fat_tree(7, 16, 1.0));
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.diagnostics().at(0).key, "network.fat_tree.radix");
  }
  try {
    build_topology(fat_tree(8, 16, 2.0));  // 8/3 uplinks
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.diagnostics().at(0).key, "network.fat_tree.oversubscription");
    EXPECT_NE(e.diagnostics()[0].fix.find("whole number"), std::string::npos);
  }
  try {
    build_topology(fat_tree(4, 100));  // k=4 reaches 16 hosts
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("at most 16 hosts"), std::string::npos);
  }
  try {
    build_topology(dims_spec({dim(DimensionKind::kRing, 1, 0, -1)}));
    FAIL();
  } catch (const InputError& e) {
    ASSERT_EQ(e.diagnostics().size(), 3u);  // all problems at once
    EXPECT_EQ(e.diagnostics()[0].key, "network.dimensions[0].npus");
    EXPECT_EQ(e.diagnostics()[1].key, "network.dimensions[0].bandwidth");
    EXPECT_EQ(e.diagnostics()[2].key, "network.dimensions[0].latency");
  }
  HgxH100Spec h;
  h.boxes = 2;
  h.nics_per_box = 4;
  EXPECT_THROW(build_topology(TopologySpec::of(h)), InputError);
  PacketSpec p;
  p.buffer_per_port = 100;
  EXPECT_THROW(Network(fat_tree(4, 16), NetworkModel::kPacket, p), InputError);
}

TEST(NetworkBinding, UseBeforeBindIsAnError) {
  struct Owner : NicOwner {
    void on_message_arrived(pdes::Context&, const ArrivedMessage&) override {}
  } owner;
  Network net(fat_tree(4, 16), NetworkModel::kPacket);
  EXPECT_FALSE(net.bound());
  EXPECT_THROW(Nic(net, 0, owner), Error);
  EXPECT_THROW(net.make_switch(20), Error);
  pdes::GraphBuilder gb;
  net.add_to_graph(gb);
  const pdes::Graph g = std::move(gb).build();
  net.bind(g);
  EXPECT_THROW(Nic(net, 16, owner), Error);  // no NPU 16
  EXPECT_THROW(net.make_switch(3), Error);   // an NPU, not a switch
  EXPECT_NE(net.make_switch(20), nullptr);
  EXPECT_EQ(g.direct_send_min_delay().value_or(-1), 100 * kNanosecond);
}
