// The topology catalogue: lookups by name and by parameter type, and TopologySpec. The list itself
// (topology_types()) is generated from src/network/CMakeLists.txt's list of topology files.
#include <fmt/format.h>

#include "tessera/did_you_mean.hpp"
#include "tessera/error.hpp"
#include "tessera/network/topology_type.hpp"

namespace tessera::network {

TopologySpec::TopologySpec(const TopologyType& type, std::any params)
    : type_(&type), params_(std::move(params)) {
  expect(type.params_type());
}

const TopologyType& TopologySpec::type() const {
  if (!type_) throw Error("internal: an empty TopologySpec (no topology chosen)");
  return *type_;
}

const std::string& TopologySpec::name() const { return type().name(); }

std::vector<int> TopologySpec::dimension_sizes() const { return type().dimension_sizes(*this); }

const TopologyType& TopologySpec::type_for(const std::type_info& params) {
  for (const TopologyType* t : topology_types()) {
    if (t->params_type() == params) return *t;
  }
  throw Error(fmt::format("internal: no registered topology takes parameters of type {}", params.name()));
}

void TopologySpec::expect(const std::type_info& params) const {
  if (params_.type() != params) {
    throw Error(fmt::format("internal: topology {} holds parameters of type {}, not {}",
                            type_ ? type_->name() : std::string("(none)"), params_.type().name(),
                            params.name()));
  }
}

const TopologyType* find_topology(std::string_view name) {
  for (const TopologyType* t : topology_types()) {
    if (t->name() == name) return t;
  }
  return nullptr;
}

std::vector<std::string> topology_names() {
  std::vector<std::string> out;
  for (const TopologyType* t : topology_types()) out.push_back(t->name());
  return out;
}

TopologySpec topology_from_keys(std::string_view name,
                                const std::vector<std::pair<std::string, std::string>>& keys) {
  const TopologyType* type = find_topology(name);
  if (!type) {
    const std::string near = did_you_mean(std::string(name), topology_names());
    throw InputError(Diagnostic{"", 0, "network.topology", fmt::format("unknown topology \"{}\"", name),
                                near.empty() ? fmt::format("valid: {}", params::join_names(topology_names()))
                                             : fmt::format("did you mean \"{}\"?", near)});
  }
  params::Node map;
  map.kind = params::Node::Kind::kMap;
  map.path = fmt::format("network.{}", name);
  for (const auto& [key, text] : keys) {
    params::Node value;
    value.kind = params::Node::Kind::kScalar;
    value.text = text;
    value.path = params::join_path(map.path, key);
    map.entries.emplace_back(key, std::move(value));
  }
  TopologySpec spec = type->defaults();
  params::Sink sink;
  type->load(map, spec, sink);
  if (sink.ok()) type->check(spec, map, &map, sink);
  sink.throw_if_errors();
  return spec;
}

}  // namespace tessera::network
