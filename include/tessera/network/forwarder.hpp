// The output side of one node (an NPU's NIC or a switch): per output port a link that serializes
// at its bandwidth, FIFO per virtual channel, and credits for the input buffer at the far end.
// Shared by Nic and SwitchLp.
//
// Why "eager" transmission: when a packet is queued and its virtual channel has credits, its
// start time is fixed at once (max(now, link free)), so one event (the arrival at the peer) and
// one credit return are all a packet costs per hop; no "link free" event is needed. Only packets
// that wait for credits are held in a queue, and they are released by the credit event.
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
  /// Credits arrived for `port`; sends whatever they release.
  void on_credit(pdes::Context& ctx, pdes::LocalPort port, const CreditReturn& c);
  /// Frees the input buffer of a packet consumed here (it reached its destination NPU).
  void consume(pdes::Context& ctx, const PacketHeader& h, pdes::LocalPort in_port);

  /// True when a packet of `bytes` on (port, vc) would not wait for credits or queued packets.
  bool can_send(pdes::LocalPort port, std::uint8_t vc, std::uint64_t bytes) const {
    const Port& o = ports_[port];
    return o.waiting[vc].empty() && o.credits[vc] >= static_cast<std::int64_t>(bytes);
  }
  /// The NIC could not inject on `port` for lack of credits (counts as credit stall until it can).
  void injection_blocked(pdes::LocalPort port, SimTime now) {
    Port& o = ports_[port];
    if (o.inject_blocked_since < 0) o.inject_blocked_since = std::max(now, o.busy_until);
  }
  /// When `port` finishes what is committed to it.
  SimTime busy_until(pdes::LocalPort port) const { return ports_[port].busy_until; }
  /// Congestion-aware model: when the last message committed to `port` reaches the port's peer.
  SimTime last_arrival(pdes::LocalPort port) const { return ports_[port].last_arrival; }
  /// Packets held for credits on all ports.
  std::size_t waiting_packets() const;
  std::string waiting_report() const;
  std::size_t num_ports() const { return ports_.size(); }
  const std::vector<LinkStats>& link_stats() const { return stats_; }
  NodeId self() const { return self_; }
  const Network& network() const { return net_; }

 private:
  struct Waiting {
    PacketHeader h;
    pdes::LocalPort in_port;
    std::uint8_t in_vc;
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
    std::deque<Waiting> waiting[2];
  };
  void transmit(pdes::Context& ctx, pdes::LocalPort port, const PacketHeader& h, pdes::LocalPort in_port,
                std::uint8_t in_vc);
  void add_to_bins(LinkStats& s, SimTime start, SimTime tx, Bytes bytes) const;

  const Network& net_;
  NodeId self_;
  bool aware_;
  Bytes packet_size_;
  SimTime bin_;
  std::vector<Port> ports_;
  std::vector<LinkStats> stats_;
};

}  // namespace tessera::network
