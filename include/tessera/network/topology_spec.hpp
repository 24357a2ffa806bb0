// Plain descriptions of the networks the network layer can build: the parameter structs of
// tessera/network_params.hpp (shared with the configuration layer, which loads them) grouped into
// what Network takes. runtime/build.cpp maps the typed config onto these; tests and benchmarks fill
// them directly. Every time is ps, every bandwidth bytes/s per link and direction (docs/network.md).
#pragma once

#include <string_view>
#include <vector>

#include "tessera/network_params.hpp"

namespace tessera::network {

// The shared parameter types, also under this layer's namespace (network::DimensionSpec ...).
using tessera::DimensionKind;
using tessera::DimensionSpec;
using tessera::FatTreeSpec;
using tessera::HgxH100Spec;
using tessera::NetworkModel;
using tessera::parse_network_model;
using tessera::TopologyKind;
using tessera::TorusSpec;

/// ASTRA-sim's Ring / FullyConnected / Switch dimensions. NPU ids are mixed-radix coordinates,
/// dimension 0 fastest. Ring dimensions of 2 NPUs have one link pair (as ASTRA-sim's Ring).
struct DimensionsSpec {
  std::vector<DimensionSpec> dims;
  /// Extra forwarding latency of the Switch LPs of Switch dimensions (ASTRA-sim has none: 0).
  SimTime switch_latency = 0;
};

/// Which network to build; only the member matching `kind` is read.
struct TopologySpec {
  TopologyKind kind = TopologyKind::kDimensions;
  DimensionsSpec dimensions;
  FatTreeSpec fat_tree;
  TorusSpec torus;
  HgxH100Spec hgx_h100;
};

/// Parameters of the packet model (ignored by the two ASTRA message-level models): the sizes, and
/// the per-link statistics bins, which are run options (runtime::SimulationOptions), not input.
struct PacketSpec : PacketSizes {
  /// Width of the per-link utilization bins (bytes and busy time per bin); 0 = no bins.
  SimTime stats_bin = 0;
  /// Most bins a link keeps (0 = no limit). When a transmission would go past the last one, the
  /// link doubles its bin width and merges pairs of bins, so a run of unknown length keeps
  /// between stats_max_bins / 2 and stats_max_bins bins per link (LinkStats::bin_width says the
  /// width each link ended with: stats_bin times a power of two).
  int stats_max_bins = 0;
};

}  // namespace tessera::network
