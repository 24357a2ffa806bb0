#include "tessera/pdes/event_queue.hpp"

#include <string>

#include "tessera/error.hpp"

namespace tessera::pdes {

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

std::unique_ptr<EventQueue> make_event_queue(std::string_view kind) {
  if (kind == "heap4") return std::make_unique<HeapEventQueue>();
  if (kind == "binary") return std::make_unique<BinaryEventHeap>();
  throw InputError(Diagnostic{"", 0, "event queue", "unknown event queue '" + std::string(kind) + "'",
                              "use one of: heap4, binary"});
}

}  // namespace tessera::pdes
