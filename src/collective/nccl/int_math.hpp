// Integer helpers NCCL's rules are written in (src/include/bitops.h divUp, alignUp, pow2Up, log2Down).
#pragma once

#include <cstdint>

namespace tessera::collective::nccl {

constexpr std::int64_t div_up(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }
constexpr std::int64_t align_up(std::int64_t a, std::int64_t b) { return div_up(a, b) * b; }

constexpr int pow2_up(int x) {
  int p = 1;
  while (p < x) p <<= 1;
  return p;
}

/// floor(log2(n)), -1 for n <= 0 (NCCL's log2i).
constexpr int log2i(std::int64_t n) {
  int l = -1;
  while (n > 0) {
    n >>= 1;
    ++l;
  }
  return l;
}

}  // namespace tessera::collective::nccl
