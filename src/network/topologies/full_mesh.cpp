// Topology "full_mesh": every pair of NPUs has its own direct link and there is no switch
// (network.full_mesh), as on boards whose accelerators are wired point to point to one another.
// Every message takes one hop, so the links never form a cycle of waiting buffers and one virtual
// channel suffices.
#include <fmt/format.h>

#include "tessera/network/topology_builder.hpp"
#include "tessera/network/topology_type.hpp"

namespace tessera::network {
namespace {

using namespace tessera::params;

struct FullMeshSpec {
  int npus = 8;
  // The torus and fat-tree defaults (400 Gb/s per direction, 100 ns per link): a placeholder to
  // be replaced with the figures of the modelled board.
  Bandwidth bandwidth{50'000'000'000};
  SimTime latency = 100 * kNanosecond;
};

/// NPU x's port towards NPU y (x != y): ports 0 .. n-2 go to the other NPUs in id order.
pdes::LocalPort port_to(NodeId x, NodeId y) { return static_cast<pdes::LocalPort>(y < x ? y : y - 1); }

class DirectRouter final : public Router {
 public:
  Hop route(const Topology&, NodeId at, NodeId dst, std::uint64_t, std::uint8_t,
            std::uint8_t) const override {
    return {port_to(at, dst), 0, 0};
  }
};

class FullMesh final : public MappingTopology<FullMeshSpec> {
 public:
  FullMesh() : MappingTopology("full_mesh") {}

  std::string section_doc() const override {
    return fmt::format("full-mesh parameters (topology: {})", name());
  }

 protected:
  Table<FullMeshSpec> table() const override {
    using M = FullMeshSpec;
    return {
        section_name(),
        "NPUs linked directly to one another, one link per pair (n(n-1)/2 links), no switch: boards whose "
        "accelerators are wired point to point. Every message takes one hop.",
        {
            p_int("npus", &M::npus, 2, 256, "NPUs, each linked to every other"),
            p_bandwidth("bandwidth", &M::bandwidth, "bandwidth per link and direction"),
            p_time("latency", &M::latency, "latency per link"),
        },
        {}};
  }

  std::vector<int> sizes(const FullMeshSpec& m) const override { return {m.npus}; }

  std::string text(const FullMeshSpec& m) const override {
    return name() + ": " + table().fill("{npus} NPUs, links {bandwidth} / {latency}", m);
  }

  void build_from(const FullMeshSpec& m, TopologyBuilder& b) const override {
    const std::string k = section_name();
    if (m.npus < 2) b.problem(k + ".npus", fmt::format("{} NPUs; a mesh needs at least 2", m.npus));
    b.check_bw(k + ".bandwidth", m.bandwidth);
    b.check_latency(k + ".latency", m.latency);
    if (!b.ok()) return;
    b.add_npus(m.npus);
    const auto n = static_cast<NodeId>(m.npus);
    for (NodeId x = 0; x < n; ++x) {
      for (NodeId y = x + 1; y < n; ++y) b.link(x, port_to(x, y), y, port_to(y, x), m.bandwidth, m.latency);
    }
    b.set_dimension_sizes({m.npus});
    b.set_router(std::make_shared<DirectRouter>());
  }
};

}  // namespace

namespace topologies {
const TopologyType& full_mesh() { return type_instance<FullMesh>(); }
}  // namespace topologies

}  // namespace tessera::network
