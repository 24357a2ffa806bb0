// The parameters of the torus (topology "torus", src/network/topologies/torus.cpp), for programs
// that fill them directly.
#pragma once

#include <vector>

#include "tessera/units.hpp"

namespace tessera::network {

/// A 2-D or 3-D torus (every dimension a ring with wrap-around), NPUs as routers,
/// dimension-ordered routing with two virtual channels (dateline) so it cannot deadlock.
struct TorusSpec {
  std::vector<int> dims{4, 4};          ///< 2 or 3 sizes, each >= 2
  Bandwidth bandwidth{50'000'000'000};  ///< per link and direction
  SimTime latency = 100 * kNanosecond;  ///< per link
};

}  // namespace tessera::network
