// One simulation run: the build phase (config -> network, collective settings, local workloads,
// communicator groups, LP graph, partition, engine, LPs), the run, and the gather of per-NPU
// results to every rank. Collective over the transport's ranks: every rank calls simulate().
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tessera/config.hpp"
#include "tessera/error.hpp"
#include "tessera/output/records.hpp"
#include "tessera/pdes/engine.hpp"
#include "tessera/pdes/transport.hpp"

namespace tessera::runtime {

struct SimulationOptions {
  /// Called on every rank about every window with the engine's progress (sim time, events, wall).
  std::function<void(const pdes::Progress&)> progress;
  /// Keep every node's interval (the HDF5 timeline); off saves memory.
  bool keep_intervals = false;
  /// Event queue kind ("ladder", "heap4", "binary"); "" = the engine's default, the ladder queue
  /// (fastest: 22 vs 27 CPU-s for a 1024-NPU ring all-reduce, byte-identical results).
  std::string queue;
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
  pdes::EngineStats stats;         ///< this rank's engine counters
  int ranks = 1;
  double build_seconds = 0;        ///< wall time of the build phase (this rank)
  /// The workload layer's warnings on this rank (its NPUs', or a text workload's; see
  /// load_workloads): the caller prints them (rank 0).
  std::vector<Diagnostic> warnings;
};

/// Builds and runs `config` over `transport`. Input problems found on any rank are thrown on
/// every rank as the same Error (exit code 2); a stall throws pdes::StallError on every rank.
/// Model errors on one rank are thrown on that rank only (under MPI the caller must abort).
SimulationResult simulate(const Config& config, pdes::Transport& transport, const SimulationOptions& options = {});

}  // namespace tessera::runtime
