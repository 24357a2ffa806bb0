#include "tessera/network/switch_lp.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace tessera::network {

namespace {
std::uint64_t reduction_key(const PacketHeader& h) { return std::uint64_t{h.src} << 32 | h.msg_seq; }
}  // namespace

void SwitchLp::handle(const pdes::Event& ev, pdes::Context& ctx) {
  switch (ev.kind) {
    case kPacketArrival: {
      const auto h = ev.payload.as<PacketHeader>();
      switch (h.op) {
        case PacketHeader::kPlain:
          fwd_.forward(ctx, h, ev.port);
          return;
        case PacketHeader::kMulticast:
          replicate(ctx, h, ev.port);
          return;
        case PacketHeader::kReduceRequest:
          start_reduction(ctx, h, ev.port);
          return;
        case PacketHeader::kReduceData:
          reduce_share(ctx, h, ev.port);
          return;
        default:
          throw Error(fmt::format("switch {}: packet with operation {} from NPU {}",
                                  fwd_.network().topology().node(fwd_.self()).name, h.op, h.src));
      }
    }
    case kCredit:
      fwd_.on_credit(ctx, ev.port, ev.payload.as<CreditReturn>());
      return;
    case kCreditWake:
      fwd_.on_wake(ctx, ev.payload.as<CreditWake>());
      return;
    case kCreditFlush:
      fwd_.on_flush(ctx, ev.payload.as<CreditWake>());
      return;
    default:
      throw Error(fmt::format("switch {}: unexpected event kind {:#x}",
                              fwd_.network().topology().node(fwd_.self()).name, ev.kind));
  }
}

const MulticastGroup& SwitchLp::group_of(const PacketHeader& h, std::uint32_t id) const {
  const MulticastGroup& g = fwd_.network().multicast_group(id);
  if (g.sw != fwd_.self()) {
    throw Error(fmt::format("switch {}: NPU {} addressed multicast group {}, which is on switch {}",
                            fwd_.network().topology().node(fwd_.self()).name, h.src, id,
                            fwd_.network().topology().node(g.sw).name));
  }
  return g;
}

void SwitchLp::replicate(pdes::Context& ctx, const PacketHeader& h, pdes::LocalPort in_port) {
  const MulticastGroup& g = group_of(h, h.dst);
  // One copy per member's output port. The input buffer is freed once, by the copy whose port
  // is committed furthest ahead (on an idle fabric all leave together).
  std::size_t carrier = 0;
  for (std::size_t i = 1; i < g.members.size(); ++i) {
    if (fwd_.busy_until(g.switch_port[i]) > fwd_.busy_until(g.switch_port[carrier])) carrier = i;
  }
  for (std::size_t i = 0; i < g.members.size(); ++i) {
    PacketHeader c = h;
    c.dst = g.members[i];
    c.op = PacketHeader::kPlain;
    c.vc = 0;
    fwd_.enqueue(ctx, g.switch_port[i], c, i == carrier ? in_port : kInjected, h.vc);
  }
}

void SwitchLp::start_reduction(pdes::Context& ctx, const PacketHeader& h, pdes::LocalPort in_port) {
  const MulticastGroup& g = group_of(h, h.dst);
  const Bytes mtu = fwd_.network().packet().packet_size;
  const auto packets = static_cast<std::size_t>(std::max<std::uint64_t>(
      1, (h.msg_bytes + static_cast<std::uint64_t>(mtu) - 1) / static_cast<std::uint64_t>(mtu)));
  auto [it, fresh] = reductions_.try_emplace(reduction_key(h));
  if (!fresh) throw Error(fmt::format("switch: NPU {} started reduction {} twice", h.src, h.msg_seq));
  Reduction& r = it->second;
  r.tag = h.tag;
  r.out_port = in_port;  // the request came in on the requester's link; the result goes back on it
  r.members = g.members.size();
  r.arrived.assign(packets, 0);
  // Read requests to every member: header only, they ask for the member's share.
  for (std::size_t i = 0; i < g.members.size(); ++i) {
    PacketHeader p;
    p.src = h.src;
    p.dst = g.members[i];
    p.tag = h.dst;  // the group, which the shares name
    p.msg_bytes = h.msg_bytes;
    p.msg_seq = h.msg_seq;
    p.op = PacketHeader::kReducePull;
    p.flags = PacketHeader::kNoAck;
    fwd_.enqueue(ctx, g.switch_port[i], p, kInjected, 0);
  }
}

void SwitchLp::reduce_share(pdes::Context& ctx, const PacketHeader& h, pdes::LocalPort in_port) {
  const auto it = reductions_.find(reduction_key(h));
  if (it == reductions_.end())
    throw Error(fmt::format("switch: a reduction share for NPU {}'s unknown reduction {}", h.src, h.msg_seq));
  Reduction& r = it->second;
  // The share is added into the switch's reduction buffer: the input buffer is free at once.
  fwd_.consume(ctx, in_port, h.vc, static_cast<Bytes>(h.size()));
  if (h.seq >= r.arrived.size()) throw Error("switch: a reduction share packet past the reduction's size");
  if (++r.arrived[h.seq] < r.members) return;
  // Every member's packet `seq` is in: the sum leaves for the requester.
  PacketHeader out;
  out.src = h.src;
  out.dst = h.src;
  out.tag = r.tag;
  out.msg_bytes = h.msg_bytes;
  out.bytes = h.bytes;
  out.seq = h.seq;
  out.msg_seq = h.msg_seq;
  out.flags = PacketHeader::kNoAck;
  fwd_.enqueue(ctx, r.out_port, out, kInjected, 0);
  if (++r.emitted == r.arrived.size()) reductions_.erase(it);
}

std::string SwitchLp::stall_report() const {
  std::string s = fwd_.waiting_report();
  if (!reductions_.empty()) {
    if (!s.empty()) s += "; ";
    s += fmt::format("{} in-switch reductions wait for members' data", reductions_.size());
  }
  return s;
}

}  // namespace tessera::network
