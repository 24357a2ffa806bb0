#include "tessera/collective/nccl/p2p_runner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "tessera/collective/nccl/chunking.hpp"
#include "tessera/collective/nccl/constants.hpp"
#include "tessera/collective/nccl/p2p.hpp"
#include "tessera/error.hpp"

namespace tessera::collective::nccl {
namespace {

// What a p2p message is (3 bits of MessageTag::seq above the executor's kind).
enum Sub : int {
  kData,    // one FIFO step's data (LL: with its flags; across nodes: the completed RDMA write)
  kFlag,    // Simple over NVLink: the step's posted tail
  kCredit,  // the receiver freed a slot (posted its head)
  kRelay,   // PXN: the step's data written into the proxy GPU's buffer, to go on to `dst`
};

enum Action : int {
  kLaunch,     // the kernel is launched: channels start after the per-CTA launch cost
  kStart,      // the channels start
  kSendData,   // Simple: the copy call is through, the data leave
  kSendDone,   // a send step's copy is done
  kRecvDone,   // a receive step's copy-out is done
  kProxySend,  // the sending proxy posts a network step (data or credit)
  kProxyRecv,  // the receiving proxy has seen one land
  kForward,    // PXN: the proxy GPU's proxy posts the relayed step to the network
};

constexpr Bytes kFlagBytes = 8;  // NCCL's head/tail counters: one 8-byte store
// The runtime carries 27 bits of seq: kind 4, sub 3, channel 6, and 14 of payload (a PXN relay: the
// destination's node; the relayed data: the origin's local index + 1).
constexpr int kSubBits = 3, kChannelBits = 6, kPayloadBits = 27 - 4 - kSubBits - kChannelBits;

std::uint32_t pack(int channel, int sub, std::int64_t payload = 0) {
  return static_cast<std::uint32_t>(payload) << (4 + kSubBits + kChannelBits) |
         static_cast<std::uint32_t>(channel) << (4 + kSubBits) | static_cast<std::uint32_t>(sub) << 4 |
         P2pRunner::kKind;
}
int channel_of(std::uint32_t seq) {
  return static_cast<int>(seq >> (4 + kSubBits) & ((1u << kChannelBits) - 1));
}
int sub_of(std::uint32_t seq) { return static_cast<int>(seq >> 4 & ((1u << kSubBits) - 1)); }
std::int64_t payload_of(std::uint32_t seq) {
  return static_cast<NpuId>(seq >> (4 + kSubBits + kChannelBits));
}


}  // namespace

// One step of a send or a receive on one channel.
struct Step {
  NpuId peer = -1;
  Bytes bytes = 0;  // data bytes
  Proto proto = Proto::kSimple;
  bool self = false;     // a copy to oneself: no messages
  bool network = false;  // the peer is on another node
  NpuId proxy = -1;      // network sends through PXN: the local GPU whose NIC sends; else -1
};

struct P2pRunner::Collective {
  struct Channel {
    std::vector<Step> sends, recvs;
    std::size_t next_send = 0, next_recv = 0;
    bool send_busy = false, recv_busy = false;
  };
  // Per (channel, peer) connection: 8 slots (NCCL_STEPS).
  struct Conn {
    std::int64_t sent = 0, credits = 0;                         // as sender
    std::int64_t data = 0, flags = 0, consumed = 0, recvs = 0;  // as receiver (recvs: steps planned)
  };
  bool started = false, launched = false;
  std::uint64_t stream = 0;
  CollectiveId id = 0;
  std::vector<Channel> channels;
  std::map<std::pair<int, NpuId>, Conn> conns;
  int done = 0;  // channels whose sends and receives are through
  int timers = 0;
  Conn& conn(int channel, NpuId peer) { return conns[{channel, peer}]; }
};

P2pRunner::P2pRunner(CollectiveHost& host, const GpuTiming& timing, NpuId self, int gpus_per_node)
    : host_(host), timing_(timing), self_(self), gpn_(std::max(1, gpus_per_node)) {}

P2pRunner::~P2pRunner() = default;

RunLabel P2pRunner::label(const Comm& comm, std::int64_t bytes, int n, bool network_peers) {
  const P2pTransfer t = plan_p2p(comm, bytes / std::max(1, n), network_peers);
  RunLabel l;
  l.algorithm = "nccl_p2p";
  l.protocol = t.proto == Proto::kLl ? "LL" : "Simple";
  // Each round's transfer is striped over t.channels of the p2p channels; a full schedule of
  // rounds covers all of them once there are enough rounds.
  l.channels = std::min(comm.p2p_channels, t.channels * std::max(1, n));
  return l;
}

P2pRunner::Collective& P2pRunner::touch(std::uint64_t stream) {
  auto& slot = streams_[stream];
  if (!slot) slot = std::make_unique<Collective>();
  return *slot;
}

void P2pRunner::start(std::uint64_t stream, CollectiveId id, const Comm& comm,
                      std::shared_ptr<const std::vector<NpuId>> members, int position, std::int64_t bytes) {
  const auto& m = *members;
  const int n = static_cast<int>(m.size());
  if (comm.p2p_channels > (1 << kChannelBits))
    throw Error("NCCL model: more p2p channels than the tag holds");
  if ((static_cast<std::int64_t>(*std::max_element(m.begin(), m.end())) / gpn_ + 1) >=
          (std::int64_t{1} << kPayloadBits) ||
      gpn_ >= (1 << kPayloadBits) - 1) {
    throw Error(
        fmt::format("NCCL model: p2p needs fewer than {} nodes and GPUs per node", 1 << kPayloadBits));
  }
  Collective& c = touch(stream);
  c.started = true;
  c.stream = stream;
  c.id = id;
  c.channels.resize(static_cast<std::size_t>(comm.p2p_channels));
  const std::int64_t per_peer = bytes / n;  // nccl-tests: count / nranks elements to each peer
  const std::vector<P2pRound> rounds = p2p_schedule(comm, position);
  // One direction of a round: its transfer striped over channels base + p, in FIFO steps.
  auto add = [&](int round, int peer_pos, bool send) {
    const NpuId peer = m[static_cast<std::size_t>(peer_pos)];
    const bool self = peer == self_;
    if (self && !send) return;  // the self copy is the send side's
    const bool network = !same_node(self_, peer);
    const P2pTransfer t = plan_p2p(comm, per_peer, network, self);
    NpuId proxy = -1;
    if (send && network) {
      const P2pRoute r = p2p_route(comm, position, peer_pos);
      // PXN keeps the transfer on the receiver's rail: it leaves through the NIC of the GPU of this
      // node with the receiver's local index.
      if (r.pxn) proxy = (self_ / gpn_) * gpn_ + peer % gpn_;
    }
    const int base = p2p_channel_base(comm, round);
    for (std::size_t p = 0; p < t.parts.size(); ++p) {
      const int ch = (base + static_cast<int>(p)) % comm.p2p_channels;
      auto& list = send ? c.channels[static_cast<std::size_t>(ch)].sends
                        : c.channels[static_cast<std::size_t>(ch)].recvs;
      const std::int64_t chunk = std::max<std::int64_t>(1, t.chunk_bytes);
      for (std::int64_t off = 0; off < t.parts[p]; off += chunk) {
        list.push_back(Step{peer, std::min(chunk, t.parts[p] - off), t.proto, self, network, proxy});
        if (!send) c.conn(ch, peer).recvs++;
      }
    }
  };
  for (std::size_t r = 0; r < rounds.size(); ++r) {
    add(static_cast<int>(r), rounds[r].send, true);
    add(static_cast<int>(r), rounds[r].recv, false);
  }
  running_++;
  c.timers++;
  timer_after(timing_.launch_floor, Timer{stream, 0, kLaunch});
}

void P2pRunner::timer_after(SimTime delay, const Timer& t) {
  std::uint32_t index;
  if (!free_timers_.empty()) {
    index = free_timers_.back();
    free_timers_.pop_back();
    timers_[index] = t;
  } else {
    index = static_cast<std::uint32_t>(timers_.size());
    timers_.push_back(t);
  }
  host_.schedule_after(std::max<SimTime>(delay, 0), kTimerBase + index);
}

void P2pRunner::on_timer(TimerToken token) {
  const Timer tm = timers_[static_cast<std::size_t>(token - kTimerBase)];
  free_timers_.push_back(static_cast<std::uint32_t>(token - kTimerBase));
  if (tm.action == kForward) {
    host_.send(tm.peer, tm.bytes, tm.tag, false);
    return;
  }
  const auto it = streams_.find(tm.stream);
  if (it == streams_.end()) throw Error("NCCL model: a p2p timer of a finished collective");
  Collective& c = *it->second;
  c.timers--;
  auto send_msg = [&](int sub, NpuId dst, Bytes bytes, std::int64_t payload = 0) {
    MessageTag tag;
    tag.stream = tm.stream;
    tag.seq = pack(tm.channel, sub, payload);
    host_.send(dst, bytes, tag, false);
  };
  switch (tm.action) {
    case kLaunch: {
      c.launched = true;
      int used = 0;
      for (const auto& ch : c.channels) used += (ch.sends.empty() && ch.recvs.empty()) ? 0 : 1;
      c.timers++;
      timer_after(timing_.launch_per_cta * used, Timer{tm.stream, 0, kStart});
      break;
    }
    case kStart:
      for (std::size_t i = 0; i < c.channels.size(); ++i) {
        auto& ch = c.channels[i];
        if (ch.sends.empty() && ch.recvs.empty()) c.done++;
      }
      for (std::size_t i = 0; i < c.channels.size(); ++i) advance(c, static_cast<int>(i));
      break;
    case kSendData: {
      const Step& s = c.channels[static_cast<std::size_t>(tm.channel)]
                          .sends[c.channels[static_cast<std::size_t>(tm.channel)].next_send];
      if (s.proxy >= 0 && s.proxy != self_) {
        send_msg(kRelay, s.proxy, s.bytes, s.peer / gpn_);
      } else if (!s.network) {
        send_msg(kData, s.peer, s.bytes);
      }
      break;
    }
    case kSendDone: {
      auto& ch = c.channels[static_cast<std::size_t>(tm.channel)];
      const Step s = ch.sends[ch.next_send];
      if (!s.self) {
        if (s.network && (s.proxy < 0 || s.proxy == self_)) {
          // The copy into this GPU's send buffer is done; the proxy posts the RDMA write.
          c.timers++;
          timer_after(timing_.proxy, Timer{tm.stream, tm.channel, kProxySend, s.peer,
                                           s.proto == Proto::kLl ? wire_bytes(Proto::kLl, s.bytes) : s.bytes,
                                           MessageTag{tm.stream, pack(tm.channel, kData), 0}});
        } else if (!s.network && s.proto == Proto::kSimple) {
          send_msg(kFlag, s.peer, kFlagBytes);
        }
      }
      ch.next_send++;
      ch.send_busy = false;
      if (ch.next_send == ch.sends.size() && ch.next_recv == ch.recvs.size()) c.done++;
      advance(c, tm.channel);
      break;
    }
    case kRecvDone: {
      auto& ch = c.channels[static_cast<std::size_t>(tm.channel)];
      const Step s = ch.recvs[ch.next_recv];
      auto& k = c.conn(tm.channel, s.peer);
      // The slot is free again; the sender needs the credit only for a later step.
      if (k.consumed + kSteps < k.recvs) {
        if (s.network) {
          c.timers++;
          timer_after(timing_.proxy, Timer{tm.stream, tm.channel, kProxySend, s.peer, kFlagBytes,
                                           MessageTag{tm.stream, pack(tm.channel, kCredit), 0}});
        } else {
          send_msg(kCredit, s.peer, kFlagBytes);
        }
      }
      k.consumed++;
      ch.next_recv++;
      ch.recv_busy = false;
      if (ch.next_send == ch.sends.size() && ch.next_recv == ch.recvs.size()) c.done++;
      advance(c, tm.channel);
      break;
    }
    case kProxySend:
      host_.send(tm.peer, tm.bytes, tm.tag, false);
      break;
    case kProxyRecv:
      deliver(c, tm.channel, tm.sub, tm.peer);
      break;
    default:
      throw Error(fmt::format("NCCL model: unknown p2p timer action {}", tm.action));
  }
  if (c.started && c.id == 0) {
    // Finished here (the kernel ends once its CTAs are through); the last network posts of its
    // proxy were still to run.
    if (c.timers == 0) streams_.erase(tm.stream);
  } else {
    finish_if_done(c);
  }
}

void P2pRunner::advance(Collective& c, int channel) {
  if (!c.launched) return;
  auto& ch = c.channels[static_cast<std::size_t>(channel)];
  const std::uint64_t id = c.stream;
  const double rate = timing_.simple_rate;
  if (!ch.send_busy && ch.next_send < ch.sends.size()) {
    const Step& s = ch.sends[ch.next_send];
    auto& k = c.conn(channel, s.peer);
    if (s.self || k.sent - k.credits < kSteps) {
      ch.send_busy = true;
      if (!s.self) k.sent++;
      SimTime local;
      if (s.proto == Proto::kLl) {
        // LL: the lines (data and flags) are stored as the CTA goes.
        const Bytes wire = wire_bytes(Proto::kLl, s.bytes);
        local = timing_.ll_step + bytes_time(static_cast<double>(wire), timing_.ll_wire_rate);
        if (!s.network) {
          MessageTag tag{id, pack(channel, kData), 0};
          host_.send(s.peer, wire, tag, false);
        } else if (s.proxy >= 0 && s.proxy != self_) {
          MessageTag tag{id, pack(channel, kRelay, s.peer / gpn_), 0};
          host_.send(s.proxy, wire, tag, false);
        }
      } else {
        // Simple: the copy call's first load, then the copy straight into the peer's (or the
        // proxy GPU's) FIFO slot; the post follows the copy.
        local = timing_.copy_call + std::max<SimTime>(1, bytes_time(static_cast<double>(s.bytes), rate));
        if (!s.self && (!s.network || (s.proxy >= 0 && s.proxy != self_))) {
          c.timers++;
          timer_after(timing_.copy_call, Timer{id, channel, kSendData});
        }
      }
      c.timers++;
      timer_after(local, Timer{id, channel, kSendDone});
    }
  }
  if (!ch.recv_busy && ch.next_recv < ch.recvs.size()) {
    const Step& s = ch.recvs[ch.next_recv];
    auto& k = c.conn(channel, s.peer);
    const bool flagged = s.network || s.proto == Proto::kLl || k.flags > k.consumed;
    if (k.data > k.consumed && flagged) {
      ch.recv_busy = true;
      // The copy out of the FIFO into the user buffer (LL: reading the lines back).
      const SimTime local =
          s.proto == Proto::kLl
              ? bytes_time(static_cast<double>(wire_bytes(Proto::kLl, s.bytes)), timing_.ll_wire_rate)
              : timing_.copy_call + std::max<SimTime>(1, bytes_time(static_cast<double>(s.bytes), rate));
      c.timers++;
      timer_after(local, Timer{id, channel, kRecvDone});
    }
  }
}

void P2pRunner::deliver(Collective& c, int channel, int sub, NpuId from) {
  auto& k = c.conn(channel, from);
  if (sub == kData) k.data++;
  if (sub == kFlag) k.flags++;
  if (sub == kCredit) k.credits++;
  if (c.launched) {
    advance(c, channel);
    finish_if_done(c);
  }
}

void P2pRunner::on_message(NpuId src, Bytes bytes, const MessageTag& tag) {
  const int channel = channel_of(tag.seq);
  const int sub = sub_of(tag.seq);
  const std::int64_t payload = payload_of(tag.seq);
  if (sub == kRelay) {
    // This GPU is the PXN proxy: its proxy thread posts the step to the network, as the origin's.
    Timer t;
    t.action = kForward;
    t.peer = static_cast<NpuId>(payload * gpn_ + self_ % gpn_);
    t.bytes = bytes;
    t.tag = MessageTag{tag.stream, pack(channel, kData, src % gpn_ + 1), 0};
    timer_after(timing_.proxy, t);
    return;
  }
  const NpuId origin = payload > 0 ? static_cast<NpuId>((src / gpn_) * gpn_ + payload - 1) : src;
  Collective& c = touch(tag.stream);
  if (!same_node(self_, src)) {
    // The receiving proxy sees the completion and posts the tail (or the credit) to the GPU.
    c.timers++;
    Timer t{tag.stream, channel, kProxyRecv, origin};
    t.sub = sub;
    timer_after(timing_.proxy, t);
    return;
  }
  deliver(c, channel, sub, origin);
}

void P2pRunner::finish_if_done(Collective& c) {
  if (!c.launched || c.done < static_cast<int>(c.channels.size()) || !c.started) return;
  if (c.id == 0) return;
  const CollectiveId id = c.id;
  c.id = 0;
  running_--;
  host_.collective_finished(id);
  if (c.timers == 0) streams_.erase(c.stream);
}

std::string P2pRunner::stall_report() const {
  std::string out;
  for (const auto& [stream, c] : streams_) {
    if (!c->started || c->id == 0) continue;
    out += fmt::format("NCCL p2p on {} channels, {} done;", c->channels.size(), c->done);
  }
  return out;
}

}  // namespace tessera::collective::nccl
