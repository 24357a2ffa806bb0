// The fabric routines routers are made of, and path queries on a built topology. Routing is
// arithmetic (coordinates, leaf and pod indices), so it needs no tables and costs a few integer
// operations per packet and hop.
#include "tessera/network/topology.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "tessera/network/topology_type.hpp"

namespace tessera::network {

std::string npu_name(int npu) { return fmt::format("npu/{:06d}", npu); }

std::uint64_t flow_hash(std::uint32_t src, std::uint32_t dst, std::uint32_t message, std::uint32_t packet) {
  std::uint64_t z = (static_cast<std::uint64_t>(src) << 32 | dst) ^
                    ((static_cast<std::uint64_t>(message) << 32 | packet) * 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

namespace {
// A different, still deterministic, choice per tree level from one packet hash.
std::uint64_t level_hash(std::uint64_t h, unsigned level) {
  h ^= 0xD6E8FEB86659FD93ull * (level + 1);
  h = (h ^ (h >> 32)) * 0xD6E8FEB86659FD93ull;
  return h ^ (h >> 32);
}
}  // namespace

int Topology::first_differing_dim(NodeId a, NodeId b) const {
  for (std::size_t d = 0; d < dim_info_.size(); ++d) {
    if (coord(a, static_cast<int>(d)) != coord(b, static_cast<int>(d))) return static_cast<int>(d);
  }
  return -1;
}

Hop Topology::route_dims(NodeId at, NodeId dst, std::uint8_t vc, std::uint8_t dim) const {
  if (role_[at] == Role::kDimSwitch) {
    const int d = static_cast<int>(index_[at] >> 24);
    return {static_cast<pdes::LocalPort>(coord(dst, d)), vc, dim};
  }
  // Dimension-ordered: resolve the lowest differing dimension first. Changing dimension resets
  // the virtual channel (the dimension order itself makes cross-dimension waits acyclic).
  const int d = first_differing_dim(at, dst);
  const DimInfo& info = dim_info_[static_cast<std::size_t>(d)];
  const auto dd = static_cast<std::uint8_t>(d);
  std::uint8_t v = dd == dim ? vc : 0;
  const int n = static_cast<int>(info.n);
  const int c = coord(at, d);
  const int t = coord(dst, d);
  switch (info.kind) {
    case DimensionKind::kRing: {
      if (n == 2) return {info.port_base, v, dd};
      const int cw = (t - c + n) % n;
      const int ccw = (c - t + n) % n;
      // Shorter direction, ties clockwise (ASTRA-sim). Crossing the wrap link (the dateline)
      // moves the packet to VC 1, which breaks the ring's buffer cycle.
      if (ccw < cw) {
        if (c == 0) v = 1;
        return {static_cast<pdes::LocalPort>(info.port_base + 1), v, dd};
      }
      if (c == n - 1) v = 1;
      return {info.port_base, v, dd};
    }
    case DimensionKind::kFullyConnected:
      return {static_cast<pdes::LocalPort>(info.port_base + (t < c ? t : t - 1)), 0, dd};
    case DimensionKind::kSwitch:
      return {info.port_base, 0, dd};
  }
  return {};
}

Hop Topology::route_fat_tree(NodeId at, NodeId host, std::uint64_t hash) const {
  const std::uint32_t leaf = host / ft_.down;
  const std::uint32_t i = index_[at];
  switch (role_[at]) {
    case Role::kLeaf:
      if (leaf == i) return {static_cast<pdes::LocalPort>(host % ft_.down), 0, 0};
      return {static_cast<pdes::LocalPort>(ft_.down + level_hash(hash, 0) % ft_.up), 0, 0};
    case Role::kSpine:
      return {static_cast<pdes::LocalPort>(leaf), 0, 0};
    case Role::kAgg: {
      const std::uint32_t pod = i / ft_.up;
      if (leaf / ft_.half == pod) return {static_cast<pdes::LocalPort>(leaf % ft_.half), 0, 0};
      return {static_cast<pdes::LocalPort>(ft_.half + level_hash(hash, 1) % ft_.half), 0, 0};
    }
    case Role::kCore:
      return {static_cast<pdes::LocalPort>(leaf / ft_.half), 0, 0};
    default:
      return {};
  }
}

const std::string& Topology::name() const { return type_->name(); }

Topology::PathSummary Topology::path(NodeId src, NodeId dst) const {
  PathSummary s;
  NodeId at = src;
  std::uint8_t vc = 0, dim = kNoDim;
  while (at != dst && s.hops <= static_cast<int>(nodes_.size())) {
    const Hop h = route(at, dst, 0, vc, dim);
    const PortInfo& p = nodes_[at].ports[h.port];
    s.latency += p.latency;
    if (s.hops == 0 || p.bandwidth < s.bottleneck) s.bottleneck = p.bandwidth;
    ++s.hops;
    vc = h.vc;
    dim = h.dim;
    at = p.peer;
  }
  return s;
}

NodeId Topology::add_node(std::string name, Role role, std::uint32_t index, std::string group) {
  nodes_.push_back(Node{std::move(name), std::move(group), {}});
  role_.push_back(role);
  index_.push_back(index);
  forward_latency_.push_back(0);
  output_queued_.push_back(0);
  return static_cast<NodeId>(nodes_.size() - 1);
}

void Topology::link(NodeId a, pdes::LocalPort pa, NodeId b, pdes::LocalPort pb, Bandwidth bw,
                    SimTime latency) {
  auto put = [&](NodeId from, pdes::LocalPort port, NodeId to, pdes::LocalPort to_port) {
    auto& ports = nodes_[from].ports;
    if (ports.size() <= port) ports.resize(port + 1u);
    ports[port] = PortInfo{to, to_port, bw, latency + forward_latency_[from]};
  };
  put(a, pa, b, pb);
  put(b, pb, a, pa);
}

}  // namespace tessera::network
