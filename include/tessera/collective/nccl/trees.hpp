// NCCL's trees: the binary and double binary trees over nodes (src/graph/trees.cc ncclGetBtree,
// ncclGetDtree) and the tree each CTA of a communicator runs (src/graph/connect.cc ncclTopoPreset,
// connectTrees, and the channel copies of ncclTopoPostset).
#pragma once

#include <array>
#include <vector>

#include "tessera/collective/nccl/comm.hpp"
#include "tessera/collective/nccl/constants.hpp"

namespace tessera::collective::nccl {

/// One node's place in a binary tree over `nranks` nodes (-1: none). `parent_child_type` says
/// which child of its parent the node is (0 or 1), which picks the parent's GPU that connects it.
struct BtreeNode {
  int up = -1;
  int down0 = -1;
  int down1 = -1;
  int parent_child_type = 0;
};

/// ncclGetBtree: root 0, leaves and inner nodes alternating.
BtreeNode btree(int nranks, int rank);

/// ncclGetDtree: tree 0 is the binary tree, tree 1 its mirror (even nranks) or its shift by one
/// (odd), so that a node is interior in at most one of them.
std::array<BtreeNode, 2> dtree(int nranks, int rank);

/// A CTA's neighbours in its tree, as communicator ranks (node-major, -1: none). `down[0]` is the
/// next GPU of the node's chain; a node's children nodes follow.
struct TreeLinks {
  int up = -1;
  std::array<int, kMaxTreeArity> down{-1, -1, -1};
};

/// The tree of CTA `cta` at communicator rank `rank`: search channel cta mod S (S = the tree
/// graph's channels) gives the chain inside the node, from the local GPU of NIC channel mod NICs in
/// GPU index order; CTAs [0, S) of every 2S use tree 0 between the nodes, [S, 2S) tree 1.
TreeLinks tree_links(const Comm& comm, int cta, int rank);

/// The NVLS heads of a node, as local GPU indices in head order: every GPU of a lone node; across
/// nodes the first GPU of each NVLS search channel, the local GPU of NIC c (ncclTopoPreset keeps
/// each head once).
std::vector<int> nvls_heads(const Comm& comm);

/// NVLSTree's tree between the nodes for CTA `cta` at communicator rank `rank` (connectNvls): only
/// heads take part; head h of a node meets head h of its parent and children nodes in tree cta mod 2
/// of the double binary tree. `down` holds the children nodes' heads (at most 2); a GPU that is no
/// head, or a lone node, gets no neighbours.
TreeLinks nvls_tree_links(const Comm& comm, int cta, int rank);

}  // namespace tessera::collective::nccl
