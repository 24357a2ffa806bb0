// Topology "fat_tree": a k-ary fat-tree of k-port switches with the NPUs on the leaves
// (network.fat_tree), two levels (leaf-spine) up to k^2/2 hosts, three up to k^3/4; up/down
// routing with the uplink chosen by the packet's flow hash.
#include <fmt/format.h>

#include "tessera/network/topologies/fat_tree.hpp"
#include "tessera/network/topology_builder.hpp"
#include "tessera/network/topology_type.hpp"

namespace tessera::network {
namespace {

using namespace tessera::params;

class FatTreeRouter final : public Router {
 public:
  Hop route(const Topology& t, NodeId at, NodeId dst, std::uint64_t hash, std::uint8_t,
            std::uint8_t) const override {
    if (t.is_npu(at)) return {t.fat_tree_host_port(), 0, 0};
    return t.route_fat_tree(at, dst, hash);
  }
};

class FatTree final : public MappingTopology<FatTreeSpec> {
 public:
  FatTree() : MappingTopology("fat_tree") {}

  std::string section_doc() const override {
    return fmt::format("fat-tree parameters (topology: {})", name());
  }

 protected:
  Table<FatTreeSpec> table() const override {
    using F = FatTreeSpec;
    return {section_name(),
            "A k-ary fat-tree of k-port switches with the NPUs on the leaves: two levels (leaf-spine) up to "
            "k^2/2 hosts, three levels up to k^3/4 hosts.",
            {
                p_int("radix", &F::radix, 4, 1024, "k: ports per switch (even)"),
                p_int("hosts", &F::hosts, 2, 1 << 24, "NPUs attached to the leaf switches"),
                p_ratio("oversubscription", &F::oversubscription, "leaf downlink:uplink bandwidth ratio"),
                p_bandwidth("link_bandwidth", &F::link_bandwidth, "bandwidth per link and direction"),
                p_time("link_latency", &F::link_latency, "latency per link (cable and SerDes)"),
                p_time("switch_latency", &F::switch_latency, "port-to-port forwarding latency of a switch"),
            },
            {}};
  }

  void check_params(const FatTreeSpec& f, const params::Node& network, Sink& sink) const override {
    if (f.radix % 2 != 0)
      sink.error(network.diag(fmt::format("{}.radix must be even, got {}", name(), f.radix)));
    const std::int64_t k = f.radix;
    if (f.hosts > k * k * k / 4) {
      sink.error(network.diag(fmt::format("a fat-tree of radix {} holds at most k^3/4 = {} hosts, got {}", k,
                                          k * k * k / 4, f.hosts),
                              fmt::format("raise {}.radix", name())));
    }
  }

  std::vector<int> sizes(const FatTreeSpec& f) const override { return {f.hosts}; }

  std::string text(const FatTreeSpec& f) const override {
    return name() + ": " +
           table().fill(
               "radix {radix}, {hosts} hosts, oversubscription {oversubscription}:1, links {link_bandwidth} "
               "/ "
               "{link_latency}, switch latency {switch_latency}",
               f);
  }

  void build_from(const FatTreeSpec& f, TopologyBuilder& b) const override {
    if (f.hosts < 2) {
      b.problem(section_name() + ".hosts", fmt::format("{} hosts; need at least 2", f.hosts));
      return;
    }
    b.add_npus(f.hosts);
    b.fat_tree(f.hosts, f.radix, f.oversubscription, f.link_bandwidth, f.link_latency, f.switch_latency,
               section_name(), "ft", 0);
    b.set_dimension_sizes({f.hosts});
    b.set_router(std::make_shared<FatTreeRouter>());
  }
};

}  // namespace

namespace topologies {
const TopologyType& fat_tree() { return type_instance<FatTree>(); }
}  // namespace topologies

}  // namespace tessera::network
