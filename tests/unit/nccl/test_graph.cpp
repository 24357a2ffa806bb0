// The channel search against the graph values of reference nccl-model.md §4 and §7.
#include <gtest/gtest.h>

#include "tessera/collective/nccl/comm.hpp"
#include "tessera/collective/nccl/graph.hpp"
#include "tessera/error.hpp"

namespace tessera::collective::nccl {
namespace {

TEST(NcclGraph, H100OneNodeRingIsSixAt60DuplicatedTo12At30) {
  const Graphs g = search_graphs(hgx_h100(1), true);
  EXPECT_EQ(g.ring.pattern, Pattern::kRing);
  EXPECT_EQ(g.ring.channels, 12);
  EXPECT_FLOAT_EQ(g.ring.bw_intra, 30.0f);
  EXPECT_EQ(g.tree.channels, 12);
  EXPECT_FLOAT_EQ(g.tree.bw_intra, 30.0f);
  EXPECT_EQ(g.tree.pattern, Pattern::kBalancedTree);
  // NVLS: 8 heads, each GPU's links carry 9 channels' worth -> 40; pass 2 raises bwInter to 60.
  EXPECT_EQ(g.nvls.channels, 8);
  EXPECT_FLOAT_EQ(g.nvls.bw_intra, 40.0f);
  EXPECT_FLOAT_EQ(g.nvls.bw_inter, 60.0f);
}

TEST(NcclGraph, H100OneNodeCommHas24CtasAnd16NvlsCtasAnd32P2pChannels) {
  const Comm c = make_comm(hgx_h100(1));
  EXPECT_EQ(c.channels, 24);
  EXPECT_TRUE(c.nvls_support);
  EXPECT_EQ(c.nvls_channels, 16);
  EXPECT_EQ(c.p2p_channels, 32);
  EXPECT_EQ(c.p2p_channels_per_peer, 32);
  EXPECT_EQ(c.p2p_chunk_bytes, 512 * 1024);
}

TEST(NcclGraph, H100MultiNodeRingIsEightAt48WithoutDuplication) {
  for (int nodes : {2, 4, 8}) {
    SCOPED_TRACE(nodes);
    const Comm c = make_comm(hgx_h100(nodes));
    EXPECT_EQ(c.graphs.ring.channels, 8);
    EXPECT_FLOAT_EQ(c.graphs.ring.bw_intra, 48.0f);
    EXPECT_FLOAT_EQ(c.graphs.ring.bw_inter, 48.0f);
    EXPECT_EQ(c.channels, 16);
    // One GPU per NIC switch: the balanced tree is impossible, Hopper falls back to TREE.
    EXPECT_EQ(c.graphs.tree.pattern, Pattern::kTree);
    EXPECT_EQ(c.graphs.tree.channels, 8);
    EXPECT_EQ(c.graphs.nvls.channels, 8);
    EXPECT_FLOAT_EQ(c.graphs.nvls.bw_intra, 40.0f);
    EXPECT_FLOAT_EQ(c.graphs.nvls.bw_inter, 48.0f);
    EXPECT_EQ(c.nvls_channels, 16);
    EXPECT_EQ(c.p2p_chunk_bytes, 128 * 1024);
    EXPECT_EQ(c.p2p_channels, 16);
  }
  EXPECT_EQ(make_comm(hgx_h100(2)).p2p_channels_per_peer, 4);
  // 64 ranks: 4 channels per peer x 8 rounds > 16 p2p channels -> 2.
  EXPECT_EQ(make_comm(hgx_h100(8)).p2p_channels_per_peer, 2);
}

TEST(NcclGraph, A100OneNodeIsSixAt40DuplicatedTo12At20) {
  const Comm c = make_comm(dgx_a100(1));
  EXPECT_EQ(c.graphs.ring.channels, 12);
  EXPECT_FLOAT_EQ(c.graphs.ring.bw_intra, 20.0f);
  EXPECT_EQ(c.channels, 24);
  EXPECT_FALSE(c.nvls_support);
  EXPECT_EQ(c.nvls_channels, 0);
}

TEST(NcclGraph, A100MultiNodeIsEightAt24WithBalancedTrees) {
  const Comm c = make_comm(dgx_a100(2));
  EXPECT_EQ(c.graphs.ring.channels, 8);
  EXPECT_FLOAT_EQ(c.graphs.ring.bw_inter, 24.0f);
  EXPECT_EQ(c.channels, 16);
  // Two GPUs share each NIC switch: the balanced tree fits, no 15 % Tree penalty.
  EXPECT_EQ(c.graphs.tree.pattern, Pattern::kBalancedTree);
  EXPECT_EQ(c.graphs.tree.channels, 8);
  EXPECT_EQ(c.p2p_channels_per_peer, 2);
}

TEST(NcclGraph, FewerGpusPerNodeKeepTheLinkBudget) {
  for (int gpus : {2, 4}) {
    SCOPED_TRACE(gpus);
    NcclSystem s = hgx_h100(1);
    s.gpus_per_node = gpus;
    s.nics_per_node = gpus;
    const Graphs g = search_graphs(s, true);
    EXPECT_EQ(g.ring.channels, 12);
    EXPECT_FLOAT_EQ(g.ring.bw_intra, 30.0f);
    // (heads + 1) x 60 <= 370.8 for 2 and 4 heads.
    EXPECT_EQ(g.nvls.channels, gpus);
    EXPECT_FLOAT_EQ(g.nvls.bw_intra, 60.0f);
  }
  NcclSystem six = hgx_h100(1);
  six.gpus_per_node = six.nics_per_node = 6;
  const Graphs g6 = search_graphs(six, true);
  EXPECT_EQ(g6.nvls.channels, 6);
  EXPECT_FLOAT_EQ(g6.nvls.bw_intra, 50.0f);  // 7 x 50 <= 370.8 < 7 x 60
  EXPECT_FLOAT_EQ(g6.nvls.bw_inter, 60.0f);
}

TEST(NcclGraph, FourNicsForEightGpusDuplicateTheirFourChannels) {
  NcclSystem s = hgx_h100(2);
  s.nics_per_node = 4;
  s.gpus_per_nic_switch = 2;
  const Comm c = make_comm(s);
  // 4 x 48 (one channel per NIC); 4 channels are few enough for Hopper to duplicate a 48 GB/s graph.
  EXPECT_EQ(c.graphs.ring.channels, 8);
  EXPECT_FLOAT_EQ(c.graphs.ring.bw_inter, 24.0f);
  EXPECT_EQ(c.channels, 16);
  // Two GPUs per NIC switch: the balanced tree fits at 24.
  EXPECT_EQ(c.graphs.tree.pattern, Pattern::kBalancedTree);
  EXPECT_EQ(c.graphs.tree.channels, 8);
}

TEST(NcclGraph, OneGpuPerNodeRingsThroughTheNicsAlone) {
  NcclSystem s = hgx_h100(4);
  s.gpus_per_node = 1;
  s.nics_per_node = 1;
  s.nvlinks_per_gpu = 0;
  s.nvswitch = false;
  s.multicast = false;
  const Comm c = make_comm(s);
  // One channel at 48 fills the GPU's PCIe; one channel is duplicated into two at 24.
  EXPECT_EQ(c.graphs.ring.channels, 2);
  EXPECT_FLOAT_EQ(c.graphs.ring.bw_inter, 24.0f);
  EXPECT_EQ(c.channels, 4);
  EXPECT_FALSE(c.nvls_support);
}

TEST(NcclGraph, ChannelOverridesClampTheCtas) {
  NcclOptions o;
  o.max_nchannels = 8;
  EXPECT_EQ(make_comm(hgx_h100(1), o).channels, 8);
  o = NcclOptions();
  o.min_ctas = 32;
  const Comm c = make_comm(hgx_h100(1), o);
  EXPECT_EQ(c.channels, 32);
  EXPECT_EQ(c.nvls_channels, 32);  // min/maxCTAs clamp the NVLS CTAs too
  o = NcclOptions();
  o.max_ctas = 4;
  EXPECT_EQ(make_comm(hgx_h100(1), o).nvls_channels, 4);
  o = NcclOptions();
  o.nvls_enable = 0;
  const Comm off = make_comm(hgx_h100(1), o);
  EXPECT_FALSE(off.nvls_support);
  EXPECT_EQ(off.graphs.nvls.channels, 0);
}

TEST(NcclGraph, NvlsEnableOneForcesNvlsWhereTheSwitchCanDoIt) {
  NcclSystem s = hgx_h100(1);
  s.multicast = false;
  EXPECT_FALSE(make_comm(s).nvls_support);
  NcclOptions o;
  o.nvls_enable = 1;
  EXPECT_TRUE(make_comm(s, o).nvls_support);
  EXPECT_FALSE(make_comm(dgx_a100(1), o).nvls_support);  // the NVLS search needs sm90
}

TEST(NcclGraph, BadSystemsAreRejectedWithTheField) {
  NcclSystem s = hgx_h100(1);
  s.gpus_per_node = 8;
  s.nvswitch = false;
  try {
    make_comm(s);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(e.diagnostics()[0].key.find("nvswitch"), std::string::npos);
  }
  s = hgx_h100(2);
  s.nics_per_node = 3;
  EXPECT_THROW(make_comm(s), InputError);
  s = dgx_a100(1);
  s.multicast = true;
  EXPECT_THROW(make_comm(s), InputError);
  s = hgx_h100(1);
  s.pcie_gen = 9;
  EXPECT_THROW(make_comm(s), InputError);
  s = hgx_h100(1);
  s.gpus_per_node = 1;
  EXPECT_THROW(make_comm(s), InputError);  // one GPU in all
}

}  // namespace
}  // namespace tessera::collective::nccl
