// Topology "torus": a 2-D or 3-D torus with wrap-around links in every dimension
// (network.torus), the NPUs as routers: all-Ring ASTRA-style dimensions, routed dimension by
// dimension with a dateline virtual channel per ring.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tessera/network/topologies/torus.hpp"
#include "tessera/network/topology_builder.hpp"
#include "tessera/network/topology_type.hpp"

namespace tessera::network {
namespace {

using namespace tessera::params;

class Torus final : public MappingTopology<TorusSpec> {
 public:
  Torus() : MappingTopology("torus") {}

  std::string section_doc() const override { return fmt::format("torus parameters (topology: {})", name()); }

 protected:
  Table<TorusSpec> table() const override {
    using T = TorusSpec;
    return {section_name(),
            "A 2-D or 3-D torus with wrap-around links in every dimension.",
            {
                {"dims", "list of int", "2 or 3 sizes, each >= 2", "NPUs along each dimension", false,
                 [](const params::Node& n, T& s, Sink& sink) {
                   if (auto v = get_int_list(n, sink, 2, 1 << 16)) {
                     if (v->size() < 2 || v->size() > 3) {
                       sink.error(n.diag(fmt::format("expected 2 or 3 dimension sizes, got {}", v->size()),
                                         "e.g. dims: [4, 4, 4]"));
                     } else {
                       s.dims = *v;
                     }
                   }
                 },
                 [](const T& s) { return fmt::format("[{}]", fmt::join(s.dims, ", ")); }, "dims",
                 [](const T& s) { return Value::of(s.dims); }},
                p_bandwidth("bandwidth", &T::bandwidth, "bandwidth per link and direction"),
                p_time("latency", &T::latency, "latency per link"),
            },
            {}};
  }

  std::vector<int> sizes(const TorusSpec& t) const override { return t.dims; }

  std::string text(const TorusSpec& t) const override {
    return fmt::format("{} {}", name(), fmt::join(t.dims, "x")) +
           table().fill(", links {bandwidth} / {latency}", t);
  }

  void build_from(const TorusSpec& t, TopologyBuilder& b) const override {
    const std::string key = section_name() + ".dims";
    if (t.dims.size() != 2 && t.dims.size() != 3) {
      b.problem(key, fmt::format("{} dimensions; a torus here has 2 or 3", t.dims.size()),
                "give two or three sizes, e.g. [4, 4] or [4, 4, 4]");
      return;
    }
    std::vector<DimensionSpec> rings;
    for (int n : t.dims) rings.push_back(DimensionSpec{DimensionKind::kRing, n, t.bandwidth, t.latency});
    b.dimensions(rings, 0, key);
    b.set_router(std::make_shared<DimensionOrderRouter>());
  }
};

}  // namespace

namespace topologies {
const TopologyType& torus() { return type_instance<Torus>(); }
}  // namespace topologies

}  // namespace tessera::network
