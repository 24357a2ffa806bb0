// Plain descriptions of the networks the network layer can build. The configuration layer maps its
// typed config (include/tessera/config.hpp) onto these; tests and benchmarks fill them directly.
// Every time is ps, every bandwidth bytes/s per link and direction (see docs/network.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tessera/units.hpp"

namespace tessera::network {

/// One dimension of an ASTRA-sim style multi-dimensional network (dimension 0 is innermost).
enum class DimensionKind { kRing, kFullyConnected, kSwitch };

struct DimensionSpec {
  DimensionKind kind = DimensionKind::kRing;
  int npus = 2;           ///< NPUs along this dimension (> 1)
  Bandwidth bandwidth{};  ///< per link and direction (> 0)
  SimTime latency = 0;    ///< per link traversal (>= 0)
};

/// ASTRA-sim's Ring / FullyConnected / Switch dimensions. NPU ids are mixed-radix coordinates,
/// dimension 0 fastest. Ring dimensions of 2 NPUs have one link pair (as ASTRA-sim's Ring).
struct DimensionsSpec {
  std::vector<DimensionSpec> dims;
  /// Extra forwarding latency of the Switch LPs of Switch dimensions (ASTRA-sim has none: 0).
  SimTime switch_latency = 0;
};

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

/// A 2-D or 3-D torus (every dimension a ring with wrap-around), NPUs as routers,
/// dimension-ordered routing with two virtual channels (dateline) so it cannot deadlock.
struct TorusSpec {
  std::vector<int> dims{4, 4};          ///< 2 or 3 sizes, each >= 2
  Bandwidth bandwidth{50'000'000'000};  ///< per link and direction
  SimTime latency = 100 * kNanosecond;  ///< per link
};

/// HGX-H100 boxes: `gpus_per_box` GPUs on one NVSwitch fabric per box (modelled as one crossbar
/// switch), and one NIC per GPU into a leaf-spine InfiniBand fat-tree (hosts = all GPUs, in id
/// order, so consecutive boxes share leaves).
struct HgxH100Spec {
  int boxes = 1;
  int gpus_per_box = 8;                           ///< 1..8
  Bandwidth nvlink_bandwidth{450'000'000'000};    ///< per GPU per direction (18 links x 25 GB/s)
  SimTime nvlink_latency = 936'250;               ///< GPU<->NVSwitch link (ASTRA-sim HGX calibration)
  SimTime nvswitch_latency = 0;                   ///< NVSwitch forwarding (included above by default)
  int nics_per_box = 8;                           ///< must equal gpus_per_box when boxes > 1
  Bandwidth nic_bandwidth{50'000'000'000};        ///< per NIC per direction (NDR 400 Gb/s)
  SimTime ib_link_latency = 100 * kNanosecond;    ///< per IB link
  SimTime ib_switch_latency = 200 * kNanosecond;  ///< per IB switch traversal
  double ib_oversubscription = 1.0;               ///< leaf down:up port ratio (>= 1)
  int ib_switch_radix = 64;                       ///< ports per IB switch (Quantum-2: 64 x NDR)
};

enum class TopologyKind { kDimensions, kFatTree, kTorus, kHgxH100 };

/// Which network to build; only the member matching `kind` is read.
struct TopologySpec {
  TopologyKind kind = TopologyKind::kDimensions;
  DimensionsSpec dimensions;
  FatTreeSpec fat_tree;
  TorusSpec torus;
  HgxH100Spec hgx_h100;
};

/// Parameters of the packet model (ignored by the two ASTRA message-level models).
struct PacketSpec {
  /// Largest payload per packet. 4096 B is InfiniBand's largest MTU: big enough that a 64 MiB
  /// message is 16 Ki packets (the event count, hence run time, scales with packets), small
  /// enough that pipelining over hops hides all but one packet's serialization.
  Bytes packet_size = 4096;
  /// Input buffer per link end and virtual channel, in bytes (credits). 0 = automatic: enough for
  /// the link's credit round trip (2 x bandwidth x latency + 3 packets), so an uncongested stream
  /// runs at line rate and only congestion produces backpressure.
  Bytes buffer_per_port = 0;
  /// Width of the per-link utilization bins (bytes and busy time per bin); 0 = no bins.
  SimTime stats_bin = 0;
  /// Most bins a link keeps (0 = no limit). When a transmission would go past the last one, the
  /// link doubles its bin width and merges pairs of bins, so a run of unknown length keeps
  /// between stats_max_bins / 2 and stats_max_bins bins per link (LinkStats::bin_width says the
  /// width each link ended with: stats_bin times a power of two).
  int stats_max_bins = 0;
};

/// The three network models (`--network-model`).
enum class NetworkModel {
  kAstraCongestionAware,    ///< "astra-congestion-aware": whole message per hop, FIFO links, ns truncation
  kAstraCongestionUnaware,  ///< "astra-congestion-unaware": closed form per message, no interaction
  kPacket,                  ///< "packet": packets, credits, switches
};

/// "astra-congestion-aware", "astra-congestion-unaware", "packet".
const char* to_string(NetworkModel m);
const char* to_string(TopologyKind k);
const char* to_string(DimensionKind k);
/// Parses a --network-model value. Throws InputError listing the valid names otherwise.
NetworkModel parse_network_model(std::string_view text);

}  // namespace tessera::network
