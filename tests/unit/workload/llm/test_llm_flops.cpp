// Model presets and FLOP formulas against the reference's published and derived numbers
// (llm-training.md §3, §6, §8).
#include <gtest/gtest.h>

#include "tessera/workload/llm/flops.hpp"
#include "tessera/workload/llm/model.hpp"

namespace tessera::llm {
namespace {

ModelSpec preset(const char* name) {
  auto m = find_model_preset(name);
  EXPECT_TRUE(m) << name;
  return m ? *m : ModelSpec{};
}

TEST(LlmPresets, ParameterCountsMatchTheReference) {
  const struct {
    const char* name;
    double params, active;
  } rows[] = {
      {"gpt2-xl", 1.56e9, 0},       {"gpt3-175b", 174.6e9, 0},     {"llama2-7b", 6.74e9, 0},
      {"llama2-13b", 13.0e9, 0},    {"llama2-70b", 69.0e9, 0},     {"llama3.1-8b", 8.03e9, 0},
      {"llama3.1-70b", 70.6e9, 0},  {"llama3.1-405b", 405.9e9, 0}, {"mixtral-8x7b", 46.7e9, 12.9e9},
      {"nemotron4-15b", 15.6e9, 0}, {"nemotron4-340b", 341e9, 0},  {"grok1-314b", 316e9, 84.6e9},
  };
  for (const auto& r : rows) {
    const ModelSpec m = preset(r.name);
    // The reference rounds to three or four significant digits.
    EXPECT_NEAR(static_cast<double>(m.params()) / r.params, 1.0, 0.004) << r.name << " " << m.params();
    if (r.active > 0) {
      EXPECT_NEAR(static_cast<double>(m.active_params()) / r.active, 1.0, 0.004) << r.name;
    }
    EXPECT_FALSE(m.source.empty()) << r.name;
  }
  EXPECT_EQ(model_preset_names().size(), 12u);
  EXPECT_FALSE(find_model_preset("gpt-3"));
}

TEST(LlmPresets, ArchitectureFields) {
  const ModelSpec g = preset("gpt3-175b");
  EXPECT_TRUE(g.tied_embeddings);
  EXPECT_EQ(g.fc1_multiplier(), 1);
  EXPECT_EQ(g.padded_vocab(8), 51200);
  const ModelSpec l = preset("llama3.1-8b");
  EXPECT_FALSE(l.tied_embeddings);
  EXPECT_EQ(l.fc1_multiplier(), 2);
  EXPECT_EQ(l.kv_channels(), 128);
  EXPECT_EQ(l.padded_vocab(1), 128256);
  EXPECT_EQ(l.padded_vocab(8), 129024);  // multiple of 128 x 8
  EXPECT_EQ(preset("gpt2-xl").padded_vocab(1), 50304);
  EXPECT_EQ(preset("mixtral-8x7b").moe.experts, 8);
  EXPECT_EQ(preset("grok1-314b").activation, Activation::kGeglu);
  EXPECT_EQ(preset("nemotron4-340b").activation, Activation::kSquaredRelu);
  for (auto a : {Activation::kGelu, Activation::kSquaredRelu, Activation::kSwiglu, Activation::kGeglu}) {
    EXPECT_EQ(activation_from_name(to_string(a)), a);
  }
  EXPECT_EQ(flops_family_from_name("llama"), FlopsFamily::kLlama);
  EXPECT_FALSE(norm_from_name("batchnorm"));
}

// DGXC v24.11 "model flops per sample" as printed in each README.
TEST(LlmFlops, DgxcModelFlopsPerSample) {
  EXPECT_NEAR(model_flops_per_sample(preset("gpt3-175b"), 2048) / 2.20e15, 1.0, 0.003);
  EXPECT_NEAR(model_flops_per_sample(preset("llama3.1-8b"), 8192) / 4.74e14, 1.0, 0.003);
  EXPECT_NEAR(model_flops_per_sample(preset("llama3.1-70b"), 8192) / 3.94e15, 1.0, 0.003);
  ModelSpec big = preset("llama3.1-405b");
  big.kv_heads = 16;  // as the DGXC run and its FLOPs note have it
  EXPECT_NEAR(model_flops_per_sample(big, 8192) / 2.17e16, 1.0, 0.003);
  EXPECT_NEAR(model_flops_per_sample(preset("nemotron4-340b"), 4096) / 1.01e16, 1.0, 0.005);
  EXPECT_NEAR(model_flops_per_sample(preset("nemotron4-15b"), 4096) / 4.345e14, 1.0, 0.001);
}

// Executed (causal-halved) FLOPs per sample, reference §3 [D]: Megatron main's formula.
TEST(LlmFlops, MegatronMainHalvesCausalAttention) {
  EXPECT_NEAR(megatron_flops(preset("gpt3-175b"), 2048, 1) / 2.175e15, 1.0, 0.003);
  EXPECT_NEAR(megatron_flops(preset("llama3.1-8b"), 8192, 1) / 4.22e14, 1.0, 0.003);
  EXPECT_NEAR(megatron_flops(preset("llama3.1-70b"), 8192, 1) / 3.68e15, 1.0, 0.003);
  ModelSpec big = preset("llama3.1-405b");
  big.kv_heads = 16;
  EXPECT_NEAR(megatron_flops(big, 8192, 1) / 2.09e16, 1.0, 0.003);
  EXPECT_NEAR(megatron_flops(preset("nemotron4-340b"), 4096, 1) / 8.44e15, 1.0, 0.003);
  // The executed count of the kernels equals it without recompute.
  for (const char* n : {"gpt3-175b", "llama3.1-8b", "nemotron4-340b", "llama2-13b"}) {
    const ModelSpec m = preset(n);
    EXPECT_NEAR(executed_flops(m, 4096, 3, Recompute::kNone) / megatron_flops(m, 4096, 3), 1.0, 1e-12) << n;
  }
}

TEST(LlmFlops, MegatronCore08HasNoCausalDiscount) {
  // Nemotron-4 340B with its real GQA and full attention: 8.62e15 per sample (reference §3).
  EXPECT_NEAR(megatron_flops_r08(preset("nemotron4-340b"), 4096, 1) / 8.62e15, 1.0, 0.003);
  // r0.8 minus main = the other half of the core-attention term: 6·B·s²·L·a·d.
  const ModelSpec m = preset("llama2-70b");
  EXPECT_NEAR(megatron_flops_r08(m, 4096, 2) - megatron_flops(m, 4096, 2),
              6.0 * 2 * 4096.0 * 4096 * 80 * 64 * 128, 1e3);
}

// The Megatron-LM README weak-scaling table: the derived step times follow from the r0.8 formula
// with f = 4h, MHA, untied embeddings, V = 131072, s = 4096 (reference §8.2).
TEST(LlmFlops, MegatronWeakScalingDerivedSteps) {
  const struct {
    int heads;
    std::int64_t h;
    int layers, gpus, batch;
    double tflops_per_gpu, step;
  } rows[] = {
      {16, 2048, 24, 48, 192, 408.8, 0.45},        {32, 4096, 30, 96, 192, 465.9, 0.80},
      {48, 6144, 32, 192, 192, 489.1, 0.85},       {56, 7168, 48, 384, 192, 459.6, 0.89},
      {64, 8192, 84, 768, 384, 419.7, 2.18},       {80, 10240, 92, 1536, 768, 420.5, 3.65},
      {96, 12288, 96, 2304, 1152, 432.8, 5.26},    {128, 16384, 96, 3072, 1536, 474.4, 8.40},
      {144, 18432, 112, 6144, 3072, 459.9, 12.72},
  };
  for (const auto& r : rows) {
    ModelSpec m;
    m.layers = r.layers;
    m.hidden = r.h;
    m.ffn_hidden = 4 * r.h;
    m.heads = m.kv_heads = r.heads;
    m.vocab = 131072;
    const double step = megatron_flops_r08(m, 4096, r.batch) / (r.gpus * r.tflops_per_gpu * 1e12);
    EXPECT_NEAR(step, r.step, 0.006) << r.h;
  }
}

TEST(LlmFlops, RecomputeAddsForwards) {
  const ModelSpec m = preset("llama2-7b");
  const double none = executed_flops(m, 4096, 1, Recompute::kNone);
  const double full = executed_flops(m, 4096, 1, Recompute::kFull);
  EXPECT_NEAR(full - none, 32 * layer_forward_flops(m, 4096), 1);
  const double sel = executed_flops(m, 4096, 1, Recompute::kSelective);
  EXPECT_NEAR(sel - none, 32 * 4096.0 * 2 * 4096 * 32 * 128, 1);
}

TEST(LlmFlops, MfuAsDgxcDefinesIt) {
  // GPT-3 175B BF16 on 128 GPUs: 49.93% (DGXC README_175b.md).
  EXPECT_NEAR(mfu(2.20e15, 256, 8.91, 128, 989), 0.4993, 0.0005);
  EXPECT_EQ(mfu(1, 1, 0, 1, 1), 0);
}

}  // namespace
}  // namespace tessera::llm
