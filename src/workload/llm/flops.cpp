// The FLOP formulas of flops.hpp, term by term as their sources write them.
#include "tessera/workload/llm/flops.hpp"

namespace tessera::llm {

namespace {

struct Dims {
  double L, h, f, a, g, d, V, s, k, gamma;
};

Dims dims(const ModelSpec& m, std::int64_t seq) {
  Dims x{};
  x.L = m.layers;
  x.h = static_cast<double>(m.hidden);
  x.f = static_cast<double>(m.is_moe() ? m.expert_ffn_hidden() : m.ffn_hidden);
  x.a = m.heads;
  x.g = m.kv_heads;
  x.d = m.kv_channels();
  x.V = static_cast<double>(m.vocab);
  x.s = static_cast<double>(seq);
  x.k = m.is_moe() ? m.moe.top_k : 1;
  x.gamma = m.fc1_multiplier();
  return x;
}

}  // namespace

double megatron_flops_r08(const ModelSpec& m, std::int64_t seq, std::int64_t batch) {
  const Dims x = dims(m, seq);
  const double gated = m.gated() ? 1.5 : 1.0;
  return 12.0 * static_cast<double>(batch) * x.s * x.L * x.h * x.h *
         ((1 + x.g / x.a + x.s / x.h) * (x.a * x.d / x.h) + (x.f / x.h) * x.k * gated +
          x.V / (2 * x.L * x.h));
}

double megatron_flops(const ModelSpec& m, std::int64_t seq, std::int64_t batch) {
  const Dims x = dims(m, seq);
  const double tokens = static_cast<double>(batch) * x.s;
  const double ffn_expansion = m.gated() ? 3 : 2;  // stacked FC1 (gate+up) and FC2
  const double mlp = 3 * 2 * x.h * x.f * x.k * ffn_expansion * x.L;
  const double attn_linear = 3 * 2 * (x.h * (x.a * x.d + 2 * x.g * x.d) + x.a * x.d * x.h) * x.L;
  const double logits = 3 * 2 * x.h * x.V;
  const double core = 3 * 2 * x.a * x.d / 2 * 2 * x.L;  // causal half of QK^T and (QK^T)V
  return tokens * (mlp + attn_linear + logits) + static_cast<double>(batch) * x.s * x.s * core;
}

double model_flops_per_sample(const ModelSpec& m, std::int64_t seq) {
  const Dims x = dims(m, seq);
  switch (m.flops_family) {
    case FlopsFamily::kGpt3:
      // (24·s·h² + 4·s²·h)·3L + 6·s·h·V: MHA, f = 4h, no causal discount.
      return (24 * x.s * x.h * x.h + 4 * x.s * x.s * x.h) * 3 * x.L + 6 * x.s * x.h * x.V;
    case FlopsFamily::kLlama:
    case FlopsFamily::kNemotron:
    case FlopsFamily::kMixtral: {
      const double mlp = m.flops_family == FlopsFamily::kNemotron ? 12 * x.f / x.h
                         : m.flops_family == FlopsFamily::kLlama  ? 18 * x.f / x.h
                                                                  : 18 * x.k * x.f / x.h;
      return x.s * x.L * x.h * x.h * (12 + 12 * x.g / x.a + mlp + 12 * x.s / x.h + 6 * x.V / (x.L * x.h));
    }
  }
  return 0;
}

double layer_forward_flops(const ModelSpec& m, std::int64_t seq) {
  const Dims x = dims(m, seq);
  const double qkv = 2 * x.h * (x.a + 2 * x.g) * x.d;
  const double core = 2 * x.s * x.a * x.d;  // (2·s·a·d scores + 2·s·a·d context) x ½ causal
  const double proj = 2 * x.a * x.d * x.h;
  double mlp = 2 * (x.gamma + 1) * x.h * x.f * x.k;
  if (m.is_moe()) mlp += 2 * x.h * m.moe.experts;  // router
  return x.s * (qkv + core + proj + mlp);
}

double executed_flops(const ModelSpec& m, std::int64_t seq, std::int64_t batch, Recompute recompute) {
  const Dims x = dims(m, seq);
  const double layer = layer_forward_flops(m, seq);
  const double logits = x.s * 2 * x.h * x.V;
  double per_sample = 3 * (x.L * layer + logits);
  if (recompute == Recompute::kFull) per_sample += x.L * layer;
  if (recompute == Recompute::kSelective) per_sample += x.L * x.s * 2 * x.s * x.a * x.d;
  return per_sample * static_cast<double>(batch);
}

double mfu(double flops_per_sample, std::int64_t global_batch, double step_seconds, int gpus,
           double peak_tflops) {
  if (step_seconds <= 0 || gpus <= 0 || peak_tflops <= 0) return 0;
  return static_cast<double>(global_batch) * flops_per_sample / (step_seconds * gpus * peak_tflops * 1e12);
}

}  // namespace tessera::llm
