// One simulation run: the build phase (config -> network, collective settings, local workloads,
// communicator groups, LP graph, partition, engine, LPs), the run, and the gather of per-NPU
// results to every rank. Collective over the transport's ranks: every rank calls simulate().
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tessera/config.hpp"
#include "tessera/output/records.hpp"
#include "tessera/pdes/engine.hpp"
#include "tessera/pdes/transport.hpp"

namespace tessera::network {
class Network;
}

namespace tessera::runtime {

struct SimulationOptions {
  /// Called on every rank about every window with the engine's progress (sim time, events, wall).
  std::function<void(const pdes::Progress&)> progress;
  /// Keep every node's interval (the HDF5 timeline); off saves memory.
  bool keep_intervals = false;
  /// Event queue kind. heap4, not the engine's default ladder queue: the ladder queue loses
  /// events on some runs (a 1024-NPU ring all-reduce with 4 chunks under the congestion-aware
  /// model stalls with it and completes with heap4 and binary; reported to the engine's owner).
  std::string queue = "heap4";
  /// Called on every rank once the network, LP graph and partition exist, before any workload
  /// is loaded (the app's memory check). What it throws on any rank ends every rank alike.
  std::function<void(const network::Network&, const pdes::Graph&, const pdes::Partition&)> before_load;
  /// Polled by the engine at window boundaries (pdes::RunLimits::stop_requested): true on any rank
  /// stops every rank there, with StopReason::kStopRequested (the app's SIGINT/SIGTERM flag).
  std::function<bool()> stop_requested;
};

struct SimulationResult {
  std::vector<output::NpuSummary> npus;               ///< all NPUs, id order (on every rank)
  std::vector<output::CollectiveRecord> collectives;  ///< all NPUs, NPU then completion order
  std::vector<output::NodeInterval> local_intervals;  ///< this rank's NPUs (keep_intervals only)
  /// What local_intervals' `name` fields index (keep_intervals only; [0] = "").
  std::vector<std::string> local_strings{""};
  SimTime end_time = 0;            ///< when the last NPU finished
  std::uint64_t events = 0;        ///< events run on all ranks
  pdes::StopReason reason = pdes::StopReason::kCompleted;
  /// Simulated time up to which every event ran (pdes::RunResult::reached): where an early stop
  /// left the run.
  SimTime reached = 0;
  pdes::EngineStats stats;         ///< this rank's engine counters
  int ranks = 1;
  double build_seconds = 0;        ///< wall time of the build phase (this rank)
};

/// Builds and runs `config` over `transport`. Input problems found on any rank are thrown on
/// every rank as the same Error (exit code 2); a stall throws pdes::StallError on every rank.
/// Model errors on one rank are thrown on that rank only (under MPI the caller must abort).
SimulationResult simulate(const Config& config, pdes::Transport& transport, const SimulationOptions& options = {});

}  // namespace tessera::runtime
