// One simulation run: the phases partition (network, collective settings, LP graph, ranks), load
// (local workloads), validate (communicator groups), build (engine, LPs), run and finalize (the
// gather of per-NPU results to rank 0); src/runtime/phases/. Collective over the transport's ranks: every rank calls simulate().
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
#include "tessera/workload/workload.hpp"

namespace tessera::network {
class Network;
}

namespace tessera::runtime {

/// What a progress callback is told: the engine's counters and how much of this rank's trace work
/// is done (nodes completed over nodes in this rank's NPUs' traces).
struct RunProgress {
  pdes::Progress engine;
  std::uint64_t nodes_done = 0;
  std::uint64_t nodes_total = 0;
};

struct SimulationOptions {
  /// Called on every rank every `progress_seconds` of wall time (checked after every window and
  /// every few thousand events inside one, so on any rank count). Changes no result.
  std::function<void(const RunProgress&)> progress;
  double progress_seconds = 2.0;
  /// Keep every node's interval (the HDF5 timeline); off saves memory.
  bool keep_intervals = false;
  /// Event queue kind ("ladder", "heap4", "binary"); "" = the engine's default, the ladder queue
  /// (fastest: 22 vs 27 CPU-s for a 1024-NPU ring all-reduce, byte-identical results).
  std::string queue;
  /// Record per-link traffic over time (the HDF5 `/links` tables). Only the packet and
  /// congestion-aware models have links; the congestion-unaware model delivers every message by
  /// a closed-form delay and records nothing (SimulationResult::link_stats_source says so).
  bool link_stats = false;
  /// Width of the link time bins; 0 = automatic: a power-of-two multiple of 1 ns chosen after the
  /// run so that the run spans at most `link_stats_bins` bins (more than half as many).
  SimTime link_stats_interval = 0;
  int link_stats_bins = 200;
  /// Called on every rank once the network, LP graph and partition exist, before any workload
  /// is loaded (the app's memory check). What it throws on any rank ends every rank alike.
  std::function<void(const network::Network&, const pdes::Graph&, const pdes::Partition&)> before_load;
  /// Polled by the engine at window boundaries (pdes::RunLimits::stop_requested): true on any rank
  /// stops every rank there, with StopReason::kStopRequested (the app's SIGINT/SIGTERM flag).
  std::function<bool()> stop_requested;
  /// In-memory workloads instead of the configuration's (the flow model's measurements): each
  /// rank's NPUs' graphs, built by this function (ASTRA-sim semantics, not checked against files).
  std::function<workload::Workload(int npu)> workloads;
};

struct SimulationResult {
  /// What the output sinks read (output::RunRecords): this rank's intervals (keep_intervals only)
  /// and links (link_stats only: the links whose sending end is one of its LPs, with traffic per
  /// time bin of width records.link_bin_width, the same on every rank; bins without traffic left
  /// out); on rank 0 also every NPU's summary (id order) and collective records (NPU then
  /// completion order), none on the other ranks. Labels are interned once in records.strings.
  output::RunRecords records;
  /// Where the link figures come from, for the output's `link_stats` attribute.
  std::string link_stats_source;
  SimTime end_time = 0;            ///< when the last NPU finished (on every rank)
  std::uint64_t events = 0;        ///< events run on all ranks
  pdes::StopReason reason = pdes::StopReason::kCompleted;
  /// Simulated time up to which every event ran (pdes::RunResult::reached): where an early stop
  /// left the run.
  SimTime reached = 0;
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
