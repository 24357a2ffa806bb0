// The rank-local engine: owns the local LPs and the event queue, and runs conservative windows in
// lockstep with the other ranks through a Transport.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tessera/error.hpp"
#include "tessera/pdes/context.hpp"
#include "tessera/pdes/event_queue.hpp"
#include "tessera/pdes/graph.hpp"
#include "tessera/pdes/logical_process.hpp"
#include "tessera/pdes/partition.hpp"
#include "tessera/pdes/agreement.hpp"
#include "tessera/pdes/transport.hpp"

namespace tessera::pdes {

/// Creates the model object of a local LP. Called only for LPs placed on this rank.
using LpFactory = std::function<std::unique_ptr<LogicalProcess>(LpId)>;

/// No event is left anywhere but some LPs report unfinished work. Thrown on every rank with the
/// same message.
class StallError : public Error {
 public:
  StallError(const std::string& what, std::uint64_t stuck, std::vector<std::string> lines)
      : Error(what, ExitCode::kRuntime), stuck_(stuck), lines_(std::move(lines)) {}
  /// Number of unfinished LPs over all ranks.
  std::uint64_t stuck() const { return stuck_; }
  /// "name: report" for the first unfinished LPs in id order.
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  std::uint64_t stuck_;
  std::vector<std::string> lines_;
};

struct Progress {
  SimTime sim_time = 0;       ///< start of the window just run (inside a window: this rank's now)
  std::uint64_t windows = 0;  ///< windows run so far
  /// Events run on all ranks before this window; inside a window plus this rank's events since
  /// the window began (the other ranks' are not known until the next synchronization).
  std::uint64_t events = 0;
  double wall_seconds = 0;
};

struct RunLimits {
  /// Only events with time < end_time run; the run stops with StopReason::kEndTime.
  SimTime end_time = kTimeInfinity;
  /// Stop after this much wall time (0: no limit). Checked once per window.
  double wall_seconds = 0;
  /// Polled at every window start and every `poll_every` events inside a window, on every rank;
  /// true on any rank stops all at the next window boundary (e.g. SIGTERM seen). Must be cheap.
  std::function<bool()> stop_requested;
  /// Events between polls of stop_requested and the wall clock inside one window (a one-rank run
  /// is a single window, so without this a signal or the wall limit would wait for the end).
  std::uint64_t poll_every = 16384;
  /// Called on every rank every `progress_every` windows (0: never) and, when progress_seconds
  /// > 0, whenever progress_seconds of wall time passed since the last call. For the latter the
  /// clock is read after every window and every `progress_check_events` events inside one (a
  /// single rank runs the whole simulation as one window). Reading the clock changes no result.
  std::uint64_t progress_every = 0;
  double progress_seconds = 0;
  std::uint64_t progress_check_events = 4096;
  std::function<void(const Progress&)> progress;
  /// How many unfinished LPs a StallError lists by name.
  std::size_t stall_report_limit = 20;
};

enum class StopReason { kCompleted, kEndTime, kWallLimit, kStopRequested };
const char* to_string(StopReason r);

/// Per-rank counters.
struct EngineStats {
  std::uint64_t events = 0;         ///< events handled on this rank
  std::uint64_t windows = 0;        ///< windows run
  std::uint64_t sync_rounds = 0;    ///< transport rounds (windows + the final one)
  std::uint64_t remote_events = 0;  ///< events sent to other ranks
  std::uint64_t peak_queue = 0;     ///< largest queue size seen at a window start
  double run_seconds = 0;           ///< wall time of run()
  double sync_seconds = 0;          ///< of which waiting in the transport
};

struct RunResult {
  StopReason reason = StopReason::kCompleted;
  SimTime last_event_time = 0;  ///< latest event time run on any rank
  /// Simulated time up to which every event has run on every rank: the end time for kEndTime,
  /// the earliest unrun event for the other early stops, last_event_time when completed.
  SimTime reached = 0;
  std::uint64_t global_events = 0;
  EngineStats stats;  ///< this rank's
};

class Engine {
 public:
  /// `queue` defaults to LadderEventQueue. The graph, partition and transport are referenced, not
  /// copied: they must outlive the engine. Throws Error if the partition does not match the
  /// transport's rank count or the graph.
  Engine(const Graph& graph, const Partition& partition, Transport& transport,
         std::unique_ptr<EventQueue> queue = nullptr);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Creates every local LP (ascending id) through `factory`; a null result is an Error.
  void instantiate(const LpFactory& factory);

  /// Runs init() of every local LP, then windows until no event is left anywhere (or a limit).
  /// Collective: every rank calls it. Throws StallError when LPs are left unfinished. An error
  /// thrown by a model (init or handle) on any rank stops every rank at the next synchronization,
  /// and every rank throws the same agreed error (agreement.hpp) with every rank's model errors,
  /// in LP order.
  RunResult run(const RunLimits& limits = {});

  int rank() const { return transport_.rank(); }
  const std::vector<LpId>& local_lps() const { return local_ids_; }
  /// The local LP object (nullptr when `lp` runs elsewhere).
  LogicalProcess* local(LpId lp) const { return local_[lp]; }
  const EngineStats& stats() const { return stats_; }
  SimTime lookahead() const { return partition_.lookahead; }
  Transport& transport() { return transport_; }

 private:
  template <class Q>
  void run_window(Q& queue, SimTime end);
  void check_stall(const RunLimits& limits, SimTime last_time);
  /// Calls limits.progress if progress_seconds passed since the last call (wall clock).
  void progress_if_due(const RunLimits& limits, SimTime sim_time, std::uint64_t events);
  bool poll_early_stop();

  const Graph& graph_;
  const Partition& partition_;
  Transport& transport_;
  std::unique_ptr<EventQueue> queue_;
  Context ctx_;
  std::vector<std::unique_ptr<LogicalProcess>> owned_;
  std::vector<LogicalProcess*> local_;  // per LpId
  std::vector<LpId> local_ids_;
  std::vector<Event> inbox_;
  EngineStats stats_;
  // Wall-clock progress (run() only): the limits, the start, the next due time, and the global
  // event count at the last synchronization minus this rank's count then.
  const RunLimits* progress_limits_ = nullptr;
  double next_progress_ = 0;
  std::uint64_t events_at_sync_ = 0;
  bool instantiated_ = false;
  bool ran_ = false;
  const RunLimits* limits_ = nullptr;            // during run()
  std::chrono::steady_clock::time_point start_;  // of run()
  std::uint32_t early_flags_ = 0;                // set inside a window, sent with the next sync
  std::vector<Failure> failures_;                // this rank's model errors (ordered by LP id)
  std::uint64_t in_window_check_ = 0;            // events between in-window checks (0: none)
};

}  // namespace tessera::pdes
