// partition_auto on the graphs of real large networks: HGX boxes stay whole, consecutive boxes
// share a rank, leaf switches follow their hosts, weight stays balanced, and the locality-aware
// placement cuts far fewer channels than the plain heaviest-first rule.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "tessera/network/network.hpp"
#include "tessera/network/topologies/dimensions.hpp"
#include "tessera/network/topologies/hgx_h100.hpp"
#include "tessera/pdes/partition.hpp"

namespace tessera {
namespace {

struct Built {
  network::Network net;
  pdes::Graph graph;
};

Built hgx(int boxes) {
  network::HgxH100Spec h;
  h.boxes = boxes;
  network::Network net(network::TopologySpec::of(h), network::NetworkModel::kPacket);
  pdes::GraphBuilder b;
  net.add_to_graph(b);
  pdes::Graph g = std::move(b).build();
  net.bind(g);
  return {std::move(net), std::move(g)};
}

std::size_t cut(const pdes::Graph& g, const pdes::Partition& p) {
  std::size_t n = 0;
  for (const pdes::Channel& c : g.channels()) n += p.rank_of[c.from] != p.rank_of[c.to];
  return n;
}

double imbalance(const pdes::Graph& g, const pdes::Partition& p) {
  std::vector<double> load(static_cast<std::size_t>(p.num_ranks), 0.0);
  double total = 0;
  for (pdes::LpId l = 0; l < g.num_lps(); ++l) {
    load[static_cast<std::size_t>(p.rank_of[l])] += static_cast<double>(g.weight(l));
    total += static_cast<double>(g.weight(l));
  }
  return *std::max_element(load.begin(), load.end()) / (total / p.num_ranks);
}

TEST(Placement, HgxBoxesWholeContiguousAndBalanced) {
  const Built b = hgx(512);  // 4096 GPUs, 3-level IB fat-tree
  for (int ranks : {2, 4, 8, 16}) {
    const pdes::Partition p = pdes::partition_auto(b.graph, ranks);
    // Every box (GPUs + NVSwitch) on one rank; box ranks never decrease with the box index.
    std::map<std::string, int> box_rank;
    int last = 0;
    for (pdes::LpId l = 0; l < b.graph.num_lps(); ++l) {
      const std::string& grp = b.graph.group(l);
      if (grp.empty()) continue;
      const auto [it, fresh] = box_rank.emplace(grp, p.rank_of[l]);
      EXPECT_EQ(it->second, p.rank_of[l]) << grp << " split on " << ranks << " ranks";
    }
    for (const auto& [grp, r] : box_rank) {  // names box/NNNNN sort in box order
      EXPECT_GE(r, last) << grp << ": boxes are not in contiguous blocks";
      last = r;
    }
    EXPECT_EQ(last, ranks - 1);
    EXPECT_LE(imbalance(b.graph, p), 1.05) << ranks << " ranks";
    EXPECT_GT(p.lookahead, 0);
    EXPECT_LT(p.lookahead, kTimeInfinity);
  }
}

TEST(Placement, LeavesFollowTheirHostsAndTheCutShrinks) {
  const Built b = hgx(512);
  const pdes::Partition local = pdes::partition_auto(b.graph, 2);
  pdes::AutoPartitionOptions lpt;
  lpt.locality = false;
  const pdes::Partition plain = pdes::partition_auto(b.graph, 2, lpt);
  // Each leaf's rank is the rank of most of its hosts. The cut is then only the agg <-> core links
  // (each core reaches all 4 pods, 2 per rank: 2 links x 2 directions x 1024 cores = 4096), half
  // of what the plain rule cuts.
  const auto& topo = b.net.topology();
  int leaves = 0, with_hosts = 0;
  for (network::NodeId n = static_cast<network::NodeId>(topo.num_npus()); n < topo.num_nodes(); ++n) {
    if (topo.node(n).name.find("leaf") == std::string::npos) continue;
    ++leaves;
    std::vector<int> hosts(2, 0);
    for (const auto& port : topo.node(n).ports) {
      if (port.peer != network::kNoNode && topo.is_npu(port.peer)) ++hosts[local.rank_of[b.net.lp_of(port.peer)]];
    }
    const int leaf_rank = local.rank_of[b.net.lp_of(n)];
    with_hosts += hosts[leaf_rank] >= hosts[1 - leaf_rank];
  }
  EXPECT_EQ(leaves, 128);
  EXPECT_EQ(with_hosts, leaves);
  const std::size_t c_local = cut(b.graph, local), c_plain = cut(b.graph, plain);
  EXPECT_EQ(c_local, 4096u);
  EXPECT_LE(c_local * 2, c_plain) << "locality cut " << c_local << " vs plain " << c_plain;
  EXPECT_LE(imbalance(b.graph, local), 1.05);
}

TEST(Placement, RingStaysInContiguousBlocks) {
  const auto s = network::TopologySpec::of(network::DimensionsSpec{
      {{network::DimensionKind::kRing, 64, Bandwidth{50'000'000'000}, 500 * kNanosecond}}});
  network::Network net(s, network::NetworkModel::kPacket);
  pdes::GraphBuilder gb;
  net.add_to_graph(gb);
  const pdes::Graph g = std::move(gb).build();
  const pdes::Partition p = pdes::partition_auto(g, 4);
  // A ring over 4 contiguous blocks is cut in exactly 4 places, both directions: 8 channels.
  EXPECT_EQ(cut(g, p), 8u);
  EXPECT_LE(imbalance(g, p), 1.05);
}

}  // namespace
}  // namespace tessera
