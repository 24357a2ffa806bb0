// The NIC: segmentation and injection, reassembly, acknowledgements, closed-form delivery.
#include "tessera/network/nic.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace tessera::network {

Nic::Nic(const Network& net, int npu, NicOwner& owner)
    : net_(net), self_(static_cast<NodeId>(npu)), owner_(owner), fwd_(net, static_cast<NodeId>(npu)) {
  if (npu < 0 || npu >= net.num_npus())
    throw Error(fmt::format("Nic for NPU {} of a {}-NPU network", npu, net.num_npus()));
  if (!net.bound()) throw Error("Nic created before Network::bind(graph)");
  inject_.resize(fwd_.num_ports());
}

std::uint32_t Nic::send_message(pdes::Context& ctx, int dst, Bytes bytes, std::uint64_t tag, bool notify) {
  if (dst < 0 || dst >= net_.num_npus()) {
    throw Error(fmt::format("NPU {} sent a message to NPU {}, but the network has NPUs 0..{}", self_, dst,
                            net_.num_npus() - 1));
  }
  if (bytes < 0) throw Error(fmt::format("NPU {} sent a message of {} bytes", self_, bytes));
  const std::uint32_t id = next_msg_++;
  PacketHeader h = header(dst, bytes, tag, id);
  if (!notify) h.flags |= PacketHeader::kNoAck;
  MessageNote note{h.dst, id, tag, h.msg_bytes, 0};
  const auto d = static_cast<NodeId>(dst);

  if (d == self_) {
    // A message to itself never touches the network: it arrives now (after the current event).
    h.flags |= PacketHeader::kWholeMessage;
    ctx.schedule(0, kDirectArrival, pdes::Payload::of(h));
    if (notify) {
      note.arrived = ctx.now();
      ctx.schedule(0, kMessageInjected, pdes::Payload::of(note));
      ctx.schedule(0, kMessageDelivered, pdes::Payload::of(note));
      pending_notes_ += 2;
    }
    return id;
  }
  switch (net_.model()) {
    case NetworkModel::kFlow:
    case NetworkModel::kAstraCongestionUnaware: {
      deliver_after(ctx, h, net_.unaware_delay(self_, d, bytes), notify);
      return id;
    }
    case NetworkModel::kAstraCongestionAware: {
      h.flags |= PacketHeader::kWholeMessage;
      const Hop hop = net_.topology().route(self_, d, flow_hash(self_, d, id, 0), 0, kNoDim);
      h.vc = hop.vc;
      h.dim = hop.dim;
      // One hop (ring neighbour, FullyConnected): nothing can hold the message once it is on this
      // link, so its arrival, when ASTRA-sim fires the send callback, is known now. Longer paths
      // queue at other nodes: the receiver's acknowledgement tells (one path latency later).
      const bool one_hop = net_.topology().node(self_).ports[hop.port].peer == d;
      if (one_hop) h.flags |= PacketHeader::kSenderTimed;
      fwd_.enqueue(ctx, hop.port, h, kInjected, 0);
      if (notify) {
        ctx.schedule(fwd_.busy_until(hop.port) - ctx.now(), kMessageInjected, pdes::Payload::of(note));
        if (one_hop) {
          note.arrived = fwd_.last_arrival(hop.port);
          ctx.schedule(note.arrived - ctx.now(), kMessageDelivered, pdes::Payload::of(note));
        }
        pending_notes_ += 2;  // injected + delivered (timed here or the acknowledgement)
      }
      return id;
    }
    case NetworkModel::kPacket: {
      // The first hop of an NPU depends only on the destination, so the message queues on one port.
      const Hop hop = net_.topology().route(self_, d, flow_hash(self_, d, id, 0), 0, kNoDim);
      inject_[hop.port].push_back(OutMessage{h.dst, id, tag, h.msg_bytes, 0, 0, hop.vc, hop.dim, notify});
      if (notify) pending_notes_ += 2;
      try_inject(ctx, hop.port);
      return id;
    }
  }
  return id;
}

std::uint32_t Nic::send_after(pdes::Context& ctx, int dst, Bytes bytes, std::uint64_t tag, SimTime delay,
                              bool notify) {
  if (net_.model() != NetworkModel::kFlow)
    throw Error(fmt::format("NPU {}: send_after needs the flow model", self_));
  if (dst < 0 || dst >= net_.num_npus() || dst == static_cast<int>(self_)) {
    throw Error(fmt::format("NPU {} sent a timed message to NPU {}", self_, dst));
  }
  const std::uint32_t id = next_msg_++;
  deliver_after(ctx, header(dst, bytes, tag, id),
                std::max(delay, net_.ack_delay(self_, static_cast<NodeId>(dst))), notify);
  return id;
}

PacketHeader Nic::header(int dst, Bytes bytes, std::uint64_t tag, std::uint32_t id) const {
  PacketHeader h;
  h.src = self_;
  h.dst = static_cast<std::uint32_t>(dst);
  h.tag = tag;
  h.msg_bytes = static_cast<std::uint64_t>(bytes);
  h.msg_seq = id;
  return h;
}

void Nic::deliver_after(pdes::Context& ctx, PacketHeader h, SimTime delay, bool notify) {
  // The whole message arrives at once, and the sender knows when (as ASTRA-sim's send callback
  // at arrival), so it times its own notes.
  h.flags |= PacketHeader::kWholeMessage;
  ctx.send_direct(net_.lp_of(static_cast<NodeId>(h.dst)), delay, kDirectArrival, pdes::Payload::of(h));
  if (notify) {
    const MessageNote note{h.dst, h.msg_seq, h.tag, h.msg_bytes, ctx.now() + delay};
    ctx.schedule(delay, kMessageInjected, pdes::Payload::of(note));
    ctx.schedule(delay, kMessageDelivered, pdes::Payload::of(note));
    pending_notes_ += 2;
  }
}

std::uint32_t Nic::multicast(pdes::Context& ctx, std::uint32_t group, Bytes bytes, std::uint64_t tag) {
  return send_to_switch(ctx, group, bytes, tag, PacketHeader::kMulticast);
}

std::uint32_t Nic::switch_reduce(pdes::Context& ctx, std::uint32_t group, Bytes bytes, std::uint64_t tag) {
  return send_to_switch(ctx, group, bytes, tag, PacketHeader::kReduceRequest);
}

std::uint32_t Nic::send_to_switch(pdes::Context& ctx, std::uint32_t group, Bytes bytes, std::uint64_t tag,
                                  std::uint8_t op) {
  if (net_.model() != NetworkModel::kPacket)
    throw Error(fmt::format("NPU {}: NVSwitch multicast and reduction need the packet network model", self_));
  if (bytes < 0) throw Error(fmt::format("NPU {} sent a group operation of {} bytes", self_, bytes));
  const MulticastGroup& g = net_.multicast_group(group);
  const pdes::LocalPort port = net_.port_to(self_, g.sw);
  const std::uint32_t id = next_msg_++;
  // Both travel on this NPU's link into the switch, behind what is already queued there.
  inject_[port].push_back(
      OutMessage{group, id, tag, static_cast<std::uint64_t>(bytes), 0, 0, 0, kNoDim, false, op, kNoNode});
  try_inject(ctx, port);
  return id;
}

void Nic::try_inject(pdes::Context& ctx, pdes::LocalPort port) {
  auto& q = inject_[port];
  const Bytes mtu = net_.packet().packet_size;
  // Packets are cut and committed to the link as long as the downstream buffer has credits: the
  // credit window bounds what one message puts in the event queue, and each further packet is
  // released by a credit event that exists anyway, so injection costs no event of its own.
  while (!q.empty()) {
    OutMessage& m = q.front();
    // A reduce request carries no payload: the switch reads the data from the members.
    const std::uint64_t wire = m.op == PacketHeader::kReduceRequest ? 0 : m.bytes;
    const std::uint64_t size = std::min<std::uint64_t>(static_cast<std::uint64_t>(mtu), wire - m.sent);
    if (!fwd_.can_send(port, m.vc, size, ctx.now())) {
      fwd_.injection_blocked(ctx, port, m.vc);
      return;  // a credit return (kCredit or kCreditWake) calls us again
    }
    PacketHeader h;
    h.src = m.src == kNoNode ? self_ : m.src;
    h.dst = m.dst;
    h.tag = m.tag;
    h.msg_bytes = m.bytes;
    h.bytes = static_cast<std::uint32_t>(size);
    h.seq = m.next_seq++;
    h.msg_seq = m.msg_seq;
    h.vc = m.vc;
    h.dim = m.dim;
    h.op = m.op;
    if (!m.notify) h.flags |= PacketHeader::kNoAck;
    fwd_.enqueue(ctx, port, h, kInjected, 0);
    m.sent += size;
    if (m.sent >= wire && !m.notify) {
      q.pop_front();
    } else if (m.sent >= wire) {
      const MessageNote note{m.dst, m.msg_seq, m.tag, m.bytes, 0};
      ctx.schedule(fwd_.busy_until(port) - ctx.now(), kMessageInjected, pdes::Payload::of(note));
      q.pop_front();
    }
  }
}

void Nic::handle(const pdes::Event& ev, pdes::Context& ctx) {
  switch (ev.kind) {
    case kPacketArrival: {
      const auto h = ev.payload.as<PacketHeader>();
      if (h.dst != self_) {
        fwd_.forward(ctx, h, ev.port);  // this NPU routes (ring, torus, multi-dimension)
        return;
      }
      if (h.op == PacketHeader::kReducePull) {
        // The switch reads this GPU's share of a reduction: it leaves on the link the pull came
        // in on, behind whatever this NIC already queued there.
        inject_[ev.port].push_back(OutMessage{static_cast<std::uint32_t>(h.tag), h.msg_seq, h.tag,
                                              h.msg_bytes, 0, 0, 0, kNoDim, false, PacketHeader::kReduceData,
                                              h.src});
        try_inject(ctx, ev.port);
        return;
      }
      // The NIC drains into memory at once; the upstream node computes the credit return itself.
      receive(ctx, h);
      return;
    }
    case kDirectArrival:
      receive(ctx, ev.payload.as<PacketHeader>());
      return;
    case kCredit: {
      const pdes::LocalPort port = ev.port;
      fwd_.on_credit(ctx, port, ev.payload.as<CreditReturn>());
      if (net_.model() == NetworkModel::kPacket) try_inject(ctx, port);
      return;
    }
    case kCreditFlush:
      fwd_.on_flush(ctx, ev.payload.as<CreditWake>());
      return;
    case kCreditWake: {
      const auto w = ev.payload.as<CreditWake>();
      fwd_.on_wake(ctx, w);
      try_inject(ctx, w.port);
      return;
    }
    case kMessageInjected:
    case kMessageDelivered: {
      const auto n = ev.payload.as<MessageNote>();
      const SentMessage m{static_cast<int>(n.peer), static_cast<Bytes>(n.bytes), n.tag, n.msg_seq, n.arrived};
      --pending_notes_;
      if (ev.kind == kMessageInjected) {
        owner_.on_message_injected(ctx, m);
      } else {
        owner_.on_message_delivered(ctx, m);
      }
      return;
    }
    default:
      throw Error(fmt::format("NPU {}: unknown network event kind {:#x}", self_, ev.kind));
  }
}

void Nic::receive(pdes::Context& ctx, const PacketHeader& h) {
  const std::uint64_t size = h.size();
  if (size == h.msg_bytes) {
    complete(ctx, h);
    return;
  }
  // Packets of one message may arrive out of order (sprayed over fat-tree paths); count bytes.
  const std::uint64_t key = static_cast<std::uint64_t>(h.src) << 32 | h.msg_seq;
  auto it = partial_.try_emplace(key, 0).first;
  it->second += size;
  if (it->second >= h.msg_bytes) {
    partial_.erase(it);
    complete(ctx, h);
  }
}

void Nic::complete(pdes::Context& ctx, const PacketHeader& h) {
  ++received_;
  owner_.on_message_arrived(ctx, ArrivedMessage{static_cast<int>(h.src), static_cast<Bytes>(h.msg_bytes),
                                                h.tag, ctx.now(), h.msg_seq});
  if (h.src == self_ || net_.model() == NetworkModel::kAstraCongestionUnaware ||
      net_.model() == NetworkModel::kFlow)
    return;
  // No acknowledgement when the sender asked for none or timed its own delivery note.
  if (h.flags & (PacketHeader::kNoAck | PacketHeader::kSenderTimed)) return;
  // The sender may run on another rank: tell it with a fixed, path-determined delay so the result
  // does not depend on where it runs.
  const MessageNote note{self_, h.msg_seq, h.tag, h.msg_bytes, ctx.now()};
  ctx.send_direct(net_.lp_of(h.src), net_.ack_delay(self_, h.src), kMessageDelivered,
                  pdes::Payload::of(note));
}

bool Nic::idle() const {
  if (!partial_.empty() || pending_notes_ != 0 || fwd_.waiting_packets() != 0) return false;
  return std::all_of(inject_.begin(), inject_.end(), [](const auto& q) { return q.empty(); });
}

std::string Nic::stall_report() const {
  std::size_t queued = 0;
  for (const auto& q : inject_) queued += q.size();
  std::string s = fmt::format("NIC: {} messages not yet injected, {} partially received, {} notes pending",
                              queued, partial_.size(), pending_notes_);
  const std::string w = fwd_.waiting_report();
  if (!w.empty()) s += "; " + w;
  return s;
}

}  // namespace tessera::network
