// The network's event kinds and payload layouts. The runtime's NPU LP forwards every event whose
// kind is_network_event() to its Nic; the runtime must not use kinds in [kFirst, kLast].
#pragma once

#include <cstdint>
#include <type_traits>

#include "tessera/pdes/event.hpp"

namespace tessera::network {

/// Reserved range of event kinds: 0x4E00 .. 0x4EFF ('N').
inline constexpr pdes::EventKind kFirstNetworkKind = 0x4E00;
inline constexpr pdes::EventKind kLastNetworkKind = 0x4EFF;

enum NetworkEventKind : pdes::EventKind {
  kPacketArrival = 0x4E00,  ///< PacketHeader, on a link: the last bit of a packet has arrived
  kCredit = 0x4E01,         ///< CreditReturn, on the reverse link: buffer space freed downstream
  kCreditWake = 0x4E02,     ///< CreditWake, self: a computed credit return is due (see Forwarder)
  kMessageInjected = 0x4E03,   ///< MessageNote, self: the last byte of a message left the NIC
  kMessageDelivered = 0x4E04,  ///< MessageNote, direct from the destination (or self): acknowledgement
  kDirectArrival = 0x4E05,     ///< PacketHeader (whole message), direct: closed-form delivery
  kCreditFlush = 0x4E07,       ///< CreditWake, self: return a partly filled credit batch
};

inline bool is_network_event(pdes::EventKind k) { return k >= kFirstNetworkKind && k <= kLastNetworkKind; }

/// Header of a packet (in the packet model) or of a whole message (ASTRA models). Exactly fills
/// the 40-byte inline payload, so a packet never allocates.
struct PacketHeader {
  std::uint32_t src = 0;        ///< source NPU
  std::uint32_t dst = 0;        ///< destination NPU
  std::uint64_t tag = 0;        ///< the owner's message tag
  std::uint64_t msg_bytes = 0;  ///< bytes of the whole message
  std::uint32_t bytes = 0;      ///< bytes of this packet (0 with kWholeMessage: msg_bytes)
  std::uint32_t seq = 0;        ///< packet index within the message
  std::uint32_t msg_seq = 0;    ///< the source NIC's message counter (reassembly key with src)
  std::uint8_t vc = 0;          ///< virtual channel on the link it travels
  std::uint8_t dim = 0xFF;      ///< dimension of the last hop (dimension-ordered routing)
  std::uint8_t flags = 0;       ///< kWholeMessage, kNoAck, kSenderTimed
  std::uint8_t op = kPlain;     ///< what the packet is for (kPlain, or an NVSwitch group operation)

  static constexpr std::uint8_t kWholeMessage = 1;
  /// The sender asked for no notes (Nic::send_message with notify = false): no acknowledgement.
  static constexpr std::uint8_t kNoAck = 2;
  /// The sender timed its own delivery note (congestion-aware, one hop): the receiver sends no
  /// acknowledgement.
  static constexpr std::uint8_t kSenderTimed = 4;
  /// Packet operations (`op`). The NVSwitch group operations (Network::add_multicast_group) travel
  /// between a GPU and its group's switch only; their `dst` is the group id where it says so.
  static constexpr std::uint8_t kPlain = 0;
  /// GPU -> switch, dst = group: a multicast stream the switch copies to every member's port.
  static constexpr std::uint8_t kMulticast = 1;
  /// Requester -> switch, dst = group, no payload, msg_bytes = c: reduce c bytes of the group.
  static constexpr std::uint8_t kReduceRequest = 2;
  /// Switch -> member, no payload (src, msg_seq, msg_bytes of the request; tag = group): send
  /// your c bytes of the reduction to the switch.
  static constexpr std::uint8_t kReducePull = 3;
  /// Member -> switch, dst = group (src, msg_seq of the request): one packet of a member's share.
  static constexpr std::uint8_t kReduceData = 4;
  /// Bytes this packet carries on the wire.
  std::uint64_t size() const { return (flags & kWholeMessage) ? msg_bytes : bytes; }
};
static_assert(sizeof(PacketHeader) == 40 && std::is_trivially_copyable_v<PacketHeader>);

struct CreditReturn {
  std::uint64_t bytes = 0;
  std::uint8_t vc = 0;
};

/// A packet waits on (port, vc) for credits that return at this event's time without an event of
/// their own (the link's far end is the packets' destination NPU, see Forwarder).
struct CreditWake {
  std::uint16_t port = 0;
  std::uint8_t vc = 0;
};

/// A message seen from its sender: kMessageInjected / kMessageDelivered.
struct MessageNote {
  std::uint32_t peer = 0;  ///< the destination NPU
  std::uint32_t msg_seq = 0;
  std::uint64_t tag = 0;
  std::uint64_t bytes = 0;
  SimTime arrived = 0;  ///< kMessageDelivered: when the last byte reached the destination
};
static_assert(sizeof(MessageNote) <= 40);

}  // namespace tessera::network
