#include "tessera/pdes/engine.hpp"

#include <algorithm>
#include <chrono>
#include <type_traits>

#include <fmt/format.h>

namespace tessera::pdes {

namespace {
constexpr std::uint32_t kFlagStop = 1;
constexpr std::uint32_t kFlagWall = 2;
constexpr std::uint32_t kFlagFailed = 4;  // a model threw on some rank: every rank agrees and throws

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

const char* to_string(StopReason r) {
  switch (r) {
    case StopReason::kCompleted:
      return "completed";
    case StopReason::kEndTime:
      return "end time reached";
    case StopReason::kWallLimit:
      return "wall-time limit reached";
    case StopReason::kStopRequested:
      return "stop requested";
  }
  return "?";
}

// ---- Context error paths (out of line: they are cold) ----

void Context::no_port(LocalPort port) const {
  throw Error(fmt::format("logical process '{}' sent on port {}, which has no channel",
                          graph_->name(current_), port));
}

void Context::bad_delay(const char* what, SimTime delay) const {
  throw Error(
      fmt::format("logical process '{}': {} with delay {} ps at t={} ps (must be >= 0 and not overflow)",
                  graph_->name(current_), what, delay, now_));
}

void Context::bad_direct(LpId target, SimTime delay) const {
  const std::string& me = graph_->name(current_);
  if (target >= rank_of_->size()) {
    throw Error(fmt::format("logical process '{}' sent directly to unknown LP id {}", me, target));
  }
  if (!graph_->direct_send_min_delay()) {
    throw Error(
        fmt::format("logical process '{}' used send_direct, but the graph declares no minimum direct-send "
                    "delay (GraphBuilder::set_direct_send_min_delay)",
                    me));
  }
  throw Error(
      fmt::format("logical process '{}' sent directly to '{}' with delay {} ps, below the declared minimum "
                  "{} ps that the lookahead relies on",
                  me, graph_->name(target), delay, *graph_->direct_send_min_delay()));
}

// ---- Engine ----

Engine::Engine(const Graph& graph, const Partition& partition, Transport& transport,
               std::unique_ptr<EventQueue> queue)
    : graph_(graph), partition_(partition), transport_(transport), queue_(std::move(queue)) {
  if (partition.num_ranks != transport.size()) {
    throw Error(
        fmt::format("partition is for {} ranks but {} ranks run", partition.num_ranks, transport.size()));
  }
  if (partition.rank_of.size() != graph.num_lps()) {
    throw Error("partition does not belong to this graph (LP count differs)");
  }
  if (!queue_) queue_ = event_queue_kinds().front().make();  // the table lists the default first
  const int me = transport.rank();

  ctx_.rank_ = me;
  ctx_.graph_ = &graph;
  ctx_.rank_of_ = &partition.rank_of;
  ctx_.queue_ = queue_.get();
  ctx_.fast_ = dynamic_cast<LadderEventQueue*>(queue_.get());
  ctx_.heap_ = dynamic_cast<HeapEventQueue*>(queue_.get());
  ctx_.outboxes_.resize(static_cast<std::size_t>(transport.size()));
  ctx_.seq_.assign(graph.num_ports(), 0);
  ctx_.direct_min_delay_ = graph.direct_send_min_delay().value_or(kTimeInfinity);
  // Bind every channel to its destination: the local queue or the outbox of the owner's rank.
  ctx_.routes_.assign(graph.num_ports(), Context::Route{0, kNoLp, 0, me});
  for (std::size_t i = 0; i < graph.num_channels(); ++i) {
    const Channel& c = graph.channels()[i];
    ctx_.routes_[graph.port_of_channel(i)] = {c.latency, c.to, c.to_port, partition.rank_of[c.to]};
  }
  local_.assign(graph.num_lps(), nullptr);
  local_ids_ = partition.lps_of(me);
}

Engine::~Engine() = default;

void Engine::instantiate(const LpFactory& factory) {
  if (instantiated_) throw Error("Engine::instantiate called twice");
  owned_.reserve(local_ids_.size());
  for (const LpId lp : local_ids_) {
    std::unique_ptr<LogicalProcess> obj = factory(lp);
    if (!obj)
      throw Error(
          fmt::format("the model factory returned no object for logical process '{}'", graph_.name(lp)));
    local_[lp] = obj.get();
    owned_.push_back(std::move(obj));
  }
  instantiated_ = true;
}

template <class Q>
void Engine::run_window(Q& queue, SimTime end) {
  Event ev;
  std::uint64_t n = 0;
  // One countdown serves both in-window checks (the progress clock and the stop/wall-limit poll):
  // a decrement and a compare per event, no division.
  const std::uint64_t check = in_window_check_;
  std::uint64_t countdown = check;
  while (queue.next_time() < end) {
    queue.pop(ev);
    if constexpr (std::is_same_v<Q, LadderEventQueue> || std::is_same_v<Q, HeapEventQueue>) {
      // Random targets make the LP object a cache miss; start loading the next one now so it
      // overlaps with this event's handler.
      if (const Event* next = queue.peek()) __builtin_prefetch(local_[next->target]);
    }
    ctx_.now_ = ev.time;
    ctx_.current_ = ev.target;
    ctx_.self_port_ = graph_.self_port(ev.target);
    local_[ev.target]->handle(ev, ctx_);
    ++n;
    if (check != 0 && --countdown == 0) {
      countdown = check;
      if (progress_limits_ != nullptr) {
        progress_if_due(*progress_limits_, ctx_.now_, events_at_sync_ + stats_.events + n);
      }
      if (poll_early_stop()) break;
    }
  }
  stats_.events += n;
}

void Engine::progress_if_due(const RunLimits& limits, SimTime sim_time, std::uint64_t events) {
  const double now = seconds_since(start_);
  if (now < next_progress_) return;
  next_progress_ = now + limits.progress_seconds;
  limits.progress(Progress{sim_time, stats_.windows, events, now});
}

RunResult Engine::run(const RunLimits& limits) {
  if (!instantiated_) throw Error("Engine::run called before instantiate");
  if (ran_) throw Error("Engine::run called twice");
  ran_ = true;
  const auto t0 = std::chrono::steady_clock::now();
  const bool timed_progress = limits.progress && limits.progress_seconds > 0;
  progress_limits_ = timed_progress && limits.progress_check_events > 0 ? &limits : nullptr;
  next_progress_ = limits.progress_seconds;
  limits_ = &limits;
  start_ = t0;
  {
    const std::uint64_t progress_check = progress_limits_ != nullptr ? limits.progress_check_events : 0;
    const std::uint64_t poll = limits.poll_every;
    in_window_check_ = progress_check == 0 ? poll : poll == 0 ? progress_check : std::min(progress_check, poll);
  }

  // A model error must not leave this rank's peers waiting in the next exchange: it is kept (every
  // LP's init runs, so each broken LP is reported) and goes out as a flag with the next sync.
  for (const LpId lp : local_ids_) {
    ctx_.begin(lp, 0);
    try {
      local_[lp]->init(ctx_);
    } catch (...) {
      failures_.push_back(current_failure(static_cast<std::int64_t>(lp)));
      early_flags_ |= kFlagFailed;
    }
  }

  RunResult result;
  SimTime last_time = 0;
  const SimTime lookahead = partition_.lookahead;
  for (;;) {
    SyncInput in;
    in.local_min = std::min(queue_->next_time(), ctx_.outbox_min_);
    in.events = stats_.events;
    in.flags = early_flags_;
    if (limits.stop_requested && limits.stop_requested()) in.flags |= kFlagStop;
    if (limits.wall_seconds > 0 && seconds_since(t0) > limits.wall_seconds) in.flags |= kFlagWall;

    inbox_.clear();
    const auto s0 = std::chrono::steady_clock::now();
    const SyncResult round = transport_.exchange(ctx_.outboxes_, in, inbox_);
    stats_.sync_seconds += seconds_since(s0);
    ++stats_.sync_rounds;
    ctx_.outbox_min_ = kTimeInfinity;
    for (const Event& e : inbox_) queue_->push(e);
    stats_.peak_queue = std::max<std::uint64_t>(stats_.peak_queue, queue_->size());
    result.global_events = round.events;
    events_at_sync_ = round.events - stats_.events;

    if (round.flags & kFlagFailed) agree(transport_, failures_);  // throws on every rank
    result.reached = std::min(round.global_min, limits.end_time);
    if (round.flags & kFlagStop) {
      result.reason = StopReason::kStopRequested;
      break;
    }
    if (round.flags & kFlagWall) {
      result.reason = StopReason::kWallLimit;
      break;
    }
    if (round.global_min == kTimeInfinity) {
      result.reason = StopReason::kCompleted;
      break;
    }
    if (round.global_min >= limits.end_time) {
      result.reason = StopReason::kEndTime;
      break;
    }
    // Nothing another rank sends from time >= global_min can arrive before global_min + lookahead.
    SimTime end =
        lookahead >= kTimeInfinity - round.global_min ? kTimeInfinity : round.global_min + lookahead;
    end = std::min(end, limits.end_time);
    const std::uint64_t before = stats_.events;
    try {
      if (ctx_.fast_) {
        run_window(*ctx_.fast_, end);
      } else if (ctx_.heap_) {
        run_window(*ctx_.heap_, end);
      } else {
        run_window(*queue_, end);
      }
    } catch (...) {
      // The LP that threw is in an unknown state: this rank runs no more events.
      failures_.push_back(current_failure(static_cast<std::int64_t>(ctx_.current_)));
      early_flags_ |= kFlagFailed;
    }
    if (stats_.events != before) last_time = ctx_.now_;
    ++stats_.windows;
    if (limits.progress_every && limits.progress && stats_.windows % limits.progress_every == 0) {
      limits.progress(Progress{round.global_min, stats_.windows, round.events, seconds_since(t0)});
    } else if (timed_progress) {
      progress_if_due(limits, ctx_.now_, events_at_sync_ + stats_.events);
    }
  }
  progress_limits_ = nullptr;
  stats_.remote_events = ctx_.remote_sent_;
  result.last_event_time = transport_.all_reduce_max(static_cast<std::int64_t>(last_time));
  if (result.reason == StopReason::kCompleted) result.reached = result.last_event_time;
  limits_ = nullptr;
  if (result.reason == StopReason::kCompleted) check_stall(limits, result.last_event_time);
  stats_.run_seconds = seconds_since(t0);
  result.stats = stats_;
  return result;
}

// Inside a window: a stop request or the wall limit ends the window early on this rank; the flag
// goes out with the next sync so every rank stops there. Events left in the window stay queued,
// so the partial state is consistent up to the earliest of them (RunResult::reached).
bool Engine::poll_early_stop() {
  if (limits_->stop_requested && limits_->stop_requested()) early_flags_ |= kFlagStop;
  if (limits_->wall_seconds > 0 && seconds_since(start_) > limits_->wall_seconds) early_flags_ |= kFlagWall;
  return early_flags_ != 0;
}

void Engine::check_stall(const RunLimits& limits, SimTime last_time) {
  // Each rank reports its unfinished LPs' ids and lines; merged by id, the list is in LP id order
  // on any rank count.
  std::int64_t stuck = 0;
  std::vector<LpId> ids;
  std::vector<std::string> reports;
  for (const LpId lp : local_ids_) {
    if (local_[lp]->finished()) continue;
    if (static_cast<std::size_t>(stuck++) < limits.stall_report_limit) {
      ids.push_back(lp);
      reports.push_back(fmt::format("{}: {}", graph_.name(lp), local_[lp]->stall_report()));
    }
  }
  const std::int64_t total = transport_.all_reduce_sum(stuck);
  if (total == 0) return;
  std::vector<std::pair<LpId, std::string>> lines;
  const std::vector<std::vector<LpId>> all_ids = transport_.all_gather_records(ids);
  std::vector<std::vector<std::string>> all_reports = transport_.all_gather_strings(reports);
  for (std::size_t r = 0; r < all_ids.size(); ++r) {
    for (std::size_t k = 0; k < all_ids[r].size(); ++k) lines.emplace_back(all_ids[r][k], std::move(all_reports[r][k]));
  }
  std::sort(lines.begin(), lines.end());
  if (lines.size() > limits.stall_report_limit) lines.resize(limits.stall_report_limit);
  std::vector<std::string> text;
  std::string what = fmt::format(
      "simulation stalled at t={} ps: no events are left, but {} logical process{} "
      "still ha{} unfinished work:",
      last_time, total, total == 1 ? "" : "es", total == 1 ? "s" : "ve");
  for (auto& [id, line] : lines) {
    what += "\n  " + line;
    text.push_back(std::move(line));
  }
  if (static_cast<std::uint64_t>(total) > text.size()) {
    what += fmt::format("\n  ... and {} more", static_cast<std::uint64_t>(total) - text.size());
  }
  throw StallError(what, static_cast<std::uint64_t>(total), std::move(text));
}

}  // namespace tessera::pdes
