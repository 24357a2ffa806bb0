// The per-NPU collective executor: ASTRA-sim's system layer (Sys, StreamBaseline, queues,
// MemBus, PacketBundle) for one NPU. It chunks a collective, builds the phases of every chunk
// stream, schedules streams over per-dimension queues, runs each phase's step program
// (plan.hpp) and reports completion. It knows nothing of the engine or the network: it talks to
// its host (the NPU logical process) only through CollectiveHost.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "tessera/collective/custom.hpp"
#include "tessera/collective/plan.hpp"
#include "tessera/collective/runner.hpp"
#include "tessera/collective/types.hpp"

namespace tessera::collective {

/// Identifies a message for matching at the receiver: the receiver pairs the k-th message of
/// (stream, src, size, user_tag) with its k-th receive of the same key, as ASTRA-sim's
/// CallbackTracker does with (tag, src, dst, size, chunk id). Trivially copyable (event payloads).
struct MessageTag {
  std::uint64_t stream = 0;   ///< stream id, identical on all NPUs (group id << 40 | counter)
  std::uint32_t seq = 0;      ///< 1-based index among the sender's messages with the same key
  std::int32_t user_tag = 0;  ///< custom collectives: the ET's comm_tag; native: 0
  bool operator==(const MessageTag&) const = default;
};


/// What the executor needs from the NPU that hosts it.
class CollectiveHost {
 public:
  virtual ~CollectiveHost() = default;
  /// Current simulated time.
  virtual SimTime now() const = 0;
  /// Call executor.on_timer(token) at now() + delay (delay >= 0; 0 runs later in this tick).
  /// For ASTRA-sim parity, order same-time events as astra_tie_priority(delay) says (types.hpp).
  virtual void schedule_after(SimTime delay, TimerToken token) = 0;
  /// Send `bytes` to `dst`. The network calls dst's executor.on_message(src, bytes, tag) when the
  /// message has fully arrived. With `want_completion`, also this executor's
  /// on_send_complete(dst, bytes, tag) at the same time (ASTRA's send callback fires at final
  /// arrival); native collectives ignore send completion, so they pass false and the host may
  /// save the acknowledgement's events.
  virtual void send(NpuId dst, Bytes bytes, const MessageTag& tag, bool want_completion) = 0;
  /// Collective `id` finished on this NPU. Called synchronously from inside the executor; the
  /// host may start another collective from here (ASTRA issues the next node in the same tick).
  virtual void collective_finished(CollectiveId id) = 0;
  /// A host event registered with CollectiveExecutor::register_host_event has come due.
  virtual void host_event(std::uint64_t token) { (void)token; }
  /// NVSwitch multicast (NVLS multimem.st): `bytes` to every member of multicast group `group`,
  /// this NPU included; each member's runner gets on_message(src = this NPU, bytes, tag).
  virtual void multicast(std::uint32_t group, Bytes bytes, const MessageTag& tag);
  /// NVSwitch reduction (NVLS multimem.ld_reduce): the switch reads `bytes` from every member of
  /// `group` and returns their sum here: on_message(src = this NPU, bytes, tag).
  virtual void switch_reduce(std::uint32_t group, Bytes bytes, const MessageTag& tag);
  /// Flow model: the latency of a flag message from `from` to `to` (the route's links and
  /// switches, no serialization, no queueing), the same wherever it is asked.
  virtual SimTime control_delay(NpuId from, NpuId to) const;
  /// Flow model: a flag message to `dst`, delivered (on_message(src = this NPU, 8 bytes, tag))
  /// exactly control_delay(this NPU, dst) later.
  virtual void send_control(NpuId dst, const MessageTag& tag);
};

/// A communicator group: an explicit NPU list (ASTRA's --comm-group-configuration). Collectives on
/// a group run as one flat logical ring over the members, in list order.
struct CommGroup {
  std::uint32_t id = 0;  ///< > 0; 0 is the implicit group of all NPUs
  std::shared_ptr<const std::vector<NpuId>> members;
};

struct CollectiveRequest {
  CollectiveType type = CollectiveType::kAllReduce;
  Bytes bytes = 0;                  ///< ET comm_size (all-gather: the per-rank shard)
  std::vector<bool> involved_dims;  ///< per physical dimension; empty or short = true
  int priority = 0;                 ///< comm_priority (EXPLICIT policy)
  const CommGroup* group = nullptr; ///< nullptr = all NPUs over the physical dimensions
  int root = 0;                     ///< broadcast/reduce root: a group position (flat ring index)
  /// Runs this custom program instead of the native algorithms (one stream, no chunking).
  std::shared_ptr<const CustomCollective> custom;
};

/// Counters for summaries and tests.
struct ExecutorStats {
  std::uint64_t collectives = 0;
  std::uint64_t streams = 0;
  std::uint64_t messages_sent = 0;
  Bytes bytes_sent = 0;
  std::uint64_t reductions = 0;
};

class CollectiveExecutor final : public CollectiveRunner {
 public:
  /// `config` and `topo` must outlive the executor (one copy shared by all NPUs of a rank).
  CollectiveExecutor(const SystemConfig& config, const TopologyView& topo, NpuId self,
                     CollectiveHost& host);
  ~CollectiveExecutor();
  CollectiveExecutor(const CollectiveExecutor&) = delete;
  CollectiveExecutor& operator=(const CollectiveExecutor&) = delete;

  /// Starts a collective now (ASTRA Sys::generate_collective). All NPUs of the group must start
  /// their collectives of that group in the same order. Throws InputError for requests the
  /// configuration cannot run (e.g. this NPU not in the group).
  CollectiveId start(const CollectiveRequest& request) override;
  /// algorithm_label() and chunk_count() of the request.
  RunLabel describe(const CollectiveRequest& request) const override;

  /// Runs host.host_event(token) at now() + delay inside this NPU's per-tick event batch, as
  /// ASTRA's workload does with Sys::register_event (COMP completions): same-tick system and
  /// workload events then run in ASTRA's order.
  void register_host_event(SimTime delay, std::uint64_t token) override;

  void on_timer(TimerToken token) override;
  void on_message(NpuId src, Bytes bytes, const MessageTag& tag) override;
  void on_send_complete(NpuId dst, Bytes bytes, const MessageTag& tag) override;

  NpuId self() const { return self_; }
  /// No collective in progress.
  bool idle() const override { return collectives_.empty(); }
  /// What unfinished work waits for (stall reports).
  std::string stall_report() const override;
  const ExecutorStats& stats() const { return stats_; }
  /// Live per-stream state (streams, message-matching tables, pending event batches): all 0
  /// once every collective finished, so memory does not grow over a long run.
  std::size_t live_state() const { return slots_.size() + batches_.size() + retired_.size(); }

 private:
  struct Stream;
  struct Collective;
  class QueueLevel;
  struct Matching;

  /// A deferred piece of work (ASTRA's callables registered with Sys or the backend).
  struct Action {
    enum Kind : std::uint8_t { kBundle, kGeneral, kRecvDone, kCompute, kEmptyCollective, kEmptyStream, kHost } kind;
    bool reduce = false;
    std::uint64_t stream = 0;  ///< stream id (kEmptyCollective: collective id; kHost: host token)
    std::int64_t arg = -1;     ///< bytes (kBundle), custom step index (kRecvDone, kCompute)
  };
  /// A deferred action (batches need no Timer: their token is kBatchToken).
  struct Timer {
    Action action{};
  };
  struct PhaseSlot {
    int queue = 0;
    PhaseProgram program;
  };
  /// One stream id's state on this NPU: the stream (null while only early messages for it have
  /// arrived) and its message matching (null until the first message or receive). An NPU has
  /// few live streams (one collective at a time per comm slot, `splits` streams each), so a flat
  /// vector searched linearly beats a hash map: it stays in a few cache lines.
  struct StreamSlot {
    std::uint64_t id = 0;
    std::unique_ptr<Stream> stream;
    std::unique_ptr<Matching> matching;
  };
  /// The actions of one tick (Sys::try_register_event's per-tick list).
  struct Batch {
    SimTime time = 0;
    std::vector<Action> actions;
  };

  // ASTRA Sys::generate_collective and the scheduler
  void generate(Collective& coll, const CollectiveRequest& req);
  std::vector<PhaseSlot> chunk_phases(const CollectiveRequest& req, Bytes chunk, int& position_in_group);
  int next_priority(int explicit_priority);
  void insert_into_ready_list(Stream* s);
  void schedule_ready();
  void proceed_to_next_phase(Stream* s);
  void start_streams(int queue);
  void stream_removed(int queue);
  void register_event(SimTime delay, const Action& a);
  void defer(SimTime delay, const Action& a);
  void run_action(const Action& a);
  Stream* find_stream(std::uint64_t id) const;
  StreamSlot* find_slot(std::uint64_t id);
  StreamSlot& touch_slot(std::uint64_t id);
  Batch* find_batch(SimTime time);
  std::uint32_t new_timer(const Timer& t);

  // phases
  void phase_init(Stream* s);
  void phase_general(Stream* s);
  void phase_received(Stream* s, std::int64_t custom_step);
  void insert_packet(Stream* s);
  bool pipeline_ready(Stream* s);
  void bundle(Stream* s, bool reduce, Bytes bytes);
  void tree_event(Stream* s, int event);
  void custom_issue(Stream* s);
  void custom_step_done(Stream* s, std::size_t index);
  void exit_phase(Stream* s);

  // messages
  void send_message(Stream* s, NpuId dst, Bytes bytes, std::int32_t user_tag = 0, std::int64_t custom_step = -1);
  void post_recv(Stream* s, NpuId src, Bytes bytes, std::int32_t user_tag = 0, std::int64_t custom_step = -1);
  SimTime reduction_time(Bytes bytes) const;
  Matching& matching(StreamSlot& slot);
  void enter() { ++depth_; }
  void leave();

  const SystemConfig& config_;
  const TopologyView& topo_;
  NpuId self_;
  CollectiveHost& host_;
  SimTime endpoint_delay_;
  int total_npus_;

  std::vector<std::unique_ptr<QueueLevel>> levels_;
  std::vector<std::vector<Stream*>> active_;  // per queue, ASTRA active_Streams
  std::vector<int> running_;                  // per queue
  int queue_threshold_;
  std::vector<Stream*> ready_list_;
  int priority_counter_ = 0;
  int dbt_counter_ = 0;
  std::unordered_map<std::uint32_t, std::uint64_t> stream_counter_;  // per group id
  CollectiveId next_collective_ = 1;

  // Streams and their message matching (created on first touch, erased when the stream ends).
  std::vector<StreamSlot> slots_;
  std::unordered_map<CollectiveId, std::unique_ptr<Collective>> collectives_;
  std::vector<std::unique_ptr<Stream>> retired_;  // freed when the outermost call returns
  std::vector<std::unique_ptr<Matching>> spare_matching_;  // recycled: no allocation per stream

  // Sys::try_register_event: all actions of one tick run together, at the first one's place.
  // Pending ticks are few per NPU (endpoint delay, reduction, compute): a flat vector, with the
  // action lists recycled so a tick allocates nothing.
  std::vector<Batch> batches_;
  std::vector<std::vector<Action>> spare_actions_;
  std::vector<Timer> timers_;
  std::vector<std::uint32_t> free_timers_;

  ExecutorStats stats_;
  int depth_ = 0;  // nesting of public entry points; retired streams are freed at 0
};

/// The algorithm a request runs, as output files name it: the configured algorithm of every
/// dimension that takes part (size > 1 and involved), in dimension order, joined by "/" (e.g.
/// "ring", "ring/direct"; a communicator group runs one flat ring of the first dimension's
/// algorithm); "tree" for broadcast and reduce, "dissemination" for a barrier, "custom" for a
/// custom program, "none" when nothing is communicated. Mirrors the executor's own decomposition.
std::string algorithm_label(const SystemConfig& config, const TopologyView& topo,
                            const CollectiveRequest& request);

/// How many chunks the executor splits a request into: preferred-dataset-splits, except 1 for a
/// barrier and a custom program (one stream covers the whole collective, as in ASTRA-sim).
int chunk_count(const SystemConfig& config, const CollectiveRequest& request);

}  // namespace tessera::collective
