// ASTRA-sim's analytical timing rules, bit for bit (docs/astra-parity.md §1, §9): time in whole
// ns computed in double and truncated, bandwidth B = bytes_per_second / 1e9 bytes per ns (which
// equals GB/s x 2^30 / 1e9 for bandwidths read from ASTRA-sim's YAML). Results are returned in ps
// (ns x 1000), so the rest of Tessera stays in integer picoseconds.
#pragma once

#include <cstdint>

#include "tessera/units.hpp"

namespace tessera::network::astra {

/// Bytes per ns as ASTRA-sim computes it (double).
inline double bytes_per_ns(Bandwidth bw) { return static_cast<double>(bw.bytes_per_second) / 1e9; }
/// The latency as ASTRA-sim's double ns.
inline double latency_ns(SimTime latency) { return static_cast<double>(latency) / 1000.0; }

/// Congestion-aware hop: the message arrives uint64(latency + size/B) ns after it starts.
inline SimTime hop_arrival(Bytes size, Bandwidth bw, SimTime latency) {
  return static_cast<SimTime>(
             static_cast<std::uint64_t>(latency_ns(latency) + static_cast<double>(size) / bytes_per_ns(bw))) *
         kNanosecond;
}
/// Congestion-aware link busy time: uint64(size/B) ns.
inline SimTime serialization(Bytes size, Bandwidth bw) {
  return static_cast<SimTime>(static_cast<std::uint64_t>(static_cast<double>(size) / bytes_per_ns(bw))) *
         kNanosecond;
}
/// Congestion-unaware message: uint64(hops x latency + size/B) ns, one truncation.
inline SimTime unaware(int hops, Bytes size, Bandwidth bw, SimTime latency) {
  return static_cast<SimTime>(static_cast<std::uint64_t>(hops * latency_ns(latency) +
                                                         static_cast<double>(size) / bytes_per_ns(bw))) *
         kNanosecond;
}
/// A latency truncated to whole ns: a lower bound of every ASTRA hop time over that link.
inline SimTime floor_ns(SimTime t) { return t / kNanosecond * kNanosecond; }

}  // namespace tessera::network::astra
