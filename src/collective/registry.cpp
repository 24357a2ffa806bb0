// The algorithm registry: names, parsing and constraints, read from the registrations of
// src/collective/algorithms/ (algorithm_registrations(), generated from the CMake list).
#include "tessera/collective/registry.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "tessera/collective/algorithm.hpp"
#include "tessera/did_you_mean.hpp"
#include "tessera/error.hpp"

namespace tessera::collective {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "12" -> window 12; false when `digits` is not a plain number. A window must be 1..999999.
bool parse_window(std::string_view digits, int& window) {
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  window = 0;
  if (digits.size() <= 6) std::from_chars(digits.data(), digits.data() + digits.size(), window);
  return true;
}

bool power_of_two(std::int64_t n) { return n > 0 && (n & (n - 1)) == 0; }

}  // namespace

std::string closest_name(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = std::max<std::size_t>(3, word.size() / 3) + 1;
  const std::string w = lower(word);  // algorithm names are matched without regard to case
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(w, lower(c));
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

const AlgorithmRegistration* default_algorithm() {
  static const AlgorithmRegistration* const ring = [] {
    for (const AlgorithmRegistration* r : algorithm_registrations()) {
      if (r->name == "ring") return r;
    }
    throw Error("internal: the algorithm list has no ring");
  }();
  return ring;
}

bool AlgorithmRegistration::supports(CollectiveType t) const {
  return std::find(types.begin(), types.end(), t) != types.end();
}

std::string AlgorithmSpec::name() const {
  std::string base = flat ? kind->flat_name : kind->name;
  if (kind->windowed && window >= 0) base += std::to_string(window);
  return base;
}

const std::vector<std::string>& algorithm_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const AlgorithmRegistration* r : algorithm_registrations()) {
      for (const std::string& n : {r->name, r->flat_name}) {
        if (n.empty()) continue;
        out.push_back(n);
        if (r->windowed) out.push_back(n + "N");
      }
    }
    return out;
  }();
  return names;
}

std::vector<std::string> algorithm_forms(CollectiveType type) {
  std::vector<std::string> out;
  for (const AlgorithmRegistration* r : algorithm_registrations()) {
    if (!r->supports(type)) continue;
    for (const std::string& n : {r->name, r->flat_name}) {
      if (!n.empty()) out.push_back(r->windowed ? n + "[N]" : n);
    }
  }
  return out;
}

AlgorithmSpec parse_algorithm(std::string_view name, std::string_view key) {
  for (const AlgorithmRegistration* r : algorithm_registrations()) {
    for (const bool flat : {false, true}) {
      const std::string& base = flat ? r->flat_name : r->name;
      if (base.empty() || name.substr(0, base.size()) != base) continue;
      AlgorithmSpec spec;
      spec.kind = r;
      spec.flat = flat;
      if (name.size() == base.size()) return spec;
      if (!r->windowed || !parse_window(name.substr(base.size()), spec.window)) continue;
      if (spec.window < 1) {
        throw InputError(Diagnostic{"", 0, std::string(key),
                                    fmt::format("{}: the window must be between 1 and 999999", name),
                                    fmt::format("N is the number of messages in flight, e.g. {}4", base)});
      }
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

std::vector<AlgorithmProblem> algorithm_problems(const AlgorithmSpec& algorithm, CollectiveType type,
                                                 std::int64_t npus, std::string_view where, bool splits_all_reduce) {
  const AlgorithmRegistration& r = *algorithm.kind;
  const std::string name = algorithm.name();
  std::vector<AlgorithmProblem> out;
  if (r.power_of_two && !power_of_two(npus)) {
    out.push_back({fmt::format("{} needs a power-of-two number of NPUs, but {} has {}", name, where, npus),
                   "use ring or direct on this dimension"});
  }
  if (!r.supports(type)) {
    std::vector<std::string> types;
    for (CollectiveType t : r.types) types.emplace_back(to_string(t));
    out.push_back({r.types.size() == 1
                       ? fmt::format("{} implements {} only, not {}", name, types.front(), to_string(type))
                       : fmt::format("{} has no {}", name, to_string(type)),
                   "use direct or ring"});
  } else if (splits_all_reduce &&
             !(r.supports(CollectiveType::kReduceScatter) && r.supports(CollectiveType::kAllGather))) {
    out.push_back({fmt::format("with localBWAware only the last all-reduce dimension runs all-reduce; this one "
                               "runs reduce-scatter and all-gather, which {} does not implement",
                               name),
                   fmt::format("put {} last, or use collective-optimization: baseline", name)});
  }
  if (r.windowed && algorithm.window == 0) {
    out.push_back({fmt::format("{} has no message in flight", name), "use a window N >= 1"});
  }
  return out;
}

}  // namespace tessera::collective
