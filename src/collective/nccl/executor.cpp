// NcclExecutor (executor.hpp): NCCL's step pipelines on one NPU, docs/nccl.md §7.
//
// Every CTA is a program with counters of what has arrived on its connections. A message carries
// (collective stream, CTA, kind) in its tag; arrivals are counted per (CTA, kind), so a step waits
// for "the k-th data message and the k-th flag from my ring predecessor", "a free slot" (credits
// from the successor) and so on. Data and flags are separate messages on purpose: the data leave as
// the threads store them and are limited by the links, the flag leaves when the CTA's own work is
// done and is limited by the GPU, and the consumer needs both, so a step costs the slower of the
// two without either being a formula.
#include "tessera/collective/nccl/executor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "tessera/collective/nccl/chunking.hpp"
#include "tessera/collective/nccl/constants.hpp"
#include "tessera/collective/nccl/trees.hpp"
#include "tessera/error.hpp"
#include "tree_program.hpp"

namespace tessera::collective::nccl {
namespace {

// Message kinds (4 bits of the tag).
enum Kind : int {
  kRingData,      // ring step data, predecessor -> successor
  kRingFlag,      // ring step done (LL: the last line's flag; Simple: the posted tail)
  kRingCredit,    // ring slot freed, successor -> predecessor
  kScatterPost,   // NVLS: a member's scatter of this loop is in the head's multicast buffer
  kReduceResult,  // NVLS: the switch's sum of this head's chunk (to the head itself)
  kMcastData,     // NVLS: the head's reduced chunk stored to every member
  kGatherPost,    // NVLS: the head's reduced chunk is visible (after the fence)
  kReduceCredit,  // NVLS: the head has read this member's scatter slot
  kGatherCredit,  // NVLS: this member has copied the head's chunk out
  kTreeData,      // Tree: a chunk's data, child -> parent (reduce-up) or parent -> child (broadcast-down)
  kTreeFlag,      // Tree: that step is done
  kTreeCredit,    // Tree: a slot freed; from the parent for the up connection, from a child for the down one
  kNumKinds
};

// Timer actions.
enum Action : int {
  kLaunch,
  kCtaStart,
  kRingSendData,
  kRingDone,
  kScatterDone,
  kScatterSignal,
  kReducePiece,
  kReduceFirstLoad,
  kReduceLocalDone,
  kReduceSignal,
  kGatherDone,
  kGatherSignal,
  kHostEvent,
  kProxySend,  // the sender's proxy posts a network step
  kProxyRecv,  // the receiver's proxy has seen it land

  kTreeSendData,  // Tree Simple: the copy call is through, the data leave (to `peer`)
  kTreeUpDone,    // Tree: reduce-up finished a chunk
  kTreeDownDone,  // Tree: broadcast-down finished a chunk
  kTreeRootDone,  // Tree: the root's recv-reduce-copy-send finished a chunk

  kBcastPiece,      // NVLSTree: the broadcast group stores the next piece of the parent's sum to the node
  kBcastLocalDone,  // NVLSTree: the broadcast group's warps are through the chunk
};

// A flag or credit is one 8-byte store to the peer (NCCL's head/tail counters).
constexpr Bytes kFlagBytes = 8;
// Loops an NVLS CTA may run ahead of the slowest member (NCCL_STEPS slots per buffer).
constexpr int kNvlsWindow = 8;
// Bytes of one multimem.ld_reduce / multimem.st round of the reduce op's warps as the model moves
// them: the 4 KiB NVLink packet of the network presets (configs/network/hgx-h100-*.yaml), so a
// piece is one packet per link and the loads and stores of a chunk overlap piece by piece.
constexpr Bytes kNvlsPiece = 4096;

// NVLSTree's broadcast group: the reduce op's pace per warp (docs/nccl.md §8) with its 4 warps.
double bcast_rate(const GpuTiming& t) { return t.nvls_reduce_rate * kNvlsTreeBcastWarps / kNvlsReduceWarps; }

std::int64_t nvls_pieces(Bytes chunk) {
  return std::max<std::int64_t>(1, (chunk + kNvlsPiece - 1) / kNvlsPiece);
}

Func func_of(CollectiveType t) {
  switch (t) {
    case CollectiveType::kAllReduce: return Func::kAllReduce;
    case CollectiveType::kAllGather: return Func::kAllGather;
    case CollectiveType::kReduceScatter: return Func::kReduceScatter;
    case CollectiveType::kBroadcast: return Func::kBroadcast;
    case CollectiveType::kReduce: return Func::kReduce;
    default:
      throw InputError(Diagnostic{"", 0, "system.collective_library",
                                  fmt::format("the NCCL model does not run {} collectives yet", to_string(t)),
                                  "use collective_library: astra for this workload"});
  }
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Context

NcclContext::NcclContext(NcclSystem base, NcclOptions options, GpuTiming timing,
                         std::map<std::vector<NpuId>, std::uint32_t> multicast)
    : base_(base), options_(std::move(options)), timing_(timing), multicast_(std::move(multicast)) {}

const Comm& NcclContext::comm(int local_ranks, int nodes) const {
  auto& slot = comms_[{local_ranks, nodes}];
  if (!slot) {
    NcclSystem s = base_;
    s.gpus_per_node = local_ranks;
    s.nodes = nodes;
    if (nodes == 1 && local_ranks == 1) s.nics_per_node = std::max(s.nics_per_node, 1);
    // A communicator with fewer GPUs per node than the node has still uses the node's NICs.
    if (s.nics_per_node > local_ranks) s.nics_per_node = local_ranks;
    NcclOptions o = options_;
    if (!has_multicast()) o.nvls_enable = 0;  // no NVSwitch multicast in this network model
    slot = std::make_unique<Comm>(make_comm(s, o));
  }
  return *slot;
}

std::int64_t NcclContext::multicast_group(const std::vector<NpuId>& members) const {
  const auto it = multicast_.find(members);
  return it == multicast_.end() ? -1 : static_cast<std::int64_t>(it->second);
}

std::shared_ptr<const std::vector<NpuId>> NcclContext::all_members(int n) const {
  if (!all_ || static_cast<int>(all_->size()) != n) {
    auto all = std::make_shared<std::vector<NpuId>>(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < all->size(); ++i) (*all)[i] = static_cast<NpuId>(i);
    all_ = std::move(all);
  }
  return all_;
}

NcclOptions options_from_settings(const std::vector<std::pair<std::string, std::string>>& settings) {
  NcclOptions o;
  for (const auto& [name, value] : settings) set_option(o, name, value, "system.nccl");
  return o;
}

// ---------------------------------------------------------------------------------------------
// Programs

struct NcclExecutor::Program {
  std::array<std::int64_t, kNumKinds> in{};  // arrivals per kind
  // Ring: the op sequence; each op may receive (from prev) and send (to next).
  struct Op {
    Bytes bytes = 0;
    bool recv = false;
    bool send = false;
  };
  std::vector<Op> ops;
  std::size_t next = 0;
  bool busy = false;
  std::int64_t recvs = 0;        // ops that received, done
  std::int64_t sends = 0;        // ops that sent, done or started
  std::int64_t total_recvs = 0;  // = the predecessor's total sends
  int window = kNvlsWindow;      // sends in flight (slots / slots per op)
  NpuId prev = -1;
  NpuId next_npu = -1;
  // NVLS: bytes per head chunk of each loop; the three warp groups' next loop.
  std::vector<Bytes> chunks;
  std::int64_t scatter = 0, reduce = 0, gather = 0;
  bool scatter_busy = false, reduce_busy = false, gather_busy = false;
  // The head's reduce op of loop `reduce`: its first multimem.ld_reduce is back, the multicast of
  // the sum is under way, the op's warps are through.
  bool reduce_loaded = false, reduce_local = false;
  std::int64_t piece_base = 0;          // pieces of the loops before `reduce`
  std::int64_t pieces_asked = 0;        // pieces of loop `reduce` whose ld_reduce was issued
  std::int64_t pieces_sent = 0;         // pieces of loop `reduce` whose sum is being stored
  std::vector<std::int64_t> piece_end;  // per loop: pieces of loops 0..l (what a gather waits for)
  // NVLSTree (a head): its parent and children heads on other nodes, the chunks sent to them, and
  // the broadcast group (heads with a parent): its next loop and the pieces of it stored so far.
  NpuId tree_up = -1;
  std::vector<NpuId> tree_down;
  std::int64_t up_sends = 0, down_sends = 0;
  std::int64_t bcast = 0, bcast_pieces = 0;
  bool bcast_busy = false, bcast_local = false;
  bool done = false;
  TreeCta tree;  // Tree: neighbours, chunks and the two sub-programs
};

struct NcclExecutor::Collective {
  bool started = false;
  bool launched = false;  // the CTAs' programs exist
  std::uint64_t stream = 0;
  CollectiveId id = 0;
  Plan plan;
  std::vector<Program> ctas;
  int done_ctas = 0;
  int timers = 0;  // pending timers of this collective
  // NVLS and NVLSTree: this node's members and its heads, in head order (every CTA's); whether
  // this GPU is one.
  std::vector<NpuId> local, heads;
  bool head = false;
  Program& cta(int i) {
    if (static_cast<std::size_t>(i) >= ctas.size()) ctas.resize(static_cast<std::size_t>(i) + 1);
    return ctas[static_cast<std::size_t>(i)];
  }
};

NcclExecutor::NcclExecutor(const NcclContext& context, const TopologyView& topo, NpuId self, CollectiveHost& host,
                           FlowPorts* ports)
    : ctx_(context), topo_(topo), self_(self), host_(host), p2p_(host, context.timing(), self, context.gpus_per_node()) {
  static_assert(kNumKinds <= static_cast<int>(FlowRunner::kKind), "kinds 14 and 15 are the flow and p2p runners'");
  if (context.flow_oracle() != nullptr) {
    if (ports == nullptr) throw Error("NCCL model: the flow model needs the NPU's port ledger");
    flow_ = std::make_unique<FlowRunner>(host, *context.flow_oracle(), *ports, self);
  }
}

NcclExecutor::~NcclExecutor() = default;

NcclExecutor::Plan NcclExecutor::plan(const CollectiveRequest& r) const {
  Plan p;
  const bool all_to_all = r.type == CollectiveType::kAllToAll;
  if (!all_to_all) p.func = func_of(r.type);
  if (r.group != nullptr) {
    p.members = r.group->members;
  } else {
    p.members = ctx_.all_members(topo_.total_npus());
  }
  const auto& m = *p.members;
  const auto me = std::find(m.begin(), m.end(), self_);
  if (me == m.end()) throw Error(fmt::format("NPU {} started a collective of a group it is not in", self_));
  p.position = static_cast<int>(me - m.begin());
  p.root = r.root;
  // Nodes of the communicator: members grouped by the node (box) they sit on; NCCL needs the same
  // number on every node it spans.
  const int gpn = std::max(1, ctx_.gpus_per_node());
  std::map<int, std::vector<NpuId>> by_node;
  for (NpuId n : m) by_node[n / gpn].push_back(n);
  const int local = static_cast<int>(by_node.begin()->second.size());
  for (const auto& [node, list] : by_node) {
    if (static_cast<int>(list.size()) != local) {
      throw InputError(Diagnostic{"", 0, "workload communicator group",
                                  fmt::format("a group of {} NPUs has {} on node {} but {} on node {}; NCCL's model "
                                              "needs the same number of GPUs of a communicator on every node",
                                              m.size(), list.size(), node, local, by_node.begin()->first),
                                  "give every node the same number of the group's GPUs"});
    }
  }
  p.comm = &ctx_.comm(local, static_cast<int>(by_node.size()));
  if (all_to_all) return p;  // grouped point-to-point: no tuner choice (P2pRunner)
  // NVLS binds the multicast object of each node (the network's group of the whole box): NVLS on
  // one node, NVLSTree across nodes, which needs one on every node of the communicator.
  bool every_node = true;
  for (const auto& [node, list] : by_node) {
    std::vector<NpuId> sorted = list;
    std::sort(sorted.begin(), sorted.end());
    const std::int64_t group = ctx_.multicast_group(sorted);
    every_node = every_node && group >= 0;
    if (node == self_ / gpn) p.multicast = group;
  }
  if (!every_node) p.multicast = -1;
  p.req.func = p.func;
  p.req.type_bytes = 4;  // float, as nccl-tests runs by default
  const int n = static_cast<int>(m.size());
  // ET comm_size: the whole buffer, except all-gather's per-rank shard; NCCL counts the send
  // buffer of all-gather and the receive buffer of reduce-scatter.
  std::int64_t count = r.bytes / p.req.type_bytes;
  if (p.func == Func::kReduceScatter) count /= n;
  p.req.count = count;
  p.req.nvls_reducible = p.multicast >= 0;
  p.choice = select(*p.comm, p.req);
  // NVLS needs this group's multicast object; the tuner ranked it only if NVLS is supported.
  if ((p.choice.algo == Algo::kNvls || p.choice.algo == Algo::kNvlsTree) && p.multicast < 0) {
    throw Error(fmt::format("NCCL chose {} for a group without an NVSwitch multicast group", to_string(p.choice.algo)));
  }
  return p;
}

RunLabel NcclExecutor::describe(const CollectiveRequest& request) const {
  const Plan p = plan(request);
  if (request.type == CollectiveType::kAllToAll) {
    return P2pRunner::label(*p.comm, request.bytes, static_cast<int>(p.members->size()), p.comm->nodes > 1);
  }
  RunLabel l;
  l.algorithm = "nccl_" + lower(to_string(p.choice.algo));
  l.protocol = std::string(to_string(p.choice.proto));
  l.channels = p.req.count > 0 ? static_cast<int>(split_channels(*p.comm, p.req, p.choice).size()) : 0;
  return l;
}

NcclExecutor::Collective& NcclExecutor::touch(std::uint64_t stream) {
  auto& slot = streams_[stream];
  if (!slot) slot = std::make_unique<Collective>();
  return *slot;
}

CollectiveId NcclExecutor::start(const CollectiveRequest& request) {
  Plan p = plan(request);
  const std::uint32_t group = request.group != nullptr ? request.group->id : 0;
  const std::uint64_t stream = std::uint64_t{group} << 40 | counter_[group]++;
  if (flow_) {
    // The flow model: the call runs whole, timed by the oracle (the choice above is the label's).
    const CollectiveId id = next_id_++;
    const bool empty = request.type == CollectiveType::kAllToAll ? request.bytes <= 0 : p.req.count <= 0;
    if (empty || p.members->size() < 2) {
      host_.collective_finished(id);
    } else {
      flow_->start(stream, id, request.type, request.bytes, p.members, p.position);
    }
    return id;
  }
  if (request.type == CollectiveType::kAllToAll) {
    const CollectiveId id = next_id_++;
    if (request.bytes <= 0 || p.members->size() < 2) {
      host_.collective_finished(id);
    } else {
      p2p_.start(stream, id, *p.comm, p.members, p.position, request.bytes);
    }
    return id;
  }
  Collective& c = touch(stream);
  c.started = true;
  c.stream = stream;
  c.id = next_id_++;
  c.plan = std::move(p);
  running_[stream] = c.id;
  const CollectiveId id = c.id;
  if (c.plan.req.count <= 0 || c.plan.members->size() < 2) {
    // Nothing to move: NCCL returns at once (the runtime still sees the call).
    running_.erase(stream);
    streams_.erase(stream);
    host_.collective_finished(id);
    return id;
  }
  c.timers++;
  timer_after(ctx_.timing().launch_floor, stream, 0, kLaunch);
  return id;
}

void NcclExecutor::launch(Collective& c) {
  const Plan& p = c.plan;
  const Comm& comm = *p.comm;
  const std::vector<ChannelPart> parts = split_channels(comm, p.req, p.choice);
  const int n = static_cast<int>(p.members->size());
  const int tb = p.req.type_bytes;
  if (c.ctas.size() > parts.size()) throw Error("NCCL model: a peer used more CTAs than this NPU planned");
  c.ctas.resize(parts.size());
  // NVLS all-gather: not yet.
  const bool nvls =
      (p.choice.algo == Algo::kNvls || p.choice.algo == Algo::kNvlsTree) && p.func == Func::kAllReduce;
  if (nvls) {
    // The members are node-major: this node's GPUs, and its heads among them.
    const int ppn = comm.local_ranks;
    const int first = p.position / ppn * ppn;
    c.local.clear();
    c.heads.clear();
    for (int k = 0; k < ppn; ++k) c.local.push_back((*p.members)[static_cast<std::size_t>(first + k)]);
    for (int h : nvls_heads(comm)) c.heads.push_back(c.local[static_cast<std::size_t>(h)]);
    c.head = std::find(c.heads.begin(), c.heads.end(), self_) != c.heads.end();
  }
  const bool tree = p.choice.algo == Algo::kTree && p.func == Func::kAllReduce;
  if (!nvls && !tree && p.choice.algo != Algo::kRing) {
    throw InputError(Diagnostic{"", 0, "system.nccl",
                                fmt::format("NCCL chose {} for this {} call, which the model does not run yet",
                                            to_string(p.choice.algo), to_string(p.func)),
                                fmt::format("keep NCCL off it, nccl: {{NCCL_ALGO: ^{}}}, or force a ring, nccl: "
                                            "{{NCCL_ALGO: ring}}",
                                            to_string(p.choice.algo))});
  }
  for (std::size_t i = 0; i < parts.size(); ++i) {
    Program& g = c.ctas[i];
    const ChannelPart& part = parts[i];
    const std::int64_t chunk_count = std::max<std::int64_t>(1, part.chunking.chunk_bytes / tb);
    if (nvls) {
      const TreeLinks links = nvls_tree_links(comm, static_cast<int>(i), p.position);
      if (links.up >= 0) g.tree_up = (*p.members)[static_cast<std::size_t>(links.up)];
      for (int d : links.down) {
        if (d >= 0) g.tree_down.push_back((*p.members)[static_cast<std::size_t>(d)]);
      }
      const int n_heads = static_cast<int>(c.heads.size());
      for (std::int64_t e : nvls_loop_chunks(part.count, chunk_count, n_heads, tb)) {
        g.chunks.push_back(e * tb);
        g.piece_end.push_back((g.piece_end.empty() ? 0 : g.piece_end.back()) + nvls_pieces(e * tb));
      }
      continue;
    }
    if (tree) {
      TreeCta built = make_tree_cta(comm, p.choice, part, static_cast<int>(i), *p.members, p.position, tb);
      built.from = std::move(g.tree.from);  // what the neighbours sent before this NPU launched
      g.tree = std::move(built);
      continue;
    }
    // The ring of this CTA: node by node, each node's GPUs from the GPU of the channel's NIC
    // (channel c of the search enters a node at local GPU c and leaves from c - 1, so the network
    // steps of the channels spread over the NICs); across nodes odd search channels run the
    // previous ring backwards between the same NICs (NCCL_CROSS_NIC=2, docs/nccl.md §2).
    int ring_idx = 0, root_idx = 0, dir = 1;
    {
      const int ppn = comm.local_ranks;
      const int search = std::max(1, comm.graphs.ring.channels);
      const int s = static_cast<int>(i) % search;
      const int rot = comm.nodes > 1 ? (s - s % 2) % ppn : 0;
      const bool backwards = comm.nodes > 1 && s % 2 == 1;
      // Position of member m in the ring: node-major, rotated within the node.
      const int node = p.position / ppn, local = p.position % ppn;
      const int idx = node * ppn + ((local - rot) % ppn + ppn) % ppn;
      auto member_at = [&](int ring_index) {
        const int k = ((ring_index % n) + n) % n;
        return (*p.members)[static_cast<std::size_t>((k / ppn) * ppn + (k % ppn + rot) % ppn)];
      };
      dir = backwards ? -1 : 1;
      g.next_npu = member_at(idx + dir);
      g.prev = member_at(idx - dir);
      ring_idx = idx;
      root_idx = (p.root / ppn) * ppn + ((p.root % ppn - rot) % ppn + ppn) % ppn;
    }
    const bool simple = p.choice.proto == Proto::kSimple;
    const int slots_per_op = simple ? part.chunking.slice_steps : 1;
    g.window = std::max(1, kSteps / std::max(1, slots_per_op));
    // Steps per loop and which of them receive and send, by the position in the chain.
    int steps = 0;
    int chain = 0;  // position along the chain (broadcast: from the root; reduce: to it)
    if (p.func == Func::kAllReduce) steps = 2 * n - 1;
    if (p.func == Func::kAllGather || p.func == Func::kReduceScatter) steps = n;
    if (p.func == Func::kBroadcast) chain = (((ring_idx - root_idx) * dir) % n + n) % n;
    if (p.func == Func::kReduce) chain = (((ring_idx - root_idx) * dir - 1) % n + n) % n;
    const std::vector<std::int64_t> loops =
        p.func == Func::kAllReduce ? ring_loop_chunks(part.count, chunk_count, n, tb)
                                   : ring_loop_chunks(part.count, chunk_count, 1, tb);
    for (std::int64_t elems : loops) {
      std::vector<std::int64_t> slices;
      if (simple) {
        slices = simple_slices(comm, part.chunking, elems, tb);
      } else {
        slices = {elems};
      }
      if (p.func == Func::kBroadcast || p.func == Func::kReduce) {
        for (std::int64_t s : slices) g.ops.push_back({s * tb, chain > 0, chain < n - 1});
        continue;
      }
      for (int k = 0; k < steps; ++k) {
        for (std::int64_t s : slices) g.ops.push_back({s * tb, k > 0, k < steps - 1});
      }
    }
    for (const auto& op : g.ops) g.total_recvs += op.recv ? 1 : 0;
  }
  c.launched = true;
}

void NcclExecutor::timer_after(SimTime delay, std::uint64_t stream, int cta, int action, int kind, NpuId peer,
                               Bytes bytes) {
  std::uint32_t index;
  const Timer tm{stream, cta, action, kind, peer, bytes};
  if (!free_timers_.empty()) {
    index = free_timers_.back();
    free_timers_.pop_back();
    timers_[index] = tm;
  } else {
    index = static_cast<std::uint32_t>(timers_.size());
    timers_.push_back(tm);
  }
  host_.schedule_after(std::max<SimTime>(delay, 0), index);
}

void NcclExecutor::register_host_event(SimTime delay, std::uint64_t token) {
  timer_after(delay, token, 0, kHostEvent);
}

void NcclExecutor::send(Collective& c, int cta, int kind, NpuId dst, Bytes bytes) {
  if (kind != kMcastData && kind != kReduceResult && !same_node(self_, dst)) {
    // A network step: the GPU hands it to the CPU proxy, which posts the RDMA write.
    c.timers++;
    timer_after(ctx_.timing().proxy, c.stream, cta, kProxySend, kind, dst, bytes);
    return;
  }
  post(c, cta, kind, dst, bytes);
}

void NcclExecutor::post(Collective& c, int cta, int kind, NpuId dst, Bytes bytes) {
  MessageTag tag;
  tag.stream = c.stream;
  tag.seq = static_cast<std::uint32_t>(cta) << 4 | static_cast<std::uint32_t>(kind);
  if (kind == kMcastData) {
    host_.multicast(static_cast<std::uint32_t>(c.plan.multicast), bytes, tag);
  } else if (kind == kReduceResult) {
    host_.switch_reduce(static_cast<std::uint32_t>(c.plan.multicast), bytes, tag);
  } else {
    host_.send(dst, bytes, tag, false);
  }
}

void NcclExecutor::on_timer(TimerToken token) {
  if (token >= FlowRunner::kTimerBase) {
    flow_->on_timer(token);
    return;
  }
  if (token >= P2pRunner::kTimerBase) {
    p2p_.on_timer(token);
    return;
  }
  const Timer tm = timers_[token];
  free_timers_.push_back(static_cast<std::uint32_t>(token));
  if (tm.action == kHostEvent) {
    host_.host_event(tm.stream);
    return;
  }
  const auto it = streams_.find(tm.stream);
  if (it == streams_.end()) throw Error("NCCL model: a timer of a finished collective");
  Collective& c = *it->second;
  c.timers--;
  const GpuTiming& t = ctx_.timing();
  switch (tm.action) {
    case kLaunch: {
      launch(c);
      // The CTAs start once the grid is launched: f per CTA.
      const SimTime f = t.launch_per_cta * static_cast<SimTime>(c.ctas.size());
      for (std::size_t i = 0; i < c.ctas.size(); ++i) {
        c.timers++;
        timer_after(f, tm.stream, static_cast<int>(i), kCtaStart);
      }
      break;
    }
    case kCtaStart:
      advance(c, tm.cta);
      break;
    case kProxySend:
      post(c, tm.cta, tm.kind, tm.peer, tm.bytes);
      break;
    case kProxyRecv:
      arrive(c.cta(tm.cta), tm.kind, tm.peer);
      advance(c, tm.cta);
      break;
    case kRingSendData: {
      Program& g = c.ctas[static_cast<std::size_t>(tm.cta)];
      send(c, tm.cta, kRingData, g.next_npu, g.ops[g.next].bytes);
      break;
    }
    case kRingDone: {
      Program& g = c.ctas[static_cast<std::size_t>(tm.cta)];
      const Program::Op& op = g.ops[g.next];
      if (op.send) send(c, tm.cta, kRingFlag, g.next_npu, kFlagBytes);
      if (op.recv) {
        // The slot is free again; the predecessor needs the credit only for a later send.
        if (g.recvs + g.window < g.total_recvs) send(c, tm.cta, kRingCredit, g.prev, kFlagBytes);
        g.recvs++;
      }
      g.next++;
      g.busy = false;
      if (g.next == g.ops.size()) {
        g.done = true;
        c.done_ctas++;
      } else {
        advance(c, tm.cta);
      }
      break;
    }
    case kScatterDone: {
      Program& g = c.ctas[static_cast<std::size_t>(tm.cta)];
      g.scatter_busy = false;
      g.scatter++;
      c.timers++;
      timer_after(t.signal, tm.stream, tm.cta, kScatterSignal);
      advance(c, tm.cta);
      break;
    }
    case kScatterSignal:
      for (NpuId m : c.heads) send(c, tm.cta, kScatterPost, m, kFlagBytes);
      break;
    case kReducePiece:
      ask_piece(c, tm.cta);
      break;
    case kReduceFirstLoad:
    case kReduceLocalDone: {
      Program& g = c.ctas[static_cast<std::size_t>(tm.cta)];
      (tm.action == kReduceFirstLoad ? g.reduce_loaded : g.reduce_local) = true;
      advance(c, tm.cta);
      break;
    }
    case kReduceSignal:
      for (NpuId m : c.local) send(c, tm.cta, kGatherPost, m, kFlagBytes);
      break;
    case kGatherDone: {
      Program& g = c.ctas[static_cast<std::size_t>(tm.cta)];
      g.gather_busy = false;
      const std::int64_t loop = g.gather++;
      // The heads' reduce of loop + window waits for this credit; later loops only.
      if (loop + kNvlsWindow < static_cast<std::int64_t>(g.chunks.size())) {
        c.timers++;
        timer_after(t.signal, tm.stream, tm.cta, kGatherSignal);
      }
      if (g.gather == static_cast<std::int64_t>(g.chunks.size())) {
        g.done = true;
        c.done_ctas++;
      } else {
        advance(c, tm.cta);
      }
      break;
    }
    case kGatherSignal:
      for (NpuId m : c.heads) send(c, tm.cta, kGatherCredit, m, kFlagBytes);
      break;
    case kBcastPiece:
      bcast_piece(c, tm.cta);
      break;
    case kBcastLocalDone:
      c.ctas[static_cast<std::size_t>(tm.cta)].bcast_local = true;
      advance(c, tm.cta);
      break;
    case kTreeSendData:
      send(c, tm.cta, kTreeData, tm.peer, tm.bytes);
      break;
    case kTreeUpDone:
    case kTreeDownDone:
    case kTreeRootDone:
      tree_step_done(c, tm.cta, tm.action);
      break;
    default:
      throw Error(fmt::format("NCCL model: unknown timer action {}", tm.action));
  }
  finish_if_done(c);
}

void NcclExecutor::advance(Collective& c, int cta) {
  if (!c.launched || static_cast<std::size_t>(cta) >= c.ctas.size()) return;
  Program& g = c.ctas[static_cast<std::size_t>(cta)];
  if (g.done) return;
  const GpuTiming& t = ctx_.timing();
  const std::uint64_t stream = c.stream;
  const Choice& ch = c.plan.choice;
  if (ch.algo == Algo::kTree) {
    advance_tree(c, cta);
    return;
  }
  if (ch.algo == Algo::kRing) {
    if (g.busy || g.next >= g.ops.size()) return;
    const Program::Op& op = g.ops[g.next];
    if (op.recv && (g.in[kRingData] <= g.recvs || g.in[kRingFlag] <= g.recvs)) return;
    if (op.send && g.sends - g.in[kRingCredit] >= g.window) return;
    g.busy = true;
    if (op.send) g.sends++;
    const double bytes = static_cast<double>(op.bytes);
    SimTime local = 0;
    switch (ch.proto) {
      case Proto::kSimple: {
        // The copy call's first load, then the CTA copies (and reduces) the slice straight into the
        // peer's slot: the data leave after λ, the post once the copy is done. A step that only
        // receives stores into local memory (simple_local_rate).
        local = t.copy_call +
                std::max<SimTime>(1, bytes_time(bytes, op.send ? t.simple_rate : t.simple_local_rate));
        if (op.send) {
          c.timers++;
          timer_after(t.copy_call, stream, cta, kRingSendData);
        }
        break;
      }
      case Proto::kLl: {
        const std::int64_t per_trip = std::int64_t{std::max(ch.threads, 32)} * kLlLineDataBytes;
        const std::int64_t trips = std::max<std::int64_t>(1, (op.bytes + per_trip - 1) / per_trip);
        // The step's trips end with the stores into the peer's FIFO; a last step that only
        // receives stores into the user buffer and pays just its line rate.
        local = (op.send ? t.ll_step + (trips - 1) * t.ll_extra_trip : 0) +
                bytes_time(static_cast<double>(wire_bytes(Proto::kLl, op.bytes)), t.ll_wire_rate);
        if (op.send) send(c, cta, kRingData, g.next_npu, wire_bytes(Proto::kLl, op.bytes));
        break;
      }
      case Proto::kLl128: {
        const std::int64_t per_trip = std::int64_t{std::max(ch.threads, 32)} * (kLl128LineDataBytes / 8);
        const std::int64_t trips = std::max<std::int64_t>(1, (op.bytes + per_trip - 1) / per_trip);
        local = (op.send ? t.ll_step + t.ll128_extra : 0) + trips * t.ll128_trip;
        if (op.send) send(c, cta, kRingData, g.next_npu, wire_bytes(Proto::kLl128, op.bytes));
        break;
      }
    }
    c.timers++;
    timer_after(local, stream, cta, kRingDone);
    return;
  }
  // NVLS and NVLSTree: scatter, the head's reduce, NVLSTree's broadcast (a head with a parent) and
  // gather run concurrently on different loops.
  const std::int64_t n_local = static_cast<std::int64_t>(c.local.size());
  const std::int64_t n_heads = static_cast<std::int64_t>(c.heads.size());
  const std::int64_t loops = static_cast<std::int64_t>(g.chunks.size());
  // The reduce op stores the sum to the node itself on one node and at the tree's root; below the
  // root it sends the sum to the parent and the broadcast group stores what comes back.
  const bool stores = ch.algo == Algo::kNvls || g.tree_up < 0;
  auto chunk = [&](std::int64_t l) { return g.chunks[static_cast<std::size_t>(l)]; };
  // Slot credits of loop l from `peers` senders: a loop within the window needs none.
  auto credited = [&](int kind, std::int64_t l, std::int64_t peers) {
    return l < kNvlsWindow || g.in[static_cast<std::size_t>(kind)] >= peers * (l - kNvlsWindow + 1);
  };
  auto from_children = [&](std::int64_t l) {
    for (NpuId d : g.tree_down) {
      if (g.tree.got(kTreeData, d) <= l || g.tree.got(kTreeFlag, d) <= l) return false;
    }
    return true;
  };
  auto children_free = [&] {
    for (NpuId d : g.tree_down) {
      if (g.down_sends - g.tree.got(kTreeCredit, d) >= kNvlsWindow) return false;
    }
    return true;
  };
  // A chunk to the children heads over the network: data, then the posted tail.
  auto to_children = [&](std::int64_t l) {
    for (NpuId d : g.tree_down) {
      send(c, cta, kTreeData, d, chunk(l));
      send(c, cta, kTreeFlag, d, kFlagBytes);
    }
    if (!g.tree_down.empty()) g.down_sends++;
  };
  if (!g.scatter_busy && g.scatter < loops && credited(kReduceCredit, g.scatter, n_heads)) {
    g.scatter_busy = true;
    const double c_bytes = static_cast<double>(chunk(g.scatter));
    c.timers++;
    timer_after(n_heads * t.copy_call + bytes_time(n_heads * c_bytes, t.nvls_copy_rate), stream, cta,
                kScatterDone);
  }
  if (c.head && !g.reduce_busy && g.reduce < loops && g.in[kScatterPost] >= n_local * (g.reduce + 1) &&
      from_children(g.reduce) &&
      (stores ? credited(kGatherCredit, g.reduce, n_local) && children_free()
              : g.up_sends - g.tree.got(kTreeCredit, g.tree_up) < kNvlsWindow)) {
    // The reduce op: its 5 warps loop multimem.ld_reduce (the switch sums a piece over the
    // members) and multimem.st (the switch stores the sum to every member). The loop is
    // latency-bound (docs/nccl.md §8 "NVLS reduce op"): the first load returns after the fixed
    // part, the warps are through after fixed + c / rate; the links carry the pieces meanwhile.
    // NVLSTree's children's partials wait in this GPU's network buffer and are added on the way.
    g.reduce_busy = true;
    g.reduce_loaded = g.reduce_local = false;
    g.pieces_sent = g.pieces_asked = 0;
    const Bytes c_bytes = chunk(g.reduce);
    ask_piece(c, cta);
    c.timers += 2;
    timer_after(t.nvls_reduce_fixed, stream, cta, kReduceFirstLoad);
    timer_after(t.nvls_reduce_fixed + bytes_time(static_cast<double>(c_bytes), t.nvls_reduce_rate), stream,
                cta, kReduceLocalDone);
  }
  const std::int64_t pieces = g.reduce < loops ? nvls_pieces(chunk(g.reduce)) : 0;
  const std::int64_t back = std::min(pieces, g.in[kReduceResult] - g.piece_base);
  if (g.reduce_busy && g.reduce_loaded && stores) {
    // Each piece whose sum is back from the switch is stored to every member at once.
    const Bytes c_bytes = chunk(g.reduce);
    for (; g.pieces_sent < back; ++g.pieces_sent) {
      const Bytes off = g.pieces_sent * kNvlsPiece;
      send(c, cta, kMcastData, -1, std::min(kNvlsPiece, c_bytes - off));
    }
  }
  if (g.reduce_busy && g.reduce_local && (stores ? g.pieces_sent : back) == pieces) {
    // Then the fence and the posts (and the scatter slots and the children's slots are free again).
    const std::int64_t loop = g.reduce++;
    g.reduce_busy = false;
    g.piece_base += pieces;
    if (loop + kNvlsWindow < loops) {
      for (NpuId m : c.local) send(c, cta, kReduceCredit, m, kFlagBytes);
      for (NpuId d : g.tree_down) send(c, cta, kTreeCredit, d, kFlagBytes);
    }
    if (stores) {
      c.timers++;
      timer_after(t.signal, stream, cta, kReduceSignal);
      to_children(loop);
    } else {
      send(c, cta, kTreeData, g.tree_up, chunk(loop));
      send(c, cta, kTreeFlag, g.tree_up, kFlagBytes);
      g.up_sends++;
    }
    advance(c, cta);
    return;
  }
  if (c.head && !stores && !g.bcast_busy && g.bcast < loops && g.tree.got(kTreeData, g.tree_up) > g.bcast &&
      g.tree.got(kTreeFlag, g.tree_up) > g.bcast && credited(kGatherCredit, g.bcast, n_local) &&
      children_free()) {
    // NVLSTree's broadcast group (4 warps): loads the parent's sum from the network buffer and
    // stores it to the node with multimem.st, piece by piece, at the reduce op's pace per warp
    // (docs/nccl.md §7 "NVLSTree"); then the sum goes on to the children.
    g.bcast_busy = true;
    g.bcast_local = false;
    g.bcast_pieces = 0;
    c.timers += 2;
    timer_after(t.nvls_reduce_fixed, stream, cta, kBcastPiece);
    timer_after(t.nvls_reduce_fixed + bytes_time(static_cast<double>(chunk(g.bcast)), bcast_rate(t)), stream,
                cta, kBcastLocalDone);
  }
  if (g.bcast_busy && g.bcast_local && g.bcast_pieces == nvls_pieces(chunk(g.bcast))) {
    const std::int64_t loop = g.bcast++;
    g.bcast_busy = false;
    c.timers++;
    timer_after(t.signal, stream, cta, kReduceSignal);
    to_children(loop);
    if (loop + kNvlsWindow < loops) send(c, cta, kTreeCredit, g.tree_up, kFlagBytes);
  }
  if (!g.gather_busy && g.gather < loops && g.in[kGatherPost] >= n_heads * (g.gather + 1) &&
      g.in[kMcastData] >= n_heads * g.piece_end[static_cast<std::size_t>(g.gather)]) {
    g.gather_busy = true;
    const double c_bytes = static_cast<double>(chunk(g.gather));
    c.timers++;
    timer_after(n_heads * t.copy_call + bytes_time(n_heads * c_bytes, t.nvls_copy_rate), stream, cta,
                kGatherDone);
  }
}

void NcclExecutor::bcast_piece(Collective& c, int cta) {
  // The broadcast group stores a piece every piece / rate (its warps' bytes in flight, §8).
  Program& g = c.ctas[static_cast<std::size_t>(cta)];
  const Bytes c_bytes = g.chunks[static_cast<std::size_t>(g.bcast)];
  const Bytes off = g.bcast_pieces * kNvlsPiece;
  const Bytes piece = std::min(kNvlsPiece, c_bytes - off);
  send(c, cta, kMcastData, -1, piece);
  if (++g.bcast_pieces < nvls_pieces(c_bytes)) {
    c.timers++;
    timer_after(bytes_time(static_cast<double>(piece), bcast_rate(ctx_.timing())), c.stream, cta,
                kBcastPiece);
  }
  advance(c, cta);
}

void NcclExecutor::ask_piece(Collective& c, int cta) {
  // The warps issue the loads of a chunk at the op's pace (bytes in flight over the switch round
  // trip, docs/nccl.md §8 "NVLS reduce op"): a piece every piece / rate.
  Program& g = c.ctas[static_cast<std::size_t>(cta)];
  const Bytes c_bytes = g.chunks[static_cast<std::size_t>(g.reduce)];
  const Bytes off = g.pieces_asked * kNvlsPiece;
  const Bytes piece = std::min(kNvlsPiece, c_bytes - off);
  send(c, cta, kReduceResult, self_, piece);
  if (++g.pieces_asked < nvls_pieces(c_bytes)) {
    c.timers++;
    timer_after(bytes_time(static_cast<double>(piece), ctx_.timing().nvls_reduce_rate), c.stream, cta,
                kReducePiece);
  }
}

void NcclExecutor::on_message(NpuId src, Bytes bytes, const MessageTag& tag) {
  if ((tag.seq & 15) == FlowRunner::kKind && flow_) {
    flow_->on_message(src, tag);
    return;
  }
  if ((tag.seq & 15) == P2pRunner::kKind) {
    p2p_.on_message(src, bytes, tag);
    return;
  }
  const int cta = static_cast<int>(tag.seq >> 4);
  const int kind = static_cast<int>(tag.seq & 15);
  if (kind >= kNumKinds) throw Error(fmt::format("NCCL model: message of unknown kind {}", kind));
  Collective& c = touch(tag.stream);
  if (!same_node(self_, src) && kind != kMcastData && kind != kReduceResult) {
    // The receiving proxy sees the completion and posts the tail to the GPU.
    c.timers++;
    timer_after(ctx_.timing().proxy, tag.stream, cta, kProxyRecv, kind, src);
    return;
  }
  arrive(c.cta(cta), kind, src);
  if (c.launched) {
    advance(c, cta);
    finish_if_done(c);
  }
}

void NcclExecutor::finish_if_done(Collective& c) {
  if (!c.launched || c.done_ctas < static_cast<int>(c.ctas.size())) return;
  const std::uint64_t stream = c.stream;
  const bool erase = c.timers == 0;
  if (running_.erase(stream) != 0) host_.collective_finished(c.id);  // may start the next one
  if (erase) streams_.erase(stream);
}

std::string NcclExecutor::stall_report() const {
  std::string out = p2p_.stall_report();
  if (flow_) out += flow_->stall_report();
  for (const auto& [stream, id] : running_) {
    const auto it = streams_.find(stream);
    if (it == streams_.end()) continue;
    const Collective& c = *it->second;
    out += fmt::format("NCCL {} {} on {} CTAs, {} done;", to_string(c.plan.choice.algo),
                       to_string(c.plan.choice.proto), c.ctas.size(), c.done_ctas);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Tree all-reduce (runTreeSplit): reduce-up and broadcast-down run side by side on different
// chunks; each waits for its senders' data and flags and for free slots at its receivers.

void NcclExecutor::arrive(Program& g, int kind, NpuId src) {
  // A tree CTA tells its connections apart by the sender: a parent's data come down, a child's go up.
  if (kind == kTreeData || kind == kTreeFlag || kind == kTreeCredit) {
    g.tree.from[{kind, src}]++;
  } else {
    g.in[static_cast<std::size_t>(kind)]++;
  }
}

void NcclExecutor::advance_tree(Collective& c, int cta) {
  TreeCta& t = c.ctas[static_cast<std::size_t>(cta)].tree;
  const Proto proto = c.plan.choice.proto;
  const auto chunks = static_cast<std::int64_t>(t.chunks.size());
  auto from_children = [&](std::int64_t k) {
    for (NpuId d : t.down) {
      if (t.got(kTreeData, d) <= k || t.got(kTreeFlag, d) <= k) return false;
    }
    return true;
  };
  auto children_free = [&] {
    for (NpuId d : t.down) {
      if (t.down_sends - t.got(kTreeCredit, d) >= kTreeWindow) return false;
    }
    return true;
  };
  // One step on chunk k by `threads` of the CTA: the data to `to` (at once, or after Simple's copy
  // call), then the step's end.
  auto start = [&](int threads, const std::vector<NpuId>& to, int action, std::int64_t k) {
    const Bytes bytes = t.chunks[static_cast<std::size_t>(k)];
    const TreeStepCost cost =
        tree_step_cost(ctx_.timing(), proto, threads, t.threads, bytes, static_cast<int>(to.size()));
    const Bytes wire = wire_bytes(proto, bytes);
    for (NpuId d : to) {
      if (cost.data_after > 0) {
        c.timers++;
        timer_after(cost.data_after, c.stream, cta, kTreeSendData, 0, d, wire);
      } else {
        send(c, cta, kTreeData, d, wire);
      }
    }
    c.timers++;
    timer_after(cost.local, c.stream, cta, action);
  };
  if (t.root()) {
    if (!t.up_busy && t.up_next < chunks && from_children(t.up_next) && children_free()) {
      t.up_busy = true;
      t.down_sends++;
      start(t.threads, t.down, kTreeRootDone, t.up_next);
    }
    return;
  }
  if (!t.up_busy && t.up_next < chunks && from_children(t.up_next) &&
      t.up_sends - t.got(kTreeCredit, t.up) < kTreeWindow) {
    t.up_busy = true;
    t.up_sends++;
    start(t.up_threads, {t.up}, kTreeUpDone, t.up_next);
  }
  if (!t.down_busy && t.down_next < chunks && t.got(kTreeData, t.up) > t.down_next &&
      t.got(kTreeFlag, t.up) > t.down_next && children_free()) {
    t.down_busy = true;
    if (!t.down.empty()) t.down_sends++;
    start(t.threads - t.up_threads, t.down, kTreeDownDone, t.down_next);
  }
}

void NcclExecutor::tree_step_done(Collective& c, int cta, int action) {
  Program& g = c.ctas[static_cast<std::size_t>(cta)];
  TreeCta& t = g.tree;
  const auto chunks = static_cast<std::int64_t>(t.chunks.size());
  // The slot of chunk k is free again; the sender needs the credit only for a later chunk.
  auto credit = [&](std::int64_t k, NpuId to) {
    if (k + kTreeWindow < chunks) send(c, cta, kTreeCredit, to, kFlagBytes);
  };
  switch (action) {
    case kTreeUpDone:
      send(c, cta, kTreeFlag, t.up, kFlagBytes);
      for (NpuId d : t.down) credit(t.up_next, d);
      t.up_next++;
      t.up_busy = false;
      break;
    case kTreeDownDone:
      for (NpuId d : t.down) send(c, cta, kTreeFlag, d, kFlagBytes);
      credit(t.down_next, t.up);
      t.down_next++;
      t.down_busy = false;
      break;
    default:  // kTreeRootDone: the reduced chunk went down; the children's up slots are free
      for (NpuId d : t.down) send(c, cta, kTreeFlag, d, kFlagBytes);
      for (NpuId d : t.down) credit(t.up_next, d);
      t.down_next = ++t.up_next;
      t.up_busy = false;
      break;
  }
  if (t.up_next == chunks && t.down_next == chunks) {
    g.done = true;
    c.done_ctas++;
  } else {
    advance_tree(c, cta);
  }
}

}  // namespace tessera::collective::nccl
