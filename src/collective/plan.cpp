// The planners. Each function mirrors one ASTRA-sim algorithm's constructor and packet injection
// (docs/astra-parity.md §8) and reduces it to data: which packet is created k-th, where it goes,
// how big it is, whether its bundle reduces.
#include "tessera/collective/plan.hpp"

#include <bit>
#include <fmt/format.h>

#include "tessera/error.hpp"

namespace tessera::collective {

RingView RingView::of_dimension(const TopologyView& topo, int dim, NpuId npu) {
  int offset = 1;
  for (int d = 0; d < dim; ++d) offset *= topo.dims[static_cast<std::size_t>(d)];
  const int n = topo.dims[static_cast<std::size_t>(dim)];
  const int index = (npu % (offset * n)) / offset;
  return RingView(npu - index * offset, offset, n, index);
}

RingView RingView::flat(const TopologyView& topo, NpuId npu) { return RingView(0, 1, topo.total_npus(), npu); }

namespace {

int log2_exact(int n) { return std::countr_zero(static_cast<unsigned>(n)); }

[[noreturn]] void unsupported(const std::string& what, const std::string& fix) {
  throw InputError(Diagnostic{"", 0, "implementation", what, fix});
}

}  // namespace

PhaseProgram plan_phase(CollectiveType type, const AlgorithmSpec& algorithm, const RingView& ring, Direction direction,
                        Bytes bytes, bool tree_flip) {
  PhaseProgram p;
  p.type = type;
  p.algorithm = algorithm;
  p.ring = ring;
  p.direction = direction;
  p.input_bytes = bytes;
  const std::int64_t n = ring.size();
  switch (type) {
    case CollectiveType::kAllReduce: p.output_bytes = bytes; break;
    case CollectiveType::kReduceScatter: p.output_bytes = bytes / n; break;
    case CollectiveType::kAllGather: p.output_bytes = bytes * n; break;
    case CollectiveType::kAllToAll: p.output_bytes = bytes; break;
    default:
      unsupported(fmt::format("{} is not planned per dimension", to_string(type)),
                  "use plan_tree or plan_barrier");
  }
  // Ring.cc: message size per type (all-gather sends its whole input each step).
  p.msg_bytes = type == CollectiveType::kAllGather ? bytes : bytes / n;
  switch (algorithm.kind) {
    case AlgorithmKind::kRing:
      p.window = 1;
      p.group = static_cast<int>(n);  // 1 zero-latency + n-1 non-zero-latency packets
      p.sends = type == CollectiveType::kAllReduce  ? 2 * (n - 1)
                : type == CollectiveType::kAllToAll ? n * (n - 1) / 2
                                                    : n - 1;
      break;
    case AlgorithmKind::kDirect:
      p.window = algorithm.window < 0 ? static_cast<int>(n - 1) : static_cast<int>(std::min<std::int64_t>(algorithm.window, n - 1));
      p.group = 2 * p.window;  // AllToAll.cc: non-zero packets = parallel_reduce
      p.sends = type == CollectiveType::kAllReduce ? 2 * (n - 1) : n - 1;
      if (type == CollectiveType::kAllReduce) p.second_round = static_cast<int>(n - 1);
      break;
    case AlgorithmKind::kHalvingDoubling: {
      if (!std::has_single_bit(static_cast<unsigned>(n))) {
        unsupported(fmt::format("halvingDoubling needs a power-of-two ring, got {} NPUs", n), "use ring or direct");
      }
      const int lg = log2_exact(static_cast<int>(n));
      p.window = 1;
      p.group = lg;  // 1 zero-latency + (log2 n - 1) non-zero-latency packets
      p.sends = type == CollectiveType::kAllReduce ? 2 * lg : lg;
      if (type == CollectiveType::kAllToAll) unsupported("halvingDoubling has no all-to-all", "use direct or ring");
      if (type == CollectiveType::kAllGather) {
        p.msg_bytes = bytes;
        p.hd_rank_offset = static_cast<int>(n / 2);
        p.hd_mult = 0.5;
      } else {
        p.msg_bytes = bytes / 2;
        p.hd_rank_offset = 1;
        p.hd_mult = 2.0;
      }
      break;
    }
    case AlgorithmKind::kDoubleBinaryTree: {
      if (type != CollectiveType::kAllReduce) unsupported("doubleBinaryTree implements all-reduce only", "use ring");
      if (!std::has_single_bit(static_cast<unsigned>(n))) {
        unsupported(fmt::format("doubleBinaryTree needs a power-of-two ring, got {} NPUs", n), "use ring or direct");
      }
      p.shape = ProgramShape::kDoubleBinaryTree;
      p.tree_bytes = bytes;
      // BinaryTree.cc: a dummy root plus a perfect tree of P = n-1 nodes, ids by in-order walk.
      // RootMax (flip false): the tree takes positions 0..P-1 and the root P; RootMin: root 0.
      const int P = static_cast<int>(n) - 1;
      const int top = (P + 1) / 2;  // in-order number (1-based) of the perfect tree's root
      const int root_pos = tree_flip ? 0 : P;
      auto pos_of = [&](int j) { return tree_flip ? j : j - 1; };
      const int me = ring.position();
      if (me == root_pos) {
        p.role = TreeRole::kRoot;
        (tree_flip ? p.right : p.left) = pos_of(top);
      } else {
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
      break;
    }
  }
  return p;
}

PhaseProgram plan_tree(CollectiveType type, const RingView& ring, int root, Bytes bytes) {
  if (type != CollectiveType::kBroadcast && type != CollectiveType::kReduce) {
    unsupported(fmt::format("no tree program for {}", to_string(type)), "use plan_phase");
  }
  PhaseProgram p;
  p.type = type;
  p.shape = type == CollectiveType::kBroadcast ? ProgramShape::kTreeBroadcast : ProgramShape::kTreeReduce;
  p.ring = ring;
  p.input_bytes = bytes;
  p.output_bytes = bytes;
  p.tree_bytes = bytes;
  const int n = ring.size();
  const int rel = ((ring.position() - root) % n + n) % n;
  auto pos = [&](int r) { return (r + root) % n; };
  p.parent = rel == 0 ? -1 : pos((rel - 1) / 2);
  p.left = 2 * rel + 1 < n ? pos(2 * rel + 1) : -1;
  p.right = 2 * rel + 2 < n ? pos(2 * rel + 2) : -1;
  p.role = rel == 0 ? TreeRole::kRoot : (p.left < 0 ? TreeRole::kLeaf : TreeRole::kIntermediate);
  return p;
}

PhaseProgram plan_barrier(const RingView& ring, Bytes bytes) {
  PhaseProgram p;
  p.type = CollectiveType::kBarrier;
  p.ring = ring;
  p.input_bytes = bytes;
  p.output_bytes = bytes;
  p.msg_bytes = bytes;
  p.window = 1;
  p.group = 1;
  p.sends = ring.size() <= 1 ? 0 : std::bit_width(static_cast<unsigned>(ring.size() - 1));  // ceil(log2 n)
  return p;
}

Packet PhaseProgram::packet(std::int64_t k) const {
  Packet out;
  out.bytes = msg_bytes;
  const int pos = ring.position();
  const int sign = direction == Direction::kClockwise ? 1 : -1;
  if (type == CollectiveType::kBarrier) {
    const int dist = static_cast<int>((std::int64_t{1} << std::min<std::int64_t>(k, 30)) % ring.size());
    out.send_to = ring.step(pos, dist);
    out.recv_from = ring.step(pos, -dist);
    return out;
  }
  // Ring::insert_packet: packets come in groups of `window` zero-latency packets then the
  // non-zero-latency ones; the toggle flips at each group start (first group: toggle on). Only
  // non-zero-latency packets reduce: all of reduce-scatter's, all-reduce's while the toggle is on.
  const std::int64_t j = k % group;
  const bool toggle = (k / group) % 2 == 0;
  const bool zero_latency = j < window;
  out.reduce = !zero_latency && (type == CollectiveType::kReduceScatter || (type == CollectiveType::kAllReduce && toggle));
  const int n = ring.size();
  switch (algorithm.kind) {
    case AlgorithmKind::kRing:
      out.send_to = ring.step(pos, sign);
      out.recv_from = ring.step(pos, -sign);
      break;
    case AlgorithmKind::kDirect: {
      // AllToAll::process_max_count: receiver and sender advance one ring step per packet,
      // skipping this NPU, so packet k pairs with ring distance 1 + k mod (n-1).
      const int dist = 1 + static_cast<int>(k % (n - 1));
      out.send_to = ring.step(pos, sign * dist);
      out.recv_from = ring.step(pos, -sign * dist);
      break;
    }
    case AlgorithmKind::kHalvingDoubling: {
      // HalvingDoubling::process_max_count after each released packet: distance *= mult,
      // msg /= mult (a double, truncated); all-reduce turns around when the distance reaches n.
      int ro = hd_rank_offset;
      double mult = hd_mult;
      Bytes msg = msg_bytes;
      for (std::int64_t i = 0; i < k; ++i) {
        ro = static_cast<int>(ro * mult);
        msg = static_cast<Bytes>(static_cast<double>(msg) / mult);
        if (ro == n && type == CollectiveType::kAllReduce) {
          mult = 0.5;
          ro = static_cast<int>(ro * mult);
          msg = static_cast<Bytes>(static_cast<double>(msg) / mult);
        }
      }
      const bool cw = ro == 0 || (pos / ro) % 2 == 0;
      out.send_to = out.recv_from = ring.step(pos, cw ? ro : -ro);
      out.bytes = msg;
      break;
    }
    case AlgorithmKind::kDoubleBinaryTree:
      break;
  }
  return out;
}

std::vector<Packet> PhaseProgram::packets() const {
  std::vector<Packet> out;
  if (shape != ProgramShape::kPipeline) return out;
  for (std::int64_t k = 0; k < window + sends; ++k) out.push_back(packet(k));
  return out;
}

std::vector<StepLine> expand(const PhaseProgram& program) {
  std::vector<StepLine> out;
  if (program.shape != ProgramShape::kPipeline) return out;
  for (std::int64_t k = 0; k < program.sends; ++k) {
    const Packet p = program.packet(k);
    if (p.reduce) out.push_back({StepLine::kReduce, -1, p.bytes});
    out.push_back({StepLine::kSend, program.ring.npu_at(p.send_to), p.bytes});
    out.push_back({StepLine::kRecv, program.ring.npu_at(p.recv_from), p.bytes});
  }
  return out;
}

}  // namespace tessera::collective
