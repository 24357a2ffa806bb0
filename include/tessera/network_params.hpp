// The network parameters every topology shares, defined once: the packet model's sizes and the
// network models. Each topology's own parameters are declared by its file under
// src/network/topologies/ (docs/architecture.md). Plain structs and enums with no YAML or JSON:
// the configuration layer loads them, the network layer builds from them, tests and benchmarks
// fill them directly; the defaults here are the documented defaults (`tessera schema` prints them
// from default-constructed structs).
// Every time is ps, every bandwidth bytes/s per link and direction (see docs/units.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tessera/params/names.hpp"
#include "tessera/units.hpp"

namespace tessera {

/// The packet model's packet and buffer sizes (ignored by the two ASTRA message-level models), and
/// the forwarding latency of ASTRA-style Switch dimensions, which the input keeps here
/// (network.packet.switch_latency). The configuration's PacketConfig is this; the network's
/// PacketSpec extends it with the statistics bins.
struct PacketParams {
  /// Largest payload per packet. 4096 B is InfiniBand's largest MTU: big enough that a 64 MiB
  /// message is 16 Ki packets (the event count, hence run time, scales with packets), small
  /// enough that pipelining over hops hides all but one packet's serialization.
  Bytes packet_size = 4096;
  /// Input buffer per link end and virtual channel, in bytes (credits). 0 = automatic: enough for
  /// the link's credit round trip (2 x bandwidth x latency + 3 packets), so an uncongested stream
  /// runs at line rate and only congestion produces backpressure.
  Bytes buffer_per_port = 0;
  /// Forwarding latency of the switches of ASTRA-style Switch dimensions (ASTRA-sim: 0).
  SimTime switch_latency = 0;
};

/// The network models (`--network-model`, simulation.network_model); network_models() says what
/// each is called and what it has.
enum class NetworkModel {
  kAstraCongestionAware,    ///< whole message per hop, FIFO links, ns truncation
  kAstraCongestionUnaware,  ///< closed form per message, no interaction
  kPacket,                  ///< packets, credits, switches
  kFlow,                    ///< NCCL collectives timed whole, egress ports shared (docs/network.md)
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

/// The name as it appears in inputs and outputs ("astra-congestion-aware").
const char* to_string(NetworkModel m);

}  // namespace tessera
