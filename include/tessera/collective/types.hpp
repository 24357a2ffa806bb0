// Vocabulary of the collective layer: algorithm names, NPU ids, and the
// system-layer settings (ASTRA-sim's system JSON) the executor needs.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tessera/collective_type.hpp"
#include "tessera/units.hpp"

namespace tessera::collective {

/// Global NPU id (ASTRA-sim's Sys id): mixed-radix address over the network dimensions, dim 0
/// fastest.
using NpuId = std::int32_t;

/// The collective types the executor runs: all but Chakra's GATHER, SCATTER and
/// REDUCE_SCATTER_BLOCK (ASTRA-sim rejects those too).
bool executes(CollectiveType t);
/// The types ASTRA's `*-implementation` keys (and their `-custom` forms) configure per dimension;
/// broadcast, reduce and barrier have fixed programs.
inline constexpr CollectiveType kImplementedTypes[] = {CollectiveType::kAllReduce, CollectiveType::kReduceScatter,
                                                       CollectiveType::kAllGather, CollectiveType::kAllToAll};
bool is_implemented_per_dimension(CollectiveType t);

struct AlgorithmRegistration;  // algorithm.hpp: one per file under src/collective/algorithms/
/// The algorithm a default AlgorithmSpec names: ring.
const AlgorithmRegistration* default_algorithm();

/// A parsed algorithm name such as "ring", "direct4" or "oneHalvingDoubling" (registry.hpp).
struct AlgorithmSpec {
  const AlgorithmRegistration* kind = default_algorithm();  ///< never null
  /// Windowed algorithms (direct): messages in flight; -1 = all n-1 peers ("direct").
  int window = -1;
  /// The one* variants: one flat ring over all NPUs instead of this dimension's ring.
  bool flat = false;

  /// The canonical name ("oneDirect4").
  std::string name() const;
  bool operator==(const AlgorithmSpec&) const = default;
};

/// Scheduling policy of chunk streams (ASTRA `scheduling-policy`).
enum class SchedulingPolicy : std::uint8_t { kLifo, kFifo, kExplicit };

/// Multi-dimensional all-reduce decomposition (ASTRA `collective-optimization`).
enum class Decomposition : std::uint8_t { kBaseline, kLocalBwAware };

/// Which collective library runs the collectives: ASTRA-sim's system layer (chunks, phases, the
/// configured *_implementation algorithms) or NCCL's algorithms, protocols and tuner (docs/nccl.md).
enum class CollectiveLibrary : std::uint8_t { kAstra, kNccl };

/// The GPU generation NCCL sees (its tables, caps and per-CTA rates; docs/nccl.md §1, §8).
enum class NcclGpu : std::uint8_t { kH100, kA100 };

/// The system layer's settings: one object shared (by reference) by every NPU's executor.
struct SystemConfig {
  SchedulingPolicy policy = SchedulingPolicy::kLifo;
  Decomposition decomposition = Decomposition::kLocalBwAware;
  /// ASTRA `endpoint-delay` (ns in ASTRA's JSON). Paid at every phase start and after every
  /// received message. The effective value is endpoint_delay * injection_scale truncated to whole
  /// nanoseconds, as ASTRA stores it in an int.
  SimTime endpoint_delay = 10 * kNanosecond;
  double injection_scale = 1.0;
  int active_chunks_per_dimension = 1;
  int preferred_dataset_splits = 1;
  int num_queues_per_dim = 1;
  /// ASTRA `local-mem-bw` in GB/s (10^9 B/s); reduction of m bytes costs 3 * floor(m / L) ns.
  /// 0 means reductions are free (ASTRA-sim before commit b585722).
  double local_mem_bw_gbps = 0.0;
  /// Per collective type (index = CollectiveType), one algorithm per logical dimension. The list
  /// length sets the number of logical dimensions. Broadcast/reduce/barrier ignore it.
  std::vector<AlgorithmSpec> implementation[kNumCollectiveTypes];
  /// kNccl: the NCCL executor runs every collective and the fields above but the policy are unused.
  CollectiveLibrary library = CollectiveLibrary::kAstra;
  NcclGpu nccl_gpu = NcclGpu::kH100;
  /// NCCL_* variables as (name, value), in the order they apply: the configuration's, then the
  /// environment's (each validated by nccl::set_option when the configuration is loaded).
  std::vector<std::pair<std::string, std::string>> nccl_settings;

  const std::vector<AlgorithmSpec>& algorithms(CollectiveType t) const {
    return implementation[static_cast<int>(t)];
  }
  /// Sets the same list for all-reduce, reduce-scatter, all-gather and all-to-all.
  void set_all_implementations(const std::vector<AlgorithmSpec>& list);
};

/// The physical dimensions as the collective layer sees them (network YAML order, dim 0 fastest).
struct TopologyView {
  std::vector<int> dims;
  int total_npus() const;
  /// Coordinate of `npu` in dimension `d`.
  int coordinate(NpuId npu, int d) const;
};

/// Checks `config` against `topo` and throws InputError listing every problem (key names are
/// ASTRA-sim's system JSON keys).
void validate(const SystemConfig& config, const TopologyView& topo);

}  // namespace tessera::collective

namespace tessera::collective {

/// Tie order for hosts. ASTRA-sim runs the events of one tick in the order they were scheduled
/// (one global FIFO), so an event scheduled with a longer delay runs before one scheduled later
/// with a shorter delay. The engine orders equal-time events by (priority, source port, sequence);
/// a host that gives every event it schedules or sends this priority (longer delay = smaller
/// value, 0 delay = last) reproduces ASTRA's order whenever the delays differ by more than the
/// bucket width (a quarter octave). Some results depend on it (e.g. direct all-reduce with a
/// window smaller than n-1: whether a barrier-passing receive is seen before a bundle completes).
inline std::uint8_t astra_tie_priority(SimTime delay) {
  if (delay <= 0) return 255;
  const auto d = static_cast<std::uint64_t>(delay);
  const int width = std::bit_width(d);  // 1..63
  const int sub = width >= 3 ? static_cast<int>((d >> (width - 3)) & 3) : 0;
  const int rank = 4 * width + sub;  // grows with the delay, 4..255
  return static_cast<std::uint8_t>(255 - std::min(rank, 254));
}

}  // namespace tessera::collective
