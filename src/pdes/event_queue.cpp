#include "tessera/pdes/event_queue.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <new>
#include <string>

#include "tessera/error.hpp"

namespace tessera::pdes {

namespace {
constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kHugeFrom = std::size_t{1} << 20;
}  // namespace

void* queue_storage_allocate(std::size_t bytes) {
  if (bytes < kHugeFrom) return ::operator new(bytes, std::align_val_t{64});
  const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* p = std::aligned_alloc(kHugePage, rounded);
  if (!p) throw std::bad_alloc();
  // Advice only: without THP support the call fails harmlessly and normal pages are used.
  madvise(p, rounded, MADV_HUGEPAGE);
  return p;
}

void queue_storage_free(void* p, std::size_t bytes) {
  if (bytes < kHugeFrom) {
    ::operator delete(p, std::align_val_t{64});
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
  for (Chunk* c : owned_) delete c;
}

LadderEventQueue::Chunk* LadderEventQueue::grow(List& list) {
  Chunk* c = free_;
  if (c) {
    free_ = c->next;
  } else {
    c = new Chunk;
    owned_.push_back(c);
  }
  c->next = nullptr;
  c->count = 0;
  if (list.tail) {
    list.tail->next = c;
  } else {
    list.head = c;
  }
  list.tail = c;
  return c;
}

void LadderEventQueue::release(List& list) {
  if (list.head) {
    list.tail->next = free_;
    free_ = list.head;
  }
  list = List{};
}

void LadderEventQueue::splice(List& into, List& from) {
  if (!from.head) return;
  if (into.tail) {
    into.tail->next = from.head;
  } else {
    into.head = from.head;
  }
  into.tail = from.tail;
  into.size += from.size;
  from = List{};
}

void LadderEventQueue::rebuild(List& src, SimTime cap) {
  SimTime lo = kTimeInfinity, hi = 0;
  for (const Chunk* c = src.head; c; c = c->next) {
    for (std::uint32_t i = 0; i < c->count; ++i) {
      lo = std::min(lo, c->events[i].time);
      hi = std::max(hi, c->events[i].time);
    }
  }
  const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo) + 1;
  const std::size_t target = std::clamp<std::size_t>(src.size / kPerBucket, 1, kMaxBuckets);
  width_ = (span + target - 1) / target;
  nb_ = static_cast<std::size_t>((span + width_ - 1) / width_);
  if (buckets_.size() < nb_) buckets_.resize(nb_);
  base_ = lo;
  cur_ = 0;
  near_end_ = lo;
  const std::uint64_t end = static_cast<std::uint64_t>(lo) + nb_ * width_;
  far_begin_ = end >= static_cast<std::uint64_t>(cap) ? cap : static_cast<SimTime>(end);
  for (const Chunk* c = src.head; c; c = c->next) {
    for (std::uint32_t i = 0; i < c->count; ++i) {
      const Event& e = c->events[i];
      append(buckets_[static_cast<std::size_t>(static_cast<std::uint64_t>(e.time - base_) / width_)], e);
    }
  }
  release(src);
}

void LadderEventQueue::refill() {
  for (;;) {
    while (cur_ < nb_ && buckets_[cur_].size == 0) ++cur_;
    if (cur_ < nb_) {
      List& b = buckets_[cur_];
      const SimTime bucket_end = std::min<SimTime>(base_ + static_cast<SimTime>((cur_ + 1) * width_), far_begin_);
      if (b.size > kSplitAbove && width_ > 1) {
        // Later buckets hold only times >= bucket_end, so they can wait in the overflow.
        for (std::size_t k = cur_ + 1; k < nb_; ++k) splice(overflow_, buckets_[k]);
        List dense = b;
        b = List{};
        rebuild(dense, bucket_end);
        continue;
      }
      for (const Chunk* c = b.head; c; c = c->next) {
        for (std::uint32_t i = 0; i < c->count; ++i) near_.push(c->events[i]);
      }
      release(b);
      near_end_ = bucket_end;
      ++cur_;
      return;
    }
    if (overflow_.size == 0) return;  // empty queue
    nb_ = 0;
    List all = overflow_;
    overflow_ = List{};
    rebuild(all, kTimeInfinity);
  }
}

std::unique_ptr<EventQueue> make_event_queue(std::string_view kind) {
  if (kind == "ladder") return std::make_unique<LadderEventQueue>();
  if (kind == "heap4") return std::make_unique<HeapEventQueue>();
  if (kind == "binary") return std::make_unique<BinaryEventHeap>();
  throw InputError(Diagnostic{"", 0, "event queue", "unknown event queue '" + std::string(kind) + "'",
                              "use one of: ladder, heap4, binary"});
}

}  // namespace tessera::pdes
