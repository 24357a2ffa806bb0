// Helpers shared by the network tests: topology specs and a one-call traffic run.
#pragma once

#include <vector>

#include "net_traffic.hpp"
#include "tessera/network/topologies/dimensions.hpp"
#include "tessera/network/topologies/fat_tree.hpp"
#include "tessera/network/topologies/hgx_h100.hpp"
#include "tessera/network/topologies/torus.hpp"
#include "tessera/pdes/loopback_transport.hpp"

namespace tessera::network::testing {

inline DimensionSpec dim(DimensionKind k, int n, std::int64_t bytes_per_s, SimTime lat) {
  return DimensionSpec{k, n, Bandwidth{bytes_per_s}, lat};
}

inline TopologySpec dims_spec(std::vector<DimensionSpec> ds) {
  return TopologySpec::of(DimensionsSpec{std::move(ds)});
}

/// Runs `spec` on `ranks` loopback ranks and returns rank 0's result.
inline bench::TrafficResult run(const bench::TrafficSpec& spec, int ranks = 1) {
  std::vector<bench::TrafficResult> out(static_cast<std::size_t>(ranks));
  pdes::run_loopback(ranks, [&](pdes::Transport& t) {
    out[static_cast<std::size_t>(t.rank())] = bench::run_traffic(spec, t);
  });
  return out[0];
}

inline const bench::Delivery& find(const bench::TrafficResult& r, int src, int dst, std::uint64_t tag = 0) {
  for (const auto& d : r.deliveries) {
    if (d.src == src && d.dst == dst && d.tag == tag) return d;
  }
  static const bench::Delivery none{-1, -1, 0, 0, -1, -1, -1};
  return none;
}

}  // namespace tessera::network::testing
