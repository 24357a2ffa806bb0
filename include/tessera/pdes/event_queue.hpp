// The rank's one event queue. The engine talks to it through EventQueue; LadderEventQueue is the
// default and is `final`, so the engine's hot loop calls it directly without virtual dispatch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tessera/pdes/event.hpp"

namespace tessera::pdes {

/// Raw storage for queues: 64-byte aligned; huge-page backed when large (see HeapEventQueue).
void* queue_storage_allocate(std::size_t bytes);
void queue_storage_free(void* p, std::size_t bytes);

/// A priority queue of events in event_before() order.
class EventQueue {
 public:
  virtual ~EventQueue() = default;
  virtual void push(const Event& e) = 0;
  /// Removes the earliest event into `out`. Requires !empty().
  virtual void pop(Event& out) = 0;
  /// Time of the earliest event, kTimeInfinity when empty.
  virtual SimTime next_time() const = 0;
  virtual std::size_t size() const = 0;
  bool empty() const { return size() == 0; }
  /// Capacity hint (events).
  virtual void reserve(std::size_t n) { (void)n; }
};

/// A 4-ary min-heap of 16-byte keys over a slab of events with a free list.
///
/// Why this shape (measured with bench_pdes, see docs/performance.md): sifting moves only the
/// 16-byte keys; the four children of a node are one aligned 64-byte cache line (the root sits at
/// index 3 of a 64-byte aligned array); the 72-byte events stay put in the slab and their slots
/// are recycled LIFO, so a steady population allocates nothing and the slot a pop frees is the
/// (cache-hot) slot the next push fills. Each key carries the time and a 32-bit prefix of
/// (priority, source port), so the slab is read for a comparison only when both tie. pop() uses
/// Floyd's bottom-up sift (walk the hole to a leaf, then sift the last key up), which saves a
/// comparison per level because the last key almost always belongs near the bottom.
class HeapEventQueue final : public EventQueue {
 public:
  HeapEventQueue() { keys_.resize(kOffset); }

  void push(const Event& e) override {
    std::uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
      slab_[slot] = e;
    } else {
      slot = static_cast<std::uint32_t>(slab_.size());
      slab_.push_back(e);
    }
    const Key k{e.time, hint_of(e.order), slot};
    keys_.push_back(k);
    Key* h = keys_.data() + kOffset;
    std::size_t i = keys_.size() - 1 - kOffset;
    while (i > 0) {
      const std::size_t parent = (i - 1) / 4;
      if (!less(k, h[parent])) break;
      h[i] = h[parent];
      i = parent;
    }
    h[i] = k;
  }

  void pop(Event& out) override {
    Key* h = keys_.data() + kOffset;
    const std::uint32_t slot = h[0].slot;
    out = slab_[slot];
    free_.push_back(slot);
    const std::size_t n = keys_.size() - 1 - kOffset;  // keys left after this pop
    const Key last = h[n];
    keys_.pop_back();
    if (n == 0) return;
    // Walk the hole down along the smaller child to a leaf...
    std::size_t i = 0;
    for (;;) {
      const std::size_t first = 4 * i + 1;
      if (first + 3 < n) {
        const Key* c = h + first;
        const std::size_t a = pick(c, 0, 1);
        const std::size_t b = pick(c, 2, 3);
        const std::size_t best = first + pick(c, a, b);
        h[i] = h[best];
        i = best;
      } else {
        if (first < n) {
          std::size_t best = first;
          for (std::size_t j = first + 1; j < n; ++j) {
            if (less(h[j], h[best])) best = j;
          }
          h[i] = h[best];
          i = best;
        }
        break;
      }
    }
    // ...then sift the last key up from there.
    while (i > 0) {
      const std::size_t parent = (i - 1) / 4;
      if (!less(last, h[parent])) break;
      h[i] = h[parent];
      i = parent;
    }
    h[i] = last;
  }

  SimTime next_time() const override { return keys_.size() == kOffset ? kTimeInfinity : keys_[kOffset].time; }
  /// The earliest event, or nullptr when empty (for prefetching; no ordering guarantee beyond pop).
  const Event* peek() const { return keys_.size() == kOffset ? nullptr : &slab_[keys_[kOffset].slot]; }
  std::size_t size() const override { return keys_.size() - kOffset; }
  void reserve(std::size_t n) override {
    keys_.reserve(n + kOffset);
    slab_.reserve(n);
    free_.reserve(n);
  }

 private:
  struct Key {
    SimTime time;
    std::uint32_t hint;  ///< order-preserving 32-bit prefix of Event::order
    std::uint32_t slot;  ///< index into slab_
  };
  static_assert(sizeof(Key) == 16);
  static constexpr std::size_t kOffset = 3;  // root at index 3: sibling groups start at multiples of 4

  /// Storage for the heap and the slab: 64-byte aligned (sibling groups are cache lines), and
  /// from 1 MiB up 2 MiB aligned with transparent huge pages requested, because the queue's
  /// accesses are random and TLB misses otherwise dominate large populations.
  template <class T>
  struct QueueAllocator {
    using value_type = T;
    QueueAllocator() = default;
    template <class U>
    QueueAllocator(const QueueAllocator<U>&) {}
    T* allocate(std::size_t n) { return static_cast<T*>(queue_storage_allocate(n * sizeof(T))); }
    void deallocate(T* p, std::size_t n) { queue_storage_free(p, n * sizeof(T)); }
    bool operator==(const QueueAllocator&) const { return true; }
  };

  // priority (8 bits) and the low 24 bits of the source port; ports beyond 2^24 saturate, which
  // keeps the map monotone (ties then fall through to the full comparison).
  static std::uint32_t hint_of(std::uint64_t order) {
    const std::uint32_t prio = static_cast<std::uint32_t>(order >> 56);
    const std::uint64_t port = order & 0xFFFFFFFFu;
    const std::uint32_t p24 = port < 0xFFFFFFu ? static_cast<std::uint32_t>(port) : 0xFFFFFFu;
    return (prio << 24) | p24;
  }

  bool less(const Key& a, const Key& b) const {
    if (a.time != b.time) return a.time < b.time;
    if (a.hint != b.hint) return a.hint < b.hint;
    return slab_less(a, b);
  }
  bool slab_less(const Key& a, const Key& b) const {
    const Event& ea = slab_[a.slot];
    const Event& eb = slab_[b.slot];
    if (ea.order != eb.order) return ea.order < eb.order;
    return ea.seq < eb.seq;
  }
  /// Index (x or y) of the smaller of c[x], c[y]; branch-free unless time and hint both tie.
  std::size_t pick(const Key* c, std::size_t x, std::size_t y) const {
    const Key& a = c[x];
    const Key& b = c[y];
    bool y_less = (b.time < a.time) | ((b.time == a.time) & (b.hint < a.hint));
    if ((b.time == a.time) & (b.hint == a.hint)) [[unlikely]] {
      y_less = slab_less(b, a);
    }
    return y_less ? y : x;
  }

  std::vector<Key, QueueAllocator<Key>> keys_;
  std::vector<Event, QueueAllocator<Event>> slab_;
  std::vector<std::uint32_t> free_;
};

/// A ladder queue (after Tang, Goh and Thng, 2005): a near tier holding the earliest events over
/// rungs of time buckets holding unsorted events, and an unsorted overflow beyond.
///
/// Why: with 10^5 pending events any heap pays several cache misses per pop (measured ~0.4 us on
/// the CI machine); here a push appends to one of a few hot bucket tails and pops come from the
/// near tier, which stays in cache, so both are O(1) amortized. The near tier is the bucket last
/// taken, sorted into an array (`run_`), plus a small HeapEventQueue for events pushed into its
/// range afterwards; a pop takes the earlier of the two heads. Sorting a bucket is a merge of its
/// ascending stretches, so a bucket that arrives (nearly) in order costs one pass: symmetric
/// collectives put one event per NPU at each instant, appended in almost the order they run
/// (1024-NPU ring all-reduce: 20,464 buckets of 1024 events, 60% already sorted, the rest two
/// stretches), where pushing and popping them through a heap cost a quarter of the run time.
/// When the near tier runs dry, the next non-empty bucket of the deepest rung moves into it. A bucket holding
/// too many events (a dense stretch of time) becomes a new, finer rung instead, so the near heap
/// stays small without touching any other bucket. When every rung is used up, rung 0 is rebuilt
/// from the overflow with a power-of-two width that puts ~kPerBucket events in each bucket.
/// Ranges are disjoint and ordered: near < deepest rung < ... < rung 0 < overflow. Order among
/// events is still exactly event_before(): buckets split by time only.
class LadderEventQueue final : public EventQueue {
 public:
  LadderEventQueue() = default;
  ~LadderEventQueue() override;
  LadderEventQueue(const LadderEventQueue&) = delete;
  LadderEventQueue& operator=(const LadderEventQueue&) = delete;

  void push(const Event& e) override {
    ++size_;
    if (e.time < near_end_) {
      near_.push(e);
      return;
    }
    for (std::size_t r = depth_; r-- > 0;) {
      Rung& rung = rungs_[r];
      if (e.time < rung.end) {
        append(rung.buckets[rung.index_of(e.time)], e);
        return;
      }
    }
    append(overflow_, e);
  }
  void pop(Event& out) override {
    if (run_pos_ == run_.size() && near_.size() == 0) refill();
    if (heap_first()) {
      near_.pop(out);
    } else {
      out = run_[run_pos_++];
    }
    --size_;
  }
  SimTime next_time() const override {
    if (run_pos_ == run_.size() && near_.size() == 0) {
      if (size_ == 0) return kTimeInfinity;
      const_cast<LadderEventQueue*>(this)->refill();  // moving events between tiers is not observable
    }
    return heap_first() ? near_.next_time() : run_[run_pos_].time;
  }
  std::size_t size() const override { return size_; }
  /// The next event if it is already in the near tier (nullptr otherwise); lets the engine
  /// prefetch the next LP while the current one runs.
  const Event* peek() const {
    if (heap_first()) return near_.peek();
    return run_pos_ < run_.size() ? &run_[run_pos_] : nullptr;
  }

 private:
  static constexpr std::size_t kPerBucket = 48;
  static constexpr std::size_t kSplitAbove = 16 * kPerBucket;
  static constexpr std::size_t kMaxBuckets = std::size_t{1} << 16;
  static constexpr std::size_t kMaxRungs = 8;
  static constexpr std::uint32_t kChunkEvents = 16;
  static constexpr std::size_t kBlockBytes = std::size_t{2} << 20;

  // Buckets are lists of fixed-size chunks from a free list that only grows to the peak event
  // count: memory stays ~ the pending events (a vector per bucket keeps every capacity it ever
  // reached, 3-4x more), splicing is O(1), and no allocation happens in steady state.
  struct Chunk {
    Chunk* next;
    std::uint32_t count;  ///< valid once the chunk is no longer a list's tail
    Event events[kChunkEvents];
  };
  /// The tail's fill count lives here, not in the chunk, so an append touches only this header
  /// (hot) and the line the event goes to.
  struct List {
    Chunk* head = nullptr;
    Chunk* tail = nullptr;
    std::uint32_t tail_count = kChunkEvents;
    std::size_t size = 0;
  };
  /// Bucket i covers [base + i * 2^shift, base + (i + 1) * 2^shift), except the last, which runs
  /// to `end`: a finer rung must cover all of the coarse bucket it replaces, or a later push
  /// between its last event and the coarse bucket's end would land in that consumed bucket.
  struct Rung {
    SimTime base = 0;           ///< start of bucket 0
    SimTime end = 0;            ///< every event of this rung is before this
    unsigned shift = 0;         ///< bucket width = 2^shift ps (a shift per push, not a division)
    std::size_t nb = 0;         ///< buckets in use
    std::size_t cur = 0;        ///< next bucket to take
    std::vector<List> buckets;  ///< storage reused when the rung is rebuilt

    /// Requires base <= t < end.
    std::size_t index_of(SimTime t) const {
      const std::uint64_t i = static_cast<std::uint64_t>(t - base) >> shift;
      return i < nb ? static_cast<std::size_t>(i) : nb - 1;
    }
    SimTime bucket_end(std::size_t i) const {
      return i + 1 == nb ? end : base + static_cast<SimTime>((static_cast<std::uint64_t>(i) + 1) << shift);
    }
  };

  /// Whether the near tier's next event is the heap's (requires the tier not to be empty, or
  /// returns false).
  bool heap_first() const {
    if (near_.size() == 0) return false;
    return run_pos_ == run_.size() || event_before(*near_.peek(), run_[run_pos_]);
  }
  static std::uint32_t count_in(const List& list, const Chunk* c) {
    return c == list.tail ? list.tail_count : c->count;
  }
  void append(List& list, const Event& e) {
    if (list.tail_count == kChunkEvents) grow(list);
    list.tail->events[list.tail_count++] = e;
    ++list.size;
  }
  void grow(List& list);
  void release(List& list);
  void refill();
  /// Puts run_ in event_before() order (merging its ascending stretches).
  void sort_run();
  /// Earliest and latest time in a non-empty list.
  static std::pair<SimTime, SimTime> time_range(const List& list);
  /// Makes rungs_[depth_] from `src` (times in [lo, hi], hi < end) covering [lo, end), or up to
  /// where its buckets stop when end is infinite (later events stay in the overflow).
  void push_rung(List& src, SimTime lo, SimTime hi, SimTime end);

  std::vector<Event> run_;  // the near tier's sorted bucket, consumed from run_pos_
  std::size_t run_pos_ = 0;
  HeapEventQueue near_;     // events pushed into the near range after its bucket was sorted
  struct SortKey {
    SimTime time;
    std::uint64_t order;
    std::uint64_t seq;
    std::size_t index;  ///< into run_
  };
  std::vector<SortKey> keys_, merged_;  // sort_run() scratch, kept to avoid reallocating
  std::vector<std::size_t> bounds_;
  std::vector<Event> sorted_;
  std::vector<Rung> rungs_;  // [0, depth_) in use; deeper rungs cover earlier time
  std::size_t depth_ = 0;
  List overflow_;
  Chunk* free_ = nullptr;     // free chunks, linked through next
  std::vector<void*> owned_;  // blocks of chunks, kBlockBytes each
  std::size_t size_ = 0;
  SimTime near_end_ = INT64_MIN;  // near_ holds every event before this
};

/// A binary heap of whole events: the simple alternative, kept to measure against (bench_pdes
/// --queue binary) and as a second implementation for the queue tests.
class BinaryEventHeap final : public EventQueue {
 public:
  void push(const Event& e) override;
  void pop(Event& out) override;
  SimTime next_time() const override { return heap_.empty() ? kTimeInfinity : heap_[0].time; }
  std::size_t size() const override { return heap_.size(); }
  void reserve(std::size_t n) override { heap_.reserve(n); }

 private:
  std::vector<Event> heap_;
};

/// One row of the event-queue table: a queue the engine can run on, by the name `--event-queue`
/// and the benchmarks take.
struct EventQueueKind {
  std::string name;
  std::unique_ptr<EventQueue> (*make)();
};

/// Every queue, the engine's default first ("ladder": LadderEventQueue, then "heap4":
/// HeapEventQueue, "binary": BinaryEventHeap).
const std::vector<EventQueueKind>& event_queue_kinds();
/// Their names, in the same order (the CLI's choices, the queue tests' parameters).
std::vector<std::string> event_queue_names();

/// The queue called `kind`. Throws InputError naming the valid kinds otherwise.
std::unique_ptr<EventQueue> make_event_queue(std::string_view kind);

}  // namespace tessera::pdes
