// Collective planners: pure functions from (collective type, algorithm, the NPUs of one ring in
// order, this NPU's position, bytes) to this NPU's step program for one phase. No engine, no
// network, no state: the executor (executor.hpp) interprets the program with ASTRA-sim's trigger
// rules. Each native algorithm's planner is in its own file under src/collective/algorithms/
// (algorithm.hpp); see docs/collectives.md for each algorithm's program.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tessera/collective/custom.hpp"
#include "tessera/collective/types.hpp"

namespace tessera::collective {

/// The members of one logical ring (one dimension, a flat ring over all NPUs, or a communicator
/// group) in ring order, and this NPU's position in it. Regular rings are `base + k * stride`;
/// groups carry their member list (shared, never copied per NPU).
class RingView {
 public:
  RingView() = default;
  /// ASTRA RingTopology: members base + k * stride, k = 0..size-1.
  RingView(NpuId base, int stride, int size, int position)
      : base_(base), stride_(stride), size_(size), position_(position) {}
  /// An explicit member list; `position` is this NPU's index in it.
  RingView(std::shared_ptr<const std::vector<NpuId>> members, int position)
      : size_(static_cast<int>(members->size())), position_(position), members_(std::move(members)) {}

  int size() const { return size_; }
  int position() const { return position_; }
  NpuId npu_at(int position) const {
    return members_ ? (*members_)[static_cast<std::size_t>(position)] : base_ + position * stride_;
  }
  /// Position `steps` ring steps from `position` (negative: anticlockwise), wrapped.
  int step(int position, int steps) const {
    const int m = (position + steps) % size_;
    return m < 0 ? m + size_ : m;
  }
  /// The ring of dimension `dim` of `topo` containing `npu`, or the flat ring over all NPUs.
  static RingView of_dimension(const TopologyView& topo, int dim, NpuId npu);
  static RingView flat(const TopologyView& topo, NpuId npu);

 private:
  NpuId base_ = 0;
  int stride_ = 1;
  int size_ = 1;
  int position_ = 0;
  std::shared_ptr<const std::vector<NpuId>> members_;
};

enum class Direction : std::uint8_t { kClockwise, kAnticlockwise };

/// One packet of a pipelined program (ASTRA's MyPacket plus the PacketBundle released with it):
/// it is created at phase start or on a receive; after the endpoint delay (plus the reduction of
/// `bytes` when `reduce`) it frees one send slot; sends take packets in creation order.
struct Packet {
  int send_to = 0;    ///< ring position the message goes to
  int recv_from = 0;  ///< ring position the matching receive expects data from
  Bytes bytes = 0;    ///< message size, also the reduction size of its bundle
  bool reduce = false;
  bool operator==(const Packet&) const = default;
};

struct PhaseProgram;
/// A pipeline algorithm's peers: where the k-th packet goes and whom its receive expects (and,
/// where the algorithm varies it, its size). Called for every packet, so it is a plain function.
using PacketPeers = void (*)(const PhaseProgram& program, std::int64_t k, Packet& packet);

/// Roles in a tree program.
enum class TreeRole : std::uint8_t { kRoot, kIntermediate, kLeaf };

/// How the executor runs a phase (docs/collectives.md, "Why the program shapes stay").
enum class ProgramShape : std::uint8_t {
  kPipeline,          ///< ring, direct, halvingDoubling, allBroadcast, barrier: Packet sequence
  kDoubleBinaryTree,  ///< ASTRA's DBT state machine
  kTreeBroadcast,     ///< root → leaves, whole chunk per message
  kTreeReduce,        ///< leaves → root, reduction at every receive
  kCustom,            ///< a user-given send/recv/compute graph (custom.hpp)
};

/// This NPU's step program for one phase of one chunk. Pure data plus O(1) lazy packet generation,
/// so even ring all-to-all (n(n-1)/2 messages) costs O(1) memory.
struct PhaseProgram {
  CollectiveType type = CollectiveType::kAllReduce;
  AlgorithmSpec algorithm;
  ProgramShape shape = ProgramShape::kPipeline;
  RingView ring;
  Direction direction = Direction::kClockwise;
  Bytes input_bytes = 0;   ///< data handed to the phase
  Bytes output_bytes = 0;  ///< data it leaves for the next phase (ASTRA final_data_size)

  // --- kPipeline ---
  int window = 1;       ///< packets created at phase start (ASTRA parallel_reduce)
  std::int64_t sends = 0;  ///< messages sent = receives posted (ASTRA stream_count)
  int second_round = 0; ///< direct all-reduce: sends after the first `second_round` wait until
                        ///< that many messages were received; 0 = no barrier
  /// The algorithm's peers of packet k (set by its planner).
  PacketPeers peers = nullptr;
  /// The k-th packet created (k = 0 .. window + sends - 1).
  Packet packet(std::int64_t k) const;
  /// Every packet, for tests and documentation.
  std::vector<Packet> packets() const;

  // --- tree shapes (positions in `ring`; -1 = none) ---
  TreeRole role = TreeRole::kLeaf;
  int parent = -1;
  int left = -1;
  int right = -1;
  /// Bytes of every tree message (the whole chunk).
  Bytes tree_bytes = 0;

  // --- kCustom: the graphs of every group position; this NPU runs ring.position()'s ---
  std::shared_ptr<const CustomCollective> custom;

  // --- internals of the packet generator ---
  Bytes msg_bytes = 0;     ///< message size (S/n, all-gather S); halvingDoubling first message size
  int group = 1;           ///< packets per toggle group (ASTRA zero + non-zero latency packets)
  int hd_rank_offset = 1;  ///< halvingDoubling first peer distance
  double hd_mult = 2.0;    ///< halvingDoubling distance multiplier
};

/// Plans one phase of a native collective (all-reduce, reduce-scatter, all-gather, all-to-all)
/// with `algorithm` over `ring`: the common part here, the rest by the algorithm's planner
/// (algorithm.hpp). `tree_flip` selects the DBT tree (ASTRA alternates per chunk: false =
/// RootMax, true = RootMin); tree node k (in-order) is ring position k.
/// Throws InputError for what the algorithm's registration rules out (algorithm_problems: a
/// collective type it lacks, a ring that is not a power of two where it needs one).
PhaseProgram plan_phase(CollectiveType type, const AlgorithmSpec& algorithm, const RingView& ring,
                        Direction direction, Bytes bytes, bool tree_flip = false);

/// Broadcast or reduce over `ring` rooted at position `root`: a binary tree in heap order of the
/// positions relative to the root (children of r are 2r+1, 2r+2).
PhaseProgram plan_tree(CollectiveType type, const RingView& ring, int root, Bytes bytes);

/// Dissemination barrier over `ring`: ceil(log2 n) rounds, round k sends `bytes` to position +2^k
/// and waits for the message from position -2^k.
PhaseProgram plan_barrier(const RingView& ring, Bytes bytes);

/// A custom collective (`*-implementation-custom`) over `ring`, the whole collective in one phase.
PhaseProgram plan_custom(CollectiveType type, const RingView& ring, std::shared_ptr<const CustomCollective> custom,
                         Bytes bytes);

/// One step of a program written out for tests and docs: "send 32768 B to npu 1", ...
struct StepLine {
  enum Kind : std::uint8_t { kSend, kRecv, kReduce } kind;
  NpuId peer = -1;
  Bytes bytes = 0;
  bool operator==(const StepLine&) const = default;
};
/// The pipeline program as the ordered list of its steps: for each send k, "send packet k" and
/// "receive"; a reduction precedes the send it gates.
std::vector<StepLine> expand(const PhaseProgram& program);

}  // namespace tessera::collective
