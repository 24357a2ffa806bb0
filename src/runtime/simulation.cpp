// simulate(): the phases in order (phases/phases.hpp says what each one does).
#include "tessera/runtime/simulation.hpp"

#include <chrono>

#include "phases/phases.hpp"

namespace tessera::runtime {

SimulationResult simulate(const Config& config, pdes::Transport& transport, const SimulationOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  SimulationResult result;
  result.ranks = transport.size();
  phases::RunState state;
  phases::partition(config, transport, options, state);
  phases::load(config, transport, options, state, result);
  phases::validate(config, transport, state);
  phases::build(config, transport, options, state, result);
  result.build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  phases::run(config, options, state, result);
  phases::finalize(config, transport, options, state, result);
  return result;
}

}  // namespace tessera::runtime
