// The model's handle on the engine while init() or handle() runs: the clock and the ways to
// create events. Models never see ranks, queues or MPI.
#pragma once

#include <string>
#include <vector>

#include "tessera/error.hpp"
#include "tessera/pdes/event.hpp"
#include "tessera/pdes/event_queue.hpp"
#include "tessera/pdes/graph.hpp"

namespace tessera::pdes {

class Engine;

class Context {
 public:
  /// Current simulated time, ps.
  SimTime now() const { return now_; }
  /// The LP being run.
  LpId self() const { return current_; }
  const Graph& graph() const { return *graph_; }
  /// The LP that created `ev` (the owner of its source port).
  LpId sender(const Event& ev) const { return graph_->port_owner(ev.source_port()); }
  /// Latency of the channel on outgoing `port` of the running LP. Throws if there is none.
  SimTime latency(LocalPort port) const { return routes_[checked_port(port)].latency; }

  /// Sends on outgoing `port`: the peer receives it at now + channel latency + extra_delay, on the
  /// channel's input port. Throws Error if the LP has no channel on `port` or extra_delay < 0.
  void send(LocalPort port, EventKind kind, const Payload& payload, SimTime extra_delay = 0,
            Priority priority = 0) {
    const PortId p = checked_port(port);
    const Route& r = routes_[p];
    if (extra_delay < 0 || extra_delay > kTimeInfinity - now_ - r.latency) bad_delay("send", extra_delay);
    post(now_ + r.latency + extra_delay, priority, p, r.to, r.to_port, kind, payload, r.rank);
  }

  /// An event for the running LP itself at now + delay (delay >= 0). With delay 0 it runs after
  /// the current event, ordered with other simultaneous events by (priority, port, sequence).
  void schedule(SimTime delay, EventKind kind, const Payload& payload, Priority priority = 0) {
    if (delay < 0 || delay > kTimeInfinity - now_) bad_delay("schedule", delay);
    post(now_ + delay, priority, self_port_, current_, kSelfPort, kind, payload, rank_);
  }

  /// An event for any LP without a channel (closed-form network models), delivered at now + delay
  /// on kDirectPort. delay must be >= Graph::direct_send_min_delay(), which bounds the lookahead,
  /// so it is safe across ranks; ordered by the sender's self port. Throws Error otherwise.
  void send_direct(LpId target, SimTime delay, EventKind kind, const Payload& payload,
                   Priority priority = 0) {
    if (delay < direct_min_delay_ || delay > kTimeInfinity - now_ || target >= rank_of_->size()) {
      bad_direct(target, delay);
    }
    post(now_ + delay, priority, self_port_, target, kDirectPort, kind, payload, (*rank_of_)[target]);
  }

 private:
  friend class Engine;
  struct Route {
    SimTime latency;
    LpId to;
    LocalPort to_port;
    int rank;
  };

  PortId checked_port(LocalPort port) const {
    const PortId p = graph_->out_port(current_, port);
    if (p == kNoPort) no_port(port);
    return p;
  }
  void post(SimTime time, Priority priority, PortId source, LpId target, LocalPort to_port, EventKind kind,
            const Payload& payload, int rank) {
    Event e;
    e.time = time;
    e.order = make_order(priority, source);
    e.seq = seq_[source]++;
    e.target = target;
    e.port = to_port;
    e.kind = kind;
    e.payload = payload;
    if (rank == rank_) {
      if (fast_) {
        fast_->push(e);
      } else if (heap_) {
        heap_->push(e);
      } else {
        queue_->push(e);
      }
    } else {
      outboxes_[static_cast<std::size_t>(rank)].push_back(e);
      if (time < outbox_min_) outbox_min_ = time;
      ++remote_sent_;
    }
  }
  void begin(LpId lp, SimTime now) {
    current_ = lp;
    now_ = now;
    self_port_ = graph_->self_port(lp);
  }
  [[noreturn]] void no_port(LocalPort port) const;
  [[noreturn]] void bad_delay(const char* what, SimTime delay) const;
  [[noreturn]] void bad_direct(LpId target, SimTime delay) const;

  Context() = default;

  SimTime now_ = 0;
  LpId current_ = kNoLp;
  PortId self_port_ = kNoPort;
  int rank_ = 0;
  const Graph* graph_ = nullptr;
  const std::vector<int>* rank_of_ = nullptr;
  LadderEventQueue* fast_ = nullptr;  // the queue when it is the default kind: no virtual calls
  HeapEventQueue* heap_ = nullptr;    // likewise when it is the 4-ary heap (the runtime's default)
  EventQueue* queue_ = nullptr;
  std::vector<Route> routes_;                 // per global port
  std::vector<std::uint64_t> seq_;            // per global port
  std::vector<std::vector<Event>> outboxes_;  // per rank
  SimTime outbox_min_ = kTimeInfinity;
  SimTime direct_min_delay_ = kTimeInfinity;
  std::uint64_t remote_sent_ = 0;
};

}  // namespace tessera::pdes
