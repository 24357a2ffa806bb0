// The network of a run: graph construction, LP binding, channel latencies, credits, closed forms.
#include "tessera/network/network.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "tessera/error.hpp"
#include "tessera/network/astra_timing.hpp"
#include "tessera/network/switch_lp.hpp"
#include "tessera/network/topology_type.hpp"

namespace tessera::network {

namespace {
std::vector<Diagnostic> check_packet(const PacketSpec& p) {
  std::vector<Diagnostic> out;
  if (p.packet_size < 1 || p.packet_size > (Bytes{1} << 30)) {
    out.push_back({"", 0, "network.packet.packet_size",
                   fmt::format("{} bytes is not in [1 B, 1 GiB]", p.packet_size),
                   "4096 (the InfiniBand MTU) is the default"});
  }
  if (p.buffer_per_port != 0 && p.buffer_per_port < p.packet_size) {
    out.push_back({"", 0, "network.packet.buffer_per_port",
                   fmt::format("{} bytes cannot hold one {}-byte packet", p.buffer_per_port, p.packet_size),
                   "use at least one packet, or 0 for the automatic size"});
  }
  if (p.stats_bin < 0) out.push_back({"", 0, "network.packet.stats_bin", "must be >= 0 (0 = no bins)", ""});
  if (p.stats_max_bins < 0 || p.stats_max_bins == 1)
    out.push_back({"", 0, "network.packet.stats_max_bins", "must be 0 (no limit) or >= 2", ""});
  return out;
}
}  // namespace

Network::Network(const TopologySpec& spec, NetworkModel model, const PacketSpec& packet)
    : topology_(build_topology(spec, BuildOptions{packet.switch_latency})), model_(model), packet_(packet) {
  if (model == NetworkModel::kPacket) {
    auto problems = check_packet(packet);
    if (!problems.empty()) throw InputError(std::move(problems));
  }
  SimTime m = kTimeInfinity;
  for (const Node& n : topology_.nodes()) {
    for (const PortInfo& p : n.ports) {
      if (p.peer != kNoNode) m = std::min(m, astra::floor_ns(p.latency));
    }
  }
  min_direct_delay_ = m == kTimeInfinity ? 0 : m;
}

void Network::add_to_graph(pdes::GraphBuilder& builder) const {
  const Topology& t = topology_;
  for (NodeId i = 0; i < t.num_nodes(); ++i) {
    const Node& n = t.node(i);
    // Weight: the expected event load, roughly one per port (NPUs also run the workload).
    const auto w = static_cast<std::int64_t>(n.ports.size()) + (t.is_npu(i) ? 2 : 0);
    builder.add_lp(n.name, w, n.group);
  }
  for (NodeId i = 0; i < t.num_nodes(); ++i) {
    const Node& n = t.node(i);
    for (std::size_t p = 0; p < n.ports.size(); ++p) {
      const PortInfo& info = n.ports[p];
      if (info.peer == kNoNode) continue;  // spare switch port
      builder.connect(n.name, static_cast<pdes::LocalPort>(p), t.node(info.peer).name, info.peer_port,
                      channel_latency(i, static_cast<pdes::LocalPort>(p)));
    }
  }
  builder.set_direct_send_min_delay(min_direct_delay_);
}

void Network::bind(const pdes::Graph& graph) {
  const Topology& t = topology_;
  lp_of_.assign(t.num_nodes(), pdes::kNoLp);
  node_of_.assign(graph.num_lps(), kNoNode);
  std::vector<Diagnostic> missing;
  for (NodeId i = 0; i < t.num_nodes(); ++i) {
    const auto lp = graph.find(t.node(i).name);
    if (!lp) {
      missing.push_back({"", 0, t.node(i).name, "network node is not in the simulation graph",
                         "call Network::add_to_graph before building the graph"});
      continue;
    }
    lp_of_[i] = *lp;
    node_of_[*lp] = i;
  }
  if (!missing.empty()) throw InputError(std::move(missing));
}

std::uint32_t Network::add_multicast_group(const std::vector<int>& npus) {
  if (model_ != NetworkModel::kPacket)
    throw Error("multicast groups (NVSwitch multicast and reduction) need the packet network model");
  if (bound()) throw Error("Network::add_multicast_group after Network::bind(graph)");
  if (npus.size() < 2)
    throw Error(fmt::format("a multicast group needs two or more NPUs, not {}", npus.size()));
  MulticastGroup g;
  for (int n : npus) {
    if (n < 0 || n >= num_npus())
      throw Error(fmt::format("multicast group member {} is not an NPU (0..{})", n, num_npus() - 1));
    if (std::find(g.members.begin(), g.members.end(), static_cast<NodeId>(n)) != g.members.end())
      throw Error(fmt::format("multicast group lists NPU {} twice", n));
    g.members.push_back(static_cast<NodeId>(n));
  }
  // The switch is the first hop of the route between the first two members; every member must
  // link to it directly and be reached from it in one hop.
  const Hop first = topology_.route(g.members[0], g.members[1], 0, 0, kNoDim);
  g.sw = topology_.node(g.members[0]).ports[first.port].peer;
  if (g.sw == kNoNode || topology_.is_npu(g.sw))
    throw Error(
        fmt::format("multicast group: NPUs {} and {} are not connected through a switch", npus[0], npus[1]));
  for (NodeId m : g.members) {
    const Hop h = topology_.route(g.sw, m, 0, 0, kNoDim);
    if (topology_.node(g.sw).ports[h.port].peer != m) {
      throw Error(fmt::format("multicast group: NPU {} is not on switch {} with NPU {}", m,
                              topology_.node(g.sw).name, npus[0]));
    }
    g.switch_port.push_back(h.port);
  }
  groups_.push_back(std::move(g));
  return static_cast<std::uint32_t>(groups_.size() - 1);
}

const MulticastGroup& Network::multicast_group(std::uint32_t id) const {
  if (id >= groups_.size())
    throw Error(fmt::format("multicast group {} does not exist ({} declared)", id, groups_.size()));
  return groups_[id];
}

pdes::LocalPort Network::port_to(NodeId npu, NodeId sw) const {
  const auto& ports = topology_.node(npu).ports;
  for (std::size_t p = 0; p < ports.size(); ++p) {
    if (ports[p].peer == sw) return static_cast<pdes::LocalPort>(p);
  }
  throw Error(fmt::format("NPU {} has no link to switch {}", npu, topology_.node(sw).name));
}

std::unique_ptr<pdes::LogicalProcess> Network::make_switch(pdes::LpId lp) const {
  if (!bound()) throw Error("Network::make_switch before Network::bind(graph)");
  if (!is_switch_lp(lp)) throw Error(fmt::format("LP {} is not a switch of the network", lp));
  return std::make_unique<SwitchLp>(*this, node_of(lp));
}

SimTime Network::channel_latency(NodeId node, pdes::LocalPort port) const {
  const SimTime lat = topology_.node(node).ports[port].latency;
  return model_ == NetworkModel::kAstraCongestionAware ? astra::floor_ns(lat) : lat;
}

Bytes Network::credits(NodeId node, pdes::LocalPort port) const {
  const PortInfo& fwd = topology_.node(node).ports[port];
  if (fwd.peer == kNoNode) return 0;
  // An output-queued switch holds a packet in the queue of the output it waits for, not in the
  // input's buffer: what it holds is bounded by what the senders have in flight, not by credits.
  if (uncredited(node, port)) return kUnboundedBuffer;
  const int vcs = topology_.num_vcs();
  if (packet_.buffer_per_port > 0) {
    // A fixed buffer is shared by the virtual channels, each keeping at least one packet.
    return std::max(packet_.buffer_per_port / vcs, packet_.packet_size);
  }
  return round_trip_buffer(node, port);
}

Bytes Network::round_trip_buffer(NodeId node, pdes::LocalPort port) const {
  const PortInfo& fwd = topology_.node(node).ports[port];
  if (fwd.peer == kNoNode) return 0;
  const SimTime rtt = fwd.latency + topology_.node(fwd.peer).ports[fwd.peer_port].latency;
  return 2 * bytes_in(rtt, fwd.bandwidth) + 3 * packet_.packet_size;
}

SimTime Network::unaware_delay(NodeId src, NodeId dst, Bytes bytes) const {
  if (src == dst) return 0;
  if (topology_.type().astra_dimensions()) {
    const int d = topology_.first_differing_dim(src, dst);
    const DimensionSpec& spec = topology_.dims()[static_cast<std::size_t>(d)];
    int hops = 1;
    if (spec.kind == DimensionKind::kSwitch) {
      hops = 2;
    } else if (spec.kind == DimensionKind::kRing) {
      const int n = spec.npus;
      const int c = topology_.coord(src, d);
      const int t = topology_.coord(dst, d);
      const int cw = (t - c + n) % n;
      const int acw = (c - t + n) % n;
      hops = cw < acw ? cw : acw;
    }
    return astra::unaware(hops, bytes, spec.bandwidth, spec.latency);
  }
  const Topology::PathSummary p = topology_.path(src, dst);
  return p.latency + tx_time(bytes, p.bottleneck);
}

SimTime Network::ack_delay(NodeId from, NodeId to) const {
  return std::max(topology_.path(from, to).latency, min_direct_delay_);
}

}  // namespace tessera::network
