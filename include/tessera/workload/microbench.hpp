// Collective microbenchmark traces, byte-identical to ASTRA-sim's
// examples/workload/microbenchmarks (generator_scripts/*.py) for the same parameters.
#pragma once

#include <string>

#include "tessera/units.hpp"
#include "tessera/workload/et.hpp"
#include "tessera/workload/text_workload.hpp"

namespace tessera::workload {

/// The node name ASTRA-sim's scripts use: "<coll>_<N>npus_<S>MB" with S = size in MiB. Sizes
/// that are not a whole number of MiB (which the scripts cannot make) are named "<bytes>B".
std::string microbench_node_name(CollectiveType type, int npus, Bytes size);

/// Emits one single-node trace per NPU: GM version "0.0.4", node id = NPU, attributes
/// is_cpu_op (bool false), comm_type (int64), comm_size (int64 bytes). Supports ALL_REDUCE,
/// ALL_GATHER, REDUCE_SCATTER and ALL_TO_ALL (ASTRA-sim's four), and BROADCAST and REDUCE (the
/// same node; the trace has no root, so the root is NPU 0); `size` is comm_size (per NPU; for
/// ALL_GATHER the per-NPU shard, as in Chakra).
void generate_microbenchmark(CollectiveType type, int npus, Bytes size, TraceSink& sink);

}  // namespace tessera::workload
