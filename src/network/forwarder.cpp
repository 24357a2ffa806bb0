// Output ports: serialization, FIFO per virtual channel, credit-based flow control, statistics.
#include "tessera/network/forwarder.hpp"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "tessera/network/astra_timing.hpp"

namespace tessera::network {

namespace {
// "Unlimited" credits for the message-level models (links there have unbounded FIFOs).
__extension__ typedef __int128 Wide;  // exact products of bytes and ps
constexpr std::int64_t kUnlimited = std::numeric_limits<std::int64_t>::max() / 4;
}  // namespace

Forwarder::Forwarder(const Network& net, NodeId self)
    : net_(net),
      self_(self),
      aware_(net.model() == NetworkModel::kAstraCongestionAware),
      packet_size_(net.packet().packet_size),
      bin_(net.packet().stats_bin) {
  const Node& node = net.topology().node(self);
  ports_.resize(node.ports.size());
  stats_.resize(node.ports.size());
  for (std::size_t p = 0; p < node.ports.size(); ++p) {
    const PortInfo& info = node.ports[p];
    Port& o = ports_[p];
    const auto lp = static_cast<pdes::LocalPort>(p);
    o.bw = info.bandwidth;
    o.latency = info.latency;
    o.channel_latency = net.channel_latency(self, lp);
    // A spare switch port (no peer) has no bandwidth: it never sends.
    o.full_tx = info.bandwidth.bytes_per_second > 0 ? tx_time(packet_size_, info.bandwidth) : 0;
    o.bytes_per_ps = static_cast<double>(info.bandwidth.bytes_per_second) / 1e12;
    const std::int64_t c = net.model() == NetworkModel::kPacket ? net.credits(self, lp) : kUnlimited;
    o.credits[0] = o.credits[1] = c;
    o.peer = info.peer;
    if (info.peer != kNoNode && net.model() == NetworkModel::kPacket) {
      // As an input: the buffer here beyond what the credit round trip (plus the two packet
      // serializations in it) keeps in flight is slack; a quarter of it may wait in a batch.
      const PortInfo& in = net.topology().node(info.peer).ports[info.peer_port];
      const Bytes buffer = net.credits(info.peer, info.peer_port);
      o.free_input = net.uncredited(info.peer, info.peer_port);
      const Bytes round_trip = bytes_in(in.latency + info.latency, in.bandwidth) + 2 * packet_size_;
      const Bytes slack = buffer - round_trip;
      o.batch_limit = static_cast<int>(
          std::clamp<Bytes>(slack / (4 * packet_size_), 1, static_cast<Bytes>(kMaxCreditBatch)));
      o.flush_delay = 3 * o.batch_limit * tx_time(packet_size_, in.bandwidth);
    }
    if (info.peer != kNoNode && net.topology().is_npu(info.peer)) {
      // A packet for the peer NPU is drained there on arrival; its credit then crosses back.
      o.peer_is_npu = true;
      o.return_delay = o.channel_latency + net.channel_latency(info.peer, info.peer_port);
    }
    stats_[p].from = self;
    stats_[p].port = lp;
    stats_[p].to = info.peer;
    stats_[p].bin_width = bin_;
  }
}

void Forwarder::forward(pdes::Context& ctx, PacketHeader h, pdes::LocalPort in_port) {
  const std::uint8_t in_vc = h.vc;
  const Hop hop = net_.topology().route(self_, h.dst, flow_hash(h.src, h.dst, h.msg_seq, h.seq), h.vc, h.dim);
  h.vc = hop.vc;
  h.dim = hop.dim;
  enqueue(ctx, hop.port, h, in_port, in_vc);
}

void Forwarder::enqueue(pdes::Context& ctx, pdes::LocalPort port, const PacketHeader& h,
                        pdes::LocalPort in_port, std::uint8_t in_vc) {
  Port& o = ports_[port];
  const auto size = static_cast<Bytes>(h.size());
  const SimTime now = ctx.now();
  // Backlog this packet joins (bytes not yet on the wire), for the max-queue statistic.
  // (A statistic: double arithmetic instead of an exact 128-bit division per packet.)
  const Bytes backlog =
      (o.busy_until > now ? static_cast<Bytes>(static_cast<double>(o.busy_until - now) * o.bytes_per_ps)
                          : 0) +
      o.blocked_bytes + size;
  LinkStats& s = stats_[port];
  if (backlog > s.max_queue_bytes) s.max_queue_bytes = backlog;

  auto& q = o.waiting[h.vc];
  if (!o.returns[h.vc].empty()) {
    // Computed credits due by now: release earlier packets first, as their credit event would.
    reclaim(o, h.vc, now);
    if (!q.empty()) release(ctx, port, h.vc);
  }
  if (q.empty() && o.credits[h.vc] >= size) {
    transmit(ctx, port, h, in_port, in_vc);
    return;
  }
  if (q.empty()) o.blocked_since[h.vc] = std::max(now, o.busy_until);
  q.push_back(Waiting{h, in_port, in_vc});
  o.blocked_bytes += size;
  schedule_wake(ctx, port, h.vc);
}

void Forwarder::transmit(pdes::Context& ctx, pdes::LocalPort port, const PacketHeader& h,
                         pdes::LocalPort in_port, std::uint8_t in_vc) {
  Port& o = ports_[port];
  const SimTime now = ctx.now();
  const SimTime start = std::max(now, o.busy_until);
  const auto size = static_cast<Bytes>(h.size());
  SimTime tx;
  SimTime extra;
  if (aware_) {
    // ASTRA-sim: arrival at start + uint64(lat + size/B) ns, link busy uint64(size/B) ns.
    tx = astra::serialization(size, o.bw);
    o.last_arrival = start + astra::hop_arrival(size, o.bw, o.latency);
    extra = o.last_arrival - now - o.channel_latency;
  } else {
    tx = size == packet_size_ ? o.full_tx : tx_time(size, o.bw);
    extra = start + tx - now;  // store-and-forward per packet: the last bit arrives after latency
  }
  o.busy_until = start + tx;
  ctx.send(port, kPacketArrival, pdes::Payload::of(h), extra);
  if (in_port == kInjected && o.inject_blocked_since >= 0) {
    if (now > o.inject_blocked_since) stats_[port].credit_stall += now - o.inject_blocked_since;
    o.inject_blocked_since = -1;
  }
  if (!aware_) {
    o.credits[h.vc] -= size;
    if (o.peer_is_npu && h.dst == o.peer) {
      o.returns[h.vc].push_back(Return{start + tx + o.return_delay, size});
    }
    // The packet leaves this node's input buffer when its last bit is on the wire.
    if (in_port != kInjected) return_credit(ctx, in_port, in_vc, size, start + tx);
  }
  LinkStats& s = stats_[port];
  s.bytes += size;
  ++s.packets;
  s.busy += tx;
  if (bin_ > 0) add_to_bins(s, start, tx, size);
}

void Forwarder::on_credit(pdes::Context& ctx, pdes::LocalPort port, const CreditReturn& c) {
  ports_[port].credits[c.vc] += static_cast<std::int64_t>(c.bytes);
  release(ctx, port, c.vc);
}

void Forwarder::return_credit(pdes::Context& ctx, pdes::LocalPort in_port, std::uint8_t vc, Bytes bytes,
                              SimTime leave) {
  Port& i = ports_[in_port];
  if (i.free_input) return;  // its sender keeps no count of this buffer
  if (i.batch_limit <= 1) {
    ctx.send(in_port, kCredit, pdes::Payload::of(CreditReturn{static_cast<std::uint64_t>(bytes), vc}),
             leave - ctx.now());
    return;
  }
  Batch& b = i.batch[vc];
  if (b.packets == 0) b.first_leave = leave;
  b.bytes += bytes;
  ++b.packets;
  b.last_leave = std::max(b.last_leave, leave);
  if (b.packets >= i.batch_limit) {
    send_batch(ctx, in_port, vc);
  } else if (!b.timer) {
    b.timer = true;
    ctx.schedule(b.first_leave + i.flush_delay - ctx.now(), kCreditFlush,
                 pdes::Payload::of(CreditWake{in_port, vc}));
  }
}

void Forwarder::send_batch(pdes::Context& ctx, pdes::LocalPort in_port, std::uint8_t vc) {
  Batch& b = ports_[in_port].batch[vc];
  ctx.send(in_port, kCredit, pdes::Payload::of(CreditReturn{static_cast<std::uint64_t>(b.bytes), vc}),
           std::max<SimTime>(0, b.last_leave - ctx.now()));
  b.bytes = 0;
  b.packets = 0;
  b.last_leave = 0;
}

void Forwarder::on_flush(pdes::Context& ctx, const CreditWake& w) {
  const Port& i = ports_[w.port];
  Batch& b = ports_[w.port].batch[w.vc];
  b.timer = false;
  if (b.packets == 0) return;
  const SimTime due = b.first_leave + i.flush_delay;
  if (due > ctx.now()) {
    // The batch this timer was set for went back full; wait for the open one's deadline.
    b.timer = true;
    ctx.schedule(due - ctx.now(), kCreditFlush, pdes::Payload::of(w));
    return;
  }
  send_batch(ctx, w.port, w.vc);
}

void Forwarder::on_wake(pdes::Context& ctx, const CreditWake& w) {
  ports_[w.port].wake_pending[w.vc] = false;
  release(ctx, w.port, w.vc);  // (a NIC then retries its injection and re-arms if still blocked)
}

void Forwarder::release(pdes::Context& ctx, pdes::LocalPort port, std::uint8_t vc) {
  Port& o = ports_[port];
  reclaim(o, vc, ctx.now());
  auto& q = o.waiting[vc];
  bool released = false;
  while (!q.empty() && o.credits[vc] >= static_cast<std::int64_t>(q.front().h.size())) {
    if (!released) {
      const SimTime now = ctx.now();
      if (now > o.blocked_since[vc]) stats_[port].credit_stall += now - o.blocked_since[vc];
      released = true;
    }
    const Waiting w = q.front();
    q.pop_front();
    o.blocked_bytes -= static_cast<Bytes>(w.h.size());
    transmit(ctx, port, w.h, w.in_port, w.in_vc);
  }
  if (released && !q.empty()) o.blocked_since[vc] = std::max(ctx.now(), o.busy_until);
  if (!q.empty()) schedule_wake(ctx, port, vc);
}

void Forwarder::schedule_wake(pdes::Context& ctx, pdes::LocalPort port, std::uint8_t vc) {
  Port& o = ports_[port];
  if (o.wake_pending[vc] || o.returns[vc].empty()) return;
  // Returns are in time order and the wake re-arms itself, so one pending wake per VC suffices.
  o.wake_pending[vc] = true;
  ctx.schedule(o.returns[vc].front().time - ctx.now(), kCreditWake,
               pdes::Payload::of(CreditWake{port, vc}));
}

std::size_t Forwarder::waiting_packets() const {
  std::size_t n = 0;
  for (const Port& o : ports_) n += o.waiting[0].size() + o.waiting[1].size();
  return n;
}

std::string Forwarder::waiting_report() const {
  std::string out;
  for (std::size_t p = 0; p < ports_.size(); ++p) {
    for (int vc = 0; vc < 2; ++vc) {
      const auto& q = ports_[p].waiting[vc];
      if (q.empty()) continue;
      if (!out.empty()) out += ", ";
      out += fmt::format("port {} vc {}: {} packets wait for {} B of credits (have {})", p, vc, q.size(),
                         q.front().h.size(), ports_[p].credits[vc]);
    }
  }
  return out;
}

void Forwarder::add_to_bins(LinkStats& s, SimTime start, SimTime tx, Bytes bytes) const {
  s.add(start, tx, bytes, net_.packet().stats_max_bins);
}

void LinkStats::add(SimTime start, SimTime tx, Bytes sent, int max_bins) {
  const SimTime end = start + tx;
  const SimTime last_time = tx > 0 ? end - 1 : start;
  // Packets on a link go out one after another, so most land in the bin the last one ended in.
  if (open_bin >= 0 && start >= open_bin * bin_width && last_time < (open_bin + 1) * bin_width) {
    open_bytes += sent;
    open_busy += tx;
    return;
  }
  settle();
  // Split the bytes over the bins the serialization spans, proportionally to time; the busy time
  // of each bin is the exact overlap.
  // A run's length is not known in advance: past the last allowed bin, coarsen the link's bins.
  // Rare (log2 of the run length over the start width, per link), so the merge's cost is nothing.
  while (max_bins > 0 && last_time / bin_width >= max_bins) rebin(2 * bin_width);
  const SimTime w = bin_width;
  const auto last_bin = static_cast<std::size_t>(last_time / w);
  if (bins.size() <= last_bin) {
    bins.resize(last_bin + 1, 0);
    busy_bins.resize(last_bin + 1, 0);
  }
  open_bin = static_cast<std::int64_t>(last_bin);
  if (tx == 0) {
    bins[last_bin] += sent;
    return;
  }
  Bytes left = sent;
  for (SimTime t = start; t < end;) {
    const SimTime bin_end = (t / w + 1) * w;
    const SimTime seg_end = std::min(end, bin_end);
    const Bytes part =
        seg_end == end ? left : static_cast<Bytes>(static_cast<Wide>(sent) * (seg_end - t) / tx);
    const auto b = static_cast<std::size_t>(t / w);
    bins[b] += part;
    busy_bins[b] += seg_end - t;
    left -= part;
    t = seg_end;
  }
}

void LinkStats::settle() {
  if (open_bin < 0 || (open_bytes == 0 && open_busy == 0)) return;
  bins[static_cast<std::size_t>(open_bin)] += open_bytes;
  busy_bins[static_cast<std::size_t>(open_bin)] += open_busy;
  open_bytes = 0;
  open_busy = 0;
}

void LinkStats::rebin(SimTime width) {
  settle();
  open_bin = -1;  // an index of the old width
  if (bin_width > 0 && width != bin_width) {
    const auto factor = static_cast<std::size_t>(width / bin_width);
    const std::size_t n = (bins.size() + factor - 1) / factor;
    std::vector<Bytes> merged(n, 0);
    std::vector<SimTime> merged_busy(n, 0);
    for (std::size_t i = 0; i < bins.size(); ++i) {
      merged[i / factor] += bins[i];
      merged_busy[i / factor] += busy_bins[i];
    }
    bins = std::move(merged);
    busy_bins = std::move(merged_busy);
  }
  bin_width = width;
}

}  // namespace tessera::network
