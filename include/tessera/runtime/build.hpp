// The build phase's mappings: the typed run configuration (config.hpp) onto the plain settings the
// network and collective layers take. Pure functions, identical on every rank.
#pragma once

#include "tessera/collective/types.hpp"
#include "tessera/config.hpp"
#include "tessera/network/topology_spec.hpp"

namespace tessera::network {
class Network;
}

namespace tessera::runtime {

/// On more than one rank, ranks run ahead of each other by the lookahead, which the smallest link
/// latency in whole ns bounds (it is the network's minimum direct-send delay): a link under 1 ns
/// makes it 0. Throws InputError naming the network file, its latency key(s) and the link.
void check_rank_lookahead(const Config& config, const network::Network& net, int ranks);

/// The network layer's description of `config`'s topology: the configuration holds the same
/// TopologySpec (the topology's file declares its parameters for both layers).
network::TopologySpec from_config(const NetworkConfig& config);

/// Packet-model parameters: the configured ones (buffer_per_port 0 = automatic; switch_latency,
/// the ASTRA Switch dimensions' forwarding latency); the statistics bins are left off (0), for the
/// caller to set from its run options.
network::PacketSpec packet_from_config(const NetworkConfig& config);

/// The collective layer's settings. Algorithm names are parsed here (InputError naming the key and
/// file for an unknown name); endpoint-delay already includes injection-scale in `config`, and is
/// truncated to whole ns when the scale is not 1 (ASTRA-sim stores it in an int).
/// Custom ("*-implementation-custom") prefixes are not part of it: load_custom_collectives()
/// (custom_collectives.hpp) reads them, and the NPU LP picks them per COLL node.
collective::SystemConfig system_from_config(const SystemConfig& config, const NetworkConfig& network);

/// The logical dimensions collectives are decomposed over (NetworkConfig::dimension_sizes()).
collective::TopologyView view_from_config(const NetworkConfig& network);

}  // namespace tessera::runtime
