// PHOLD-style models for the engine's benchmark, determinism driver and tests.
//
// phold: `lps` LPs in `groups` groups (names g<k>/lp<i>, group hint g<k>); every event sends one
// new event to a random LP (another group with probability remote_fraction, else its own group)
// after lookahead + an exponential delay, so the population stays constant.
// mix: a ring of LPs joined by channels of two latencies plus direct sends, zero-delay self
// events with random priorities, and times quantized to 10 ns so many events tie: it exercises
// every ordering rule.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tessera/pdes/engine.hpp"

namespace tessera::bench {

struct PholdConfig {
  std::string model = "phold";          ///< "phold" or "mix"
  std::uint32_t lps = 10000;
  std::uint32_t groups = 2;
  std::uint64_t population = 100000;    ///< events in flight
  double remote_fraction = 0.1;
  SimTime lookahead = kMicrosecond;     ///< minimum delay of every event
  SimTime mean_delay = kMicrosecond;    ///< mean of the exponential part
  SimTime end_time = 100 * kMicrosecond;
  std::uint64_t seed = 1;
  bool record = false;                  ///< keep per-event fingerprint records
  std::string placement = "auto";       ///< auto | round-robin
  std::string queue = "ladder";
};

/// The graph of the configured model (identical on every rank).
pdes::Graph build_graph(const PholdConfig& cfg);

struct PholdRun {
  pdes::RunResult result;
  /// Only when cfg.record: one line per event "time lp kind payload-hash", sorted by (time, lp,
  /// order handled by that LP), then a per-LP summary; identical on every rank.
  std::string fingerprint;
  SimTime lookahead = 0;
  /// Sum over LPs of a hash chain of the events each handled, in order; equal on any rank count.
  std::uint64_t checksum = 0;
};

/// Builds, partitions, instantiates and runs the model on `transport` (collective).
PholdRun run_model(const PholdConfig& cfg, pdes::Transport& transport);

}  // namespace tessera::bench
