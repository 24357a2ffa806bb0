#include "tessera/runtime/npu_lp.hpp"
#include "tessera/runtime/comm_groups.hpp"
#include "tessera/runtime/workload_inputs.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "tessera/error.hpp"
#include "tessera/network/events.hpp"

namespace tessera::runtime {
namespace {

using workload::NodeIndex;
using workload::NodeType;

constexpr std::uint64_t kP2pBit = std::uint64_t{1} << 63;
constexpr int kSeqBits = 27;
constexpr int kCounterBits = 22;
constexpr int kGroupBits = kCommGroupBits;

pdes::Payload word_payload(std::uint64_t w) {
  pdes::Payload p{};
  p.set_word(0, w);
  return p;
}

std::uint64_t p2p_tag(std::int32_t tag) { return kP2pBit | static_cast<std::uint32_t>(tag); }
// Flow model: a point-to-point message carries its sender's slowdown in bits 32..53 (fixed point,
// collective::nccl::kFlowFixedBits); its acknowledgement is bit 62 with the message id.
constexpr std::uint64_t kFlowAckBit = std::uint64_t{1} << 62;
constexpr int kFlowSlowShift = 32;
constexpr std::uint64_t kFlowSlowMask = collective::nccl::kFlowFixedMax;
using collective::nccl::flow_fixed;
using collective::nccl::flow_unfixed;

// A pipeline message carries its send's start for the time breakdown's bubble, in bits 32..62 of
// its tag (matching reads only the low 32): the start in ns modulo 2^31 (2.1 s), which the
// receiver resolves against the arrival, since no message is in flight for 2.1 s.
constexpr int kStartBits = 31;
constexpr std::uint64_t kStartMask = (std::uint64_t{1} << kStartBits) - 1;
std::uint64_t with_send_start(std::uint64_t tag, SimTime start) {
  return tag | (static_cast<std::uint64_t>(start / kNanosecond) & kStartMask) << 32;
}
SimTime send_start_of(std::uint64_t tag, SimTime arrival) {
  const std::uint64_t at = static_cast<std::uint64_t>(arrival / kNanosecond);
  const std::uint64_t low = (tag >> 32) & kStartMask;
  return static_cast<SimTime>(at - ((at - low) & kStartMask)) * kNanosecond;
}

/// nccl-tests' size S and bus-bandwidth factor (docs/reference: hardware-h100 §6) for a Chakra
/// comm_size on n NPUs.
std::pair<double, double> nccl_size_and_factor(CollectiveType t, double comm_size, int n) {
  const double ratio = n > 0 ? static_cast<double>(n - 1) / n : 0.0;
  switch (t) {
    case CollectiveType::kAllReduce:
      return {comm_size, 2 * ratio};
    case CollectiveType::kReduceScatter:
      return {comm_size, ratio};
    case CollectiveType::kAllGather:
      return {comm_size * n, ratio};  // comm_size is the shard
    case CollectiveType::kAllToAll:
      return {comm_size, ratio};
    default:
      return {comm_size, 1.0};
  }
}

SimTime union_length(std::vector<std::pair<SimTime, SimTime>> v) {
  std::sort(v.begin(), v.end());
  SimTime total = 0, cur_s = 0, cur_e = -1;
  for (const auto& [s, e] : v) {
    if (s > cur_e) {
      if (cur_e > cur_s) total += cur_e - cur_s;
      cur_s = s;
      cur_e = e;
    } else {
      cur_e = std::max(cur_e, e);
    }
  }
  if (cur_e > cur_s) total += cur_e - cur_s;
  return total;
}

}  // namespace

std::uint64_t pack_collective_tag(const collective::MessageTag& tag) {
  const std::uint64_t group = tag.stream >> 40;
  const std::uint64_t counter = tag.stream & ((std::uint64_t{1} << 40) - 1);
  if (group >= (1u << kGroupBits) || counter >= (std::uint64_t{1} << kCounterBits) ||
      tag.seq >= (1u << kSeqBits) || tag.user_tag != 0) {
    throw Error(
        fmt::format("collective message tag out of the wire range (group {}, stream {}, sequence {}, user "
                    "tag {}): at most "
                    "{} groups, 2^22 chunk streams per group and 2^27 messages per stream",
                    group, counter, tag.seq, tag.user_tag, kMaxCommGroups));
  }
  return group << (kCounterBits + kSeqBits) | counter << kSeqBits | tag.seq;
}

collective::MessageTag unpack_collective_tag(std::uint64_t wire) {
  collective::MessageTag t;
  const std::uint64_t group = wire >> (kCounterBits + kSeqBits);
  const std::uint64_t counter = (wire >> kSeqBits) & ((std::uint64_t{1} << kCounterBits) - 1);
  t.stream = group << 40 | counter;
  t.seq = static_cast<std::uint32_t>(wire & ((std::uint64_t{1} << kSeqBits) - 1));
  return t;
}

NpuLp::NpuLp(const NpuShared& shared, const workload::Workload& wl, int npu, bool keep_intervals)
    : shared_(shared),
      wl_(wl),
      npu_(npu),
      keep_intervals_(keep_intervals),
      nic_(*shared.network, npu, *this),
      exec_(shared.nccl != nullptr ? std::unique_ptr<collective::CollectiveRunner>(
                                         std::make_unique<collective::nccl::NcclExecutor>(
                                             *shared.nccl, *shared.topology, npu, *this, &flow_ports_))
                                   : std::make_unique<collective::CollectiveExecutor>(
                                         *shared.system, *shared.topology, npu, *this)),
      start_(wl.size(), -1),
      done_(wl.size(), false),
      breakdown_(wl),
      name_index_(keep_intervals ? wl.names().size() : 0, kNoName) {}

NpuLp::~NpuLp() = default;

void NpuLp::init(pdes::Context& ctx) {
  ctx_ = &ctx;
  waiting_.resize(wl_.size());
  for (NodeIndex i = 0; i < wl_.size(); ++i) waiting_[i] = wl_.parent_count(i);
  for (NodeIndex r : wl_.roots()) ready_.insert(r);
  issue_ready();  // ASTRA Workload::fire() at t = 0
}

void NpuLp::handle(const pdes::Event& ev, pdes::Context& ctx) {
  ctx_ = &ctx;
  if (network::is_network_event(ev.kind)) {
    nic_.handle(ev, ctx);
  } else if (ev.kind == kCollectiveTimer) {
    exec_->on_timer(ev.payload.word(0));
  } else if (ev.kind == kFlowDelivered) {
    const std::uint64_t token = ev.payload.word(0);
    const auto [m, start] = late_[token];
    free_late_.push_back(token);
    flow_delivered(m, start);
  } else if (ev.kind == kRecvMatched) {
    complete(static_cast<NodeIndex>(ev.payload.word(0)));
    issue_ready();
  } else {
    throw Error(fmt::format("NPU {}: unexpected event kind {:#x}", npu_, ev.kind));
  }
}

NpuLp::Slot NpuLp::slot_of(NodeIndex i) const {
  const workload::Node& n = wl_.node(i);
  if (n.is_cpu_op()) return kCpu;
  if (n.type() == NodeType::kComp) return kGpuCompute;
  if (n.type() == NodeType::kCommRecv) return kNoSlot;
  // A generated pipeline send runs on its own stream (Megatron's P2P ops go through the pipeline
  // communicator's NCCL stream, beside the TP and DP collectives), so it takes no comm slot.
  // Chakra traces carry no labels: their sends keep ASTRA-sim's one comm slot.
  if (n.type() == NodeType::kCommSend && wl_.parallelism(i) == workload::CommParallelism::kPp) return kNoSlot;
  return kGpuComm;  // COLL, SEND, MEM_LOAD/STORE, METADATA, INVALID
}

void NpuLp::issue_ready() {
  if (in_issue_) {  // a completion inside issue(): let the running loop go round again
    rerun_ = true;
    return;
  }
  in_issue_ = true;
  do {
    rerun_ = false;
    for (auto it = ready_.begin(); it != ready_.end();) {
      const NodeIndex i = *it;
      const Slot s = slot_of(i);
      if (s != kNoSlot && busy_[s]) {
        ++it;
        continue;
      }
      it = ready_.erase(it);
      issue(i);
    }
    if (rerun_) {
      ready_.insert(freed_.begin(), freed_.end());
      freed_.clear();
    }
  } while (rerun_);
  in_issue_ = false;
  // Children of nodes that completed inside issue() (METADATA, INVALID) wait for the next
  // event, as in ASTRA-sim, where such completions do not re-run the issue loop.
  ready_.insert(freed_.begin(), freed_.end());
  freed_.clear();
  check_report();
}

void NpuLp::issue(NodeIndex i) {
  const workload::Node& n = wl_.node(i);
  const Slot s = slot_of(i);
  if (s != kNoSlot) busy_[s] = true;
  start_[i] = ctx_->now();
  ++in_flight_;
  const NodeType type = n.type();
  const bool replay = n.is_cpu_op() || n.has(workload::Node::kReplayed) || type == NodeType::kComp;
  if (replay) {
    // ASTRA: runtime = duration_micros x 1000 ns, 1 ns when 0; compute time counts at issue.
    const SimTime d = std::max<SimTime>(n.duration, kNanosecond);
    if (n.is_cpu_op()) {
      cpu_busy_ += d;
    } else if (type == NodeType::kComp) {
      gpu_busy_ += d;
      breakdown_.compute_issued(i, ctx_->now());
    }
    exec_->register_host_event(d, i);
    return;
  }
  switch (type) {
    case NodeType::kCommColl:
      start_collective(i);
      return;
    case NodeType::kCommSend: {
      const int dst = n.has(workload::Node::kHasDst) ? wl_.dst(i) : npu_;
      if (shared_.network->model() == NetworkModel::kFlow && dst != npu_) {
        flow_send(i, dst);
        return;
      }
      std::uint64_t tag = p2p_tag(n.has(workload::Node::kHasTag) ? n.tag : 0);
      if (wl_.parallelism(i) == workload::CommParallelism::kPp) tag = with_send_start(tag, ctx_->now());
      const std::uint32_t id = nic_.send_message(*ctx_, dst, n.size, tag);
      send_node_[id] = i;
      return;
    }
    case NodeType::kCommRecv:
      post_recv(i);
      return;
    case NodeType::kMemLoad:
    case NodeType::kMemStore: {
      const SimTime d =
          shared_.memory_latency +
          (shared_.memory_bandwidth.bytes_per_second > 0 ? tx_time(n.size, shared_.memory_bandwidth) : 0);
      exec_->register_host_event(std::max<SimTime>(d, 0), i);
      return;
    }
    default:
      complete(i);  // METADATA, INVALID: done at once
      return;
  }
}

void NpuLp::start_collective(NodeIndex i) {
  const workload::Node& n = wl_.node(i);
  collective::CollectiveRequest r;
  // load_workloads refuses these before the run; a workload built another way is refused here.
  if (auto bad = unsupported_collective(wl_, i)) throw InputError(std::move(*bad));
  r.type = n.collective();
  r.bytes = n.size;
  r.priority = n.priority;
  for (int d = 0; d < n.involved_dim_count; ++d) r.involved_dims.push_back((n.involved_dim >> d) & 1);
  const std::string_view pg = wl_.pg_name(i);
  if (!pg.empty() && pg != "0") {
    const auto it = shared_.groups->find(std::string(pg));
    if (it == shared_.groups->end()) {
      throw Error(fmt::format("{}: node {} ({}): unknown communicator group \"{}\"", wl_.source(), n.id,
                              wl_.name(i), pg));
    }
    r.group = &it->second;
  }
  // ASTRA-sim's CollectiveImplLookup: a per-node custom graph, else the type's, else native.
  // Broadcast/reduce/barrier have no custom key (ASTRA-sim has no such collectives to replace).
  if (shared_.custom != nullptr && collective::is_implemented_per_dimension(r.type)) {
    r.custom = shared_.custom->find(r.type, n.id);
  }
  {
    const collective::RunLabel label = exec_->describe(r);
    coll_algorithm_[i] = {shared_.records->intern(label.algorithm), label.chunks,
                          shared_.records->intern(label.protocol), label.channels};
  }
  starting_ = i;
  const collective::CollectiveId id = exec_->start(r);
  if (starting_ == i) coll_node_[id] = i;  // else it already finished inside start()
  starting_ = kNone;
}

bool NpuLp::same_box(int a, int b) const {
  // The flow model runs only under NCCL's model (config cross-check), whose nodes are the boxes.
  return shared_.nccl->same_node(a, b);
}

NpuLp::FlowRoute NpuLp::flow_route(int from, int to, Bytes bytes) const {
  const network::Network& net = *shared_.network;
  const auto a = static_cast<network::NodeId>(from), b = static_cast<network::NodeId>(to);
  const SimTime latency = net.unaware_delay(a, b, 0);
  return {latency, net.unaware_delay(a, b, bytes) - latency};
}

SimTime NpuLp::FlowRoute::delay(double slowdown) const {
  // The route's latency plus its serialization at the route's slowest link, stretched.
  return latency + static_cast<SimTime>(std::llround(static_cast<double>(serialize) * slowdown));
}

void NpuLp::flow_send(NodeIndex i, int dst) {
  // The flow model: the message takes its route's latency plus its serialization at the route's
  // slowest link, stretched by what else this NPU sends through that port now (FlowPorts); the
  // receiver stretches it further by what else it receives (flow_arrived) and acknowledges it.
  namespace nc = collective::nccl;
  const workload::Node& n = wl_.node(i);
  const nc::FlowPort port = same_box(npu_, dst) ? nc::FlowPort::kNvlinkOut : nc::FlowPort::kNicOut;
  const std::uint64_t fixed = flow_fixed(flow_ports_.slowdown({{port, 1.0}}, ctx_->now()));
  const SimTime delay = flow_route(npu_, dst, n.size).delay(flow_unfixed(fixed));
  flow_ports_.add(port, 1.0, ctx_->now() + delay);
  const std::uint64_t tag = p2p_tag(n.has(workload::Node::kHasTag) ? n.tag : 0) | fixed << kFlowSlowShift;
  const std::uint32_t id = nic_.send_after(*ctx_, dst, n.size, tag, delay, false);
  send_node_[id] = i;
}

void NpuLp::flow_arrived(const network::ArrivedMessage& m) {
  namespace nc = collective::nccl;
  if (m.tag & kFlowAckBit) {  // our message is delivered: the SEND completes
    const auto it = send_node_.find(static_cast<std::uint32_t>(m.tag & 0xFFFFFFFFu));
    if (it == send_node_.end())
      throw Error(fmt::format("NPU {}: acknowledgement of an unknown message", npu_));
    const NodeIndex i = it->second;
    send_node_.erase(it);
    complete(i);
    issue_ready();
    return;
  }
  const nc::FlowPort port = same_box(m.src, npu_) ? nc::FlowPort::kNvlinkIn : nc::FlowPort::kNicIn;
  const double sent = flow_unfixed((m.tag >> kFlowSlowShift) & kFlowSlowMask);
  // When the send started: the sender's delay, computed as it did (flow_send).
  const FlowRoute route = flow_route(m.src, npu_, m.bytes);
  const SimTime start = ctx_->now() - route.delay(sent);
  const double here = flow_unfixed(flow_fixed(flow_ports_.slowdown({{port, 1.0}}, ctx_->now())));
  // The data came at the sender's pace; where this NPU's ingress is busier, the last bytes land
  // later: the serialization at the difference of the two slowdowns.
  const SimTime extra =
      here > sent ? static_cast<SimTime>(std::llround(static_cast<double>(route.serialize) * (here - sent)))
                  : 0;
  flow_ports_.add(port, 1.0, ctx_->now() + extra);
  if (extra == 0) {
    flow_delivered(m, start);
    return;
  }
  network::ArrivedMessage late = m;
  late.time = ctx_->now() + extra;
  std::uint64_t token;
  if (!free_late_.empty()) {
    token = free_late_.back();
    free_late_.pop_back();
    late_[token] = {late, start};
  } else {
    token = late_.size();
    late_.emplace_back(late, start);
  }
  ctx_->schedule(extra, kFlowDelivered, word_payload(token));
}

void NpuLp::flow_delivered(const network::ArrivedMessage& m, SimTime send_start) {
  nic_.send_after(
      *ctx_, m.src, 8, kP2pBit | kFlowAckBit | m.id,
      shared_.network->ack_delay(static_cast<network::NodeId>(npu_), static_cast<network::NodeId>(m.src)),
      false);
  p2p_arrived(m, send_start);
}

void NpuLp::post_recv(NodeIndex i) {
  const workload::Node& n = wl_.node(i);
  const P2pKey key{n.has(workload::Node::kHasSrc) ? wl_.src(i) : npu_,
                   n.has(workload::Node::kHasTag) ? n.tag : 0, n.size};
  const auto early = early_arrivals_.find(key);
  if (early != early_arrivals_.end()) {
    if (--early->second == 0) early_arrivals_.erase(early);
    if (const auto st = early_send_starts_.find(key); st != early_send_starts_.end()) {
      if (wl_.parallelism(i) == workload::CommParallelism::kPp)
        breakdown_.send_started(i, st->second.front());
      st->second.erase(st->second.begin());
      if (st->second.empty()) early_send_starts_.erase(st);
    }
    // ASTRA: a receive posted after its data arrived completes at the end of the tick.
    ctx_->schedule(0, kRecvMatched, word_payload(i), collective::astra_tie_priority(0));
    return;
  }
  const auto [it, fresh] = posted_recvs_.try_emplace(key);
  if (fresh) {
    it->second.first = i;
  } else {
    it->second.more.push_back(i);
  }
}

void NpuLp::complete(NodeIndex i) {
  const workload::Node& n = wl_.node(i);
  const Slot s = slot_of(i);
  if (s != kNoSlot) busy_[s] = false;
  --in_flight_;
  ++completed_;
  done_[i] = true;
  const SimTime now = ctx_->now();
  breakdown_.completed(i, now);
  const NodeType type = n.type();
  const bool replayed = n.is_cpu_op() || n.has(workload::Node::kReplayed);
  if (!replayed &&
      (type == NodeType::kCommColl || type == NodeType::kCommSend || type == NodeType::kCommRecv)) {
    comm_intervals_.emplace_back(start_[i], now);
  }
  if (!replayed && type == NodeType::kCommColl) {
    output::CollectiveRecord c;
    c.npu = npu_;
    c.node_id = n.id;
    c.collective = static_cast<std::int8_t>(n.collective());
    const std::string_view pg = wl_.pg_name(i);
    const auto g = pg.empty() ? shared_.groups->end() : shared_.groups->find(std::string(pg));
    c.group_size = g != shared_.groups->end() ? static_cast<std::int32_t>(g->second.members->size())
                                              : shared_.topology->total_npus();
    c.bytes = n.size;
    c.start = start_[i];
    c.end = now;
    if (const auto a = coll_algorithm_.find(i); a != coll_algorithm_.end()) {
      c.algorithm = a->second.algorithm;
      c.chunks = a->second.chunks;
      c.protocol = a->second.protocol;
      c.channels = a->second.channels;
    }
    const auto [size, factor] =
        nccl_size_and_factor(n.collective(), static_cast<double>(n.size), c.group_size);
    const SimTime t = now - start_[i];
    c.algbw_gbps = t > 0 ? size * 1000.0 / static_cast<double>(t) : 0.0;
    c.busbw_gbps = c.algbw_gbps * factor;
    shared_.records->collectives.push_back(c);
  }
  if (keep_intervals_) {
    output::NodeInterval iv;
    iv.npu = npu_;
    iv.node_id = n.id;
    std::uint32_t& name = name_index_[n.name];
    if (name == kNoName) name = shared_.records->intern(wl_.names()[n.name]);
    iv.name = name;
    iv.kind = type == NodeType::kCommColl
                  ? output::IntervalKind::kCollective
                  : static_cast<output::IntervalKind>(std::clamp<int>(static_cast<int>(type), 1, 7));
    iv.is_cpu_op = n.is_cpu_op();
    iv.collective = type == NodeType::kCommColl ? static_cast<std::int8_t>(n.collective()) : -1;
    iv.peer = type == NodeType::kCommSend ? wl_.dst(i) : type == NodeType::kCommRecv ? wl_.src(i) : -1;
    iv.bytes = n.size;
    iv.start = start_[i];
    iv.end = now;
    if (type == NodeType::kCommColl) {
      if (const auto a = coll_algorithm_.find(i); a != coll_algorithm_.end()) {
        iv.algorithm = a->second.algorithm;
        iv.chunks = a->second.chunks;
      }
    }
    shared_.records->intervals.push_back(iv);
  }
  if (type == NodeType::kCommColl) coll_algorithm_.erase(i);
  for (NodeIndex c : wl_.children(i)) {
    if (--waiting_[c] == 0) {
      if (in_issue_) {
        freed_.push_back(c);
      } else {
        ready_.insert(c);
      }
    }
  }
}

void NpuLp::check_report() {
  // ASTRA Workload::call: nothing ready and nothing in flight => the NPU reports now.
  if (!reported_ && ready_.empty() && freed_.empty() && in_flight_ == 0 && completed_ == wl_.size()) {
    reported_ = true;
    finish_ = ctx_->now();
  }
}

void NpuLp::schedule_after(SimTime delay, collective::TimerToken token) {
  ctx_->schedule(delay, kCollectiveTimer, word_payload(token), collective::astra_tie_priority(delay));
}

void NpuLp::send(collective::NpuId dst, Bytes bytes, const collective::MessageTag& tag,
                 bool want_completion) {
  nic_.send_message(*ctx_, dst, bytes, pack_collective_tag(tag), want_completion);
}

void NpuLp::multicast(std::uint32_t group, Bytes bytes, const collective::MessageTag& tag) {
  nic_.multicast(*ctx_, group, bytes, pack_collective_tag(tag));
}

void NpuLp::switch_reduce(std::uint32_t group, Bytes bytes, const collective::MessageTag& tag) {
  nic_.switch_reduce(*ctx_, group, bytes, pack_collective_tag(tag));
}

SimTime NpuLp::control_delay(collective::NpuId from, collective::NpuId to) const {
  return shared_.network->ack_delay(static_cast<network::NodeId>(from), static_cast<network::NodeId>(to));
}

void NpuLp::send_control(collective::NpuId dst, const collective::MessageTag& tag) {
  nic_.send_after(*ctx_, dst, 8, pack_collective_tag(tag), control_delay(npu_, dst), false);
}

void NpuLp::collective_finished(collective::CollectiveId id) {
  NodeIndex i;
  const auto it = coll_node_.find(id);
  if (it != coll_node_.end()) {
    i = it->second;
    coll_node_.erase(it);
  } else {
    i = starting_;
    starting_ = kNone;
  }
  complete(i);
  issue_ready();  // ASTRA: the collective's completion issues the next nodes in the same tick
}

void NpuLp::host_event(std::uint64_t token) {
  complete(static_cast<NodeIndex>(token));
  issue_ready();
}

void NpuLp::on_message_arrived(pdes::Context& ctx, const network::ArrivedMessage& m) {
  ctx_ = &ctx;
  if ((m.tag & kP2pBit) && shared_.network->model() == NetworkModel::kFlow && m.src != npu_) {
    flow_arrived(m);
    return;
  }
  if (m.tag & kP2pBit) {
    p2p_arrived(m, send_start_of(m.tag, m.time));
    return;
  }
  exec_->on_message(m.src, m.bytes, unpack_collective_tag(m.tag));
}

void NpuLp::p2p_arrived(const network::ArrivedMessage& m, SimTime send_start) {
  const P2pKey key{m.src, static_cast<std::int32_t>(m.tag & 0xFFFFFFFFu), m.bytes};
  const auto posted = posted_recvs_.find(key);
  if (posted != posted_recvs_.end()) {
    PostedRecvs& q = posted->second;
    const NodeIndex i = q.first;
    if (wl_.parallelism(i) == workload::CommParallelism::kPp) breakdown_.send_started(i, send_start);
    if (q.more.empty()) {
      posted_recvs_.erase(posted);
    } else {
      q.first = q.more.front();
      q.more.erase(q.more.begin());
    }
    complete(i);
    issue_ready();
  } else {
    ++early_arrivals_[key];
    // Kept for every early message, in step with early_arrivals_; only PP receives use it.
    if (breakdown_.active()) early_send_starts_[key].push_back(send_start);
  }
}

void NpuLp::on_message_delivered(pdes::Context& ctx, const network::SentMessage& m) {
  ctx_ = &ctx;
  if (m.tag & kP2pBit) {
    const auto it = send_node_.find(m.id);
    if (it == send_node_.end()) return;
    const NodeIndex i = it->second;
    send_node_.erase(it);
    complete(i);
    issue_ready();
    return;
  }
  exec_->on_send_complete(m.dst, m.bytes, unpack_collective_tag(m.tag));
}

// A message that arrived and was never received is unfinished work too: its SEND completed, but
// the workload is broken (a missing RECV, or one with another tag, source or size), and ending
// with exit 0 would hide it.
bool NpuLp::finished() const {
  return completed_ == wl_.size() && early_arrivals_.empty() && exec_->idle() && nic_.idle();
}

std::string NpuLp::stall_report() const {
  std::string out = fmt::format("{} of {} nodes done", completed_, wl_.size());
  int shown = 0;
  std::string flying, blocked;
  for (NodeIndex i = 0; i < wl_.size() && shown < 4; ++i) {
    if (start_[i] >= 0 && !done_[i]) {
      const workload::Node& n = wl_.node(i);
      flying += fmt::format("{}node {} {} \"{}\" since {} ps", shown ? ", " : "", n.id,
                            workload::node_type_name(n.type()), wl_.name(i), start_[i]);
      ++shown;
    }
  }
  if (!flying.empty()) out += "; in flight: " + flying;
  shown = 0;
  for (NodeIndex i : ready_) {
    if (shown++ == 4) break;
    blocked += fmt::format("{}node {} ({})", shown > 1 ? ", " : "", wl_.node(i).id, wl_.name(i));
  }
  if (!blocked.empty()) out += "; ready but never issued: " + blocked;
  out += waiting_report();
  // Messages that arrived with no RECV to match: next to an unmatched RECV they show the mismatch
  // (another tag, source or size).
  if (!early_arrivals_.empty()) {
    out += "; arrived but never received:";
    int listed = 0;
    for (const auto& [key, count] : early_arrivals_) {
      if (listed++ == 4) {
        out += " ...";
        break;
      }
      out += fmt::format("{} {} message{} from NPU {} tag {} ({} B)", listed > 1 ? "," : "", count,
                         count == 1 ? "" : "s", key.src, key.tag, key.bytes);
    }
  }
  if (!exec_->idle()) out += "; collectives: " + exec_->stall_report();
  if (!nic_.idle()) out += "; network: " + nic_.stall_report();
  return out;
}

// The nodes blocked behind unfinished work: the first few by trace order, each with the
// dependencies it still waits for, so the user can follow the chain back to the node that never
// completes (an unmatched RECV, a collective a peer never issues).
std::string NpuLp::waiting_report() const {
  std::uint64_t waiting = 0;
  std::string shown;
  int listed = 0;
  for (NodeIndex i = 0; i < wl_.size(); ++i) {
    if (start_[i] >= 0 || waiting_[i] == 0) continue;
    ++waiting;
    if (listed == 4) continue;
    std::string on;
    int deps = 0;
    for (NodeIndex d : wl_.deps(i)) {
      if (done_[d]) continue;
      if (deps++ == 3) {
        on += ", ...";
        break;
      }
      on += fmt::format("{}{}", on.empty() ? "" : ", ", wl_.node(d).id);
    }
    shown += fmt::format("{}node {} ({}) waits for node{} {}", listed ? ", " : "", wl_.node(i).id,
                         wl_.name(i), deps > 1 ? "s" : "", on);
    ++listed;
  }
  if (!waiting) return "";
  return fmt::format("; {} node{} wait for dependencies: {}{}", waiting, waiting == 1 ? "" : "s", shown,
                     waiting > static_cast<std::uint64_t>(listed) ? ", ..." : "");
}

output::NpuSummary NpuLp::summary() const {
  output::NpuSummary s;
  s.npu = npu_;
  s.finish = finish_;
  s.compute = gpu_busy_;
  s.cpu = cpu_busy_;
  s.communication = union_length(comm_intervals_);
  s.exposed_communication = s.finish - gpu_busy_;
  s.nodes = static_cast<std::int64_t>(completed_);
  return s;
}

std::optional<output::NpuBreakdown> NpuLp::breakdown() const {
  if (!breakdown_.active()) return std::nullopt;
  return breakdown_.result(npu_, finish_, gpu_busy_);
}

}  // namespace tessera::runtime
