#include "tessera/params/scalars.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "tessera/did_you_mean.hpp"

namespace tessera::params {
namespace {

/// A scalar that may stand for a number: YAML plain text or a JSON number (not a quoted string).
bool numeric_form(const Node& n) {
  return n.is_scalar() && (n.scalar_type == Node::Scalar::kPlain || n.scalar_type == Node::Scalar::kNumber);
}

std::optional<double> parse_double(const std::string& t) {
  if (t.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size() || !std::isfinite(v)) return std::nullopt;
  // strtod also takes "inf", "nan" and hex; only plain decimal numbers are inputs here.
  if (std::any_of(t.begin(), t.end(), [](char c) {
        return std::isalpha(static_cast<unsigned char>(c)) && c != 'e' && c != 'E';
      })) {
    return std::nullopt;
  }
  return v;
}

/// The real bounds: a 32-bit field says so ("between 1 and 2147483647"), so a value refused for
/// its size is not told it should be ">= 1".
std::string range_text(std::int64_t min, std::int64_t max) {
  if (max == INT64_MAX) return fmt::format(">= {}", min);
  return fmt::format("between {} and {}", min, max);
}

/// Reads a "number unit" string for the unit-aware types, pointing bare numbers at the unit rule.
template <class T, class Parse>
std::optional<T> get_with_unit(const Node& n, Sink& s, const char* what, const char* example, Parse parse) {
  if (!n.is_scalar()) {
    s.error(n.diag(fmt::format("expected {} such as \"{}\", got {}", what, example, n.describe())));
    return std::nullopt;
  }
  try {
    return parse(n.text);
  } catch (const UnitError& e) {
    // UnitError reads "'<text>': <reason>; expected <rule>"; the rule is already in `what`.
    std::string reason = e.what();
    if (auto p = reason.find("': "); p != std::string::npos) reason = reason.substr(p + 3);
    if (auto p = reason.find("; expected"); p != std::string::npos) reason = reason.substr(0, p);
    std::string fix =
        fmt::format("write it with its unit, e.g. {}: {}", n.path.substr(n.path.rfind('.') + 1), example);
    s.error(n.diag(fmt::format("expected {}, got {} ({})", what, n.describe(), reason), fix));
    return std::nullopt;
  }
}

}  // namespace

std::string format_number(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<std::int64_t>(v));
  return fmt::format("{}", v);
}

std::optional<std::int64_t> get_int(const Node& n, Sink& s, std::int64_t min, std::int64_t max) {
  const std::string expected = fmt::format("an integer {}", range_text(min, max));
  if (!numeric_form(n)) {
    s.error(n.diag(fmt::format("expected {}, got {}", expected, n.describe())));
    return std::nullopt;
  }
  std::int64_t v = 0;
  const auto* b = n.text.data();
  const auto* e = b + n.text.size();
  auto [p, ec] = std::from_chars(b, e, v);
  if (ec != std::errc() || p != e) {
    // JSON writers sometimes emit 4.0 for an integer; accept it when it is whole.
    auto d = parse_double(n.text);
    if (!d || *d != std::floor(*d) || std::fabs(*d) > 9e15) {
      s.error(n.diag(fmt::format("expected {}, got {}", expected, n.describe())));
      return std::nullopt;
    }
    v = static_cast<std::int64_t>(*d);
  }
  if (v < min || v > max) {
    s.error(n.diag(fmt::format("expected {}, got {}", expected, v)));
    return std::nullopt;
  }
  return v;
}

std::optional<double> get_double(const Node& n, Sink& s, double min, double max, bool min_exclusive) {
  const std::string expected =
      max == HUGE_VAL ? fmt::format("a number {} {}", min_exclusive ? ">" : ">=", format_number(min))
                      : fmt::format("a number between {} and {}", format_number(min), format_number(max));
  std::optional<double> v;
  if (numeric_form(n)) v = parse_double(n.text);
  if (!v) {
    s.error(n.diag(fmt::format("expected {}, got {}", expected, n.describe())));
    return std::nullopt;
  }
  if (*v < min || *v > max || (min_exclusive && *v == min)) {
    s.error(n.diag(fmt::format("expected {}, got {}", expected, format_number(*v))));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> get_bool(const Node& n, Sink& s) {
  if (n.is_scalar() && n.scalar_type != Node::Scalar::kString) {
    const std::string& t = n.text;
    if (t == "true" || t == "True" || t == "1") return true;
    if (t == "false" || t == "False" || t == "0") return false;
  }
  s.error(n.diag(fmt::format("expected a boolean (true/false or 1/0), got {}", n.describe())));
  return std::nullopt;
}

std::optional<std::string> get_string(const Node& n, Sink& s) {
  if (n.is_scalar() && (n.scalar_type == Node::Scalar::kPlain || n.scalar_type == Node::Scalar::kString)) {
    return n.text;
  }
  s.error(n.diag(fmt::format("expected a string, got {}", n.describe())));
  return std::nullopt;
}

std::optional<std::string> get_choice(const Node& n, Sink& s, const std::vector<std::string>& choices) {
  std::string all;
  for (const auto& c : choices) all += (all.empty() ? "" : ", ") + c;
  if (!(n.is_scalar() && n.scalar_type != Node::Scalar::kNumber && n.scalar_type != Node::Scalar::kBool)) {
    s.error(n.diag(fmt::format("expected one of {}, got {}", all, n.describe())));
    return std::nullopt;
  }
  if (std::find(choices.begin(), choices.end(), n.text) != choices.end()) return n.text;
  const std::string near = did_you_mean(n.text, choices);
  s.error(n.diag(fmt::format("unknown value \"{}\"; expected one of {}", n.text, all),
                 near.empty() ? "" : fmt::format("did you mean \"{}\"?", near)));
  return std::nullopt;
}

std::optional<SimTime> get_time(const Node& n, Sink& s) {
  if (n.is_scalar() && n.text == "0" && n.scalar_type != Node::Scalar::kString) return SimTime{0};
  return get_with_unit<SimTime>(n, s, "a duration with a unit (ps, ns, us, ms, s)", "500ns",
                                [](const std::string& t) { return parse_time(t); });
}

std::optional<SimTime> get_delay(const Node& n, Sink& s) {
  const auto v = get_time(n, s);
  if (v && *v > kMaxDelay) {
    s.error(n.diag(fmt::format("expected a delay of at most {} (the bound of one latency or delay), got {}",
                               format_time(kMaxDelay), format_time(*v)),
                   "check the unit (ps, ns, us, ms, s)"));
    return std::nullopt;
  }
  return v;
}

std::optional<Bandwidth> get_bandwidth(const Node& n, Sink& s) {
  return get_with_unit<Bandwidth>(n, s, "a bandwidth with a unit (B/s, GB/s, GiB/s, Gb/s, ...)", "400GB/s",
                                  [](const std::string& t) { return parse_bandwidth(t); });
}

std::optional<Bytes> get_bytes(const Node& n, Sink& s) {
  return get_with_unit<Bytes>(n, s, "a size (bytes, or with KB, MB, KiB, MiB, ...)", "4KiB",
                              [](const std::string& t) { return parse_bytes(t); });
}

std::optional<double> get_flops(const Node& n, Sink& s) {
  static const std::vector<std::pair<std::string, double>> kUnits{
      {"FLOP/s", 1.0}, {"GFLOP/s", 1e9}, {"TFLOP/s", 1e12}, {"PFLOP/s", 1e15}};
  if (n.is_scalar() && n.scalar_type != Node::Scalar::kNumber && n.scalar_type != Node::Scalar::kBool) {
    const std::string& t = n.text;
    // "GFLOP/s" also ends in "FLOP/s"; only the unit that leaves a bare number matches.
    for (const auto& [unit, factor] : kUnits) {
      if (t.size() > unit.size() && t.compare(t.size() - unit.size(), unit.size(), unit) == 0) {
        std::string num = t.substr(0, t.size() - unit.size());
        while (!num.empty() && num.back() == ' ') num.pop_back();
        if (auto v = parse_double(num); v && *v >= 0) return *v * factor;
      }
    }
  }
  s.error(
      n.diag(fmt::format("expected a compute rate with a unit (FLOP/s, GFLOP/s, TFLOP/s, PFLOP/s), got {}",
                         n.describe()),
             "e.g. peak_perf: 989TFLOP/s"));
  return std::nullopt;
}

std::optional<double> get_ratio(const Node& n, Sink& s) {
  if (n.is_scalar()) {
    std::string t = n.text;
    double v = -1;
    if (auto colon = t.find(':'); colon != std::string::npos) {
      auto a = parse_double(t.substr(0, colon));
      auto b = parse_double(t.substr(colon + 1));
      if (a && b && *b > 0) v = *a / *b;
    } else if (auto d = parse_double(t)) {
      v = *d;
    }
    if (v >= 1.0) return v;
  }
  s.error(n.diag(
      fmt::format("expected an oversubscription ratio >= 1 (a number or \"N:1\"), got {}", n.describe())));
  return std::nullopt;
}

std::optional<std::vector<int>> get_int_list(const Node& n, Sink& s, std::int64_t min, std::int64_t max) {
  if (!n.is_list()) {
    s.error(n.diag(fmt::format("expected a list of integers, got {}", n.describe()), "e.g. [4, 4]"));
    return std::nullopt;
  }
  std::vector<int> out;
  bool ok = true;
  for (const auto& item : n.items) {
    if (auto v = get_int(item, s, min, max)) {
      out.push_back(static_cast<int>(*v));
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<std::string>> get_string_list(const Node& n, Sink& s) {
  if (!n.is_list()) {
    s.error(n.diag(fmt::format("expected a list of strings, got {}", n.describe())));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (const auto& item : n.items) {
    if (auto v = get_string(item, s)) {
      out.push_back(*v);
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<SimTime> get_astra_ns(const Node& n, Sink& s, bool allow_zero) {
  auto v = get_double(n, s, 0.0, HUGE_VAL, !allow_zero);
  if (!v) return std::nullopt;
  if (*v > static_cast<double>(kMaxDelay / kNanosecond)) {
    s.error(n.diag(fmt::format("expected a delay of at most {} ns (the bound of one latency or delay), got {} ns",
                               kMaxDelay / kNanosecond, format_number(*v)),
                   "check the unit: ASTRA-sim's inputs give nanoseconds"));
    return std::nullopt;
  }
  return static_cast<SimTime>(std::llround(*v * static_cast<double>(kNanosecond)));
}

}  // namespace tessera::params
