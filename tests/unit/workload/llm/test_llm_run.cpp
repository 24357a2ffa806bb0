// Run validation (each rule names its key and the fix) and memory per GPU against the reference
// formulas (llm-training.md §5).
#include <numeric>

#include <gtest/gtest.h>

#include "llm_test_util.hpp"
#include "tessera/workload/llm/memory.hpp"
#include "tessera/workload/llm/run.hpp"

namespace tessera::llm {
namespace {

using test::make_run;

/// The single diagnostic for `key`, or a failure listing what came back.
Diagnostic only(const std::vector<Diagnostic>& d, const std::string& key) {
  std::string all;
  for (const auto& x : d) all += x.str() + "\n";
  EXPECT_EQ(d.size(), 1u) << all;
  for (const auto& x : d) {
    if (x.key == key) return x;
  }
  ADD_FAILURE() << "no diagnostic for " << key << ":\n" << all;
  return {};
}

void expect_contains(const std::string& s, const std::string& part) {
  EXPECT_NE(s.find(part), std::string::npos) << "'" << part << "' not in: " << s;
}

TEST(LlmRunValidation, PublishedConfigurationsAreAccepted) {
  // GPT-3 175B, DGXC: TP4 PP8 VP12 MBS1 on 512 GPUs, GBS 1024.
  EXPECT_TRUE(validate_run(make_run("gpt3-175b", 1024, 1, 4, 8, 12), 512).empty());
  // Llama 3.1 70B: TP4 PP4 CP2 VP5 on 64 GPUs, GBS 128.
  EXPECT_TRUE(validate_run(make_run("llama3.1-70b", 128, 1, 4, 4, 5, 2), 64).empty());
  // Llama 2 7B data-parallel on 8.
  EXPECT_TRUE(validate_run(make_run("llama2-7b", 128, 2, 1, 1), 8).empty());
  const Layout l = make_layout(make_run("gpt3-175b", 1024, 1, 4, 8, 12), 512);
  EXPECT_EQ(l.dp, 16);
  EXPECT_EQ(l.micro_batches, 64);
  EXPECT_EQ(l.max_chunk_layers(), 1);
  EXPECT_EQ(l.chunk_layers, std::vector<int>(96, 1));
  EXPECT_EQ(l.tokens, 2048);
  EXPECT_EQ(l.bucket_params, 40'000'000);
}

TEST(LlmRunValidation, ParallelSizesMustDivideTheNpus) {
  const Diagnostic d =
      only(validate_run(make_run("llama2-13b", 96, 1, 4, 2), 12, "s.yaml"), "workload.llm.tp");
  EXPECT_EQ(d.file, "s.yaml");
  expect_contains(d.message, "tp·pp·cp = 4·2·1 = 8 does not divide the 12 NPUs");
  expect_contains(d.fix, "divisors: 1, 2, 3, 4, 6, 12");
  EXPECT_THROW(make_layout(make_run("llama2-13b", 96, 1, 4, 2), 12), InputError);
}

TEST(LlmRunValidation, GlobalBatchMustSplitIntoMicroBatches) {
  const Diagnostic d =
      only(validate_run(make_run("llama2-7b", 100, 2, 1, 1), 8), "workload.llm.global_batch");
  expect_contains(d.message, "not a multiple of micro_batch·dp = 2·8 = 16");
  expect_contains(d.fix, "96 or 112");
}

TEST(LlmRunValidation, PipelineMustFill) {
  const Diagnostic d =
      only(validate_run(make_run("gpt3-175b", 8, 1, 8, 8), 128), "workload.llm.global_batch");
  expect_contains(d.message, "4 micro-batches per step do not fill the 8-stage pipeline");
}

TEST(LlmRunValidation, InterleavingNeedsMicroBatchesMultipleOfPp) {
  const Diagnostic d =
      only(validate_run(make_run("gpt3-175b", 12 * 16, 1, 4, 8, 12), 512), "workload.llm.vp");
  expect_contains(d.message, "(12) to be a multiple of pp (8)");
  expect_contains(d.fix, "micro_batch·dp·pp = 128");
  // The layers must split into pp·vp chunks.
  const Diagnostic l = only(validate_run(make_run("gpt3-175b", 1024, 1, 4, 8, 5), 512), "workload.llm.vp");
  expect_contains(l.message, "96 layers do not split evenly into pp·vp = 8·5 = 40 model chunks");
  // And vp needs pp.
  auto many = validate_run(make_run("llama2-7b", 64, 1, 1, 1, 2), 8);
  ASSERT_FALSE(many.empty());
  expect_contains(many[0].message, "virtual stages (vp 2) need pipeline parallelism");
}

TEST(LlmRunValidation, HeadsAndKvHeadsVersusTp) {
  LlmRun r = make_run("gpt2-xl", 64, 1, 2, 1);  // 25 heads
  expect_contains(only(validate_run(r, 8), "workload.llm.tp").message,
                  "tp 2 does not divide the 25 attention heads");
  // Llama 3.1 70B: 8 KV heads; tp 16 replicates KV heads (accepted), tp 3 does not fit.
  LlmRun ok = make_run("llama3.1-70b", 64, 1, 16, 1);
  EXPECT_TRUE(validate_run(ok, 16).empty());
  ModelSpec m = *find_model_preset("llama2-70b");
  m.heads = 48;
  m.kv_heads = 6;
  m.ffn_hidden = 28680;
  LlmRun bad = make_run("llama2-70b", 64, 1, 4, 1);
  bad.model = m;
  expect_contains(only(validate_run(bad, 8), "workload.llm.tp").message, "the 6 KV heads do not fit");
}

TEST(LlmRunValidation, ContextParallelAndSequenceParallel) {
  LlmRun r = make_run("llama3.1-8b", 64, 1, 1, 1, 1, 2);
  r.seq_len = 8190;
  expect_contains(only(validate_run(r, 8), "workload.llm.cp").message, "not a multiple of 2·cp = 4");
  LlmRun o = make_run("llama2-13b", 64, 1, 1, 1);
  o.tp_comm_overlap = true;
  expect_contains(only(validate_run(o, 8), "workload.llm.tp_comm_overlap").message, "needs tp >= 2");
}

TEST(LlmRunValidation, Experts) {
  LlmRun dense = make_run("llama2-7b", 64, 1, 1, 1);
  dense.ep = 2;
  expect_contains(only(validate_run(dense, 8), "workload.llm.ep").message,
                  "needs a mixture-of-experts model");
  LlmRun moe = make_run("mixtral-8x7b", 60, 1, 1, 1);
  moe.ep = 3;
  expect_contains(only(validate_run(moe, 6), "workload.llm.ep").message,
                  "ep 3 does not divide the 8 experts");
  LlmRun sp = make_run("mixtral-8x7b", 64, 1, 2, 1);
  sp.ep = 4;
  expect_contains(only(validate_run(sp, 8), "workload.llm.sequence_parallel").message,
                  "requires sequence parallelism");
  sp.sequence_parallel = true;
  EXPECT_TRUE(validate_run(sp, 8).empty());
  const Layout l = make_layout(sp, 8);
  EXPECT_EQ(l.edp, 1);
}

TEST(LlmRunValidation, BadScalarsAndModel) {
  LlmRun r = make_run("llama2-7b", 0, 0, 0, 1);
  const auto d = validate_run(r, 8);
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].key, "workload.llm.global_batch");
  EXPECT_EQ(d[1].key, "workload.llm.micro_batch");
  EXPECT_EQ(d[2].key, "workload.llm.tp");
  LlmRun m = make_run("llama2-7b", 64, 1, 1, 1);
  m.model.kv_heads = 5;
  expect_contains(only(validate_run(m, 8, "", "llm"), "llm.model.kv_heads").message,
                  "5 KV heads do not divide");
}

TEST(LlmRunValidation, GpuCapabilities) {
  LlmRun r = make_run("llama2-13b", 64, 1, 4, 1);
  r.precision = compute::Precision::kFp8;
  const auto a100 = *compute::find_gpu_preset("a100-sxm");
  expect_contains(only(validate_run_on_gpu(r, a100), "workload.llm.precision").message,
                  "has no fp8 tensor cores");
  r.precision = compute::Precision::kBf16;
  EXPECT_TRUE(validate_run_on_gpu(r, a100).empty());
  EXPECT_EQ(attention_backend_for(r, a100), compute::AttentionBackend::kFlash2);
  const auto h100 = *compute::find_gpu_preset("h100-sxm");
  EXPECT_EQ(attention_backend_for(r, h100), compute::AttentionBackend::kCudnn);
  r.attention_backend = compute::AttentionBackend::kFlash3;
  expect_contains(only(validate_run_on_gpu(r, a100), "workload.llm.attention_backend").fix,
                  "use one of: flash2");
}

// ---------------------------------------------------------------------------------------------
// Memory

TEST(LlmMemory, BytesPerParameterAsMegatronDocumentsThem) {
  LlmRun r = make_run("llama2-7b", 64, 1, 1, 1);
  r.grad_reduce_dtype = compute::Precision::kFp32;  // Megatron-LM's default under --bf16
  const Layout l = make_layout(r, 8);
  StageMemory s = stage_memory(r, l, 0);
  EXPECT_NEAR((s.weights + s.gradients + s.optimizer) / s.params.total(), 18, 1e-9);
  r.distributed_optimizer = true;
  s = stage_memory(r, l, 0);
  EXPECT_NEAR((s.weights + s.gradients + s.optimizer) / s.params.total(), 6 + 12.0 / 8, 1e-9);
  r.grad_reduce_dtype = compute::Precision::kBf16;  // bf16 gradients (NeMo, Apex DistributedFusedAdam)
  s = stage_memory(r, l, 0);
  EXPECT_NEAR((s.weights + s.gradients + s.optimizer) / s.params.total(), 4 + 12.0 / 8, 1e-9);
  r.param_remainders = true;  // Apex keeps the fp32 master's low 16 bits only
  s = stage_memory(r, l, 0);
  EXPECT_NEAR((s.weights + s.gradients + s.optimizer) / s.params.total(), 4 + 10.0 / 8, 1e-9);
  // Without TP/PP the rank holds every parameter (plus norms, which the preset count excludes).
  EXPECT_NEAR(s.params.total() / static_cast<double>(r.model.params()), 1.0, 0.001);
}

TEST(LlmMemory, LocalParamsSplitOverStages) {
  LlmRun r = make_run("gpt3-175b", 1024, 1, 4, 8, 12);
  const Layout l = make_layout(r, 512);
  const double layer = static_cast<double>(r.model.attention_params() + r.model.mlp_params()) / 4;
  const double norms = static_cast<double>(r.model.norm_params_per_layer());
  const double middle = local_params(r, l, 3).total();
  EXPECT_NEAR(middle, 12 * (layer + norms), 1);
  // Stage 0 adds the embedding shard and positions; the last stage the tied copy and final norm.
  EXPECT_NEAR(local_params(r, l, 0).total() - middle, 51200.0 / 4 * 12288 + 2048.0 * 12288, 1);
  EXPECT_NEAR(local_params(r, l, 7).total() - middle, 51200.0 / 4 * 12288 + 2 * 12288, 1);
}

// Korthikanti et al. 2022 Table 2 rows (GPT block: f = 4h, MHA, dropout on).
TEST(LlmMemory, ActivationsPerLayerMatchKorthikanti) {
  LlmRun r = make_run("gpt3-175b", 1024, 1, 8, 1);
  r.hidden_dropout = 0.1;
  r.model.vocab = 51200;
  Layout l = make_layout(r, 8);
  const double sbh = 2048.0 * 12288;
  EXPECT_NEAR(layer_activation_bytes(r, l) / sbh, 10 + 24.0 / 8, 1e-9);  // TP, selective (flash)
  r.sequence_parallel = true;
  EXPECT_NEAR(layer_activation_bytes(r, l) / sbh, 34.0 / 8, 1e-9);  // TP + SP
  r.recompute = Recompute::kFull;
  EXPECT_NEAR(layer_activation_bytes(r, l) / sbh, 2.0 / 8, 1e-9);  // full: layer input (SP shard)
  r.hidden_dropout = 0;
  r.recompute = Recompute::kNone;
  EXPECT_NEAR(layer_activation_bytes(r, l) / sbh, 32.0 / 8, 1e-9);  // no dropout masks
}

TEST(LlmMemory, Llama70bDgxcExample) {
  // TP4 PP4 CP2 VP5: 33.5·s·b·h/8 per layer; stage 0 holds 80 x 1.15 layers' worth.
  LlmRun r = make_run("llama3.1-70b", 128, 1, 4, 4, 5, 2);
  r.sequence_parallel = true;
  r.distributed_optimizer = true;
  const Layout l = make_layout(r, 64);
  EXPECT_NEAR(layer_activation_bytes(r, l), 33.5 * 8192 * 8192 / 8, 1);
  const StageMemory s = stage_memory(r, l, 0);
  EXPECT_EQ(s.in_flight * l.max_chunk_layers(), 92);
  EXPECT_EQ(s.in_flight_layers, 92);
  EXPECT_NEAR(s.activations / 1e9, 0.281 * 92 * 1.05, 0.2);
  // Parameters: 20 layers / 4 ≈ 4.28 B (the reference's ≈4.4 B) plus the 128512/4 x 8192
  // embedding shard.
  EXPECT_NEAR(s.params.total() / 1e9, 4.54, 0.01);
  const MemoryCheck c = check_memory(r, l, Bytes{80} << 30, "H100");
  EXPECT_TRUE(c.errors.empty());
}

// The DGXC v24.11 recipes ran on 80 GB H100s, so none of them may be refused (NeMo 1.0's Apex
// optimizer with parameter remainders, bf16 gradients, SP, TP overlap; reference §8.1).
TEST(LlmMemory, PublishedDgxcConfigurationsFit) {
  struct Row {
    const char* model;
    int gpus, gbs, mbs, tp, pp, vp, cp;
    bool selective;
    int kv_heads;
  };
  for (const Row& x : {Row{"gpt3-175b", 128, 256, 1, 4, 8, 12, 1, false, 0},
                       Row{"llama3.1-8b", 8, 128, 1, 1, 1, 1, 2, false, 0},
                       Row{"llama3.1-70b", 64, 128, 1, 4, 4, 5, 2, false, 0},
                       Row{"llama3.1-405b", 576, 252, 1, 8, 9, 7, 2, false, 16},
                       Row{"nemotron4-340b", 128, 32, 1, 8, 8, 12, 1, true, 0},
                       Row{"nemotron4-15b", 16, 64, 4, 4, 1, 1, 1, false, 0}}) {
    LlmRun r = make_run(x.model, x.gbs, x.mbs, x.tp, x.pp, x.vp, x.cp);
    if (x.kv_heads) r.model.kv_heads = x.kv_heads;
    r.sequence_parallel = x.tp > 1;
    r.distributed_optimizer = true;
    r.param_remainders = true;
    if (x.selective) r.recompute = Recompute::kSelective;
    const MemoryCheck c = check_memory(r, make_layout(r, x.gpus), Bytes{80} << 30, "H100");
    EXPECT_TRUE(c.errors.empty()) << x.model << ": " << (c.errors.empty() ? "" : c.errors[0].message);
  }
}

TEST(LlmMemory, RefusesWhatDoesNotFitAndSaysWhatToChange) {
  LlmRun r = make_run("llama2-70b", 64, 1, 1, 1);
  const Layout l = make_layout(r, 8);
  const MemoryCheck c = check_memory(r, l, Bytes{80} << 30, "NVIDIA H100 SXM5 80 GB", "s.yaml");
  ASSERT_EQ(c.errors.size(), 1u);
  const Diagnostic& d = c.errors[0];
  EXPECT_EQ(d.file, "s.yaml");
  EXPECT_EQ(d.key, "workload.llm");
  expect_contains(d.message, "does not fit in memory: each GPU needs");
  expect_contains(d.message, "but the NVIDIA H100 SXM5 80 GB has 85.9 GB");
  expect_contains(d.fix, "distributed_optimizer: true");
  expect_contains(d.fix, "activation_recompute: full");
  // Pipelined runs name the stage.
  LlmRun p = make_run("gpt3-175b", 64, 1, 1, 8);
  const MemoryCheck pc = check_memory(p, make_layout(p, 8), Bytes{80} << 30, "H100");
  ASSERT_EQ(pc.errors.size(), 1u);
  expect_contains(pc.errors[0].message, "pipeline stage 0 needs");
}

}  // namespace

// Megatron-Core's uneven splits (transformer_block.py, get_num_layers_to_build; reference
// llm-training.md §1.4): 126 layers + embedding + loss = 128 = 64 chunks x 2.
TEST(LlmPipelineSplit, EmbeddingAndLossCountAsLayers) {
  LlmRun r = make_run("llama3.1-405b", 1024, 1, 8, 8, 8, 2);
  EXPECT_FALSE(validate_run(r, 2048).empty());  // 126 % 64 != 0
  r.account_for_embedding = true;
  r.account_for_loss = true;
  EXPECT_TRUE(validate_run(r, 2048).empty());
  const Layout l = make_layout(r, 2048);
  ASSERT_EQ(l.chunk_layers.size(), 64u);
  EXPECT_EQ(l.layers_in(0), 1);   // the embedding's chunk
  EXPECT_EQ(l.layers_in(63), 1);  // the loss's chunk
  for (int q = 1; q < 63; ++q) EXPECT_EQ(l.layers_in(q), 2) << q;
  EXPECT_EQ(std::accumulate(l.chunk_layers.begin(), l.chunk_layers.end(), 0), 126);
  EXPECT_EQ(l.first_layer(0), 0);
  EXPECT_EQ(l.first_layer(1), 1);
  EXPECT_EQ(l.first_layer(63), 125);
  // Rank 0 holds chunk 0 (1 layer) and chunks 8, 16, ... (2 each); rank 7 the loss chunk 63.
  EXPECT_EQ(l.rank_layers(0), 15);
  EXPECT_EQ(l.rank_layers(3), 16);
  EXPECT_EQ(l.rank_layers(7), 15);
  EXPECT_EQ(l.layers_in(7, 7), 1);  // chunk 7 of rank 7 = virtual stage 63
}

TEST(LlmPipelineSplit, ExplicitEndStages) {
  LlmRun r = make_run("llama3.1-405b", 1024, 1, 8, 8, 1, 2);
  r.first_stage_layers = 14;
  r.last_stage_layers = 16;  // 126 - 30 = 96 = 6 x 16
  ASSERT_TRUE(validate_run(r, 2048).empty());
  const Layout l = make_layout(r, 2048);
  EXPECT_EQ(l.rank_layers(0), 14);
  EXPECT_EQ(l.rank_layers(1), 16);
  EXPECT_EQ(l.rank_layers(7), 16);
  r.first_stage_layers = 15;  // 126 - 31 = 95 does not split over 6 middle stages
  const auto problems = validate_run(r, 2048);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].key, "workload.llm.num_layers_in_first_pipeline_stage");
  // With vp, each stage's count must divide by vp.
  r.first_stage_layers = 14;
  r.vp = 4;
  ASSERT_EQ(validate_run(r, 2048).size(), 1u);
  EXPECT_NE(validate_run(r, 2048)[0].message.find("cannot share evenly"), std::string::npos);
}

TEST(LlmPipelineSplit, RefusalsNameTheKeyAndTheWayOut) {
  LlmRun r = make_run("llama3.1-405b", 1024, 1, 8, 8, 8, 2);
  auto problems = validate_run(r, 2048);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].key, "workload.llm.vp");
  EXPECT_NE(problems[0].fix.find("account_for_embedding_in_pipeline_split"), std::string::npos);
  r.account_for_embedding = true;
  r.first_stage_layers = 14;
  problems = validate_run(r, 2048);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("cannot be combined"), std::string::npos);
  LlmRun flat = make_run("llama3.1-8b", 128, 1, 1, 1, 1, 1);
  flat.account_for_loss = true;
  problems = validate_run(flat, 8);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].key, "workload.llm.account_for_loss_in_pipeline_split");
}

TEST(LlmMemory, UnevenSplitCountsEachChunksLayers) {
  // Stage 0 of the 126-layer split holds a 1-layer chunk 0; its peak holds fewer layers than
  // in_flight x 2.
  LlmRun r = make_run("llama3.1-405b", 1024, 1, 8, 8, 8, 2);
  r.account_for_embedding = true;
  r.account_for_loss = true;
  r.sequence_parallel = true;
  r.distributed_optimizer = true;
  const Layout l = make_layout(r, 2048);
  const StageMemory s0 = stage_memory(r, l, 0);
  const StageMemory s3 = stage_memory(r, l, 3);
  EXPECT_LT(s0.in_flight_layers, 2 * s0.in_flight);
  EXPECT_GT(s0.in_flight_layers, s0.in_flight);
  EXPECT_EQ(s3.in_flight_layers, 2 * s3.in_flight);
  // Stage 3 holds 16 layers' parameters, stage 0 15 plus the embedding shard.
  EXPECT_NEAR(local_params(r, l, 3).dense / local_params(r, l, 1).dense, 1.0, 1e-12);
}

}  // namespace tessera::llm
