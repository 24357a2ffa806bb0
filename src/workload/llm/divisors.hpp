// Private to src/workload/llm: the divisor list that validation messages offer as the fix.
#pragma once

#include <cstdint>
#include <string>

namespace tessera::llm::detail {

/// The first `limit` divisors of n, ascending, comma-separated (n is at most a few hundred
/// thousand here).
inline std::string divisors_text(std::int64_t n, std::int64_t limit = 12) {
  std::string s;
  std::int64_t count = 0;
  for (std::int64_t d = 1; d <= n && count < limit; ++d) {
    if (n % d) continue;
    s += (s.empty() ? "" : ", ") + std::to_string(d);
    ++count;
  }
  return s;
}

}  // namespace tessera::llm::detail
