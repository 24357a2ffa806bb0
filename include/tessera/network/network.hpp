// The network of one run: the topology, the selected model and its parameters, and the binding of
// nodes to the engine's LP ids. Built identically on every rank; immutable once bound. The NPU
// LPs belong to the runtime (which embeds a Nic in each); the network creates the switch LPs.
#pragma once

#include <limits>
#include <memory>
#include <vector>

#include "tessera/network/topology.hpp"
#include "tessera/network/topology_spec.hpp"
#include "tessera/pdes/graph.hpp"
#include "tessera/pdes/logical_process.hpp"

namespace tessera::network {

/// An NVSwitch multicast group (Network::add_multicast_group): member NPUs that all hang on one
/// switch, which copies a multicast stream to every member and reduces their shares for a
/// requester (CUDA multicast objects, docs/network.md "Multicast groups").
struct MulticastGroup {
  std::vector<NodeId> members;               ///< in declaration order
  NodeId sw = kNoNode;                       ///< the switch they share
  std::vector<pdes::LocalPort> switch_port;  ///< the switch's port to members[i]
};

class Network {
 public:
  /// Builds and validates the topology (InputError listing every problem; the packet parameters'
  /// switch_latency is the ASTRA Switch dimensions' forwarding latency) and the packet parameters.
  Network(const TopologySpec& spec, NetworkModel model, const PacketSpec& packet = {});

  const Topology& topology() const { return topology_; }
  NetworkModel model() const { return model_; }
  const PacketSpec& packet() const { return packet_; }
  int num_npus() const { return topology_.num_npus(); }

  /// Adds every NPU and switch as an LP (NPUs named npu/NNNNNN, so sorted-name order is NPU id
  /// order; HGX boxes get the group hint box/NNNNN) and every link direction as a channel, and
  /// declares the minimum direct-send delay (acknowledgements, closed-form deliveries).
  void add_to_graph(pdes::GraphBuilder& builder) const;
  /// Declares an NVSwitch multicast group of `npus` (packet model only, before bind; at least two
  /// distinct NPUs that all link to one switch, the one their mutual routes cross). Returns its
  /// id: 0, 1, ... in declaration order. Throws Error naming the problem otherwise.
  std::uint32_t add_multicast_group(const std::vector<int>& npus);
  const MulticastGroup& multicast_group(std::uint32_t id) const;
  std::size_t num_multicast_groups() const { return groups_.size(); }
  /// The port of NPU `npu` whose link goes to switch `sw` (Error if none).
  pdes::LocalPort port_to(NodeId npu, NodeId sw) const;

  /// Looks up the LP id of every node in the built graph. Required before Nic / make_switch.
  void bind(const pdes::Graph& graph);

  /// Whether bind() ran.
  bool bound() const { return !lp_of_.empty(); }
  pdes::LpId lp_of(NodeId node) const { return lp_of_[node]; }
  /// The node an LP is, kNoNode for LPs the network did not add.
  NodeId node_of(pdes::LpId lp) const { return lp < node_of_.size() ? node_of_[lp] : kNoNode; }
  bool is_switch_lp(pdes::LpId lp) const {
    const NodeId n = node_of(lp);
    return n != kNoNode && !topology_.is_npu(n);
  }
  /// The LP of a switch node (is_switch_lp(lp) must hold).
  std::unique_ptr<pdes::LogicalProcess> make_switch(pdes::LpId lp) const;

  /// Latency of the channel of (node, port) in the graph: the link's latency, truncated to whole
  /// ns in the congestion-aware model (its hop time is uint64(latency + size/B) ns, never less).
  SimTime channel_latency(NodeId node, pdes::LocalPort port) const;
  /// Credits (bytes) of the input buffer at the far end of (node, port), per virtual channel;
  /// kUnboundedBuffer where the link runs without credits (uncredited).
  Bytes credits(NodeId node, pdes::LocalPort port) const;
  static constexpr Bytes kUnboundedBuffer = std::numeric_limits<Bytes>::max() / 4;
  /// The link of (node, port) leads into an output-queued switch: it runs without credits, and
  /// the switch returns none for it.
  bool uncredited(NodeId node, pdes::LocalPort port) const {
    const NodeId peer = topology_.node(node).ports[port].peer;
    return peer != kNoNode && topology_.output_queued(peer);
  }
  /// The automatic buffer of (node, port): two credit round trips of the link plus 3 packets, so
  /// an uncongested stream never waits for credits.
  Bytes round_trip_buffer(NodeId node, pdes::LocalPort port) const;
  /// Minimum delay of any direct send the network makes.
  SimTime min_direct_delay() const { return min_direct_delay_; }

  /// The congestion-unaware delivery delay of a message (ps). For ASTRA dimensions exactly
  /// ASTRA-sim's closed form: first differing dimension only, uint64(hops x latency + size/B) ns
  /// with Ring hops = shorter direction, FullyConnected 1, Switch 2. For other topologies: the
  /// route's latencies plus one serialization at its slowest link (exact ps). 0 when src == dst.
  SimTime unaware_delay(NodeId src, NodeId dst, Bytes bytes) const;
  /// Delay of the delivery acknowledgement from `from` back to `to`: the latency of the route
  /// from `from` to `to` (no serialization, no queueing), so it is the same on any rank count.
  SimTime ack_delay(NodeId from, NodeId to) const;

 private:
  Topology topology_;
  NetworkModel model_;
  PacketSpec packet_;
  SimTime min_direct_delay_ = 0;
  std::vector<pdes::LpId> lp_of_;
  std::vector<NodeId> node_of_;
  std::vector<MulticastGroup> groups_;
};

}  // namespace tessera::network
