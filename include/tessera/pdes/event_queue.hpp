// The rank's one event queue. The engine talks to it through EventQueue; HeapEventQueue is the
// default and is `final`, so the engine's hot loop calls it directly without virtual dispatch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "tessera/pdes/event.hpp"

namespace tessera::pdes {

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
/// Why this shape: sifting moves only the 16-byte keys (four children share one cache line),
/// the 72-byte events stay put in the slab, and slots are recycled, so a steady event population
/// allocates nothing. Each key carries the time and a 32-bit prefix of (priority, source port), so
/// the slab is read for a comparison only when time and that prefix are both equal.
class HeapEventQueue final : public EventQueue {
 public:
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
    std::size_t i = heap_.size();
    heap_.push_back(k);
    // Sift up with a hole: parents move down until the key's place is found.
    while (i > 0) {
      const std::size_t parent = (i - 1) / 4;
      if (!less(k, heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = k;
  }

  void pop(Event& out) override {
    const std::uint32_t slot = heap_[0].slot;
    out = slab_[slot];
    free_.push_back(slot);
    const Key last = heap_.back();
    heap_.pop_back();
    const std::size_t n = heap_.size();
    if (n == 0) return;
    std::size_t i = 0;
    for (;;) {
      const std::size_t first = 4 * i + 1;
      if (first >= n) break;
      std::size_t best = first;
      const std::size_t end = first + 4 < n ? first + 4 : n;
      for (std::size_t c = first + 1; c < end; ++c) {
        if (less(heap_[c], heap_[best])) best = c;
      }
      if (!less(heap_[best], last)) break;
      heap_[i] = heap_[best];
      i = best;
    }
    heap_[i] = last;
  }

  SimTime next_time() const override { return heap_.empty() ? kTimeInfinity : heap_[0].time; }
  std::size_t size() const override { return heap_.size(); }
  void reserve(std::size_t n) override {
    heap_.reserve(n);
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
    const Event& ea = slab_[a.slot];
    const Event& eb = slab_[b.slot];
    if (ea.order != eb.order) return ea.order < eb.order;
    return ea.seq < eb.seq;
  }

  std::vector<Key> heap_;
  std::vector<Event> slab_;
  std::vector<std::uint32_t> free_;
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

/// "heap4" (HeapEventQueue, the default) or "binary" (BinaryEventHeap). Throws InputError naming
/// the valid kinds otherwise.
std::unique_ptr<EventQueue> make_event_queue(std::string_view kind);

}  // namespace tessera::pdes
