#include "tessera/units.hpp"

#include <array>
#include <cctype>
#include <cmath>
#include <limits>
#include <string>

#include <fmt/format.h>

#include "tessera/error.hpp"

namespace tessera {
namespace {

using i128 = __int128;

/// A non-negative decimal number held exactly as mantissa * 10^exponent.
struct Decimal {
  i128 mantissa = 0;
  int exponent = 0;
};

[[noreturn]] void fail(std::string_view text, std::string_view what, std::string_view expected) {
  throw UnitError(fmt::format("'{}': {}; expected {}", text, what, expected));
}

/// Splits "12.5GB/s" into the number and the unit suffix. Accepts digits, one '.', and an
/// optional exponent ("1e3"). Leading/trailing blanks and one blank before the unit are allowed.
std::pair<Decimal, std::string_view> split_number(std::string_view text, std::string_view expected) {
  std::string_view s = text;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.empty()) fail(text, "empty value", expected);
  if (s.front() == '-') fail(text, "negative values are not allowed", expected);
  if (s.front() == '+') s.remove_prefix(1);
  Decimal d;
  std::size_t i = 0;
  int digits = 0;
  bool dot = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      if (d.mantissa > (std::numeric_limits<std::int64_t>::max() / 10)) {
        fail(text, "too many digits", expected);
      }
      d.mantissa = d.mantissa * 10 + (c - '0');
      if (dot) --d.exponent;
      ++digits;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (digits == 0) fail(text, "no number", expected);
  // Exponent: 'e' or 'E' followed by an optional sign and digits (only if digits follow, so
  // that "1EB" would not be mistaken; we have no exa units, so this is unambiguous).
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    std::size_t j = i + 1;
    int sign = 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) {
      sign = s[j] == '-' ? -1 : 1;
      ++j;
    }
    if (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) {
      int e = 0;
      while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) {
        e = e * 10 + (s[j] - '0');
        if (e > 40) fail(text, "exponent out of range", expected);
        ++j;
      }
      d.exponent += sign * e;
      i = j;
    }
  }
  std::string_view unit = s.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  return {d, unit};
}

i128 pow10(int n) {
  i128 r = 1;
  for (int k = 0; k < n; ++k) r *= 10;
  return r;
}

constexpr i128 kLimit = std::numeric_limits<std::int64_t>::max();

/// value = d * num / den, rounded to nearest (ties up) or required exact.
std::int64_t scale(const Decimal& d, i128 num, i128 den, bool exact, std::string_view text,
                   std::string_view expected) {
  i128 n = d.mantissa * num;
  i128 q = den;
  if (d.exponent >= 0) {
    if (d.exponent > 30) fail(text, "value out of range", expected);
    i128 p = pow10(d.exponent);
    if (n != 0 && n > kLimit * q / p + 1) fail(text, "value out of range", expected);
    n *= p;
  } else {
    if (-d.exponent > 30) fail(text, "too many decimal places", expected);
    q *= pow10(-d.exponent);
  }
  i128 whole = n / q;
  i128 rem = n % q;
  if (exact && rem != 0) fail(text, "not a whole number of bytes", expected);
  if (2 * rem >= q) ++whole;
  if (whole > kLimit) fail(text, "value out of range (overflows 64 bits)", expected);
  return static_cast<std::int64_t>(whole);
}

struct UnitFactor {
  std::string_view name;
  i128 num;  // the unit in base units = num / den
  i128 den;
};

constexpr std::string_view kTimeExpected = "a duration with a unit: ps, ns, us (or µs), ms or s, e.g. \"936.25ns\"";
constexpr std::string_view kBytesExpected =
    "a size: a byte count or a number with B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB "
    "(powers of 1024), e.g. \"1MiB\"";
constexpr std::string_view kBandwidthExpected =
    "a bandwidth with a unit: B/s, KB/s, MB/s, GB/s, TB/s, KiB/s ... TiB/s (bytes) or b/s, Kb/s, Mb/s, "
    "Gb/s, Tb/s, Gbps (bits), e.g. \"400GB/s\" or \"3.2Tb/s\"";

}  // namespace

std::optional<SimTime> checked_tx_time(Bytes bytes, Bandwidth bw) {
  const i128 n = static_cast<i128>(bytes) * kSecond;
  const i128 d = bw.bytes_per_second;
  const i128 t = (n + d - 1) / d;
  if (t > kLimit) return std::nullopt;
  return static_cast<SimTime>(t);
}

SimTime tx_time(Bytes bytes, Bandwidth bw) { return checked_tx_time(bytes, bw).value_or(kTimeInfinity); }

SimTime tx_time_floor(Bytes bytes, Bandwidth bw) {
  const i128 t = static_cast<i128>(bytes) * kSecond / bw.bytes_per_second;
  return t > kLimit ? kTimeInfinity : static_cast<SimTime>(t);
}

Bytes bytes_in(SimTime t, Bandwidth bw) {
  return static_cast<Bytes>(static_cast<i128>(t) * bw.bytes_per_second / kSecond);
}

SimTime parse_time(std::string_view text) {
  static constexpr std::array<UnitFactor, 7> kUnits{{
      {"ps", 1, 1},
      {"ns", kNanosecond, 1},
      {"us", kMicrosecond, 1},
      {"\xC2\xB5s", kMicrosecond, 1},  // µs (U+00B5)
      {"\xCE\xBCs", kMicrosecond, 1},  // μs (U+03BC)
      {"ms", kMillisecond, 1},
      {"s", kSecond, 1},
  }};
  auto [d, unit] = split_number(text, kTimeExpected);
  if (unit.empty()) fail(text, "missing unit", kTimeExpected);
  for (const auto& u : kUnits) {
    if (unit == u.name) return scale(d, u.num, u.den, false, text, kTimeExpected);
  }
  fail(text, fmt::format("unknown time unit '{}'", unit), kTimeExpected);
}

Bytes parse_bytes(std::string_view text) {
  static constexpr i128 K = 1000, Ki = 1024;
  static constexpr std::array<UnitFactor, 10> kUnits{{
      {"B", 1, 1},
      {"KB", K, 1},
      {"MB", K * K, 1},
      {"GB", K * K * K, 1},
      {"TB", K * K * K * K, 1},
      {"KiB", Ki, 1},
      {"MiB", Ki * Ki, 1},
      {"GiB", Ki * Ki * Ki, 1},
      {"TiB", Ki * Ki * Ki * Ki, 1},
      {"", 1, 1},
  }};
  auto [d, unit] = split_number(text, kBytesExpected);
  for (const auto& u : kUnits) {
    if (unit == u.name) return scale(d, u.num, u.den, true, text, kBytesExpected);
  }
  fail(text, fmt::format("unknown size unit '{}'", unit), kBytesExpected);
}

Bandwidth parse_bandwidth(std::string_view text) {
  static constexpr i128 K = 1000, Ki = 1024;
  static constexpr std::array<UnitFactor, 19> kUnits{{
      {"B/s", 1, 1},
      {"KB/s", K, 1},
      {"MB/s", K * K, 1},
      {"GB/s", K * K * K, 1},
      {"TB/s", K * K * K * K, 1},
      {"KiB/s", Ki, 1},
      {"MiB/s", Ki * Ki, 1},
      {"GiB/s", Ki * Ki * Ki, 1},
      {"TiB/s", Ki * Ki * Ki * Ki, 1},
      {"b/s", 1, 8},
      {"Kb/s", K, 8},
      {"Mb/s", K * K, 8},
      {"Gb/s", K * K * K, 8},
      {"Tb/s", K * K * K * K, 8},
      {"bps", 1, 8},
      {"Kbps", K, 8},
      {"Mbps", K * K, 8},
      {"Gbps", K * K * K, 8},
      {"Tbps", K * K * K * K, 8},
  }};
  auto [d, unit] = split_number(text, kBandwidthExpected);
  if (unit.empty()) fail(text, "missing unit", kBandwidthExpected);
  for (const auto& u : kUnits) {
    if (unit == u.name) {
      std::int64_t v = scale(d, u.num, u.den, false, text, kBandwidthExpected);
      if (v <= 0) fail(text, "bandwidth must be positive", kBandwidthExpected);
      return Bandwidth{v};
    }
  }
  fail(text, fmt::format("unknown bandwidth unit '{}'", unit), kBandwidthExpected);
}

Bandwidth astra_gbps(double gigabytes_per_second) {
  // ASTRA-sim's analytical backend: bw[B/ns] = GB/s * 2^30 / 1e9, i.e. bytes/s = GB/s * 2^30.
  const long double v = static_cast<long double>(gigabytes_per_second) * 1073741824.0L;
  if (!(v >= 1.0L) || v > static_cast<long double>(std::numeric_limits<std::int64_t>::max())) {
    throw UnitError(fmt::format("bandwidth {} GB/s is out of range; expected a positive number", gigabytes_per_second));
  }
  return Bandwidth{static_cast<std::int64_t>(std::llround(v))};
}

std::string format_time(SimTime t) {
  // The magnitude in unsigned arithmetic: -INT64_MIN does not exist, so negating (or recursing on
  // the negation, which is INT64_MIN again) is no way to print a negative time.
  const char* sign = t < 0 ? "-" : "";
  const std::uint64_t m = t < 0 ? 0 - static_cast<std::uint64_t>(t) : static_cast<std::uint64_t>(t);
  const double v = static_cast<double>(m);
  if (m < static_cast<std::uint64_t>(kNanosecond)) return fmt::format("{}{} ps", sign, m);
  if (m < static_cast<std::uint64_t>(kMicrosecond)) return fmt::format("{}{:.3f} ns", sign, v / kNanosecond);
  if (m < static_cast<std::uint64_t>(kMillisecond)) return fmt::format("{}{:.3f} µs", sign, v / kMicrosecond);
  if (m < static_cast<std::uint64_t>(kSecond)) return fmt::format("{}{:.3f} ms", sign, v / kMillisecond);
  return fmt::format("{}{:.3f} s", sign, v / kSecond);
}

std::string format_bytes(Bytes b) {
  const double v = static_cast<double>(b);
  if (b < 1024) return fmt::format("{} B", b);
  if (b < 1024 * 1024) return fmt::format("{:.2f} KiB", v / 1024);
  if (b < 1024LL * 1024 * 1024) return fmt::format("{:.2f} MiB", v / (1024.0 * 1024));
  return fmt::format("{:.2f} GiB", v / (1024.0 * 1024 * 1024));
}

std::string format_bandwidth(Bandwidth bw) {
  return fmt::format("{:.2f} GB/s", static_cast<double>(bw.bytes_per_second) / 1e9);
}

}  // namespace tessera
