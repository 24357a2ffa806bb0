// What one topology tells Tessera about itself. Each topology is one file under
// src/network/topologies/ that defines a TopologyType (most derive MappingTopology<P>) and returns
// it from topologies::<name>(); src/network/CMakeLists.txt lists the names, and the registry
// (topology_types()) is generated from that list. Everything else asks the registry: the
// configuration loader (network.topology, the topology's parameter section), `tessera schema`, the
// resolved configuration and `describe`, the builder and the router.
#pragma once

#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "tessera/network/topology_spec.hpp"
#include "tessera/params/table.hpp"

namespace tessera::network {

class TopologyBuilder;

class TopologyType {
 public:
  virtual ~TopologyType() = default;
  TopologyType(const TopologyType&) = delete;
  TopologyType& operator=(const TopologyType&) = delete;

  /// Its name: the value of network.topology, and the key of its parameter section.
  const std::string& name() const { return name_; }
  /// The C++ type of its parameters (what TopologySpec::params<P>() returns).
  virtual const std::type_info& params_type() const = 0;
  /// A spec with the default parameters.
  virtual TopologySpec defaults() const = 0;

  // ---- input ----------------------------------------------------------------------------------
  /// Type and doc of its key in the network section (`tessera schema`'s network table).
  virtual std::string section_type() const { return "mapping"; }
  virtual std::string section_doc() const = 0;
  /// Its parameter section for `tessera schema` ("network.fat_tree").
  virtual params::SectionDoc docs() const = 0;
  /// Reads its section (the value of network.<name>) into `spec`, whose type is this one.
  virtual void load(const params::Node& section, TopologySpec& spec, params::Sink& sink) const = 0;
  /// Checks that need every parameter at once, after the network section is read; `network` is
  /// the section's mapping (for locations), `section` its own entry (nullptr when not given).
  virtual void check(const TopologySpec& spec, const params::Node& network, const params::Node* section,
                     params::Sink& sink) const {
    (void)spec, (void)network, (void)section, (void)sink;
  }

  // ---- what it is -----------------------------------------------------------------------------
  /// Sizes of the logical dimensions collectives are decomposed over (innermost first); their
  /// product is the number of NPUs.
  virtual std::vector<int> dimension_sizes(const TopologySpec& spec) const = 0;
  /// Its parameters in the resolved configuration (the `config` JSON of outputs).
  virtual params::Value record(const TopologySpec& spec) const = 0;
  /// One line (or an indented block) for `describe`.
  virtual std::string describe(const TopologySpec& spec) const = 0;
  /// true only for ASTRA-sim's own dimension networks, the one topology the astra-* network
  /// models take (model_info(m).astra_dimensions_only).
  virtual bool astra_dimensions() const { return false; }

  // ---- the network ----------------------------------------------------------------------------
  /// Adds its nodes and links, records problems with their key paths, and sets its router.
  virtual void build(const TopologySpec& spec, TopologyBuilder& builder) const = 0;

 protected:
  explicit TopologyType(std::string name) : name_(std::move(name)) {}

 private:
  std::string name_;
};

/// The usual topology: parameters P read from one mapping by one Table<P>, whose keys, units,
/// defaults and docs are the section's schema, record and `describe` values. The file gives the
/// table and the parts that are the topology's own.
template <class P>
class MappingTopology : public TopologyType {
 public:
  const std::type_info& params_type() const final { return typeid(P); }
  TopologySpec defaults() const final { return TopologySpec(*this, P{}); }
  params::SectionDoc docs() const final { return table().docs(); }
  void load(const params::Node& section, TopologySpec& spec, params::Sink& sink) const final {
    table().load(section, spec.params<P>(), sink);
  }
  void check(const TopologySpec& spec, const params::Node& network, const params::Node*,
             params::Sink& sink) const final {
    check_params(spec.params<P>(), network, sink);
  }
  std::vector<int> dimension_sizes(const TopologySpec& spec) const final { return sizes(spec.params<P>()); }
  params::Value record(const TopologySpec& spec) const final { return table().record(spec.params<P>()); }
  std::string describe(const TopologySpec& spec) const final { return text(spec.params<P>()); }
  void build(const TopologySpec& spec, TopologyBuilder& builder) const final {
    build_from(spec.params<P>(), builder);
  }

 protected:
  using TopologyType::TopologyType;
  /// Its parameter table, named "network.<name>".
  virtual params::Table<P> table() const = 0;
  virtual std::vector<int> sizes(const P& p) const = 0;
  /// Its `describe` line.
  virtual std::string text(const P& p) const = 0;
  virtual void build_from(const P& p, TopologyBuilder& builder) const = 0;
  /// Checks across parameters at load time (e.g. a radix that cannot hold the hosts).
  virtual void check_params(const P& p, const params::Node& network, params::Sink& sink) const {
    (void)p, (void)network, (void)sink;
  }
  /// "network.<name>", the table's name and the prefix of its keys in messages.
  std::string section_name() const { return fmt::format("network.{}", name()); }
};

/// The one (immutable) instance of a topology's type, which its topologies::<name>() returns:
/// `namespace topologies { const TopologyType& fat_tree() { return type_instance<FatTree>(); } }`. The
/// generated registry declares those functions and lists them.
template <class T>
const TopologyType& type_instance() {
  static const T kType;
  return kType;
}

}  // namespace tessera::network
