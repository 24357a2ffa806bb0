// The per-NPU system layer. The structure follows ASTRA-sim's Sys / StreamBaseline / QueueLevels /
// PacketBundle statement by statement (docs/astra-parity.md §4-§8), because parity depends on the
// order of operations inside one tick, not only on the delays.
#include "tessera/collective/executor.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include <fmt/format.h>

#include "tessera/collective/algorithm.hpp"
#include "tessera/error.hpp"

namespace tessera::collective {

// ---------------------------------------------------------------------------------------------
// Internal state
// ---------------------------------------------------------------------------------------------

/// QueueLevelHandler: the queues of one dimension and the three allocation cursors.
class CollectiveExecutor::QueueLevel {
 public:
  QueueLevel(int first, int count) : first_(first), count_(count), last_(count / 2) {}

  /// get_next_queue_id: round robin; the upper half of the queues runs anticlockwise.
  std::pair<int, Direction> next() {
    const Direction d = (count_ > 1 && allocator_ >= count_ / 2) ? Direction::kAnticlockwise : Direction::kClockwise;
    const int q = first_ + allocator_;
    if (++allocator_ == count_) allocator_ = 0;
    return {q, d};
  }
  /// get_next_queue_id_first: the lower half, clockwise. With one queue ASTRA never resets the
  /// cursor and reads past the vector (UB); every published value matches queue 0, so: queue 0.
  std::pair<int, Direction> next_first() {
    if (count_ / 2 == 0) return {first_, Direction::kClockwise};
    const int q = first_ + first_allocator_;
    if (++first_allocator_ == count_ / 2) first_allocator_ = 0;
    return {q, Direction::kClockwise};
  }
  /// get_next_queue_id_last: the upper half, anticlockwise.
  std::pair<int, Direction> next_last() {
    const int q = first_ + last_;
    if (++last_ == count_) last_ = count_ / 2;
    return {q, Direction::kAnticlockwise};
  }

 private:
  int first_;
  int count_;
  int allocator_ = 0;
  int first_allocator_ = 0;
  int last_;
};

/// DataSet: how many chunk streams a collective has and how many finished.
struct CollectiveExecutor::Collective {
  CollectiveId id = 0;
  CollectiveType type = CollectiveType::kAllReduce;
  Bytes bytes = 0;
  int total_streams = 0;
  int finished_streams = 0;
};

/// StreamBaseline plus the run state of its current phase's algorithm.
struct CollectiveExecutor::Stream {
  std::uint64_t id = 0;
  CollectiveId collective = 0;
  int priority = 0;
  std::vector<PhaseSlot> phases;
  std::size_t next_phase = 0;
  int current_queue = -1;
  bool initialized = false;
  const PhaseProgram* program = nullptr;  // current phase

  // pipeline (Ring / AllToAll / HalvingDoubling)
  std::int64_t inserted = 0;
  std::int64_t sent = 0;
  std::int64_t received = 0;
  std::int64_t free_packets = 0;

  // trees
  int tree_state = 0;
  int tree_count = 0;  // DBT: swallowed bundles; reduce tree: reduced children

  // custom (the graphs are the program's)
  int position = 0;  // group position (custom programs, trees)
  std::vector<int> missing;                 // unmet dependencies per step
  std::vector<std::vector<std::uint32_t>> children;
  std::vector<std::uint32_t> ready;         // dependency-free, not issued (kept sorted by id)
  int ongoing = 0;
  struct PendingSend {
    NpuId dst;
    Bytes bytes;
    MessageTag tag;
    std::uint32_t step;
  };
  std::vector<PendingSend> pending_sends;
};

/// CallbackTracker for one stream: counters per (peer, size, user tag) for sends and receives,
/// the receives waiting for data and the arrivals waiting for a receive. A ring touches two keys
/// per phase, so the keys live in a flat vector searched linearly; a direct algorithm on n peers
/// touches n keys, so past kLinear keys a hash index is added.
struct CollectiveExecutor::Matching {
  struct Key {
    NpuId peer;
    Bytes bytes;
    std::int32_t user_tag;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const {
      std::uint64_t h = static_cast<std::uint64_t>(k.bytes) * 0x9E3779B97F4A7C15ull;
      h ^= (static_cast<std::uint64_t>(static_cast<std::uint32_t>(k.peer)) << 32 |
            static_cast<std::uint32_t>(k.user_tag)) + 0x632BE59BD9B4E019ull + (h << 6) + (h >> 2);
      return static_cast<std::size_t>(h);
    }
  };
  struct Waiting {
    std::uint32_t seq;
    std::int64_t custom_step;
  };
  struct Entry {
    std::uint32_t sent = 0;
    std::uint32_t posted = 0;
    std::vector<Waiting> waiting;        // receives posted before their data arrived
    std::vector<std::uint32_t> arrived;  // arrivals before their receive
  };
  static constexpr std::size_t kLinear = 16;
  std::vector<std::pair<Key, Entry>> entries;
  std::unordered_map<Key, std::uint32_t, KeyHash> index;  // empty while entries.size() <= kLinear

  /// The entry of `k`, created on first use. The reference is valid until the next entry() call.
  Entry& entry(const Key& k) {
    if (index.empty()) {
      for (auto& [key, e] : entries) {
        if (key == k) return e;
      }
      entries.emplace_back(k, Entry{});
      if (entries.size() > kLinear) {
        for (std::size_t i = 0; i < entries.size(); ++i) index.emplace(entries[i].first, static_cast<std::uint32_t>(i));
      }
      return entries.back().second;
    }
    const auto [it, fresh] = index.try_emplace(k, static_cast<std::uint32_t>(entries.size()));
    if (fresh) entries.emplace_back(k, Entry{});
    return entries[it->second].second;
  }
  void clear() {
    entries.clear();
    index.clear();
  }
};

namespace {
enum TreeEvent { kInit = 0, kGeneralEvent = 1, kReceived = 2 };
enum TreeState {
  kBegin,
  kSendingDataToParent,
  kWaitingDataFromParent,
  kEnd,
  kWaitingForTwoChildData,
  kWaitingForOneChildData,
  kSendingDataToChilds,
};
constexpr std::uint64_t kGroupShift = 40;
/// The timer token of a tick's batch: the batch is the one of the tick the timer fires at, so
/// it needs no timer slot (one per tick and NPU would be the executor's most frequent allocation).
constexpr TimerToken kBatchToken = ~TimerToken{0};
}  // namespace

// ---------------------------------------------------------------------------------------------
// Construction and entry points
// ---------------------------------------------------------------------------------------------

CollectiveExecutor::CollectiveExecutor(const SystemConfig& config, const TopologyView& topo, NpuId self,
                                       CollectiveHost& host)
    : config_(config), topo_(topo), self_(self), host_(host), total_npus_(topo.total_npus()) {
  // MemBus keeps endpoint-delay × injection-scale in an int of nanoseconds; unscaled delays keep
  // their picoseconds.
  endpoint_delay_ = config.endpoint_delay;
  if (config.injection_scale != 1.0) {
    endpoint_delay_ = static_cast<SimTime>(static_cast<double>(config.endpoint_delay / kNanosecond) *
                                           config.injection_scale) * kNanosecond;
  }
  const int q = config.num_queues_per_dim;
  const std::size_t dims = std::max<std::size_t>(1, topo.dims.size());
  for (std::size_t d = 0; d < dims; ++d) levels_.push_back(std::make_unique<QueueLevel>(static_cast<int>(d) * q, q));
  active_.resize(dims * static_cast<std::size_t>(q));
  running_.assign(dims * static_cast<std::size_t>(q), 0);
  queue_threshold_ = (config.active_chunks_per_dimension + q - 1) / q;
}

CollectiveExecutor::~CollectiveExecutor() = default;

void CollectiveExecutor::leave() {
  if (--depth_ == 0) retired_.clear();
}

CollectiveId CollectiveExecutor::start(const CollectiveRequest& req) {
  enter();
  auto coll = std::make_unique<Collective>();
  coll->id = next_collective_++;
  coll->type = req.type;
  coll->bytes = req.bytes;
  Collective& c = *coll;
  collectives_.emplace(c.id, std::move(coll));
  ++stats_.collectives;
  const CollectiveId id = c.id;
  try {
    generate(c, req);
  } catch (...) {
    collectives_.erase(id);
    leave();
    throw;
  }
  leave();
  return id;
}

void CollectiveExecutor::on_timer(TimerToken token) {
  enter();
  if (token != kBatchToken) {
    const Timer t = timers_.at(token);
    free_timers_.push_back(static_cast<std::uint32_t>(token));
    run_action(t.action);
  } else {
    const SimTime now = host_.now();
    // Sys::call_events: run the tick's list in order, including entries appended meanwhile
    // (actions may add batches, so look the tick up again each time).
    for (std::size_t i = 0;; ++i) {
      Batch* b = find_batch(now);
      if (b == nullptr || i >= b->actions.size()) break;
      const Action a = b->actions[i];
      run_action(a);
    }
    if (Batch* b = find_batch(now)) {
      b->actions.clear();
      spare_actions_.push_back(std::move(b->actions));
      *b = std::move(batches_.back());
      batches_.pop_back();
    }
  }
  leave();
}

void CollectiveExecutor::on_message(NpuId src, Bytes bytes, const MessageTag& tag) {
  enter();
  StreamSlot& slot = touch_slot(tag.stream);
  Stream* s = slot.stream.get();
  Matching::Entry& e = matching(slot).entry({src, bytes, tag.user_tag});
  auto it = std::find_if(e.waiting.begin(), e.waiting.end(), [&](const auto& w) { return w.seq == tag.seq; });
  if (it == e.waiting.end()) {
    e.arrived.push_back(tag.seq);  // the receive is not posted yet
  } else {
    const std::int64_t step = it->custom_step;
    e.waiting.erase(it);
    // The receive callback runs inside the arrival event (CommonNetworkApi::process_chunk_arrival).
    if (s != nullptr) phase_received(s, step);
  }
  leave();
}

void CollectiveExecutor::on_send_complete(NpuId dst, Bytes bytes, const MessageTag& tag) {
  enter();
  // Native collectives ignore send completion (ASTRA's handler is a no-op); custom SEND nodes
  // complete here.
  if (Stream* s = find_stream(tag.stream); s != nullptr && s->program != nullptr && s->program->shape == ProgramShape::kCustom) {
    auto& ps = s->pending_sends;
    auto it = std::find_if(ps.begin(), ps.end(),
                           [&](const auto& p) { return p.dst == dst && p.bytes == bytes && p.tag == tag; });
    if (it != ps.end()) {
      const std::uint32_t step = it->step;
      ps.erase(it);
      custom_step_done(s, step);
    }
  }
  leave();
}

std::string CollectiveExecutor::stall_report() const {
  if (collectives_.empty()) return "idle";
  std::string out = fmt::format("{} collective(s) unfinished", collectives_.size());
  int shown = 0;
  for (const StreamSlot& slot : slots_) {
    if (!slot.stream) continue;
    const std::uint64_t id = slot.id;
    const Stream* s = slot.stream.get();
    if (shown++ == 3) {
      out += ", ...";
      break;
    }
    const PhaseProgram* p = s->program;
    out += fmt::format("; stream {} ({}) phase {}/{}", id, p ? std::string(to_string(p->type)) : "waiting", s->next_phase,
                       s->phases.size());
    if (p != nullptr && p->shape == ProgramShape::kPipeline) {
      out += fmt::format(" sent {}/{} received {}", s->sent, p->sends, s->received);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Sys::generate_collective
// ---------------------------------------------------------------------------------------------

int CollectiveExecutor::next_priority(int explicit_priority) {
  switch (config_.policy) {
    case SchedulingPolicy::kLifo: return priority_counter_++;
    case SchedulingPolicy::kFifo: return priority_counter_--;
    case SchedulingPolicy::kExplicit: return explicit_priority;
  }
  return 0;
}

std::vector<CollectiveExecutor::PhaseSlot> CollectiveExecutor::chunk_phases(const CollectiveRequest& req, Bytes chunk,
                                                                            int& position_in_group) {
  std::vector<PhaseSlot> phases;
  RingView group_ring;
  if (req.group != nullptr) {
    const auto& m = *req.group->members;
    const auto it = std::find(m.begin(), m.end(), self_);
    position_in_group = static_cast<int>(it - m.begin());
    group_ring = RingView(req.group->members, position_in_group);
  } else {
    position_in_group = self_;
    group_ring = RingView::flat(topo_, self_);
  }
  const CollectiveType type = req.type;
  if (req.custom) {
    PhaseSlot slot;
    slot.queue = levels_[0]->next().first;
    slot.program = plan_custom(type, group_ring, req.custom, chunk);
    phases.push_back(std::move(slot));
    return phases;
  }
  if (type == CollectiveType::kBroadcast || type == CollectiveType::kReduce || type == CollectiveType::kBarrier) {
    if (group_ring.size() <= 1) return phases;
    PhaseSlot slot;
    slot.queue = levels_[0]->next().first;
    slot.program = type == CollectiveType::kBarrier ? plan_barrier(group_ring, chunk)
                                                    : plan_tree(type, group_ring, req.root, chunk);
    phases.push_back(std::move(slot));
    return phases;
  }

  // Logical dimensions: one per implementation entry; a communicator group is one flat ring.
  const auto& impl = config_.algorithms(type);
  const int ndim = req.group != nullptr ? 1 : static_cast<int>(impl.size());
  auto dim_size = [&](int d) {
    if (req.group != nullptr) return group_ring.size();
    return impl[static_cast<std::size_t>(d)].flat ? total_npus_ : topo_.dims[static_cast<std::size_t>(d)];
  };
  auto involved = [&](int d) {
    if (req.group != nullptr) return true;
    return static_cast<std::size_t>(d) >= req.involved_dims.size() || req.involved_dims[static_cast<std::size_t>(d)];
  };
  std::vector<int> mapper(static_cast<std::size_t>(ndim));
  for (int k = 0; k < ndim; ++k) mapper[static_cast<std::size_t>(k)] = k;
  if (type == CollectiveType::kAllGather) std::reverse(mapper.begin(), mapper.end());
  auto active_dim = [&](int k) {
    const int d = mapper[static_cast<std::size_t>(k)];
    return dim_size(d) != 1 && involved(d);
  };
  Bytes remain = chunk;
  auto add = [&](CollectiveType t, int k, std::pair<int, Direction> qd) {
    const int d = mapper[static_cast<std::size_t>(k)];
    const AlgorithmSpec& alg = impl[static_cast<std::size_t>(d)];
    const RingView ring = req.group != nullptr ? group_ring
                          : alg.flat          ? RingView::flat(topo_, self_)
                                              : RingView::of_dimension(topo_, d, self_);
    bool flip = false;
    if (alg.kind->alternates) flip = (dbt_counter_++ % 2) == 1;  // per NPU, per phase
    PhaseSlot slot;
    slot.queue = qd.first;
    slot.program = plan_phase(t, alg, ring, qd.second, remain, flip);
    remain = slot.program.output_bytes;
    phases.push_back(std::move(slot));
  };
  if (type != CollectiveType::kAllReduce || config_.decomposition == Decomposition::kBaseline) {
    for (int k = 0; k < ndim; ++k) {
      if (active_dim(k)) add(type, k, levels_[static_cast<std::size_t>(mapper[static_cast<std::size_t>(k)])]->next());
    }
    return phases;
  }
  // localBWAware all-reduce: RS up to the last active dimension, AR there, AG back down.
  int last_active = 0;
  for (int k = 0; k < ndim; ++k) {
    if (active_dim(k)) last_active = k;
  }
  int k = 0;
  for (; k < last_active; ++k) {
    if (active_dim(k)) add(CollectiveType::kReduceScatter, k, levels_[static_cast<std::size_t>(k)]->next_first());
  }
  while (k > 0 && !active_dim(k)) --k;
  if (active_dim(k)) add(CollectiveType::kAllReduce, k, levels_[static_cast<std::size_t>(k)]->next_first());
  for (--k; k >= 0; --k) {
    if (active_dim(k)) add(CollectiveType::kAllGather, k, levels_[static_cast<std::size_t>(k)]->next_last());
  }
  return phases;
}

void CollectiveExecutor::generate(Collective& coll, const CollectiveRequest& req) {
  const CollectiveType type = req.type;
  if (req.group != nullptr) {
    const auto& m = *req.group->members;
    if (std::find(m.begin(), m.end(), self_) == m.end()) {
      throw InputError(Diagnostic{"", 0, "pg_name", fmt::format("NPU {} runs a collective of communicator group {} "
                                                                "but is not a member", self_, req.group->id),
                                  "list the NPU in the group or remove the collective from its trace"});
    }
  }
  if (req.custom) {
    const std::size_t want = req.group != nullptr ? req.group->members->size() : static_cast<std::size_t>(total_npus_);
    if (req.custom->programs.size() != want) {
      throw InputError(Diagnostic{req.custom->name, 0, "implementation-custom",
                                  fmt::format("{} per-position programs for a group of {} NPUs",
                                              req.custom->programs.size(), want),
                                  "give one .et per group position (<prefix>.<position>.et)"});
    }
  }
  if (req.bytes < 0) {
    throw InputError(Diagnostic{"", 0, "comm_size", fmt::format("negative size {}", req.bytes), "use a size >= 0"});
  }
  const Bytes splits = chunk_count(config_, req);
  Bytes size = req.bytes;
  Bytes chunk = size / splits;
  if (type == CollectiveType::kBarrier) {
    chunk = size = 1;  // a barrier's messages carry one byte
  } else if (req.custom) {
    chunk = size = std::max<Bytes>(size, 1);  // one stream covers the whole collective
  } else if (type != CollectiveType::kAllGather && type != CollectiveType::kBroadcast &&
             type != CollectiveType::kReduce && total_npus_ > chunk) {
    chunk = total_npus_;  // tiny collectives are inflated to one byte per NPU per chunk
    size = splits * chunk;
  }
  if (chunk == 0) {
    // ASTRA-sim loops forever here (all-gather smaller than the splits); Tessera sends one chunk.
    chunk = size = std::max<Bytes>(size, 1);
  }
  coll.total_streams = static_cast<int>((size + chunk - 1) / chunk);
  const int priority = next_priority(req.priority);
  const std::uint32_t group_id = req.group != nullptr ? req.group->id : 0;
  while (size > 0) {
    size = chunk > size ? 0 : size - chunk;
    int position = 0;
    std::vector<PhaseSlot> phases = chunk_phases(req, chunk, position);
    if (phases.empty()) {
      // Nothing to communicate (every dimension of size 1 or not involved): done in this tick.
      coll.total_streams = 0;
      defer(0, Action{Action::kEmptyCollective, false, coll.id, -1});
      return;
    }
    auto s = std::make_unique<Stream>();
    s->id = (static_cast<std::uint64_t>(group_id) << kGroupShift) | stream_counter_[group_id]++;
    s->collective = coll.id;
    s->priority = priority;
    s->phases = std::move(phases);
    s->position = position;
    Stream* raw = s.get();
    touch_slot(raw->id).stream = std::move(s);
    ++stats_.streams;
    insert_into_ready_list(raw);
  }
}

// ---------------------------------------------------------------------------------------------
// Scheduler (Sys::insert_into_ready_list, schedule, proceed_to_next_vnet_baseline)
// ---------------------------------------------------------------------------------------------

namespace {
// Sys::insert_stream: before the first entry that is neither started nor of priority >= s's.
template <class S>
void insert_stream(std::vector<S*>& list, S* s) {
  std::size_t i = 0;
  while (i < list.size() && (list[i]->initialized || list[i]->priority >= s->priority)) ++i;
  list.insert(list.begin() + static_cast<std::ptrdiff_t>(i), s);
}
}  // namespace

void CollectiveExecutor::insert_into_ready_list(Stream* s) {
  insert_stream(ready_list_, s);
  schedule_ready();
}

void CollectiveExecutor::schedule_ready() {
  std::size_t count = ready_list_.size();
  while (count-- > 0 && !ready_list_.empty()) {
    Stream* s = ready_list_.front();
    proceed_to_next_phase(s);
    auto it = std::find(ready_list_.begin(), ready_list_.end(), s);
    if (it != ready_list_.end()) ready_list_.erase(it);
  }
}

void CollectiveExecutor::proceed_to_next_phase(Stream* s) {
  const int prev = s->current_queue;
  const bool last = s->next_phase == s->phases.size();
  if (last) {
    // DataSet::notify_stream_finished: the last stream completes the collective synchronously.
    auto it = collectives_.find(s->collective);
    if (it != collectives_.end() && ++it->second->finished_streams == it->second->total_streams) {
      const CollectiveId id = it->first;
      collectives_.erase(it);
      host_.collective_finished(id);
    }
  }
  if (prev >= 0) {
    auto& q = active_[static_cast<std::size_t>(prev)];
    auto it = std::find(q.begin(), q.end(), s);
    if (it != q.end()) q.erase(it);
  }
  if (last) {
    if (prev >= 0) stream_removed(prev);
    StreamSlot* slot = find_slot(s->id);
    if (slot->matching) {
      slot->matching->clear();
      spare_matching_.push_back(std::move(slot->matching));
    }
    retired_.push_back(std::move(slot->stream));
    *slot = std::move(slots_.back());
    slots_.pop_back();
    return;
  }
  PhaseSlot& slot = s->phases[s->next_phase++];
  s->current_queue = slot.queue;
  s->program = &slot.program;
  s->initialized = false;
  insert_stream(active_[static_cast<std::size_t>(slot.queue)], s);
  if (prev >= 0) stream_removed(prev);
  start_streams(slot.queue);
}

void CollectiveExecutor::start_streams(int queue) {
  auto& list = active_[static_cast<std::size_t>(queue)];
  int& running = running_[static_cast<std::size_t>(queue)];
  for (std::size_t i = static_cast<std::size_t>(running); i < list.size() && running < queue_threshold_; ++i) {
    Stream* s = list[i];
    s->initialized = true;
    phase_init(s);
    ++running;
  }
}

void CollectiveExecutor::stream_removed(int queue) {
  --running_[static_cast<std::size_t>(queue)];
  schedule_ready();
  start_streams(queue);
}

// ---------------------------------------------------------------------------------------------
// Events: Sys batching and direct backend events
// ---------------------------------------------------------------------------------------------

std::uint32_t CollectiveExecutor::new_timer(const Timer& t) {
  std::uint32_t token;
  if (!free_timers_.empty()) {
    token = free_timers_.back();
    free_timers_.pop_back();
  } else {
    token = static_cast<std::uint32_t>(timers_.size());
    timers_.emplace_back();
  }
  timers_[token] = t;
  return token;
}

void CollectiveExecutor::defer(SimTime delay, const Action& a) {
  host_.schedule_after(delay, new_timer(Timer{a}));
}

CollectiveExecutor::Batch* CollectiveExecutor::find_batch(SimTime time) {
  for (Batch& b : batches_) {
    if (b.time == time) return &b;
  }
  return nullptr;
}

void CollectiveExecutor::register_event(SimTime delay, const Action& a) {
  const SimTime t = host_.now() + delay;
  if (Batch* b = find_batch(t)) {
    b->actions.push_back(a);
    return;
  }
  Batch& b = batches_.emplace_back();
  b.time = t;
  if (!spare_actions_.empty()) {
    b.actions = std::move(spare_actions_.back());
    spare_actions_.pop_back();
  }
  b.actions.push_back(a);
  host_.schedule_after(delay, kBatchToken);
}

CollectiveExecutor::StreamSlot* CollectiveExecutor::find_slot(std::uint64_t id) {
  for (StreamSlot& s : slots_) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

CollectiveExecutor::StreamSlot& CollectiveExecutor::touch_slot(std::uint64_t id) {
  if (StreamSlot* s = find_slot(id)) return *s;
  StreamSlot& s = slots_.emplace_back();
  s.id = id;
  return s;
}

CollectiveExecutor::Stream* CollectiveExecutor::find_stream(std::uint64_t id) const {
  for (const StreamSlot& s : slots_) {
    if (s.id == id) return s.stream.get();
  }
  return nullptr;
}

void CollectiveExecutor::register_host_event(SimTime delay, std::uint64_t token) {
  enter();
  register_event(delay, Action{Action::kHost, false, token, -1});
  leave();
}

void CollectiveExecutor::run_action(const Action& a) {
  if (a.kind == Action::kHost) {
    host_.host_event(a.stream);
    return;
  }
  if (a.kind == Action::kEmptyCollective) {
    collectives_.erase(a.stream);
    host_.collective_finished(a.stream);
    return;
  }
  Stream* s = find_stream(a.stream);
  if (s == nullptr) return;
  switch (a.kind) {
    case Action::kBundle:
      // PacketBundle::call: a bundle that needs processing first pays the reduction.
      if (a.reduce) {
        ++stats_.reductions;
        register_event(reduction_time(a.arg), Action{Action::kGeneral, false, a.stream, -1});
      } else {
        phase_general(s);
      }
      break;
    case Action::kGeneral: phase_general(s); break;
    case Action::kRecvDone: phase_received(s, a.arg); break;
    case Action::kCompute: custom_step_done(s, static_cast<std::size_t>(a.arg)); break;
    case Action::kEmptyStream: exit_phase(s); break;
    case Action::kEmptyCollective:
    case Action::kHost: break;
  }
}

SimTime CollectiveExecutor::reduction_time(Bytes bytes) const {
  if (config_.local_mem_bw_gbps <= 0) return 0;
  // MemBus: mem_write + mem_read + mem_read, each truncated to whole ns on its own.
  const double bytes_per_ns = config_.local_mem_bw_gbps * 1e9 / 1e9;
  const auto one = static_cast<SimTime>(static_cast<double>(bytes) / bytes_per_ns);
  return 3 * one * kNanosecond;
}

// ---------------------------------------------------------------------------------------------
// Phases
// ---------------------------------------------------------------------------------------------

void CollectiveExecutor::bundle(Stream* s, bool reduce, Bytes bytes) {
  // MemBus send_to_MA / send_to_NPU: the endpoint delay, on the NPU about to send.
  register_event(endpoint_delay_, Action{Action::kBundle, reduce, s->id, bytes});
}

void CollectiveExecutor::phase_init(Stream* s) {
  const PhaseProgram& p = *s->program;
  s->inserted = s->sent = s->received = s->free_packets = 0;
  s->tree_state = kBegin;
  s->tree_count = 0;
  switch (p.shape) {
    case ProgramShape::kPipeline:
      for (int i = 0; i < p.window; ++i) insert_packet(s);
      break;
    case ProgramShape::kCustom: {
      const auto& prog = s->program->custom->programs.at(static_cast<std::size_t>(s->position));
      s->missing.assign(prog.size(), 0);
      s->children.assign(prog.size(), {});
      std::unordered_map<std::int64_t, std::uint32_t> index;
      for (std::size_t i = 0; i < prog.size(); ++i) index.emplace(prog[i].id, static_cast<std::uint32_t>(i));
      for (std::size_t i = 0; i < prog.size(); ++i) {
        for (std::int64_t d : prog[i].deps) {
          auto it = index.find(d);
          if (it == index.end()) continue;  // validate() reports unknown ids
          ++s->missing[i];
          s->children[it->second].push_back(static_cast<std::uint32_t>(i));
        }
      }
      s->ready.clear();
      for (std::size_t i = 0; i < prog.size(); ++i) {
        if (s->missing[i] == 0) s->ready.push_back(static_cast<std::uint32_t>(i));
      }
      s->ongoing = 0;
      if (prog.empty()) {
        defer(0, Action{Action::kEmptyStream, false, s->id, -1});
      } else {
        custom_issue(s);
      }
      break;
    }
    default: tree_event(s, kInit); break;
  }
}

void CollectiveExecutor::insert_packet(Stream* s) {
  const Packet pk = s->program->packet(s->inserted++);
  bundle(s, pk.reduce, pk.bytes);
}

bool CollectiveExecutor::pipeline_ready(Stream* s) {
  const PhaseProgram& p = *s->program;
  if (s->inserted == s->sent || s->sent == p.sends || s->free_packets == 0) return false;
  const Packet pk = p.packet(s->sent);
  ++s->sent;
  --s->free_packets;
  // Ring::ready: sim_send, then sim_recv.
  send_message(s, p.ring.npu_at(pk.send_to), pk.bytes);
  post_recv(s, p.ring.npu_at(pk.recv_from), pk.bytes);
  return true;
}

void CollectiveExecutor::phase_general(Stream* s) {
  const PhaseProgram& p = *s->program;
  if (p.shape != ProgramShape::kPipeline) {
    tree_event(s, kGeneralEvent);
    return;
  }
  ++s->free_packets;
  if (p.second_round > 0 && p.sends - s->sent <= p.second_round) {
    // AllToAll all-reduce: the all-gather round starts only once every reduce-scatter message
    // arrived, then fills the whole window at once.
    if (s->received < p.second_round) return;
    for (int i = 0; i < p.window; ++i) pipeline_ready(s);
  } else {
    pipeline_ready(s);
  }
  // Ring::iteratable
  if (s->sent == p.sends && s->free_packets == p.window) exit_phase(s);
}

void CollectiveExecutor::phase_received(Stream* s, std::int64_t custom_step) {
  if (s->program->shape == ProgramShape::kCustom) {
    custom_step_done(s, static_cast<std::size_t>(custom_step));
  } else if (s->program->shape == ProgramShape::kPipeline) {
    ++s->received;
    insert_packet(s);
  } else {
    tree_event(s, kReceived);
  }
}

void CollectiveExecutor::exit_phase(Stream* s) { proceed_to_next_phase(s); }

void CollectiveExecutor::tree_event(Stream* s, int ev) {
  const PhaseProgram& p = *s->program;
  const RingView& r = p.ring;
  const Bytes b = p.tree_bytes;
  int& st = s->tree_state;
  const TreeRole role = p.role;
  if (p.shape == ProgramShape::kDoubleBinaryTree) {
    // DoubleBinaryTreeAllReduce::run, the same if/else-if chain.
    const bool leaf = role == TreeRole::kLeaf;
    const bool mid = role == TreeRole::kIntermediate;
    const bool root = role == TreeRole::kRoot;
    const int child = p.left >= 0 ? p.left : p.right;
    if (st == kBegin && leaf) {
      bundle(s, false, b);
      st = kSendingDataToParent;
    } else if (st == kSendingDataToParent && leaf) {
      send_message(s, r.npu_at(p.parent), b);
      post_recv(s, r.npu_at(p.parent), b);
      st = kWaitingDataFromParent;
    } else if (st == kWaitingDataFromParent && leaf) {
      bundle(s, false, b);
      st = kEnd;
    } else if (st == kEnd && leaf) {
      exit_phase(s);
    } else if (st == kBegin && mid) {
      st = kWaitingForTwoChildData;
      post_recv(s, r.npu_at(p.left), b);
      post_recv(s, r.npu_at(p.right), b);
    } else if (st == kWaitingForTwoChildData && mid && ev == kReceived) {
      bundle(s, true, b);
      st = kWaitingForOneChildData;
    } else if (st == kWaitingForOneChildData && mid && ev == kReceived) {
      bundle(s, true, b);
      st = kSendingDataToParent;
    } else if (s->tree_count < 1 && mid && ev == kGeneralEvent) {
      ++s->tree_count;  // the first child's bundle only counts
    } else if (st == kSendingDataToParent && mid) {
      st = kWaitingDataFromParent;
      send_message(s, r.npu_at(p.parent), b);
      post_recv(s, r.npu_at(p.parent), b);
    } else if (st == kWaitingDataFromParent && mid && ev == kReceived) {
      bundle(s, true, b);
      st = kSendingDataToChilds;
    } else if (st == kSendingDataToChilds && mid) {
      send_message(s, r.npu_at(p.left), b);
      send_message(s, r.npu_at(p.right), b);
      exit_phase(s);
    } else if (st == kBegin && root) {
      st = kWaitingForOneChildData;
      post_recv(s, r.npu_at(child), b);
    } else if (st == kWaitingForOneChildData && root) {
      bundle(s, true, b);
      st = kSendingDataToChilds;
    } else if (st == kSendingDataToChilds && root) {
      send_message(s, r.npu_at(child), b);
      exit_phase(s);
    }
    return;
  }
  const int children = (p.left >= 0 ? 1 : 0) + (p.right >= 0 ? 1 : 0);
  auto send_children = [&] {
    if (p.left >= 0) send_message(s, r.npu_at(p.left), b);
    if (p.right >= 0) send_message(s, r.npu_at(p.right), b);
  };
  if (p.shape == ProgramShape::kTreeBroadcast) {
    // Root: endpoint delay, send to the children. Others: receive, endpoint delay, forward.
    if (ev == kInit) {
      if (role == TreeRole::kRoot) {
        bundle(s, false, b);
      } else {
        post_recv(s, r.npu_at(p.parent), b);
      }
    } else if (ev == kReceived) {
      bundle(s, false, b);
    } else {
      send_children();
      exit_phase(s);
    }
    return;
  }
  // kTreeReduce. Leaves: endpoint delay, send to the parent. Others: receive every child,
  // endpoint delay plus reduction each, then send the result up (the root just finishes).
  if (ev == kInit) {
    if (children == 0) {
      bundle(s, false, b);
    } else {
      if (p.left >= 0) post_recv(s, r.npu_at(p.left), b);
      if (p.right >= 0) post_recv(s, r.npu_at(p.right), b);
    }
  } else if (ev == kReceived) {
    bundle(s, true, b);
  } else if (children == 0 || ++s->tree_count == children) {
    if (role != TreeRole::kRoot) send_message(s, r.npu_at(p.parent), b);
    exit_phase(s);
  }
}

// ---------------------------------------------------------------------------------------------
// Custom collectives (CustomAlgorithm.cc): a dependency graph of SEND / RECV / COMP steps.
// ---------------------------------------------------------------------------------------------

void CollectiveExecutor::custom_issue(Stream* s) {
  const auto& prog = s->program->custom->programs[static_cast<std::size_t>(s->position)];
  const RingView& ring = s->program->ring;
  // Issue every dependency-free step in ascending node id.
  std::vector<std::uint32_t> batch;
  batch.swap(s->ready);
  std::sort(batch.begin(), batch.end(), [&](std::uint32_t a, std::uint32_t b) { return prog[a].id < prog[b].id; });
  for (std::uint32_t i : batch) {
    const CustomStep& step = prog[i];
    ++s->ongoing;
    switch (step.kind) {
      case CustomStep::Kind::kSend:
        send_message(s, ring.npu_at(step.peer), step.bytes, step.tag, i);
        break;
      case CustomStep::Kind::kRecv:
        post_recv(s, ring.npu_at(step.peer), step.bytes, step.tag, i);
        break;
      case CustomStep::Kind::kCompute:
        register_event(step.duration > 0 ? step.duration : kNanosecond, Action{Action::kCompute, false, s->id, i});
        break;
    }
  }
}

void CollectiveExecutor::custom_step_done(Stream* s, std::size_t index) {
  --s->ongoing;
  for (std::uint32_t c : s->children[index]) {
    if (--s->missing[c] == 0) s->ready.push_back(c);
  }
  custom_issue(s);
  if (s->ongoing == 0 && s->ready.empty()) exit_phase(s);
}

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

CollectiveExecutor::Matching& CollectiveExecutor::matching(StreamSlot& slot) {
  if (!slot.matching) {
    if (spare_matching_.empty()) {
      slot.matching = std::make_unique<Matching>();
    } else {
      slot.matching = std::move(spare_matching_.back());
      spare_matching_.pop_back();
    }
  }
  return *slot.matching;
}

void CollectiveExecutor::send_message(Stream* s, NpuId dst, Bytes bytes, std::int32_t user_tag,
                                      std::int64_t custom_step) {
  Matching::Entry& e = matching(touch_slot(s->id)).entry({dst, bytes, user_tag});
  const MessageTag tag{s->id, ++e.sent, user_tag};
  ++stats_.messages_sent;
  stats_.bytes_sent += bytes;
  if (custom_step >= 0) {
    s->pending_sends.push_back({dst, bytes, tag, static_cast<std::uint32_t>(custom_step)});
  }
  host_.send(dst, bytes, tag, custom_step >= 0);
}

void CollectiveExecutor::post_recv(Stream* s, NpuId src, Bytes bytes, std::int32_t user_tag, std::int64_t custom_step) {
  Matching::Entry& e = matching(touch_slot(s->id)).entry({src, bytes, user_tag});
  const std::uint32_t seq = ++e.posted;
  auto it = std::find(e.arrived.begin(), e.arrived.end(), seq);
  if (it != e.arrived.end()) {
    // The data is already here: ASTRA schedules the receive callback at the current tick, after
    // everything already queued for it.
    e.arrived.erase(it);
    defer(0, Action{Action::kRecvDone, false, s->id, custom_step});
  } else {
    e.waiting.push_back({seq, custom_step});
  }
}

}  // namespace tessera::collective
