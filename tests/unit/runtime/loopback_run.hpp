// Shared by the runtime unit tests: one simulation on N loopback ranks (threads in this process),
// returning rank 0's result, as `mpirun -np N tessera run` would report it.
#pragma once

#include <mutex>
#include <utility>

#include "tessera/pdes/loopback_transport.hpp"
#include "tessera/runtime/simulation.hpp"

namespace tessera::runtime::testing {

inline SimulationResult run_on_loopback(const Config& c, int ranks = 1) {
  SimulationResult out;
  std::mutex mu;
  pdes::run_loopback(ranks, [&](pdes::Transport& t) {
    SimulationResult r = simulate(c, t);
    std::lock_guard<std::mutex> lock(mu);
    if (t.rank() == 0) out = std::move(r);
  });
  return out;
}

}  // namespace tessera::runtime::testing
