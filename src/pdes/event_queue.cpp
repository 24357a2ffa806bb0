#include "tessera/pdes/event_queue.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <new>
#include <string>

#include "tessera/did_you_mean.hpp"
#include "tessera/error.hpp"
#include "tessera/params/names.hpp"

namespace tessera::pdes {

namespace {
constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kHugeFrom = std::size_t{1} << 20;
}  // namespace

void* queue_storage_allocate(std::size_t bytes) {
  if (bytes < kHugeFrom) return ::operator new (bytes, std::align_val_t{64});
  const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* p = std::aligned_alloc(kHugePage, rounded);
  if (!p) throw std::bad_alloc();
  // Advice only: without THP support the call fails harmlessly and normal pages are used.
  madvise(p, rounded, MADV_HUGEPAGE);
  return p;
}

void queue_storage_free(void* p, std::size_t bytes) {
  if (bytes < kHugeFrom) {
    ::operator delete (p, std::align_val_t{64});
  } else {
    std::free(p);
  }
}

void BinaryEventHeap::push(const Event& e) {
  std::size_t i = heap_.size();
  heap_.push_back(e);
  while (i > 0) {
    const std::size_t parent = (i - 1) / 2;
    if (!event_before(e, heap_[parent])) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = e;
}

void BinaryEventHeap::pop(Event& out) {
  out = heap_[0];
  const Event last = heap_.back();
  heap_.pop_back();
  const std::size_t n = heap_.size();
  if (n == 0) return;
  std::size_t i = 0;
  for (;;) {
    std::size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && event_before(heap_[child + 1], heap_[child])) ++child;
    if (!event_before(heap_[child], last)) break;
    heap_[i] = heap_[child];
    i = child;
  }
  heap_[i] = last;
}

LadderEventQueue::~LadderEventQueue() {
  for (void* block : owned_) queue_storage_free(block, kBlockBytes);
}

void LadderEventQueue::grow(List& list) {
  if (!free_) {
    // Chunks come in 2 MiB huge-page blocks: appends hit random buckets, so TLB reach matters.
    void* block = queue_storage_allocate(kBlockBytes);
    owned_.push_back(block);
    auto* chunks = static_cast<Chunk*>(block);
    for (std::size_t i = kBlockBytes / sizeof(Chunk); i-- > 0;) {
      chunks[i].next = free_;
      free_ = &chunks[i];
    }
  }
  Chunk* c = free_;
  free_ = c->next;
  c->next = nullptr;
  if (list.tail) {
    list.tail->count = list.tail_count;
    list.tail->next = c;
  } else {
    list.head = c;
  }
  list.tail = c;
  list.tail_count = 0;
}

void LadderEventQueue::release(List& list) {
  if (list.head) {
    list.tail->next = free_;
    free_ = list.head;
  }
  list = List{};
}

std::pair<SimTime, SimTime> LadderEventQueue::time_range(const List& list) {
  SimTime lo = kTimeInfinity, hi = INT64_MIN;
  for (const Chunk* c = list.head; c; c = c->next) {
    for (std::uint32_t i = 0, n = count_in(list, c); i < n; ++i) {
      lo = std::min(lo, c->events[i].time);
      hi = std::max(hi, c->events[i].time);
    }
  }
  return {lo, hi};
}

void LadderEventQueue::push_rung(List& src, SimTime lo, SimTime hi, SimTime end) {
  if (rungs_.size() <= depth_) rungs_.resize(depth_ + 1);
  Rung& r = rungs_[depth_++];
  const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo) + 1;
  const std::size_t target = std::clamp<std::size_t>(src.size / kPerBucket, 1, kMaxBuckets);
  r.shift = 0;
  while (((span - 1) >> r.shift) + 1 > target) ++r.shift;  // ceil(span / width) <= target
  r.nb = static_cast<std::size_t>(((span - 1) >> r.shift) + 1);
  if (r.buckets.size() < r.nb) r.buckets.resize(r.nb);
  r.base = lo;
  r.cur = 0;
  if (end == kTimeInfinity) {
    // Rung 0 from the overflow: it stops where its buckets do; later pushes go to the overflow.
    const std::uint64_t stop = static_cast<std::uint64_t>(lo) + (static_cast<std::uint64_t>(r.nb) << r.shift);
    r.end = stop >= static_cast<std::uint64_t>(kTimeInfinity) ? kTimeInfinity : static_cast<SimTime>(stop);
  } else {
    r.end = end;  // the last bucket stretches to the end of the coarse bucket this rung replaces
  }
  // Everything before the rung's first event is earlier than all it holds: it belongs to near.
  near_end_ = lo;
  for (const Chunk* c = src.head; c; c = c->next) {
    for (std::uint32_t i = 0, n = count_in(src, c); i < n; ++i) {
      const Event& e = c->events[i];
      append(r.buckets[r.index_of(e.time)], e);
    }
  }
  release(src);
}

void LadderEventQueue::refill() {
  for (;;) {
    if (depth_ == 0) {
      if (overflow_.size == 0) return;  // empty queue
      List all = overflow_;
      overflow_ = List{};
      const auto [lo, hi] = time_range(all);
      push_rung(all, lo, hi, kTimeInfinity);
      continue;
    }
    Rung& r = rungs_[depth_ - 1];
    while (r.cur < r.nb && r.buckets[r.cur].size == 0) ++r.cur;
    if (r.cur == r.nb) {
      --depth_;  // used up; its range is behind us
      continue;
    }
    List& b = r.buckets[r.cur];
    const SimTime bucket_end = r.bucket_end(r.cur);
    ++r.cur;  // this bucket's range now belongs to the new rung or to near
    if (b.size > kSplitAbove && depth_ < kMaxRungs) {
      // Split only a bucket that spans more than one instant: a finer rung cannot separate
      // simultaneous events, which the near heap orders anyway.
      const auto [lo, hi] = time_range(b);
      if (hi > lo) {
        List dense = b;
        b = List{};
        push_rung(dense, lo, hi, bucket_end);  // may move rungs_: r and b are not used after this
        continue;
      }
    }
    run_.resize(b.size);
    run_pos_ = 0;
    Event* to = run_.data();
    for (const Chunk* c = b.head; c; c = c->next) {
      const std::uint32_t n = count_in(b, c);
      std::copy(c->events, c->events + n, to);
      to += n;
    }
    release(b);
    sort_run();
    near_end_ = bucket_end;
    return;
  }
}

void LadderEventQueue::sort_run() {
  const std::size_t n = run_.size();
  bounds_.clear();
  bounds_.push_back(0);
  for (std::size_t i = 1; i < n; ++i) {
    if (event_before(run_[i], run_[i - 1])) bounds_.push_back(i);
  }
  if (bounds_.size() == 1) return;  // already in order: the common case
  bounds_.push_back(n);
  // Bottom-up merge of the ascending stretches, on small keys rather than whole events.
  keys_.resize(n);
  merged_.resize(n);
  for (std::size_t i = 0; i < n; ++i) keys_[i] = SortKey{run_[i].time, run_[i].order, run_[i].seq, i};
  const auto before = [](const SortKey& a, const SortKey& b) {
    if (a.time != b.time) return a.time < b.time;
    if (a.order != b.order) return a.order < b.order;
    return a.seq < b.seq;
  };
  while (bounds_.size() > 2) {
    std::size_t out = 1;
    for (std::size_t r = 0; r + 1 < bounds_.size(); r += 2) {
      const std::size_t lo = bounds_[r], mid = bounds_[r + 1];
      const std::size_t hi = r + 2 < bounds_.size() ? bounds_[r + 2] : mid;
      std::merge(keys_.begin() + static_cast<std::ptrdiff_t>(lo), keys_.begin() + static_cast<std::ptrdiff_t>(mid),
                 keys_.begin() + static_cast<std::ptrdiff_t>(mid), keys_.begin() + static_cast<std::ptrdiff_t>(hi),
                 merged_.begin() + static_cast<std::ptrdiff_t>(lo), before);
      bounds_[out++] = hi;
    }
    bounds_.resize(out);
    keys_.swap(merged_);
  }
  sorted_.resize(n);
  for (std::size_t i = 0; i < n; ++i) sorted_[i] = run_[keys_[i].index];
  run_.swap(sorted_);
}

const std::vector<EventQueueKind>& event_queue_kinds() {
  static const std::vector<EventQueueKind> kKinds{
      {"ladder", []() -> std::unique_ptr<EventQueue> { return std::make_unique<LadderEventQueue>(); }},
      {"heap4", []() -> std::unique_ptr<EventQueue> { return std::make_unique<HeapEventQueue>(); }},
      {"binary", []() -> std::unique_ptr<EventQueue> { return std::make_unique<BinaryEventHeap>(); }},
  };
  return kKinds;
}

std::vector<std::string> event_queue_names() {
  std::vector<std::string> out;
  for (const EventQueueKind& k : event_queue_kinds()) out.push_back(k.name);
  return out;
}

std::unique_ptr<EventQueue> make_event_queue(std::string_view kind) {
  for (const EventQueueKind& k : event_queue_kinds()) {
    if (k.name == kind) return k.make();
  }
  const std::vector<std::string> names = event_queue_names();
  const std::string near = did_you_mean(std::string(kind), names);
  throw InputError(Diagnostic{
      "", 0, "event queue", "unknown event queue '" + std::string(kind) + "'",
      (near.empty() ? "" : "did you mean \"" + near + "\"? ") + "use one of: " + params::join_names(names)});
}

}  // namespace tessera::pdes
