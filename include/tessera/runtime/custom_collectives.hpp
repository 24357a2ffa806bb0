// Custom collective implementations selected by the system configuration, as ASTRA-sim's
// CollectiveImplLookup does: `<type>-implementation-custom` (one Chakra ET prefix per collective
// type) and `per-node-custom-implementation` (a YAML file {workload node id: ET prefix}).
// Precedence: per-node > per-type custom > native algorithms. Each prefix names one SEND/RECV/COMP
// graph per communicator-group position, `<prefix>.<position>.et` (docs/collectives.md).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "tessera/collective/custom.hpp"
#include "tessera/collective/types.hpp"
#include "tessera/config.hpp"
#include "tessera/error.hpp"

namespace tessera::runtime {

struct CustomCollectives {
  /// Per collective type (all-reduce, reduce-scatter, all-gather, all-to-all); nullptr = native.
  std::array<std::shared_ptr<const collective::CustomCollective>, kNumCollectiveTypes> per_type{};
  /// Per workload node id (the COLL node's trace id, on every NPU).
  std::map<std::uint64_t, std::shared_ptr<const collective::CustomCollective>> per_node;

  /// The graph a COLL node with trace id `node_id` runs, or nullptr for the native algorithms.
  const std::shared_ptr<const collective::CustomCollective>& find(CollectiveType type,
                                                                  std::uint64_t node_id) const;
  bool empty() const;
};

/// Reads `<prefix>.0.et`, `<prefix>.1.et`, ... (as many as exist, consecutively), checks each file
/// with the workload layer's loader (truncation, dangling ids, cycles, SEND/RECV attributes), keeps
/// only SEND/RECV/COMP nodes (anything else is an error: ASTRA-sim would never finish it) and
/// checks the whole graph (collective::validate). `where` names the configuration key that gave
/// the prefix, for the message when no file exists. Throws InputError listing every problem.
std::shared_ptr<const collective::CustomCollective> load_custom_collective(const std::string& prefix,
                                                                           const Diagnostic& where);

/// Everything `config.system` selects. Each graph must have one program per NPU of the network, or
/// per member of one of the configured communicator groups (the group it will run on). Identical
/// on every rank. Throws InputError naming the key, the file and the fix.
CustomCollectives load_custom_collectives(const Config& config);

}  // namespace tessera::runtime
