// A built network: nodes (NPUs first, then switches), full-duplex links on numbered ports, and
// arithmetic routing by the topology's Router. Immutable after build_topology(); every rank builds
// the same one.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tessera/network/topologies/dimensions.hpp"
#include "tessera/network/topology_spec.hpp"
#include "tessera/pdes/event.hpp"

namespace tessera::network {

/// Index of a node: NPUs are 0 .. num_npus-1 (NPU id = node id), switches follow.
using NodeId = std::uint32_t;
inline constexpr NodeId kNoNode = 0xFFFFFFFFu;
/// "No dimension yet" for Hop::dim.
inline constexpr std::uint8_t kNoDim = 0xFF;

/// One end of a full-duplex link, seen from the node that owns the port. The link leaving port p
/// of node a arrives on port peer_port of `peer`, and the reverse direction uses the same two
/// port numbers (credits of a direction travel back over the reverse one).
struct PortInfo {
  NodeId peer = kNoNode;  ///< kNoNode: a spare switch port (partly filled leaf or pod)
  pdes::LocalPort peer_port = 0;
  Bandwidth bandwidth{};  ///< of this direction
  /// Latency of this direction: the link's latency plus the owning node's forwarding latency
  /// (a switch applies its forwarding delay on the way out, so it costs no extra event).
  SimTime latency = 0;
};

struct Node {
  std::string name;   ///< LP name: "npu/000013", "sw/ft-leaf/00002", ...
  std::string group;  ///< partition hint ("box/00003" for an HGX box), "" when none
  std::vector<PortInfo> ports;
};

/// The next hop of a packet: output port, virtual channel and the dimension it travels in.
struct Hop {
  pdes::LocalPort port = 0;
  std::uint8_t vc = 0;
  std::uint8_t dim = kNoDim;
};

class Topology;

/// A topology's routing: the hop a packet at node `at` (not its destination) takes towards NPU
/// `dst` (see Topology::route). Each topology file defines its own, usually from the fabric
/// routines below (route_dims, route_fat_tree). Must be O(1) and allocation-free: it runs per
/// packet and hop.
class Router {
 public:
  virtual ~Router() = default;
  virtual Hop route(const Topology& t, NodeId at, NodeId dst, std::uint64_t hash, std::uint8_t vc,
                    std::uint8_t dim) const = 0;
};

class Topology {
 public:
  /// What a node is, for the fabric routines: an NPU, a switch of an ASTRA Switch dimension, a
  /// fat-tree level, or a switch of the topology's own (kSwitch, which its Router recognizes).
  enum class Role : std::uint8_t { kNpu, kDimSwitch, kLeaf, kSpine, kAgg, kCore, kSwitch };

  const TopologyType& type() const { return *type_; }
  const std::string& name() const;
  int num_npus() const { return num_npus_; }
  std::size_t num_nodes() const { return nodes_.size(); }
  const Node& node(NodeId n) const { return nodes_[n]; }
  const std::vector<Node>& nodes() const { return nodes_; }
  bool is_npu(NodeId n) const { return n < static_cast<NodeId>(num_npus_); }
  /// Virtual channels per link: 2 where rings can close a buffer cycle (dateline), else 1.
  int num_vcs() const { return num_vcs_; }
  /// Sizes of the logical dimensions (ASTRA dims, torus sizes, {hosts}, {gpus, boxes}).
  const std::vector<int>& dimension_sizes() const { return dim_sizes_; }

  /// The hop a packet at node `at` (not its destination) takes towards NPU `dst`. `vc`/`dim` are
  /// the packet's current virtual channel and dimension (kNoDim at the source); `hash` mixes the
  /// flow and packet ids and picks among equal paths (fat-tree uplinks), so the choice is
  /// deterministic. O(1), no allocation.
  Hop route(NodeId at, NodeId dst, std::uint64_t hash, std::uint8_t vc, std::uint8_t dim) const {
    return router_->route(*this, at, dst, hash, vc, dim);
  }

  /// Links and latencies along the route of a packet with hash 0 from `src` to `dst`:
  /// sum of PortInfo::latency and the smallest bandwidth.
  struct PathSummary {
    int hops = 0;
    SimTime latency = 0;
    Bandwidth bottleneck{};
  };
  PathSummary path(NodeId src, NodeId dst) const;

  /// The dimensions the builder added (ASTRA dimensions, torus rings), empty otherwise.
  const std::vector<DimensionSpec>& dims() const { return dims_; }
  /// The first dimension in which two NPUs' mixed-radix coordinates differ (-1 when equal).
  int first_differing_dim(NodeId a, NodeId b) const;
  /// The coordinate of `npu` in dimension d.
  int coord(NodeId npu, int d) const {
    return static_cast<int>((npu / dim_info_[d].stride) % dim_info_[d].n);
  }

  Role role(NodeId n) const { return role_[n]; }
  /// An output-queued switch (a non-blocking crossbar such as NVSwitch): a packet takes no room in
  /// an input buffer while it waits for its output, so a congested output never holds back the
  /// packets of the same input that go elsewhere (no head-of-line blocking between outputs).
  bool output_queued(NodeId n) const { return output_queued_[n] != 0; }
  /// The node's index within its role (a Switch dimension's switches: dim << 24 | group).
  std::uint32_t index(NodeId n) const { return index_[n]; }

  // ---- fabric routines for routers --------------------------------------------------------------
  /// Dimension-ordered routing over the dimensions the builder added (TopologyBuilder::dimensions).
  Hop route_dims(NodeId at, NodeId dst, std::uint8_t vc, std::uint8_t dim) const;
  /// Up/down routing in the fat-tree the builder added (TopologyBuilder::fat_tree), at a switch of it.
  Hop route_fat_tree(NodeId at, NodeId host, std::uint64_t hash) const;
  /// The NPU port into its fat-tree leaf.
  pdes::LocalPort fat_tree_host_port() const { return ft_.host_port; }

 private:
  friend class TopologyBuilder;
  struct DimInfo {
    DimensionKind kind;
    std::uint32_t n = 0, stride = 1;
    pdes::LocalPort port_base = 0;  // first NPU port of this dimension
    NodeId switch_base = kNoNode;   // first Switch node of this dimension
  };
  struct FatTreeInfo {
    int levels = 0;  // 0: none, 2: leaf-spine, 3: leaf-agg-core
    std::uint32_t down = 0, up = 0, half = 0, leaves = 0;
    NodeId leaf_base = kNoNode, mid_base = kNoNode, core_base = kNoNode;
    pdes::LocalPort host_port = 0;  // the NPU port into its leaf
  };

  NodeId add_node(std::string name, Role role, std::uint32_t index, std::string group = {});
  /// A full-duplex link between port pa of a and port pb of b (both directions bw, latency).
  void link(NodeId a, pdes::LocalPort pa, NodeId b, pdes::LocalPort pb, Bandwidth bw, SimTime latency);

  const TopologyType* type_ = nullptr;
  std::shared_ptr<const Router> router_;
  int num_npus_ = 0;
  int num_vcs_ = 1;
  std::vector<Node> nodes_;
  std::vector<Role> role_;                // per node
  std::vector<std::uint32_t> index_;      // per node: index within its role (dim switches: dim << 24 | i)
  std::vector<SimTime> forward_latency_;  // per node
  std::vector<std::uint8_t> output_queued_;  // per node: 1 = output-queued switch
  std::vector<DimensionSpec> dims_;
  std::vector<DimInfo> dim_info_;
  std::vector<int> dim_sizes_;
  FatTreeInfo ft_;
};

/// The router of ASTRA-style dimension networks (dimensions, torus): Topology::route_dims.
class DimensionOrderRouter final : public Router {
 public:
  Hop route(const Topology& t, NodeId at, NodeId dst, std::uint64_t, std::uint8_t vc,
            std::uint8_t dim) const override {
    return t.route_dims(at, dst, vc, dim);
  }
};

/// Builds and validates. Throws InputError listing every problem (key paths such as
/// "network.fat_tree.radix") with the fix.
Topology build_topology(const TopologySpec& spec, const BuildOptions& options = {});

/// "npu/000013": zero-padded so that sorted-name order equals NPU id order.
std::string npu_name(int npu);

/// Deterministic 64-bit mix of flow and packet ids (splitmix64 finalizer).
std::uint64_t flow_hash(std::uint32_t src, std::uint32_t dst, std::uint32_t message, std::uint32_t packet);

}  // namespace tessera::network
