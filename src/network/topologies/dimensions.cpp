// Topology "dimensions": ASTRA-sim's multi-dimensional networks, one Ring, FullyConnected or
// Switch dimension after another (network.dimensions, a list). The only topology the astra-*
// network models take, since it is the only one ASTRA-sim's analytical backends have.
#include <fmt/format.h>

#include "tessera/network/topologies/dimensions.hpp"
#include "tessera/network/topology_builder.hpp"
#include "tessera/network/topology_type.hpp"

namespace tessera::network {

const params::Names<DimensionKind>& enum_names(DimensionKind) {
  static const params::Names<DimensionKind> kNames{{"Ring", DimensionKind::kRing},
                                                   {"FullyConnected", DimensionKind::kFullyConnected},
                                                   {"Switch", DimensionKind::kSwitch}};
  return kNames;
}

const char* to_string(DimensionKind k) { return params::name_of(enum_names(k), k); }

namespace {

using namespace tessera::params;

Table<DimensionSpec> dimension_table() {
  using D = DimensionSpec;
  return {"network.dimensions[]",
          "One entry per dimension of an ASTRA-sim style network, innermost first. NPU ids are mixed-radix "
          "coordinates with dimension 0 varying fastest.",
          {
              required(p_enum("kind", &D::kind, enum_names(DimensionKind{}),
                              "how the NPUs of this dimension are connected")),
              required(p_int("npus", &D::npus, 2, 1 << 20, "NPUs along this dimension")),
              required(p_bandwidth("bandwidth", &D::bandwidth, "bandwidth per link and direction")),
              required(p_time("latency", &D::latency, "latency per link traversal")),
          },
          {}};
}

class Dimensions final : public TopologyType {
 public:
  Dimensions() : TopologyType("dimensions") {}

  const std::type_info& params_type() const override { return typeid(DimensionsSpec); }
  TopologySpec defaults() const override { return TopologySpec(*this, DimensionsSpec{}); }
  bool astra_dimensions() const override { return true; }

  std::string section_type() const override { return "list of mappings"; }
  std::string section_doc() const override {
    return fmt::format("ASTRA-style dimensions (topology: {}); see network.dimensions[]", name());
  }
  SectionDoc docs() const override { return dimension_table().docs(); }

  void load(const params::Node& n, TopologySpec& spec, Sink& sink) const override {
    if (!n.is_list() || n.items.empty()) {
      sink.error(n.diag(fmt::format("expected a non-empty list of dimensions, got {}", n.describe()),
                        "e.g. dimensions: [{kind: Ring, npus: 8, bandwidth: 50GiB/s, latency: 500ns}]"));
      return;
    }
    std::vector<DimensionSpec>& dims = spec.params<DimensionsSpec>().dims;
    dims.clear();
    const Table<DimensionSpec> table = dimension_table();
    for (const auto& item : n.items) {
      DimensionSpec d;
      table.load(item, d, sink);
      dims.push_back(d);
    }
  }

  void check(const TopologySpec& spec, const params::Node& network, const params::Node* section,
             Sink& sink) const override {
    if (!section && spec.params<DimensionsSpec>().dims.empty()) {
      sink.error(network.diag(
          fmt::format("topology is {} but no \"{}\" list is given", name(), name()),
          fmt::format("add {}: [{{kind: Ring, npus: 8, bandwidth: 50GiB/s, latency: 500ns}}]", name())));
    }
  }

  std::vector<int> dimension_sizes(const TopologySpec& spec) const override {
    std::vector<int> out;
    for (const DimensionSpec& d : spec.params<DimensionsSpec>().dims) out.push_back(d.npus);
    return out;
  }

  Value record(const TopologySpec& spec) const override {
    Value out = Value::list();
    const Table<DimensionSpec> table = dimension_table();
    for (const DimensionSpec& d : spec.params<DimensionsSpec>().dims) out.items.push_back(table.record(d));
    return out;
  }

  std::string describe(const TopologySpec& spec) const override {
    const Table<DimensionSpec> table = dimension_table();
    const auto& dims = spec.params<DimensionsSpec>().dims;
    std::string out = name();
    for (std::size_t i = 0; i < dims.size(); ++i) {
      // B/ns beside the rate: ASTRA-sim's own unit, for comparing with its inputs.
      out += fmt::format("\n    dim {}: ", i) + table.fill("{kind} x{npus}, {bandwidth}/link/dir", dims[i]) +
             fmt::format(" ({:.3f} B/ns)", static_cast<double>(dims[i].bandwidth.bytes_per_second) / 1e9) +
             table.fill(", latency {latency}", dims[i]);
    }
    return out;
  }

  void build(const TopologySpec& spec, TopologyBuilder& b) const override {
    b.dimensions(spec.params<DimensionsSpec>().dims, b.options().switch_latency, "network.dimensions");
    b.set_router(std::make_shared<DimensionOrderRouter>());
  }
};

}  // namespace

namespace topologies {
const TopologyType& dimensions() { return type_instance<Dimensions>(); }
}  // namespace topologies

}  // namespace tessera::network
