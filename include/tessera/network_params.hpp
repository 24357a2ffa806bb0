// The parameters of a network, defined once: the configuration layer (config.hpp) loads them from
// YAML and ASTRA-sim files, the network layer (network/topology_spec.hpp) builds from them, and tests
// and benchmarks fill them directly. Plain structs and enums with no YAML or JSON, so the network
// layer does not depend on the configuration library. The defaults here are the documented defaults
// (`tessera schema` prints them from default-constructed structs).
// Every time is ps, every bandwidth bytes/s per link and direction (see docs/units.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tessera/params/names.hpp"
#include "tessera/units.hpp"

namespace tessera {

/// One dimension of an ASTRA-sim style multi-dimensional network (dimension 0 is innermost).
enum class DimensionKind { kRing, kFullyConnected, kSwitch };

struct DimensionSpec {
  DimensionKind kind = DimensionKind::kRing;
  int npus = 2;           ///< NPUs along this dimension (> 1)
  Bandwidth bandwidth{};  ///< per link and direction (> 0)
  SimTime latency = 0;    ///< per link traversal (>= 0)
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
/// switch; every GPU has `nvlink_bandwidth` per direction into it), and one NIC per GPU into a
/// leaf-spine InfiniBand fat-tree (hosts = all GPUs, in id order, so consecutive boxes share leaves).
struct HgxH100Spec {
  int boxes = 1;
  int gpus_per_box = 8;                           ///< 1..8
  Bandwidth nvlink_bandwidth{450'000'000'000};    ///< per GPU per direction (18 links x 25 GB/s)
  SimTime nvlink_latency = 936'250;               ///< GPU<->NVSwitch link (ASTRA-sim HGX calibration)
  SimTime nvswitch_latency = 0;                   ///< extra NVSwitch forwarding (included above by default)
  /// One ConnectX-7 per GPU; must equal gpus_per_box when boxes > 1.
  int nics_per_box = 8;
  Bandwidth nic_bandwidth{50'000'000'000};        ///< per NIC per direction (NDR 400 Gb/s)
  SimTime ib_link_latency = 100 * kNanosecond;    ///< per IB link
  SimTime ib_switch_latency = 200 * kNanosecond;  ///< per IB switch traversal
  double ib_oversubscription = 1.0;               ///< leaf down:up port ratio (>= 1)
  int ib_switch_radix = 64;                       ///< ports per IB switch (Quantum-2: 64 x NDR)
};

/// Which network the network layer builds.
enum class TopologyKind {
  kDimensions,  ///< ASTRA-sim Ring / FullyConnected / Switch per dimension
  kFatTree,     ///< k-ary fat-tree of switches (InfiniBand-style), hosts at the leaves
  kTorus,       ///< 2-D or 3-D torus with wrap-around links
  kHgxH100,     ///< HGX-H100 boxes: 8 GPUs on NVSwitch each, NICs into a leaf-spine IB fat-tree
};

/// The packet model's packet and buffer sizes (ignored by the two ASTRA message-level models).
/// The configuration's PacketConfig and the network's PacketSpec both extend it with what only
/// they hold.
struct PacketSizes {
  /// Largest payload per packet. 4096 B is InfiniBand's largest MTU: big enough that a 64 MiB
  /// message is 16 Ki packets (the event count, hence run time, scales with packets), small
  /// enough that pipelining over hops hides all but one packet's serialization.
  Bytes packet_size = 4096;
  /// Input buffer per link end and virtual channel, in bytes (credits). 0 = automatic: enough for
  /// the link's credit round trip (2 x bandwidth x latency + 3 packets), so an uncongested stream
  /// runs at line rate and only congestion produces backpressure.
  Bytes buffer_per_port = 0;
};

/// The network models (`--network-model`, simulation.network_model); network_models() says what
/// each is called and what it has.
enum class NetworkModel {
  kAstraCongestionAware,    ///< whole message per hop, FIFO links, ns truncation
  kAstraCongestionUnaware,  ///< closed form per message, no interaction
  kPacket,                  ///< packets, credits, switches
};

/// One row of the network-model table: the model's name and the properties other layers ask
/// about, so that no other file spells a model's name or keeps a list of models.
struct NetworkModelInfo {
  NetworkModel model;
  std::string name;  ///< in inputs, on the command line and in outputs
  /// true: it moves packets, so network.packet's sizes apply (and `describe` shows them).
  bool packets = false;
  /// true: it models only ASTRA-sim dimension networks (it reproduces ASTRA-sim's numbers).
  bool astra_dimensions_only = false;
  /// true: it has links, whose per-link statistics `links` describes; false: `links` says why not.
  bool has_links = false;
  std::string links;
};

/// Every network model, in the order inputs list them (`tessera schema`, --help).
const std::vector<NetworkModelInfo>& network_models();
const NetworkModelInfo& model_info(NetworkModel m);
/// The model names (params/names.hpp); the argument only selects the table.
const params::Names<NetworkModel>& enum_names(NetworkModel);
/// Parses a --network-model value. Throws InputError listing the valid names otherwise.
NetworkModel parse_network_model(std::string_view text);

// Names as they appear in inputs and output ("Ring", "hgx_h100", "astra-congestion-aware").
const char* to_string(DimensionKind k);
const char* to_string(TopologyKind k);
const char* to_string(NetworkModel m);

}  // namespace tessera
