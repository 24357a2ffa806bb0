// doubleBinaryTree: ASTRA-sim's DoubleBinaryTreeAllReduce.cc over BinaryTree.cc. All-reduce only,
// whole chunk per message, up a tree and back down; the executor runs ASTRA's state machine
// (ProgramShape::kDoubleBinaryTree). Each NPU alternates the two trees per phase.
#include <bit>

#include "tessera/collective/algorithm.hpp"

namespace tessera::collective {
namespace {

void plan(PhaseProgram& p, bool tree_flip) {
  p.shape = ProgramShape::kDoubleBinaryTree;
  p.tree_bytes = p.input_bytes;
  // BinaryTree.cc: a dummy root plus a perfect tree of P = n-1 nodes, ids by in-order walk.
  // RootMax (flip false): the tree takes positions 0..P-1 and the root P; RootMin: root 0.
  const int P = p.ring.size() - 1;
  const int top = (P + 1) / 2;  // in-order number (1-based) of the perfect tree's root
  const int root_pos = tree_flip ? 0 : P;
  auto pos_of = [&](int j) { return tree_flip ? j : j - 1; };
  const int me = p.ring.position();
  if (me == root_pos) {
    p.role = TreeRole::kRoot;
    (tree_flip ? p.right : p.left) = pos_of(top);
    return;
  }
  const int j = tree_flip ? me : me + 1;
  const int t = std::countr_zero(static_cast<unsigned>(j));
  if (j == top) {
    p.parent = root_pos;
  } else {
    p.parent = pos_of(((j >> (t + 1)) & 1) ? j - (1 << t) : j + (1 << t));
  }
  if (t == 0) {
    p.role = TreeRole::kLeaf;
  } else {
    p.role = TreeRole::kIntermediate;
    p.left = pos_of(j - (1 << (t - 1)));
    p.right = pos_of(j + (1 << (t - 1)));
  }
}

}  // namespace

namespace algorithms {
const AlgorithmRegistration& double_binary_tree() {
  static const AlgorithmRegistration r{
      .name = "doubleBinaryTree",
      .power_of_two = true,
      .types = {CollectiveType::kAllReduce},
      .alternates = true,
      .doc = "ASTRA-sim DoubleBinaryTreeAllReduce: the whole chunk up a binary tree and back down, two trees "
             "alternating per chunk",
      .plan = plan};
  return r;
}
}  // namespace algorithms

}  // namespace tessera::collective
