// NCCL's trees (src/graph/trees.cc, src/graph/connect.cc): the binary and double binary trees of
// trees.cc's illustrations and the tree each CTA of a multi-node communicator runs.
#include <gtest/gtest.h>

#include <algorithm>

#include "tessera/collective/nccl/comm.hpp"
#include "tessera/collective/nccl/trees.hpp"

namespace tessera::collective::nccl {
namespace {

TEST(NcclTrees, BtreeOf14IsTreesCcIllustration) {
  // 0 -> 8 -> {4, 12}, 4 -> {2, 6}, 12 -> {10, 13}, 2 -> {1, 3}; odd ranks are leaves.
  EXPECT_EQ(btree(14, 0).up, -1);
  EXPECT_EQ(btree(14, 0).down0, -1);
  EXPECT_EQ(btree(14, 0).down1, 8);
  EXPECT_EQ(btree(14, 8).up, 0);
  EXPECT_EQ(btree(14, 8).down0, 4);
  EXPECT_EQ(btree(14, 8).down1, 12);
  EXPECT_EQ(btree(14, 12).down0, 10);
  EXPECT_EQ(btree(14, 12).down1, 13);
  EXPECT_EQ(btree(14, 13).up, 12);
  EXPECT_EQ(btree(14, 13).parent_child_type, 1);
  EXPECT_EQ(btree(14, 2).down0, 1);
  EXPECT_EQ(btree(14, 2).down1, 3);
  EXPECT_EQ(btree(14, 1).parent_child_type, 0);
  EXPECT_EQ(btree(14, 7).down0, -1);
  EXPECT_EQ(btree(14, 7).down1, -1);
}

TEST(NcclTrees, SecondTreeMirrorsEvenAndShiftsOdd) {
  // 12 nodes: tree 1 is the mirror, rooted at 11 (ncclGetDtreeRoots) with 3 below it.
  EXPECT_EQ(dtree(12, 11)[1].up, -1);
  EXPECT_EQ(dtree(12, 11)[1].down1, 3);
  EXPECT_EQ(dtree(12, 3)[1].up, 11);
  // 13 nodes: tree 1 is tree 0 shifted by one, rooted at 1 with 9 below it.
  EXPECT_EQ(dtree(13, 1)[1].up, -1);
  EXPECT_EQ(dtree(13, 1)[1].down1, 9);
  EXPECT_EQ(dtree(13, 9)[1].up, 1);
}

TEST(NcclTrees, EveryNodeHasOneParentAndEvenCountsKeepInteriorsApart) {
  for (int n = 1; n <= 64; ++n) {
    SCOPED_TRACE(n);
    for (int which = 0; which < 2; ++which) {
      int roots = 0;
      for (int r = 0; r < n; ++r) {
        const BtreeNode t = dtree(n, r)[static_cast<std::size_t>(which)];
        if (t.up == -1) {
          ++roots;
          continue;
        }
        const BtreeNode p = dtree(n, t.up)[static_cast<std::size_t>(which)];
        EXPECT_TRUE(p.down0 == r || p.down1 == r) << "rank " << r << " tree " << which;
      }
      EXPECT_EQ(roots, 1);
    }
    if (n % 2 != 0) continue;
    for (int r = 0; r < n; ++r) {
      const auto t = dtree(n, r);
      const bool inner0 = t[0].down0 != -1 || t[0].down1 != -1;
      const bool inner1 = t[1].down0 != -1 || t[1].down1 != -1;
      EXPECT_FALSE(inner0 && inner1) << "rank " << r;
    }
  }
}

TEST(NcclTrees, TwoH100NodesChainFromTheNicGpuAndSplitTheCtasOverBothTrees) {
  const Comm c = make_comm(hgx_h100(2));
  ASSERT_EQ(c.graphs.tree.channels, 8);
  ASSERT_EQ(c.channels, 16);
  // CTA 0: node 0's GPU 0 is tree 0's root; node 1's chain hangs below it.
  TreeLinks l = tree_links(c, 0, 0);
  EXPECT_EQ(l.up, -1);
  EXPECT_EQ(l.down[0], 1);
  EXPECT_EQ(l.down[1], 8);
  EXPECT_EQ(tree_links(c, 0, 8).up, 0);
  EXPECT_EQ(tree_links(c, 0, 8).down[0], 9);
  EXPECT_EQ(tree_links(c, 0, 7).up, 6);
  EXPECT_EQ(tree_links(c, 0, 7).down[0], -1);
  // CTA 8 (second half): tree 1, the mirror, roots at node 1.
  EXPECT_EQ(tree_links(c, 8, 8).up, -1);
  EXPECT_EQ(tree_links(c, 8, 8).down[1], 0);
  EXPECT_EQ(tree_links(c, 8, 0).up, 8);
  // CTA 3: the chain starts at NIC 3's GPU and wraps: 3, 4, ..., 7, 0, 1, 2.
  l = tree_links(c, 3, 3);
  EXPECT_EQ(l.up, -1);
  EXPECT_EQ(l.down[0], 4);
  EXPECT_EQ(l.down[1], 11);
  EXPECT_EQ(tree_links(c, 3, 2).up, 1);
  EXPECT_EQ(tree_links(c, 3, 2).down[0], -1);
  EXPECT_EQ(tree_links(c, 3, 0).up, 7);
}

TEST(NcclTrees, EveryCtaTreeIsConsistent) {
  for (const NcclSystem& s : {hgx_h100(2), hgx_h100(4), hgx_h100(8), dgx_a100(4), hgx_h100(1)}) {
    const Comm c = make_comm(s);
    SCOPED_TRACE(c.ranks);
    for (int cta = 0; cta < c.channels; ++cta) {
      int roots = 0;
      for (int r = 0; r < c.ranks; ++r) {
        const TreeLinks l = tree_links(c, cta, r);
        if (l.up == -1) {
          ++roots;
          continue;
        }
        const TreeLinks p = tree_links(c, cta, l.up);
        EXPECT_NE(std::find(p.down.begin(), p.down.end(), r), p.down.end()) << "cta " << cta << " rank " << r;
      }
      EXPECT_EQ(roots, 1) << "cta " << cta;
    }
  }
}

TEST(NcclTrees, NvlsHeadsAreTheNicGpus) {
  // One node: every GPU; across nodes the local GPU of each NVLS channel's NIC (8 on H100 nodes).
  EXPECT_EQ(nvls_heads(make_comm(hgx_h100(1))), (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(nvls_heads(make_comm(hgx_h100(2))), (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(NcclTrees, NvlsTreeJoinsHeadHOfEveryNodeAndAlternatesTreesByCta) {
  // connectNvls: CTA c runs tree c mod 2; head h meets head h of its parent and children nodes.
  const Comm two = make_comm(hgx_h100(2));
  EXPECT_EQ(nvls_tree_links(two, 0, 3).up, -1);  // tree 0: node 0 is the root
  EXPECT_EQ(nvls_tree_links(two, 0, 3).down[0], 11);
  EXPECT_EQ(nvls_tree_links(two, 0, 11).up, 3);
  EXPECT_EQ(nvls_tree_links(two, 0, 11).down[0], -1);
  EXPECT_EQ(nvls_tree_links(two, 1, 11).up, -1);  // tree 1, the mirror: node 1 is the root
  EXPECT_EQ(nvls_tree_links(two, 1, 3).up, 11);
  // 4 nodes, tree 0 = 0 -> 2 -> {1, 3}; tree 1 mirrors it: 3 -> 1 -> {2, 0}.
  const Comm four = make_comm(hgx_h100(4));
  TreeLinks l = nvls_tree_links(four, 2, 2 * 8 + 5);
  EXPECT_EQ(l.up, 5);
  EXPECT_EQ(l.down[0], 8 + 5);
  EXPECT_EQ(l.down[1], 3 * 8 + 5);
  EXPECT_EQ(l.down[2], -1);
  l = nvls_tree_links(four, 1, 8 + 5);
  EXPECT_EQ(l.up, 3 * 8 + 5);
  EXPECT_EQ(l.down[0], 2 * 8 + 5);
  EXPECT_EQ(l.down[1], 5);
  // One node: no tree.
  EXPECT_EQ(nvls_tree_links(make_comm(hgx_h100(1)), 0, 0).up, -1);
  EXPECT_EQ(nvls_tree_links(make_comm(hgx_h100(1)), 0, 0).down[0], -1);
}

}  // namespace
}  // namespace tessera::collective::nccl
