#include "tessera/collective/nccl/trees.hpp"

#include <algorithm>

namespace tessera::collective::nccl {

BtreeNode btree(int nranks, int rank) {
  BtreeNode t;
  int bit = 1;
  for (; bit < nranks; bit <<= 1) {
    if ((bit & rank) != 0) break;
  }
  if (rank == 0) {
    // The root's only child is its child 1 (ranks above 0).
    t.down1 = nranks > 1 ? bit >> 1 : -1;
    return t;
  }
  int up = (rank ^ bit) | (bit << 1);
  if (up >= nranks) up = rank ^ bit;
  t.parent_child_type = rank < up ? 0 : 1;
  t.up = up;
  int lowbit = bit >> 1;
  t.down0 = lowbit == 0 ? -1 : rank - lowbit;
  int down1 = lowbit == 0 ? -1 : rank + lowbit;
  // Out of range: NCCL's loop retries with ever smaller low bits (trees.cc, kept as written).
  while (down1 >= nranks) {
    down1 = lowbit == 0 ? -1 : rank + lowbit;
    lowbit >>= 1;
  }
  t.down1 = down1;
  return t;
}

std::array<BtreeNode, 2> dtree(int nranks, int rank) {
  std::array<BtreeNode, 2> t;
  t[0] = btree(nranks, rank);
  auto map = [](int r, auto f) { return r == -1 ? -1 : f(r); };
  if (nranks % 2 == 1) {
    const BtreeNode s = btree(nranks, (rank - 1 + nranks) % nranks);
    auto shift = [&](int r) { return (r + 1) % nranks; };
    t[1] = {map(s.up, shift), map(s.down0, shift), map(s.down1, shift), s.parent_child_type};
  } else {
    const BtreeNode m = btree(nranks, nranks - 1 - rank);
    auto mirror = [&](int r) { return nranks - 1 - r; };
    t[1] = {map(m.up, mirror), map(m.down0, mirror), map(m.down1, mirror), m.parent_child_type};
  }
  return t;
}

TreeLinks tree_links(const Comm& comm, int cta, int rank) {
  const int ppn = std::max(1, comm.local_ranks);
  const int nodes = std::max(1, comm.nodes);
  const int search = std::max(1, comm.graphs.tree.channels);
  // ncclTopoPostset's copies: channel c + S runs tree 1 of channel c, later copies repeat the first 2S.
  const int dup = cta % (2 * search);
  const int channel = dup % search;
  const int which = dup < search ? 0 : 1;
  const int node = rank / ppn;
  const int first = nodes > 1 && comm.system.nics_per_node > 0
                        ? comm.system.nic_local_gpu(channel % comm.system.nics_per_node) % ppn
                        : 0;
  // The chain of this channel on node `n`: its k-th GPU (treeIntra).
  auto intra = [&](int n, int k) { return n * ppn + (first + std::min(k, ppn - 1)) % ppn; };
  const int index = (rank % ppn - first + ppn) % ppn;
  TreeLinks l;
  l.up = index == 0 ? -1 : intra(node, index - 1);
  if (index + 1 < ppn) l.down[0] = intra(node, index + 1);
  if (nodes == 1) return l;
  // ncclTopoPreset: the chain's head meets the parent node; the children nodes meet the GPU at
  // child0Index (1 in a balanced tree, which splits the way back over two GPUs) or child1Index.
  const Pattern pattern = comm.graphs.tree.pattern;
  const int child0 = pattern == Pattern::kTree ? 0 : 1;
  const int child1 = pattern == Pattern::kSplitTree ? 1 : 0;
  const BtreeNode t = dtree(nodes, node)[static_cast<std::size_t>(which)];
  auto add_down = [&](int r) {
    for (int& d : l.down) {
      if (d == -1) {
        d = r;
        return;
      }
    }
  };
  if (rank == intra(node, 0) && t.up != -1) l.up = intra(t.up, t.parent_child_type == 0 ? child0 : child1);
  if (rank == intra(node, child0) && t.down0 != -1) add_down(intra(t.down0, 0));
  if (rank == intra(node, child1) && t.down1 != -1) add_down(intra(t.down1, 0));
  return l;
}

std::vector<int> nvls_heads(const Comm& comm) {
  const int ppn = std::max(1, comm.local_ranks);
  std::vector<int> heads;
  if (comm.nodes <= 1) {
    for (int g = 0; g < ppn; ++g) heads.push_back(g);
    return heads;
  }
  const int nics = std::max(1, comm.system.nics_per_node);
  for (int c = 0; c < comm.graphs.nvls.channels; ++c) {
    const int gpu = comm.system.nic_local_gpu(c % nics) % ppn;
    if (std::find(heads.begin(), heads.end(), gpu) == heads.end()) heads.push_back(gpu);
  }
  return heads;
}

TreeLinks nvls_tree_links(const Comm& comm, int cta, int rank) {
  TreeLinks l;
  const int ppn = std::max(1, comm.local_ranks);
  if (comm.nodes <= 1) return l;
  const std::vector<int> heads = nvls_heads(comm);
  const int local = rank % ppn, node = rank / ppn;
  if (std::find(heads.begin(), heads.end(), local) == heads.end()) return l;
  const BtreeNode t = dtree(comm.nodes, node)[static_cast<std::size_t>(cta % 2)];
  auto head_on = [&](int n) { return n * ppn + local; };
  if (t.up != -1) l.up = head_on(t.up);
  int k = 0;
  for (int d : {t.down0, t.down1}) {
    if (d != -1) l.down[static_cast<std::size_t>(k++)] = head_on(d);
  }
  return l;
}

}  // namespace tessera::collective::nccl
