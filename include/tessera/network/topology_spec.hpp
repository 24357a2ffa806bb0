// Which network to build, and the catalogue of topologies. A TopologySpec is one registered
// topology (TopologyType, topology_type.hpp) with its parameters; each topology is one file under
// src/network/topologies/ that declares its parameter table, its builder and its routing, so the
// configuration layer, `tessera schema`, the outputs and the network all learn a topology from
// that one file. Every time is ps, every bandwidth bytes/s per link and direction (docs/network.md).
#pragma once

#include <any>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

#include "tessera/network_params.hpp"

namespace tessera::network {

using tessera::NetworkModel;
using tessera::parse_network_model;

class TopologyType;

/// One topology and its parameters (the parameter struct of that topology, e.g. FatTreeSpec).
/// Copyable; empty when default-constructed.
class TopologySpec {
 public:
  TopologySpec() = default;
  TopologySpec(const TopologyType& type, std::any params);

  /// A spec of the registered topology whose parameters are a P:
  /// TopologySpec::of(FatTreeSpec{...}).
  template <class P>
  static TopologySpec of(P params) {
    return TopologySpec(type_for(typeid(P)), std::any(std::move(params)));
  }

  bool empty() const { return type_ == nullptr; }
  /// Throws Error when empty.
  const TopologyType& type() const;
  const std::string& name() const;
  /// The parameters; throws Error when they are not a P.
  template <class P>
  const P& params() const {
    expect(typeid(P));
    return *std::any_cast<P>(&params_);
  }
  template <class P>
  P& params() {
    expect(typeid(P));
    return *std::any_cast<P>(&params_);
  }
  /// Sizes of the logical dimensions collectives are decomposed over (innermost first).
  std::vector<int> dimension_sizes() const;

 private:
  static const TopologyType& type_for(const std::type_info& params);
  void expect(const std::type_info& params) const;

  const TopologyType* type_ = nullptr;
  std::any params_;
};

/// Every topology, in the order of src/network/CMakeLists.txt's list (the order of the schema).
const std::vector<const TopologyType*>& topology_types();
/// The topology called `name`, or nullptr.
const TopologyType* find_topology(std::string_view name);
/// Their names, in the same order.
std::vector<std::string> topology_names();

/// A spec from the keys of a topology's parameter section, read as the scenario YAML reads them
/// ({"npus", "8"}, {"bandwidth", "50GB/s"}): for programs and tests that set a topology they have
/// no header for. Throws InputError as the loader would (unknown topology or key, bad value).
TopologySpec topology_from_keys(std::string_view name,
                                const std::vector<std::pair<std::string, std::string>>& keys);

/// Settings of a build that are not the topology's own parameters.
struct BuildOptions {
  /// Forwarding latency of the switches of ASTRA-style Switch dimensions
  /// (network.packet.switch_latency; ASTRA-sim: 0).
  SimTime switch_latency = 0;
};

/// Parameters of the packet model (ignored by the two ASTRA message-level models): the
/// configured PacketParams, and the per-link statistics bins, which are run options
/// (runtime::SimulationOptions), not input.
struct PacketSpec : PacketParams {
  /// Width of the per-link utilization bins (bytes and busy time per bin); 0 = no bins.
  SimTime stats_bin = 0;
  /// Most bins a link keeps (0 = no limit). When a transmission would go past the last one, the
  /// link doubles its bin width and merges pairs of bins, so a run of unknown length keeps
  /// between stats_max_bins / 2 and stats_max_bins bins per link (LinkStats::bin_width says the
  /// width each link ended with: stats_bin times a power of two).
  int stats_max_bins = 0;
};

}  // namespace tessera::network
