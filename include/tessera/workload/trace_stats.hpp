// Summaries of loaded workloads for `tessera trace inspect`: node counts by type, collective
// bytes, compute time in total and on the critical path.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "tessera/units.hpp"
#include "tessera/workload/trace_set.hpp"

namespace tessera::workload {

struct CollectiveTotals {
  std::uint64_t count = 0;
  Bytes bytes = 0;  ///< sum of comm_size
};

struct WorkloadStats {
  int npu = 0;
  std::uint64_t nodes = 0;
  std::array<std::uint64_t, 8> by_type{};               ///< index = NodeType
  std::map<CollectiveType, CollectiveTotals> collectives;  ///< simulated COLL nodes (GPU side)
  std::uint64_t cpu_collectives = 0;                    ///< COLL nodes replayed as CPU work
  CollectiveTotals sends, recvs;
  SimTime compute_total = 0;          ///< sum of COMP durations
  SimTime critical_path_compute = 0;  ///< the largest sum of COMP durations along a dependency path
  std::uint64_t edges = 0;            ///< enforced dependencies
};

WorkloadStats compute_stats(const Workload& workload);

/// Element-wise sum (critical path: the maximum over NPUs).
WorkloadStats total_stats(const std::vector<WorkloadStats>& per_npu);

}  // namespace tessera::workload
