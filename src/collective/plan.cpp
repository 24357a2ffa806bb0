// What every planner shares: rings, the common part of a native phase (output size, message
// size, the registration's constraints) and ASTRA's packet groups and reduction flags; plus the
// Tessera-only tree and barrier programs. Each native algorithm's own part is its file under
// src/collective/algorithms/ (docs/astra-parity.md §8 for the ASTRA-sim sources they mirror).
#include "tessera/collective/plan.hpp"

#include "tessera/collective/algorithm.hpp"

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
  const auto problems = algorithm_problems(algorithm, type, n, "the ring");
  if (!problems.empty()) unsupported(problems.front().message, problems.front().fix);
  // Ring.cc: message size per type (all-gather sends its whole input each step).
  p.msg_bytes = type == CollectiveType::kAllGather ? bytes : bytes / n;
  algorithm.kind->plan(p, tree_flip);
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

namespace {

// Dissemination: round k sends to +2^k and hears from -2^k.
void barrier_peers(const PhaseProgram& p, std::int64_t k, Packet& out) {
  const int dist = static_cast<int>((std::int64_t{1} << std::min<std::int64_t>(k, 30)) % p.ring.size());
  out.send_to = p.ring.step(p.ring.position(), dist);
  out.recv_from = p.ring.step(p.ring.position(), -dist);
}

}  // namespace

PhaseProgram plan_barrier(const RingView& ring, Bytes bytes) {
  PhaseProgram p;
  p.type = CollectiveType::kBarrier;
  p.ring = ring;
  p.input_bytes = bytes;
  p.output_bytes = bytes;
  p.msg_bytes = bytes;
  p.window = 1;
  p.group = 1;
  p.peers = barrier_peers;
  p.sends = ring.size() <= 1 ? 0 : std::bit_width(static_cast<unsigned>(ring.size() - 1));  // ceil(log2 n)
  return p;
}

PhaseProgram plan_custom(CollectiveType type, const RingView& ring, std::shared_ptr<const CustomCollective> custom,
                         Bytes bytes) {
  PhaseProgram p;
  p.type = type;
  p.shape = ProgramShape::kCustom;
  p.ring = ring;
  p.input_bytes = p.output_bytes = bytes;
  p.custom = std::move(custom);
  return p;
}

Packet PhaseProgram::packet(std::int64_t k) const {
  Packet out;
  out.bytes = msg_bytes;
  // Ring::insert_packet: packets come in groups of `window` zero-latency packets then the
  // non-zero-latency ones; the toggle flips at each group start (first group: toggle on). Only
  // non-zero-latency packets reduce: all of reduce-scatter's, all-reduce's while the toggle is on.
  const std::int64_t j = k % group;
  const bool toggle = (k / group) % 2 == 0;
  const bool zero_latency = j < window;
  out.reduce = !zero_latency && (type == CollectiveType::kReduceScatter || (type == CollectiveType::kAllReduce && toggle));
  peers(*this, k, out);
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
