#include "tessera/did_you_mean.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace tessera {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string did_you_mean(const std::string& key, const std::vector<std::string>& candidates) {
  auto norm = [](const std::string& s) {
    std::string o;
    for (char c : s) o += c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return o;
  };
  const std::string k = norm(key);
  std::string best;
  std::size_t best_d = SIZE_MAX;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(k, norm(c));
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  // Allow about one edit per three characters (at least 2): catches typos, not unrelated words.
  const std::size_t limit = std::max<std::size_t>(2, k.size() / 3);
  return best_d <= limit ? best : std::string();
}

}  // namespace tessera
