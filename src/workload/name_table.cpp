#include <functional>

#include "tessera/workload/workload.hpp"

namespace tessera::workload {

NameTable::NameTable() : offsets_{0, 0}, slots_(16, 0) {}

std::uint32_t NameTable::intern(std::string_view s) {
  const std::size_t mask = slots_.size() - 1;
  std::size_t h = std::hash<std::string_view>{}(s) & mask;
  while (slots_[h] != 0) {
    const std::uint32_t id = slots_[h] - 1;
    if ((*this)[id] == s) return id;
    h = (h + 1) & mask;
  }
  if (s.empty()) return 0;  // "" is id 0 and never enters the index
  const auto id = static_cast<std::uint32_t>(size());
  chars_.append(s);
  offsets_.push_back(chars_.size());
  slots_[h] = id + 1;
  if (2 * size() > slots_.size()) grow();
  return id;
}

void NameTable::grow() {
  std::vector<std::uint32_t> slots(slots_.size() * 2, 0);
  const std::size_t mask = slots.size() - 1;
  for (std::uint32_t id = 1; id < size(); ++id) {
    std::size_t h = std::hash<std::string_view>{}((*this)[id]) & mask;
    while (slots[h] != 0) h = (h + 1) & mask;
    slots[h] = id + 1;
  }
  slots_.swap(slots);
}

void NameTable::seal() {
  std::vector<std::uint32_t>().swap(slots_);
  chars_.shrink_to_fit();
  offsets_.shrink_to_fit();
}

std::size_t NameTable::memory_bytes() const {
  return chars_.capacity() + offsets_.capacity() * sizeof(std::uint64_t) + slots_.capacity() * sizeof(std::uint32_t);
}

}  // namespace tessera::workload
