// A traffic driver for the network layer's tests, determinism checks and benchmark: NPU LPs that
// embed a Nic and send a given list of messages (or ring rounds that each start when the previous
// round's message from the left neighbour arrived), run on any transport.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tessera/network/link_stats.hpp"
#include "tessera/network/network.hpp"
#include "tessera/pdes/engine.hpp"

namespace tessera::bench {

struct TrafficMessage {
  /// kSend: a message to NPU dst; kMulticast / kSwitchReduce: Nic::multicast / switch_reduce of
  /// multicast group dst (TrafficSpec::multicast_groups).
  enum Op { kSend, kMulticast, kSwitchReduce };
  int src = 0;
  int dst = 0;
  Bytes bytes = 0;
  SimTime at = 0;  ///< when src sends it
  std::uint64_t tag = 0;
  Op op = kSend;
};

struct TrafficSpec {
  network::TopologySpec topology;
  network::NetworkModel model = network::NetworkModel::kPacket;
  network::PacketSpec packet;
  std::vector<TrafficMessage> messages;
  /// Multicast groups declared before bind (ids in this order).
  std::vector<std::vector<int>> multicast_groups;
  /// Ring rounds: every NPU sends ring_bytes to npu+1 at t=0 (round 0); when round r from npu-1
  /// arrives, it sends round r+1; ring_rounds rounds in all (0 = none).
  int ring_rounds = 0;
  Bytes ring_bytes = 0;
  /// All-to-all: when > 0, every NPU i sends this many bytes to i+1, i+2, ... (mod n) at t=0.
  Bytes all_to_all_bytes = 0;
  std::string placement = "auto";  ///< auto | round-robin
  bool collect = true;             ///< gather per-message records and link statistics on every rank
};

/// One message as the receiver and the sender saw it.
struct Delivery {
  int src = 0, dst = 0;
  Bytes bytes = 0;
  std::uint64_t tag = 0;
  SimTime arrived = 0;    ///< at the receiver
  SimTime injected = 0;   ///< last byte left the sender's NIC
  SimTime delivered = 0;  ///< acknowledgement seen by the sender
};

struct TrafficResult {
  pdes::RunResult run;
  SimTime lookahead = 0;
  std::uint64_t messages = 0;      ///< arrivals, all ranks
  SimTime last_arrival = 0;        ///< all ranks
  std::uint64_t packets_sent = 0;  ///< link transmissions (packet-hops), all ranks
  Bytes bytes_sent = 0;            ///< link bytes (byte-hops), all ranks
  // Only with collect: sorted by (src, tag, dst); links sorted by (from, port).
  std::vector<Delivery> deliveries;
  std::vector<network::LinkStats> links;
  /// Text of deliveries and link statistics: identical for any rank count.
  std::string fingerprint() const;
};

/// Builds the network, graph and partition, runs, gathers (collective on `transport`).
TrafficResult run_traffic(const TrafficSpec& spec, pdes::Transport& transport);

}  // namespace tessera::bench
