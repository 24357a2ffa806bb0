// The figures a user of an LLM run reads first (step time, tokens/s, MFU), from the simulated end
// of the run and the run's description.
#pragma once

#include <optional>

#include "tessera/config.hpp"
#include "tessera/output/summary.hpp"

namespace tessera::app {

/// The figures of a complete LLM run that ended at `end_time` (the last NPU's finish); nullopt
/// for another workload or a run that stopped early (its step is not whole).
std::optional<output::LlmFigures> llm_figures(const Config& config, SimTime end_time, bool partial);

}  // namespace tessera::app
