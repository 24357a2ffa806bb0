// Time, sizes and bandwidths as integers. Units are parsed only at the configuration boundary
// (see parse_* below and docs/units.md); model code never multiplies by 1e9.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tessera {

/// Simulated time in picoseconds. int64 covers ±106 days, far beyond any training step.
using SimTime = std::int64_t;
/// A byte count.
using Bytes = std::int64_t;

inline constexpr SimTime kPicosecond = 1;
inline constexpr SimTime kNanosecond = 1000;
inline constexpr SimTime kMicrosecond = 1000 * kNanosecond;
inline constexpr SimTime kMillisecond = 1000 * kMicrosecond;
inline constexpr SimTime kSecond = 1000 * kMillisecond;
/// The most bytes one message, collective or tensor of a trace may hold: 1 PiB (2^50), more than
/// any accelerator's memory, and small enough that its transfer time at 1 GB/s still fits SimTime.
inline constexpr Bytes kMaxMessageBytes = Bytes{1} << 50;
/// Larger than any time a simulation reaches; used for "never".
inline constexpr SimTime kTimeInfinity = INT64_MAX;

/// The time range in words, for messages that refuse a time beyond it.
inline constexpr const char* kTimeRangeText = "9223372036854775807 ps, about 106 days";

// ----- checked arithmetic on times and sizes ----------------------------------------------------
// The one place for sums and products of SimTime / Bytes that inputs can push past 64 bits: each
// returns nullopt instead of wrapping, and the caller names the file, key or node in its error.

/// a + b, or nullopt when it leaves the int64 range.
constexpr std::optional<std::int64_t> checked_add(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

/// a * b, or nullopt when it leaves the int64 range.
constexpr std::optional<std::int64_t> checked_mul(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

/// v * factor rounded down (or to nearest), or nullopt when the factor is not finite or the result
/// leaves the int64 range (a double-to-integer conversion out of range is undefined behaviour).
inline std::optional<std::int64_t> checked_scale(std::int64_t v, double factor, bool round_nearest = false) {
  const long double x = static_cast<long double>(v) * static_cast<long double>(factor);
  const long double r = round_nearest ? std::round(x) : std::floor(x);
  // 2^63 is exactly representable; every value below it converts.
  if (!std::isfinite(r) || r >= 9223372036854775808.0L || r < -9223372036854775808.0L) return std::nullopt;
  return static_cast<std::int64_t>(r);
}

/// Bandwidth in bytes per second. Integer, so "400GB/s" and ASTRA-sim's 2^30-based GB/s are exact.
struct Bandwidth {
  std::int64_t bytes_per_second = 0;
  constexpr bool operator==(const Bandwidth&) const = default;
  constexpr auto operator<=>(const Bandwidth&) const = default;
};

/// Time to serialize `bytes` at `bw`, rounded up to a whole picosecond (the last bit is on the wire
/// no earlier than this). Exact: the product is formed in 128 bits. Requires bw > 0, bytes >= 0.
/// A time beyond the range is returned as kTimeInfinity (never wrapped): the engine then refuses
/// the event; checked_tx_time lets a caller refuse it first, naming the input.
SimTime tx_time(Bytes bytes, Bandwidth bw);

/// tx_time, or nullopt when the time is beyond the range.
std::optional<SimTime> checked_tx_time(Bytes bytes, Bandwidth bw);

/// The same quotient rounded down, for models that reproduce another simulator's truncation.
SimTime tx_time_floor(Bytes bytes, Bandwidth bw);

/// Bytes that `bw` moves in `t` (rounded down).
Bytes bytes_in(SimTime t, Bandwidth bw);

/// Parses a duration such as "936.25ns", "1.5us", "2ms", "10ps", "1s" (also "µs").
/// A bare number is rejected: the unit is mandatory. Rounds to the nearest picosecond.
/// Throws UnitError on a malformed string, a negative value or overflow.
SimTime parse_time(std::string_view text);

/// Parses a size such as "1MiB", "1MB", "4096", "64KiB", "1.5KiB". A bare number is bytes.
/// Decimal prefixes are powers of 1000, binary (Ki, Mi, Gi, Ti) powers of 1024.
/// The result must be a whole number of bytes. Throws UnitError otherwise.
Bytes parse_bytes(std::string_view text);

/// Parses a bandwidth such as "400GB/s", "3.2Tb/s", "50GiB/s", "100Gbps". Upper-case B is bytes,
/// lower-case b is bits. Rounds to the nearest byte per second. The unit is mandatory.
Bandwidth parse_bandwidth(std::string_view text);

/// ASTRA-sim's network YAML bandwidth: a number of GB/s where GB = 2^30 bytes.
Bandwidth astra_gbps(double gigabytes_per_second);

/// Human-readable forms for summaries: "57.426 µs", "1.00 MiB", "400 GB/s" (decimal GB).
std::string format_time(SimTime t);
std::string format_bytes(Bytes b);
std::string format_bandwidth(Bandwidth bw);

}  // namespace tessera
