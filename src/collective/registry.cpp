#include "tessera/collective/registry.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "tessera/error.hpp"

namespace tessera::collective {

const std::vector<std::string>& algorithm_names() {
  static const std::vector<std::string> names = {"ring", "oneRing", "direct", "directN", "oneDirect", "oneDirectN",
                                                 "halvingDoubling", "oneHalvingDoubling", "doubleBinaryTree"};
  return names;
}

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// "direct12" -> window 12; false when the suffix is not a plain number.
bool parse_window(std::string_view digits, int& window) {
  if (digits.empty()) {
    window = -1;
    return true;
  }
  const auto* end = digits.data() + digits.size();
  auto [ptr, ec] = std::from_chars(digits.data(), end, window);
  return ec == std::errc() && ptr == end && window >= 0;
}

}  // namespace

std::string closest_name(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = std::max<std::size_t>(3, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

AlgorithmSpec parse_algorithm(std::string_view name, std::string_view key) {
  AlgorithmSpec spec;
  if (name == "ring") return spec;
  if (name == "oneRing") {
    spec.flat = true;
    return spec;
  }
  if (name == "halvingDoubling" || name == "oneHalvingDoubling") {
    spec.kind = AlgorithmKind::kHalvingDoubling;
    spec.flat = name.front() == 'o';
    return spec;
  }
  if (name == "doubleBinaryTree") {
    spec.kind = AlgorithmKind::kDoubleBinaryTree;
    return spec;
  }
  for (std::string_view prefix : {std::string_view("oneDirect"), std::string_view("direct")}) {
    if (name.substr(0, prefix.size()) == prefix && parse_window(name.substr(prefix.size()), spec.window)) {
      spec.kind = AlgorithmKind::kDirect;
      spec.flat = prefix.front() == 'o';
      return spec;
    }
  }
  std::string valid;
  for (const auto& n : algorithm_names()) valid += (valid.empty() ? "" : ", ") + n;
  const std::string guess = closest_name(name, algorithm_names());
  throw InputError(Diagnostic{"", 0, std::string(key), fmt::format("unknown collective algorithm \"{}\"", name),
                              (guess.empty() ? "" : fmt::format("did you mean \"{}\"? ", guess)) +
                                  fmt::format("valid names: {} (N = messages in flight, e.g. direct4)", valid)});
}

}  // namespace tessera::collective
