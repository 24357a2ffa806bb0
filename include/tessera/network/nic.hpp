// The network interface of one NPU: a plain component the runtime's NPU LP embeds. The LP calls
// send_message() to send and forwards every event with is_network_event(kind) to handle(); the
// Nic calls back its owner when a message arrives, leaves the NIC, or is acknowledged. On
// topologies where NPUs route (Ring, FullyConnected multi-hop, torus) the Nic also forwards
// packets passing through.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "tessera/network/forwarder.hpp"

namespace tessera::network {

/// A message that fully arrived at this NPU.
struct ArrivedMessage {
  int src = 0;
  Bytes bytes = 0;
  std::uint64_t tag = 0;
  SimTime time = 0;      ///< when its last byte arrived (= now)
  std::uint32_t id = 0;  ///< the sender's message id (SentMessage::id)
};

/// One of this NPU's own messages.
struct SentMessage {
  int dst = 0;
  Bytes bytes = 0;
  std::uint64_t tag = 0;
  std::uint32_t id = 0;  ///< the value send_message returned
  /// on_message_delivered: when the last byte reached the destination (<= now).
  SimTime arrived = 0;
};

/// What the Nic's owner (the runtime's NPU LP) is told. No void*: a plain interface.
class NicOwner {
 public:
  virtual ~NicOwner() = default;
  /// A message from `m.src` is complete here. Runs in the arrival event.
  virtual void on_message_arrived(pdes::Context& ctx, const ArrivedMessage& m) = 0;
  /// The last byte of one of our messages left the NIC (congestion-unaware: at its arrival).
  virtual void on_message_injected(pdes::Context& ctx, const SentMessage& m) { (void)ctx, (void)m; }
  /// Our message is known delivered: the destination's acknowledgement (packet model, and
  /// congestion-aware paths of two or more hops: at arrival + Network::ack_delay(dst, src)), or
  /// exactly at arrival where the sender computes the arrival itself (congestion-unaware; one-hop
  /// congestion-aware paths, where nothing can delay a message once it is on the link). This is
  /// ASTRA-sim's send callback. m.arrived is the arrival.
  virtual void on_message_delivered(pdes::Context& ctx, const SentMessage& m) { (void)ctx, (void)m; }
};

class Nic {
 public:
  /// `npu` is this NPU's id; the network must be bound. `owner` must outlive the Nic.
  Nic(const Network& net, int npu, NicOwner& owner);

  /// Sends `bytes` (>= 0) to NPU `dst` (may be this NPU: delivered at now). Returns the message
  /// id (this NIC's counter) that SentMessage::id reports. Throws Error on a bad dst or size.
  /// With notify = false the owner gets neither on_message_injected nor on_message_delivered for
  /// it, and the network saves those events (the injected note and the acknowledgement); the
  /// message itself travels exactly as with notify = true.
  std::uint32_t send_message(pdes::Context& ctx, int dst, Bytes bytes, std::uint64_t tag, bool notify = true);

  /// Flow model: delivers `bytes` to `dst` exactly `delay` from now (>= the route's latency), with
  /// the injected and delivered notes at the arrival when `notify`. Returns the message id.
  std::uint32_t send_after(pdes::Context& ctx, int dst, Bytes bytes, std::uint64_t tag, SimTime delay,
                           bool notify);

  /// NVSwitch multicast (packet model): one packet stream of `bytes` from this NPU into the switch
  /// of multicast group `group`, which copies it to every member (this NPU too when it is one);
  /// each member's owner gets on_message_arrived (src = this NPU, `tag`). No injected or delivered
  /// notes. Throws Error for other models, an unknown group, or an NPU without a link to its switch.
  std::uint32_t multicast(pdes::Context& ctx, std::uint32_t group, Bytes bytes, std::uint64_t tag);
  /// In-switch reduction (packet model): asks the switch of `group` to reduce `bytes` of it. The
  /// switch pulls `bytes` from every member over the member's link into it, adds them packet by
  /// packet and returns `bytes` to this NPU, which gets one on_message_arrived (src = this NPU,
  /// `tag`). No other notes. Errors as multicast().
  std::uint32_t switch_reduce(pdes::Context& ctx, std::uint32_t group, Bytes bytes, std::uint64_t tag);

  /// Handles a network event (is_network_event(ev.kind)) addressed to this NPU's LP.
  void handle(const pdes::Event& ev, pdes::Context& ctx);

  /// Nothing waiting to be sent and no message partially received.
  bool idle() const;
  /// What it still waits for (for LogicalProcess::stall_report).
  std::string stall_report() const;
  /// Statistics of this NPU's outgoing links.
  const std::vector<LinkStats>& link_stats() const { return fwd_.link_stats(); }
  std::uint64_t messages_sent() const { return next_msg_; }
  std::uint64_t messages_received() const { return received_; }

 private:
  struct OutMessage {
    std::uint32_t dst;  // the destination NPU, or the group of an operation for the switch
    std::uint32_t msg_seq;
    std::uint64_t tag;
    std::uint64_t bytes;
    std::uint64_t sent = 0;
    std::uint32_t next_seq = 0;
    std::uint8_t vc, dim;
    bool notify = true;
    std::uint8_t op = PacketHeader::kPlain;
    std::uint32_t src = kNoNode;  // the header's src: kNoNode = this NPU (a reduction share: the requester)
  };
  std::uint32_t send_to_switch(pdes::Context& ctx, std::uint32_t group, Bytes bytes, std::uint64_t tag,
                               std::uint8_t op);
  /// A message's header (source, destination, tag, size, id).
  PacketHeader header(int dst, Bytes bytes, std::uint64_t tag, std::uint32_t id) const;
  /// The whole message `h` arrives at its destination `delay` from now, the notes with it.
  void deliver_after(pdes::Context& ctx, PacketHeader h, SimTime delay, bool notify);
  void try_inject(pdes::Context& ctx, pdes::LocalPort port);
  void receive(pdes::Context& ctx, const PacketHeader& h);
  void complete(pdes::Context& ctx, const PacketHeader& h);

  const Network& net_;
  NodeId self_;
  NicOwner& owner_;
  Forwarder fwd_;
  std::vector<std::deque<OutMessage>> inject_;                // per port, packet model only
  std::unordered_map<std::uint64_t, std::uint64_t> partial_;  // (src << 32 | msg_seq) -> bytes received
  std::uint32_t next_msg_ = 0;
  std::uint64_t received_ = 0;
  std::uint64_t pending_notes_ = 0;  // injected/delivered notes not yet seen
};

}  // namespace tessera::network
