// Prints how fast the LLM step generator builds NPU graphs and what their compute adds up to:
//   bench_llm_generator [sample NPUs]
// For each published configuration: nodes per NPU, generation and in-memory build time per NPU,
// Workload bytes per NPU, and NPU 0's compute time by kernel class under the h100-sxm model, BF16
// and FP8, next to the published step time.
// Figures only; it fails only if a configuration is refused.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "tessera/workload/kernel_attrs.hpp"
#include "tessera/workload/llm/generator.hpp"

namespace {

using namespace tessera;
using Clock = std::chrono::steady_clock;

/// Sums NPU 0's kernel times by class.
class Breakdown final : public workload::TraceSink {
 public:
  explicit Breakdown(const compute::GpuModel& gpu) : gpu_(gpu) {}
  std::map<std::string, double> seconds;
  std::size_t nodes = 0;
  void begin_npu(int, const workload::EtGlobalMetadata&) override {}
  void node(const workload::EtNode& n) override {
    ++nodes;
    if (n.type != workload::NodeType::kComp) return;
    std::string error;
    if (const auto k = workload::kernel_from_attributes(n, error)) {
      seconds[compute::to_string(k->kind)] +=
          static_cast<double>(gpu_.time(*k)) / static_cast<double>(kSecond);
    }
  }
  void end_npu(int) override {}

 private:
  const compute::GpuModel& gpu_;
};

struct Case {
  const char* label;
  const char* model;
  int gpus, gbs, mbs, tp, pp, vp, cp, kv_heads;
  bool selective;
  double published_bf16_s, published_fp8_s;  ///< DGXC v24.11 step time at this size
};

}  // namespace

int main(int argc, char** argv) {
  const int samples = argc > 1 ? std::max(1, std::atoi(argv[1])) : 4;
  // DGXC v24.11 recipes (reference llm-training.md §8.1), BF16 and FP8, smallest published size,
  // with the published step time (which also holds exposed communication and the pipeline bubble).
  const Case cases[] = {
      {"GPT-3 175B TP4 PP8 VP12", "gpt3-175b", 128, 256, 1, 4, 8, 12, 1, 0, false, 8.91, 5.92},
      {"Llama 3.1 8B CP2", "llama3.1-8b", 8, 128, 1, 1, 1, 1, 2, 0, false, 12.91, 9.67},
      {"Llama 3.1 70B TP4 PP4 VP5 CP2", "llama3.1-70b", 64, 128, 1, 4, 4, 5, 2, 0, false, 14.72, 11.01},
      {"Llama 3.1 405B TP8 PP9 VP7 CP2", "llama3.1-405b", 576, 252, 1, 8, 9, 7, 2, 16, false, 17.20, 11.24},
      {"Nemotron-4 340B TP8 PP8 VP12", "nemotron4-340b", 128, 32, 1, 8, 8, 12, 1, 0, true, 4.61, 3.16},
      {"Nemotron-4 15B TP4 MBS4", "nemotron4-15b", 16, 64, 4, 4, 1, 1, 1, 0, false, 2.83, 2.08},
  };
  const compute::GpuSpec h100 = *compute::find_gpu_preset("h100-sxm");
  for (const Case& c : cases) {
    for (const compute::Precision precision : {compute::Precision::kBf16, compute::Precision::kFp8}) {
      llm::LlmRun r;
      r.precision = precision;
      r.model = *llm::find_model_preset(c.model);
      if (c.kv_heads) r.model.kv_heads = c.kv_heads;
      r.global_batch = c.gbs;
      r.micro_batch = c.mbs;
      r.tp = c.tp;
      r.pp = c.pp;
      r.vp = c.vp;
      r.cp = c.cp;
      r.sequence_parallel = c.tp > 1;
      r.tp_comm_overlap = c.tp > 1;
      r.distributed_optimizer = true;
      r.param_remainders = true;
      if (c.selective) r.recompute = llm::Recompute::kSelective;
      const auto t0 = Clock::now();
      const llm::StepGenerator gen(r, c.gpus, h100);
      const auto t1 = Clock::now();
      Breakdown b(gen.gpu());
      gen.generate(0, b);
      const auto t2 = Clock::now();
      std::size_t bytes = 0;
      workload::LoadOptions options;
      options.keep_names = false;
      for (int i = 0; i < samples; ++i) bytes += gen.build(i * (c.gpus / samples), options).memory_bytes();
      const auto t3 = Clock::now();
      auto s = [](Clock::time_point a, Clock::time_point b2) {
        return std::chrono::duration<double>(b2 - a).count();
      };
      const bool fp8 = precision == compute::Precision::kFp8;
      std::printf(
          "%-27s %s %4d NPUs: setup %.3f s, %zu nodes/NPU, generate %.1f ms/NPU, build %.1f ms/NPU, %.1f "
          "MB/NPU\n",
          c.label, fp8 ? " fp8" : "bf16", c.gpus, s(t0, t1), b.nodes, s(t1, t2) * 1e3,
          s(t2, t3) * 1e3 / samples, static_cast<double>(bytes) / samples / 1e6);
      double total = 0;
      std::string parts;
      for (const auto& [kind, sec] : b.seconds) {
        parts += " " + kind + " " + std::to_string(sec).substr(0, 6) + " s;";
        total += sec;
      }
      const double published = fp8 ? c.published_fp8_s : c.published_bf16_s;
      std::printf("%32s NPU 0 compute %.3f s (%.0f%% of the published %.2f s step):%s\n", "", total,
                  100 * total / published, published, parts.c_str());
    }
  }
  return 0;
}
