// Runs CollectiveExecutors end to end on the real PDES engine (loopback ranks) with ASTRA-sim's
// congestion-unaware network as a closed form per message (docs/astra-parity.md §9.1): the test
// stand-in for the network layer, so the system layer is checked against ASTRA's numbers now.
#pragma once

#include <string>
#include <vector>

#include "tessera/collective/executor.hpp"

namespace tessera::collective::testing {

/// ASTRA-sim network YAML, dim 0 first: topology Ring | Switch | FullyConnected, NPUs, GB/s
/// (2^30 B), latency ns.
struct UnawareNetwork {
  std::vector<std::string> topology;
  std::vector<int> npus;
  std::vector<double> bandwidth_gbps;
  std::vector<double> latency_ns;

  TopologyView view() const { return TopologyView{npus}; }
  /// floor_ns(hops * latency + bytes / B) on the first dimension where src and dst differ, in ps.
  SimTime delay(NpuId src, NpuId dst, Bytes bytes) const;
  /// A lower bound of every delay (the engine's direct-send lookahead).
  SimTime min_delay() const;
};

struct RunOutcome {
  std::vector<SimTime> finish;  ///< per NPU: when its last collective completed
  SimTime max_finish = 0;
  SimTime min_finish = 0;
  std::uint64_t messages = 0;
  /// per NPU, per request (in request order): when that collective completed
  std::vector<std::vector<SimTime>> collective_finish;
};

/// Every NPU runs `requests` one after another (the next starts when the previous finishes, in
/// the same tick, like ASTRA's one comm slot). `ranks` loopback ranks, LPs placed round robin.
RunOutcome run_collectives(const UnawareNetwork& net, const SystemConfig& config,
                           const std::vector<CollectiveRequest>& requests, int ranks = 1);
/// The same with a list per NPU (NPUs with an empty list do nothing and are left out of
/// max/min_finish).
/// With `concurrent`, every NPU starts all its requests at time 0 (a host with several comm slots).
RunOutcome run_collectives_per_npu(const UnawareNetwork& net, const SystemConfig& config,
                                   const std::vector<std::vector<CollectiveRequest>>& per_npu, int ranks = 1,
                                   bool concurrent = false, const std::string& queue_kind = "");

inline SimTime ns(SimTime ps) { return ps / kNanosecond; }

}  // namespace tessera::collective::testing
