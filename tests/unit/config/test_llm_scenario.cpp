// `workload: llm:` and `npu:` in a scenario: presets, mappings and presets with changes, every
// LlmRun key read into the run, the checks of the LLM layer under workload.llm.<key>, and the
// resolved configuration's record of the run.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "helpers.hpp"
#include "tessera/config_load.hpp"

namespace tessera {
namespace {

using test::input_errors;
using test::mentions;
using test::repo;
using test::scratch;

/// A scenario on one HGX-H100 box (8 NPUs) with this workload.llm body (indented 4).
std::string llm_scenario(const std::string& llm, const std::string& npu = "npu: {preset: h100-sxm}\n") {
  return scratch("s.yaml", "network: {file: " + repo("configs/network/hgx-h100-1box.yaml") + "}\n" + npu +
                               "workload:\n  llm:\n" + llm);
}

TEST(LlmScenario, ShippedScenarioLoads) {
  const Config c = load_scenario(repo("configs/scenarios/llm/llama2-7b-2layers-tp2-dp4.yaml")).config;
  EXPECT_EQ(c.workload.kind, WorkloadKind::kLlm);
  ASSERT_TRUE(c.workload.llm);
  EXPECT_EQ(c.npu.preset, "h100-sxm");
  const llm::LlmRun& r = *c.workload.llm;
  EXPECT_EQ(r.model.name, "llama2-7b (modified)");
  EXPECT_EQ(r.model.layers, 2);
  EXPECT_EQ(r.model.hidden, 4096);  // the rest is the preset's
  EXPECT_EQ(r.model.kv_heads, 32);
  EXPECT_EQ(r.tp, 2);
  EXPECT_TRUE(r.sequence_parallel);
  EXPECT_TRUE(r.distributed_optimizer);
}

TEST(LlmScenario, EveryShippedLlmScenarioLoads) {
  // Loading checks what `tessera validate` checks: the run against the NPU count, the GPU and its
  // memory. Every file of the folder, so a new scenario is covered when it is added.
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(repo("configs/scenarios/llm"))) {
    if (e.path().extension() == ".yaml") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  EXPECT_GE(files.size(), 11u);
  for (const std::string& f : files) {
    SCOPED_TRACE(f);
    Config c;
    ASSERT_NO_THROW(c = load_scenario(f).config);
    EXPECT_EQ(c.workload.kind, WorkloadKind::kLlm);
    ASSERT_TRUE(c.workload.llm);
    EXPECT_FALSE(c.npu.preset.empty());
  }
  // The calibration scenario is the DGXC recipe's row.
  const Config d = load_scenario(repo("configs/scenarios/llm/dgxc-llama3.1-8b-8gpu-bf16.yaml")).config;
  const llm::LlmRun& r = *d.workload.llm;
  EXPECT_EQ(d.network.npu_count(), 8);
  EXPECT_EQ(r.cp, 2);
  EXPECT_EQ(r.global_batch, 128);
  EXPECT_EQ(r.seq(), 8192);
  EXPECT_EQ(r.bucket_params, 75 * (1 << 20) / 2);
  EXPECT_TRUE(r.param_remainders);
}

TEST(LlmScenario, EveryKeyReachesTheRun) {
  const Config c =
      load_scenario(
          llm_scenario("    model: {preset: gpt3-175b, layers: 8}\n    seq_len: 2048\n    global_batch: 64\n"
                       "    micro_batch: 1\n    precision: fp8\n    tp: 8\n"
                       "    sequence_parallel: true\n    distributed_optimizer: true\n"
                       "    activation_recompute: full\n    steps: 2\n    overlap_grad_reduce: false\n"
                       "    overlap_param_gather: false\n    tp_comm_overlap: true\n"
                       "    grad_reduce_dtype: fp32\n    bucket_params: 50000000\n"
                       "    param_remainders: true\n    attention_backend: flash2\n"
                       "    hidden_dropout: 0.1\n    pp: 1\n    vp: 1\n    cp: 1\n    ep: 1\n"
                       "    expert_tp: 0\n    cp_comm: p2p\n    microbatch_group: 0\n"))
          .config;
  const llm::LlmRun& r = *c.workload.llm;
  EXPECT_EQ(r.model.name, "gpt3-175b (modified)");
  EXPECT_EQ(r.seq_len, 2048);
  EXPECT_EQ(r.global_batch, 64);
  EXPECT_EQ(r.precision, compute::Precision::kFp8);
  EXPECT_EQ(r.tp, 8);
  EXPECT_EQ(r.recompute, llm::Recompute::kFull);
  EXPECT_EQ(r.steps, 2);
  EXPECT_FALSE(r.overlap_grad_reduce);
  EXPECT_FALSE(r.overlap_param_gather);
  EXPECT_TRUE(r.tp_comm_overlap);
  EXPECT_EQ(r.grad_reduce_dtype, compute::Precision::kFp32);
  EXPECT_EQ(r.bucket_params, 50'000'000);
  EXPECT_TRUE(r.param_remainders);
  EXPECT_EQ(r.attention_backend, compute::AttentionBackend::kFlash2);
  EXPECT_DOUBLE_EQ(r.hidden_dropout, 0.1);
}

TEST(LlmScenario, CustomModelMapping) {
  const Config c =
      load_scenario(
          llm_scenario("    model: {layers: 4, hidden: 1024, ffn_hidden: 4096, heads: 16, vocab: 32000,\n"
                       "            activation: swiglu, norm: rmsnorm, position: rope,\n"
                       "            moe: {experts: 8, top_k: 2}}\n"
                       "    seq_len: 1024\n    global_batch: 8\n    ep: 2\n"))
          .config;
  const llm::ModelSpec& m = c.workload.llm->model;
  EXPECT_EQ(m.name, "custom");
  EXPECT_EQ(m.kv_heads, 16);  // multi-head attention when not given
  EXPECT_EQ(m.activation, llm::Activation::kSwiglu);
  EXPECT_EQ(m.moe.experts, 8);
  EXPECT_EQ(c.workload.llm->ep, 2);
}

TEST(LlmScenario, RefusedWithKeyAndFix) {
  const auto scenario =
      llm_scenario("    model: {preset: llama2-7b, layers: 2}\n    global_batch: 8\n    tp: 3\n");
  const auto errors = input_errors([&] { load_scenario(scenario); });
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors.front().file, scenario);
  EXPECT_EQ(errors.front().key, "workload.llm.tp");
  EXPECT_TRUE(mentions(errors, "divisors: 1, 2, 4, 8"));
  // A model that does not fit the H100: the memory check's figure.
  const auto big =
      input_errors([&] { load_scenario(llm_scenario("    model: llama2-7b\n    global_batch: 8\n")); });
  EXPECT_TRUE(mentions(big, "does not fit in memory")) << test::dump(big);
  // Unknown preset, unknown key, no npu, a comm_groups section, two workloads.
  EXPECT_TRUE(mentions(
      input_errors([&] { load_scenario(llm_scenario("    model: llama2-8b\n    global_batch: 8\n")); }),
      "did you mean \"llama2-7b\""));
  EXPECT_TRUE(mentions(input_errors([&] {
                         load_scenario(
                             llm_scenario("    model: llama2-7b\n    global_batch: 8\n    tpp: 2\n"));
                       }),
                       "did you mean \"tp\""));
  EXPECT_TRUE(mentions(input_errors([&] {
                         load_scenario(llm_scenario(
                             "    model: {preset: llama2-7b, layers: 2}\n    global_batch: 8\n", ""));
                       }),
                       "npu.preset: an LLM workload needs the GPU"));
  EXPECT_TRUE(mentions(input_errors([&] {
                         load_scenario(
                             llm_scenario("    model: {preset: llama2-7b, layers: 2}\n    global_batch: 8\n",
                                          "npu: {preset: h100-sxm}\ncomm_groups: {\"1\": [0, 1]}\n"));
                       }),
                       "declares its own communicator groups"));
  EXPECT_TRUE(mentions(
      input_errors([&] {
        load_scenario(
            llm_scenario("    model: {preset: llama2-7b, layers: 2}\n    global_batch: 8\n  chakra: x\n"));
      }),
      "both \"chakra\" and \"llm\" are given"));
  // FP8 on an A100 (validate_run_on_gpu).
  EXPECT_TRUE(mentions(input_errors([&] {
                         load_scenario(
                             llm_scenario("    model: {preset: llama2-7b, layers: 2}\n    global_batch: 8\n"
                                          "    precision: fp8\n",
                                          "npu: {preset: a100-sxm}\n"));
                       }),
                       "workload.llm.precision"));
}

TEST(LlmScenario, ResolvedConfigurationRecordsTheRun) {
  const Config c = load_scenario(repo("configs/scenarios/llm/llama2-7b-2layers-tp2-dp4.yaml")).config;
  const auto j = nlohmann::json::parse(config_json(c));
  EXPECT_EQ(j["workload"]["kind"], "llm");
  EXPECT_EQ(j["workload"]["llm"]["tp"], 2);
  EXPECT_EQ(j["workload"]["llm"]["model"]["name"], "llama2-7b (modified)");
  EXPECT_EQ(j["workload"]["llm"]["model"]["layers"], 2);
  EXPECT_EQ(j["npu"]["preset"], "h100-sxm");
}

}  // namespace
}  // namespace tessera
