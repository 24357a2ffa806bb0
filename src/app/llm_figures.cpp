#include "llm_figures.hpp"

#include "tessera/compute/gpu.hpp"
#include "tessera/workload/llm/flops.hpp"

namespace tessera::app {

std::optional<output::LlmFigures> llm_figures(const Config& config, SimTime end_time, bool partial) {
  if (!config.workload.llm || partial || end_time <= 0) return std::nullopt;
  const llm::LlmRun& run = *config.workload.llm;
  const compute::GpuSpec gpu = *compute::find_gpu_preset(config.npu.preset);  // checked by the loader
  output::LlmFigures f;
  f.model = run.model.name;
  f.steps = run.steps;
  f.step_time = end_time / run.steps;
  const double seconds = static_cast<double>(f.step_time) / static_cast<double>(kSecond);
  f.tokens_per_s = static_cast<double>(run.global_batch) * static_cast<double>(run.seq()) / seconds;
  f.model_flops_per_sample = llm::model_flops_per_sample(run.model, run.seq());
  f.peak_tflops = gpu.peak_tflops(run.precision);
  f.mfu = llm::mfu(f.model_flops_per_sample, run.global_batch, seconds, config.network.npu_count(),
                   f.peak_tflops);
  return f;
}

}  // namespace tessera::app
