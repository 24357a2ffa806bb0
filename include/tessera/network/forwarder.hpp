// The output side of one node (an NPU's NIC or a switch): per output port a link that serializes
// at its bandwidth, FIFO per virtual channel, and credits for the input buffer at the far end.
// Shared by Nic and SwitchLp.
//
// Why "eager" transmission: when a packet is queued and its virtual channel has credits, its
// start time is fixed at once (max(now, link free)), so one event (the arrival at the peer) and
// one credit return are all a packet costs per hop; no "link free" event is needed. Only packets
// that wait for credits are held in a queue, and they are released by the credit event.
//
// Why computed credits on the last hop: a packet's destination NPU drains it into memory on
// arrival, so its credit is back upstream exactly at start + tx + latency there + latency back.
// The sender knows that time when it transmits, so it records the return in a FIFO and takes it
// back when it next looks at its credits, instead of the NPU sending a kCredit event. Only when a
// packet has to wait for such a credit does the sender schedule itself one kCreditWake at the
// return time. Same credit times, one event less per packet delivered.
//
// Why credit batches: a node that forwards returns the credits of an input link in one kCredit
// per batch of up to kMaxCreditBatch packets, sent when the batch's last packet has left (so no
// credit ever returns early), or by a kCreditFlush timer three batches' serialization after its
// first packet left, whichever comes first. One timer per input and VC re-arms itself for the
// open batch, so a steady stream pays about one timer per three batches. Links whose automatic buffer leaves slack beyond
// the credit round trip batch (NVLink: 16); a link without that slack (a fixed small buffer, an
// IB hop whose round trip fills its buffer) returns every packet's credit on its own, as before.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "tessera/network/events.hpp"
#include "tessera/network/link_stats.hpp"
#include "tessera/network/network.hpp"
#include "tessera/pdes/context.hpp"

namespace tessera::network {

/// in_port of a packet that did not come from a link (injected by the NIC).
inline constexpr pdes::LocalPort kInjected = 0xFFFF;
/// Most packets whose credits go back in one kCredit.
inline constexpr int kMaxCreditBatch = 16;

class Forwarder {
 public:
  Forwarder(const Network& net, NodeId self);

  /// A packet that arrived on `in_port` (with the header as it arrived) and must travel on:
  /// routes it and queues it on the output port.
  void forward(pdes::Context& ctx, PacketHeader h, pdes::LocalPort in_port);
  /// Queues `h` (already routed: h.vc is the output VC) on `port`; `in_port`/`in_vc` say which
  /// input buffer to free when it leaves (kInjected: none).
  void enqueue(pdes::Context& ctx, pdes::LocalPort port, const PacketHeader& h, pdes::LocalPort in_port,
               std::uint8_t in_vc);
  /// A packet that arrived on `in_port` ends here (a switch's reduction takes it in): its input
  /// buffer is free now.
  void consume(pdes::Context& ctx, pdes::LocalPort in_port, std::uint8_t in_vc, Bytes bytes) {
    if (!aware_) return_credit(ctx, in_port, in_vc, bytes, ctx.now());
  }
  /// Credits arrived for `port`; sends whatever they release.
  void on_credit(pdes::Context& ctx, pdes::LocalPort port, const CreditReturn& c);
  /// A kCreditFlush this node scheduled: returns the credits collected for (port, vc) so far.
  void on_flush(pdes::Context& ctx, const CreditWake& w);
  /// A kCreditWake this node scheduled: takes back the computed credits now due and sends
  /// whatever they release.
  void on_wake(pdes::Context& ctx, const CreditWake& w);

  /// True when a packet of `bytes` on (port, vc) would not wait for credits or queued packets
  /// (takes back computed credits due by `now` first).
  bool can_send(pdes::LocalPort port, std::uint8_t vc, std::uint64_t bytes, SimTime now) {
    Port& o = ports_[port];
    reclaim(o, vc, now);
    return o.waiting[vc].empty() && o.credits[vc] >= static_cast<std::int64_t>(bytes);
  }
  /// The NIC could not inject on `port` for lack of credits (counts as credit stall until it can;
  /// schedules a kCreditWake if computed credits will free the way).
  void injection_blocked(pdes::Context& ctx, pdes::LocalPort port, std::uint8_t vc) {
    Port& o = ports_[port];
    if (o.inject_blocked_since < 0) o.inject_blocked_since = std::max(ctx.now(), o.busy_until);
    schedule_wake(ctx, port, vc);
  }
  /// When `port` finishes what is committed to it.
  SimTime busy_until(pdes::LocalPort port) const { return ports_[port].busy_until; }
  /// Congestion-aware model: when the last message committed to `port` reaches the port's peer.
  SimTime last_arrival(pdes::LocalPort port) const { return ports_[port].last_arrival; }
  /// Packets held for credits on all ports.
  std::size_t waiting_packets() const;
  std::string waiting_report() const;
  std::size_t num_ports() const { return ports_.size(); }
  /// Settled (LinkStats::settle) before they are returned, so the series are complete.
  const std::vector<LinkStats>& link_stats() const {
    for (LinkStats& s : stats_) s.settle();
    return stats_;
  }
  NodeId self() const { return self_; }
  const Network& network() const { return net_; }

 private:
  struct Waiting {
    PacketHeader h;
    pdes::LocalPort in_port;
    std::uint8_t in_vc;
  };
  struct Batch {
    Bytes bytes = 0;
    int packets = 0;
    SimTime first_leave = 0;  // when the batch's first packet has left this node
    SimTime last_leave = 0;   // when the batch's last packet has left this node
    bool timer = false;      // a kCreditFlush is scheduled
  };
  struct Return {
    SimTime time;  // when the credit is back here
    Bytes bytes;
  };
  struct Port {
    Bandwidth bw{};
    SimTime latency = 0;          // true latency of the direction (ps)
    SimTime channel_latency = 0;  // what the engine adds
    SimTime full_tx = 0;          // tx time of a full packet (cached)
    double bytes_per_ps = 0;      // for the backlog statistic
    SimTime busy_until = 0;
    SimTime last_arrival = 0;  // congestion-aware: arrival of the last message sent
    std::int64_t credits[2] = {0, 0};
    SimTime blocked_since[2] = {0, 0};
    Bytes blocked_bytes = 0;
    SimTime inject_blocked_since = -1;  // NIC injection waiting for credits since (-1: not)
    NodeId peer = kNoNode;
    bool peer_is_npu = false;  // its packets for the peer get computed credit returns
    SimTime return_delay = 0;  // transmit end -> credit back, for packets the peer NPU consumes
    bool wake_pending[2] = {false, false};
    std::deque<Waiting> waiting[2];
    std::deque<Return> returns[2];  // computed credit returns not yet due, in time order
    // As an input: credits of packets that came in here, collected per VC before going back.
    bool free_input = false;  // the upstream sends without credits (into an output-queued switch)
    int batch_limit = 1;
    SimTime flush_delay = 0;
    Batch batch[2];
  };
  void reclaim(Port& o, std::uint8_t vc, SimTime now) {
    auto& r = o.returns[vc];
    while (!r.empty() && r.front().time <= now) {
      o.credits[vc] += r.front().bytes;
      r.pop_front();
    }
  }
  void release(pdes::Context& ctx, pdes::LocalPort port, std::uint8_t vc);
  void return_credit(pdes::Context& ctx, pdes::LocalPort in_port, std::uint8_t vc, Bytes bytes, SimTime leave);
  void send_batch(pdes::Context& ctx, pdes::LocalPort in_port, std::uint8_t vc);
  void schedule_wake(pdes::Context& ctx, pdes::LocalPort port, std::uint8_t vc);
  void transmit(pdes::Context& ctx, pdes::LocalPort port, const PacketHeader& h, pdes::LocalPort in_port,
                std::uint8_t in_vc);
  void add_to_bins(LinkStats& s, SimTime start, SimTime tx, Bytes bytes) const;

  const Network& net_;
  NodeId self_;
  bool aware_;
  Bytes packet_size_;
  SimTime bin_;
  std::vector<Port> ports_;
  /// Mutable only so that link_stats() can settle the open bins (which changes no figure).
  mutable std::vector<LinkStats> stats_;
};

}  // namespace tessera::network
