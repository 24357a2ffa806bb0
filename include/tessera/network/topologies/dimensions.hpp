// The parameters of ASTRA-sim's multi-dimensional networks (topology "dimensions",
// src/network/topologies/dimensions.cpp), for programs that fill them directly. A torus is built
// from the same Ring dimensions.
#pragma once

#include <vector>

#include "tessera/params/names.hpp"
#include "tessera/units.hpp"

namespace tessera::network {

/// How the NPUs of one dimension are connected (dimension 0 is innermost).
enum class DimensionKind { kRing, kFullyConnected, kSwitch };

/// "Ring", "FullyConnected", "Switch", as ASTRA-sim spells them; the argument selects the table.
const params::Names<DimensionKind>& enum_names(DimensionKind);
const char* to_string(DimensionKind k);

/// One dimension of an ASTRA-sim style network.
struct DimensionSpec {
  DimensionKind kind = DimensionKind::kRing;
  int npus = 2;           ///< NPUs along this dimension (> 1)
  Bandwidth bandwidth{};  ///< per link and direction (> 0)
  SimTime latency = 0;    ///< per link traversal (>= 0)
};

/// The dimensions, innermost first. NPU ids are mixed-radix coordinates, dimension 0 fastest.
/// Ring dimensions of 2 NPUs have one link pair (as ASTRA-sim's Ring). The Switch dimensions'
/// forwarding latency is network.packet.switch_latency (BuildOptions::switch_latency).
struct DimensionsSpec {
  std::vector<DimensionSpec> dims;
};

}  // namespace tessera::network
