// The parameters of the k-ary fat-tree (topology "fat_tree", src/network/topologies/fat_tree.cpp),
// for programs that fill them directly.
#pragma once

#include "tessera/units.hpp"

namespace tessera::network {

/// A fat-tree of `radix`-port switches with hosts (NPUs) at the leaves. Each leaf has
/// `down` host ports and `up` uplinks with down/up = oversubscription and down + up = radix.
/// Two levels (leaf-spine: `up` spines, each linked once to every leaf) while the leaves fit on a
/// spine (leaves <= radix); otherwise three levels: pods of radix/2 leaves and `up` aggregation
/// switches, (radix/2) core switches per aggregation index, up to radix pods.
struct FatTreeSpec {
  int radix = 8;                               ///< k, ports per switch (even, >= 4)
  int hosts = 16;                              ///< NPUs attached to leaves
  double oversubscription = 1.0;               ///< leaf down:up port ratio (>= 1, radix*o/(1+o) whole)
  Bandwidth link_bandwidth{50'000'000'000};    ///< per link and direction (400 Gb/s)
  SimTime link_latency = 100 * kNanosecond;    ///< per link (cable + SerDes)
  SimTime switch_latency = 200 * kNanosecond;  ///< port to port forwarding
};

}  // namespace tessera::network
