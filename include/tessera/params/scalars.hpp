// Typed reads of scalar nodes. Each returns std::nullopt after putting a precise error into the
// sink ("expected X, got Y" with the unit rules), so the caller simply skips the assignment.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tessera/params/node.hpp"
#include "tessera/params/sink.hpp"
#include "tessera/units.hpp"

namespace tessera::params {

std::optional<std::int64_t> get_int(const Node& n, Sink& s, std::int64_t min, std::int64_t max);
/// A number; `min_exclusive` makes `min` itself invalid.
std::optional<double> get_double(const Node& n, Sink& s, double min, double max, bool min_exclusive = false);
/// true/false, or 1/0 as ASTRA-sim writes them.
std::optional<bool> get_bool(const Node& n, Sink& s);
std::optional<std::string> get_string(const Node& n, Sink& s);
/// One of `choices`, exactly (case matters, as in ASTRA-sim); a near miss gets "did you mean".
std::optional<std::string> get_choice(const Node& n, Sink& s, const std::vector<std::string>& choices);
/// A duration with a unit ("500ns"); a bare 0 is also accepted.
std::optional<SimTime> get_time(const Node& n, Sink& s);

/// The longest single latency or delay a model input may give: 10 s. Real links, switches and
/// endpoints take microseconds; the bound leaves a run room for close to a million such delays in
/// a row within the time range, so a unit mistake (1e15 ns) is refused here, naming its key,
/// instead of overflowing simulated time in the middle of the run.
inline constexpr SimTime kMaxDelay = 10 * kSecond;

/// A duration (as get_time) that is one latency or delay: at most kMaxDelay.
std::optional<SimTime> get_delay(const Node& n, Sink& s);
/// A bandwidth with a unit ("400GB/s", "400Gb/s").
std::optional<Bandwidth> get_bandwidth(const Node& n, Sink& s);
/// A size ("4KiB", "4096").
std::optional<Bytes> get_bytes(const Node& n, Sink& s);
/// A compute rate with a unit ("989TFLOP/s").
std::optional<double> get_flops(const Node& n, Sink& s);
/// An oversubscription ratio: a number >= 1 or "N:1".
std::optional<double> get_ratio(const Node& n, Sink& s);
/// A list of integers.
std::optional<std::vector<int>> get_int_list(const Node& n, Sink& s, std::int64_t min, std::int64_t max);
/// A list of strings.
std::optional<std::vector<std::string>> get_string_list(const Node& n, Sink& s);

/// A plain number of nanoseconds (ASTRA-sim inputs) as SimTime, a delay of at most kMaxDelay;
/// `allow_zero` false rejects 0.
std::optional<SimTime> get_astra_ns(const Node& n, Sink& s, bool allow_zero = true);

/// Shortest decimal text of a double ("50", "936.25").
std::string format_number(double v);

}  // namespace tessera::params
