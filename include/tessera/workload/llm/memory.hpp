// GPU memory one rank needs for a run: weights, gradients and optimizer states of its local
// parameters, and the activations its pipeline schedule keeps alive (reference
// llm-training.md §5; MLM megatron/training/theoretical_memory_usage.py; Korthikanti et al. 2022,
// arXiv:2205.05198, Table 2). docs/llm.md has the formulas.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tessera/error.hpp"
#include "tessera/units.hpp"
#include "tessera/workload/llm/run.hpp"

namespace tessera::llm {

/// Parameters one rank holds, by how they are sharded.
struct LocalParams {
  double dense = 0;   ///< TP-sharded and replicated (norm) parameters: reduced over dp x cp
  double expert = 0;  ///< expert parameters: reduced over the expert data-parallel group
  double total() const { return dense + expert; }
};

/// One pipeline stage's memory, in bytes.
struct StageMemory {
  int stage = 0;
  LocalParams params;
  double weights = 0;
  double gradients = 0;
  double optimizer = 0;    ///< fp32 master copy and two Adam moments (sharded if distributed)
  double activations = 0;  ///< with the 5% allowance for temporaries
  int in_flight = 0;       ///< micro-batch chunk passes whose activations are held at the peak
  int in_flight_layers = 0;  ///< the layers those passes hold (their chunks' layer counts summed)
  double total() const { return weights + gradients + optimizer + activations; }
};

/// Parameters held by pipeline stage `stage` (its chunks' layers, the embedding on stage 0, the
/// output layer on the last stage; the last stage keeps its own copy when embeddings are tied).
LocalParams local_params(const LlmRun& run, const Layout& layout, int stage);

/// Activation bytes of one transformer layer for one micro-batch on one rank:
/// s·b/c·[(8h + 2h·dropout)·(1/t with SP) + (4·a·d + 4·g·d + (2γ + 2)·f)/t] (16-bit activations,
/// flash attention, so the s² scores are never stored); 2·s·b·h/c (/t with SP) under full
/// recompute. MoE layers hold their expert inputs and outputs for the k routed copies instead.
double layer_activation_bytes(const LlmRun& run, const Layout& layout);

/// Memory of stage `stage`.
StageMemory stage_memory(const LlmRun& run, const Layout& layout, int stage);
/// The stage that needs the most memory.
StageMemory peak_stage_memory(const LlmRun& run, const Layout& layout);

/// Refuses a run whose peak stage needs more than `capacity` bytes (an error with the figure,
/// its parts and what to change), and warns above 90% of it. Errors and warnings are returned
/// separately; keys are under `key_prefix`.
struct MemoryCheck {
  StageMemory peak;
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;
};
MemoryCheck check_memory(const LlmRun& run, const Layout& layout, Bytes capacity,
                         const std::string& gpu_title, const std::string& file = "",
                         const std::string& key_prefix = "workload.llm");

}  // namespace tessera::llm
