// The step generator: per-layer communication sizes and counts against the reference formulas
// for each parallelism (llm-training.md §1), schedule order (§2), FLOPs (§3), gradient buckets
// (§1.5), matching point-to-point pairs, and the same graph in memory and in files.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "llm_test_util.hpp"
#include "tessera/config_load.hpp"
#include "tessera/workload/kernel_attrs.hpp"
#include "tessera/workload/llm/flops.hpp"
#include "tessera/workload/llm/generator.hpp"
#include "tessera/workload/llm/schedule.hpp"
#include "tessera/workload/trace_set.hpp"

namespace tessera::llm {
namespace {

using test::make_run;

using workload::EtNode;
using workload::NodeType;

/// Keeps every generated node, per NPU.
class Capture final : public workload::TraceSink {
 public:
  std::map<int, std::vector<EtNode>> nodes;
  void begin_npu(int npu, const workload::EtGlobalMetadata&) override { current_ = npu; }
  void node(const EtNode& n) override { nodes[current_].push_back(n); }
  void end_npu(int) override {}

 private:
  int current_ = 0;
};

std::int64_t attr(const EtNode& n, const char* name) {
  const auto* a = n.find(name);
  return a && a->as_int64() ? *a->as_int64() : -1;
}

std::string pg(const EtNode& n) {
  const auto* a = n.find("pg_name");
  return a ? a->text : "";
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

struct Coll {
  std::string name;
  CollectiveType type;
  std::int64_t size;
  std::vector<int> members;
};

/// Collectives of one NPU whose name contains `part`.
std::vector<Coll> colls(const StepGenerator& g, const std::vector<EtNode>& nodes, const std::string& part) {
  std::vector<Coll> out;
  for (const auto& n : nodes) {
    if (n.type != NodeType::kCommColl || !has(n.name, part)) continue;
    const int id = std::stoi(pg(n));
    out.push_back({n.name, static_cast<CollectiveType>(attr(n, "comm_type")), attr(n, "comm_size"),
                   g.groups().groups().at(id)});
  }
  return out;
}

int count(const std::vector<EtNode>& nodes, NodeType type, const std::string& part) {
  int c = 0;
  for (const auto& n : nodes) c += n.type == type && has(n.name, part) ? 1 : 0;
  return c;
}

compute::GpuSpec h100() { return *compute::find_gpu_preset("h100-sxm"); }

Capture generate_all(const StepGenerator& g) {
  Capture c;
  for (int npu = 0; npu < g.layout().npus; ++npu) g.generate(npu, c);
  return c;
}

TEST(LlmGenerator, TensorParallelAllReducesPerLayer) {
  LlmRun r = make_run("llama2-13b", 2, 1, 4);
  r.model.layers = 4;
  const StepGenerator g(r, 4, h100());
  Capture c;
  g.generate(1, c);
  const auto& nodes = c.nodes[1];
  const std::int64_t nhe = 4096LL * 5120 * 2;  // n·h·e
  const std::vector<int> tp{0, 1, 2, 3};
  // Layer 2, micro-batch 1: forward all-reduces after proj and fc2, backward after the dgrads of
  // qkv and fc1 (async under wgrad).
  const auto fwd = colls(g, nodes, "F1.0 L2 ");
  ASSERT_EQ(fwd.size(), 2u);
  for (const auto& x : fwd) {
    EXPECT_EQ(x.type, CollectiveType::kAllReduce) << x.name;
    EXPECT_EQ(x.size, nhe);
    EXPECT_EQ(x.members, tp);
  }
  EXPECT_TRUE(has(fwd[0].name, "proj all-reduce"));
  EXPECT_TRUE(has(fwd[1].name, "fc2 all-reduce"));
  const auto bwd = colls(g, nodes, "B1.0 L2 ");
  ASSERT_EQ(bwd.size(), 2u);
  EXPECT_TRUE(has(bwd[0].name, "fc1 dgrad all-reduce"));
  EXPECT_TRUE(has(bwd[1].name, "qkv dgrad all-reduce"));
  for (const auto& x : bwd) EXPECT_EQ(x.size, nhe);
  // Embedding all-reduce forward; the output layer's dgrad all-reduce backward; the
  // cross-entropy's three all-reduces of n fp32 values.
  EXPECT_EQ(colls(g, nodes, "F0.0 embedding all-reduce").at(0).size, nhe);
  EXPECT_EQ(colls(g, nodes, "B0.0 logits dgrad all-reduce").at(0).size, nhe);
  const auto ce = colls(g, nodes, "F0.0 cross-entropy");
  ASSERT_EQ(ce.size(), 3u);
  for (const auto& x : ce) EXPECT_EQ(x.size, 4096 * 4);
}

TEST(LlmGenerator, SequenceParallelGathersAndScatters) {
  LlmRun r = make_run("llama2-13b", 2, 1, 4);
  r.model.layers = 2;
  r.sequence_parallel = true;
  const StepGenerator g(r, 4, h100());
  Capture c;
  g.generate(0, c);
  const std::int64_t nhe = 4096LL * 5120 * 2;
  auto of = [&](const std::vector<Coll>& v, CollectiveType t) {
    std::vector<std::int64_t> sizes;
    for (const auto& x : v) {
      if (x.type == t) sizes.push_back(x.size);
    }
    return sizes;
  };
  // Forward: 2 all-gathers (each rank's shard, n·h·e/t) and 2 reduce-scatters (full input).
  const auto fwd = colls(g, c.nodes[0], "F0.0 L1 ");
  EXPECT_EQ(of(fwd, CollectiveType::kAllGather), (std::vector<std::int64_t>{nhe / 4, nhe / 4}));
  EXPECT_EQ(of(fwd, CollectiveType::kReduceScatter), (std::vector<std::int64_t>{nhe, nhe}));
  EXPECT_EQ(fwd.size(), 4u);
  // Backward: 4 all-gathers (two incoming gradients, two re-gathered inputs), 2 reduce-scatters.
  const auto bwd = colls(g, c.nodes[0], "B0.0 L1 ");
  EXPECT_EQ(of(bwd, CollectiveType::kAllGather).size(), 4u);
  for (auto s : of(bwd, CollectiveType::kAllGather)) EXPECT_EQ(s, nhe / 4);
  EXPECT_EQ(of(bwd, CollectiveType::kReduceScatter), (std::vector<std::int64_t>{nhe, nhe}));
  EXPECT_EQ(bwd.size(), 6u);
  // The norms' weight gradients are all-reduced over TP once per step.
  const auto norms = colls(g, c.nodes[0], "norm grads all-reduce");
  ASSERT_EQ(norms.size(), 1u);
  EXPECT_EQ(norms[0].size, (2 * 2 + 1) * 5120 * 2);  // 2 RMSNorms x 2 layers + final norm, bf16
}

TEST(LlmGenerator, ContextParallelRingExchangesKeysAndValues) {
  LlmRun r = make_run("llama3.1-8b", 4, 1, 1, 1, 1, 2);
  r.model.layers = 2;
  const StepGenerator g(r, 4, h100());  // cp 2, dp 2
  Capture c = generate_all(g);
  // 2·n·g·d·e/t with n = s/c = 4096 tokens, 8 KV heads of 128.
  const std::int64_t kv = 2LL * 4096 * 8 * 128 * 2;
  const auto& n0 = c.nodes[0];
  EXPECT_EQ(count(n0, NodeType::kCommSend, "F0.0 L1 attention kv ring"), 1);  // c − 1 steps
  EXPECT_EQ(count(n0, NodeType::kCommRecv, "F0.0 L1 attention kv ring"), 1);
  EXPECT_EQ(count(n0, NodeType::kCommSend, "B0.0 L1 attention dkv ring"), 1);
  for (const auto& n : n0) {
    if (n.type == NodeType::kCommSend && has(n.name, "kv ring")) {
      EXPECT_EQ(attr(n, "comm_dst"), 1);  // the other CP rank (rank = tp + cp + 2·dp)
      EXPECT_EQ(attr(n, "comm_size"), has(n.name, "dkv") ? 2 * kv : kv) << n.name;
    }
  }
  // Gradients reduce over DP x CP: all four ranks.
  const auto grads = colls(g, n0, "grad bucket");
  ASSERT_FALSE(grads.empty());
  EXPECT_EQ(grads[0].members, (std::vector<int>{0, 1, 2, 3}));
  // Attention per rank: the c causal-balanced steps add up to 1/c of the causal work.
  double attn = 0;
  for (const auto& n : n0) {
    if (n.type == NodeType::kComp && has(n.name, "F0.0 L1 attention"))
      attn += static_cast<double>(attr(n, "num_ops"));
  }
  EXPECT_NEAR(attn, 4.0 * 8192 * 8192 * 32 * 128 / 2 / 2, 1);
}

/// Every SEND has exactly one RECV at its destination with the same source, tag and size.
void expect_matched_p2p(const Capture& c) {
  std::multiset<std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t>> sends, recvs;
  for (const auto& [npu, nodes] : c.nodes) {
    for (const auto& n : nodes) {
      if (n.type == NodeType::kCommSend)
        sends.emplace(npu, attr(n, "comm_dst"), attr(n, "comm_tag"), attr(n, "comm_size"));
      if (n.type == NodeType::kCommRecv)
        recvs.emplace(attr(n, "comm_src"), npu, attr(n, "comm_tag"), attr(n, "comm_size"));
    }
  }
  EXPECT_EQ(sends, recvs);
  EXPECT_FALSE(sends.empty());
}

TEST(LlmGenerator, PipelineMessagesPerMicroBatchAndBoundary) {
  LlmRun r = make_run("gpt3-175b", 8, 1, 2, 4, 2);
  r.model.layers = 8;  // one layer per virtual stage
  r.sequence_parallel = true;
  const StepGenerator g(r, 8, h100());  // tp 2, pp 4, dp 1, m = 8
  Capture c = generate_all(g);
  expect_matched_p2p(c);
  // s·b·h·e/(c·t) per message with SP.
  const std::int64_t act = 2048LL * 12288 * 2 / 2;
  for (int stage = 0; stage < 4; ++stage) {
    const int npu = stage * 2;  // tp 0 of each stage
    const auto& nodes = c.nodes[npu];
    // Virtual stages q = chunk·4 + stage; forward sends from every q < 7, backward from q > 0.
    const int fwd_chunks = stage == 3 ? 1 : 2, bwd_chunks = stage == 0 ? 1 : 2;
    EXPECT_EQ(count(nodes, NodeType::kCommSend, "activation send"), 8 * fwd_chunks) << stage;
    EXPECT_EQ(count(nodes, NodeType::kCommSend, "grad send"), 8 * bwd_chunks) << stage;
    for (const auto& n : nodes) {
      if (n.type == NodeType::kCommSend) {
        EXPECT_EQ(attr(n, "comm_size"), act);
      }
    }
  }
  // Stage 3's chunk-0 activations go to stage 0's chunk 1 (the wrap-around boundary).
  bool wrap = false;
  for (const auto& n : c.nodes[6])
    wrap |= n.type == NodeType::kCommSend && has(n.name, "F0.0 activation send") && attr(n, "comm_dst") == 0;
  EXPECT_TRUE(wrap);
  // Tied embeddings: the first and last stage all-reduce the embedding gradient.
  EXPECT_EQ(colls(g, c.nodes[0], "embedding grads").at(0).members, (std::vector<int>{0, 6}));
  EXPECT_TRUE(colls(g, c.nodes[2], "embedding grads").empty());
}

TEST(LlmGenerator, UnevenPipelineSplitPutsTheLayersWhereMegatronDoes) {
  // 14 layers + embedding + loss = 16 = pp·vp (4·2) x 2: virtual stage 0 holds layer 0 beside the
  // embedding, virtual stage 7 layer 13 beside the loss, the others two layers each.
  LlmRun r = make_run("gpt3-175b", 8, 1, 2, 4, 2);
  r.model.layers = 14;
  r.sequence_parallel = true;
  r.account_for_embedding = true;
  r.account_for_loss = true;
  const StepGenerator g(r, 8, h100());
  Capture c = generate_all(g);
  expect_matched_p2p(c);
  auto layers_of = [&](int npu, const std::string& pass) {
    std::set<int> out;
    for (const auto& n : c.nodes[npu]) {
      if (n.type != NodeType::kComp || n.name.rfind(pass, 0) != 0) continue;
      const auto at = n.name.find(" L");
      if (at != std::string::npos) out.insert(std::stoi(n.name.substr(at + 2)));
    }
    return out;
  };
  // Forward passes of micro-batch 0: "F0.<chunk>".
  EXPECT_EQ(layers_of(0, "F0.0 "), (std::set<int>{0}));
  EXPECT_EQ(layers_of(0, "F0.1 "), (std::set<int>{7, 8}));
  EXPECT_EQ(layers_of(2, "F0.0 "), (std::set<int>{1, 2}));
  EXPECT_EQ(layers_of(6, "F0.0 "), (std::set<int>{5, 6}));
  EXPECT_EQ(layers_of(6, "F0.1 "), (std::set<int>{13}));
  EXPECT_EQ(layers_of(6, "B0.1 "), (std::set<int>{13}));
}

/// The parallelism label of every communication node of NPU `npu`'s in-memory workload, by name part.
std::map<std::string, std::set<workload::CommParallelism>> labels_by(const StepGenerator& g, int npu,
                                                                     const std::vector<std::string>& parts) {
  const workload::Workload wl = g.build(npu, workload::LoadOptions{});
  std::map<std::string, std::set<workload::CommParallelism>> out;
  EXPECT_TRUE(wl.has_parallelism());
  for (workload::NodeIndex i = 0; i < wl.size(); ++i) {
    const NodeType t = wl.node(i).type();
    const bool comm = t == NodeType::kCommColl || t == NodeType::kCommSend || t == NodeType::kCommRecv;
    EXPECT_EQ(comm, wl.parallelism(i) != workload::CommParallelism::kNone) << wl.name(i);
    for (const std::string& part : parts)
      if (comm && has(std::string(wl.name(i)), part)) out[part].insert(wl.parallelism(i));
  }
  return out;
}

TEST(LlmGenerator, CommunicationNodesCarryTheirParallelism) {
  using P = workload::CommParallelism;
  EXPECT_EQ(parallelism_of(GroupKind::kTpEp), P::kTp);
  EXPECT_EQ(parallelism_of(GroupKind::kEtp), P::kTp);
  EXPECT_EQ(parallelism_of(GroupKind::kDpCp), P::kDp);
  EXPECT_EQ(parallelism_of(GroupKind::kEdp), P::kDp);
  EXPECT_EQ(parallelism_of(GroupKind::kWorld), P::kDp);
  EXPECT_EQ(parallelism_of(GroupKind::kEp), P::kEp);
  {
    LlmRun r = make_run("gpt3-175b", 8, 1, 2, 4, 2);
    r.model.layers = 8;
    r.sequence_parallel = true;
    const StepGenerator g(r, 8, h100());  // tp 2, pp 4
    const auto l =
        labels_by(g, 2, {"activation", "grad send", "grad recv", "grad bucket", "embedding grads", "L1"});
    EXPECT_EQ(l.at("activation"), std::set<P>{P::kPp});
    EXPECT_EQ(l.at("grad send"), std::set<P>{P::kPp});
    EXPECT_EQ(l.at("grad recv"), std::set<P>{P::kPp});
    EXPECT_EQ(l.at("L1"), std::set<P>{P::kTp});  // sequence-parallel gathers and scatters
    const auto first = labels_by(g, 0, {"embedding grads"});
    EXPECT_EQ(first.at("embedding grads"), std::set<P>{P::kDp});
  }
  {
    LlmRun r = make_run("llama3.1-8b", 4, 1, 1, 1, 1, 2);
    r.model.layers = 2;
    const StepGenerator g(r, 4, h100());  // cp 2, dp 2
    const auto l = labels_by(g, 0, {"kv ring", "grad bucket"});
    EXPECT_EQ(l.at("kv ring"), std::set<P>{P::kCp});
    EXPECT_EQ(l.at("grad bucket"), std::set<P>{P::kDp});
  }
}

/// The order of the passes (F/B, micro-batch, chunk) in a node list.
std::string pass_order(const std::vector<EtNode>& nodes) {
  std::string out, last;
  for (const auto& n : nodes) {
    if (n.type != NodeType::kComp) continue;
    const std::string label = n.name.substr(0, n.name.find(' '));
    if (label == last || label[0] == 'R') continue;
    if (label == "F0.0" && has(n.name, "grad norm")) break;  // the optimizer
    last = label;
    out += (out.empty() ? "" : " ") + label;
  }
  return out;
}

TEST(LlmGenerator, PassesFollowTheSchedule) {
  LlmRun r = make_run("gpt3-175b", 8, 1, 1, 4, 2);
  r.model.layers = 8;
  const StepGenerator g(r, 4, h100());
  for (int stage : {0, 3}) {
    Capture c;
    g.generate(stage, c);
    EXPECT_EQ(pass_order(c.nodes[stage]),
              schedule_text(pipeline_schedule(ScheduleParams{4, 2, 8, 0}, stage)));
  }
}

TEST(LlmGenerator, GradientBucketsAndParameterGathers) {
  LlmRun r = make_run("llama2-7b", 16, 2, 1);
  r.distributed_optimizer = true;
  r.bucket_params = 200'000'000;
  const StepGenerator g(r, 8, h100());  // dp 8, m = 1
  Capture c;
  g.generate(3, c);
  const auto& nodes = c.nodes[3];
  const auto rs = colls(g, nodes, "grad bucket");
  ASSERT_GT(rs.size(), 2u);
  std::int64_t total = 0;
  for (std::size_t i = 0; i < rs.size(); ++i) {
    EXPECT_EQ(rs[i].type, CollectiveType::kReduceScatter);
    EXPECT_EQ(rs[i].members.size(), 8u);
    EXPECT_TRUE(has(rs[i].name, "B0.0")) << rs[i].name;  // in the last (only) micro-batch
    // Every bucket but the last reaches the bucket size (bf16 gradients).
    if (i + 1 < rs.size()) {
      EXPECT_GE(rs[i].size, 200'000'000LL * 2);
    }
    total += rs[i].size;
  }
  // All local parameters (embedding, output layer, norms included), 2 bytes each.
  const double params = static_cast<double>(r.model.params()) + 32 * 2 * 4096 + 4096;
  EXPECT_NEAR(static_cast<double>(total) / 2, params, 1);
  // Parameter all-gathers: each bucket's shard (params·e/dp), before the first forward.
  const auto ag = colls(g, nodes, "param gather");
  ASSERT_EQ(ag.size(), rs.size());
  std::int64_t gathered = 0;
  for (const auto& x : ag) {
    EXPECT_EQ(x.type, CollectiveType::kAllGather);
    gathered += x.size;
  }
  EXPECT_NEAR(static_cast<double>(gathered) * 8 / 2, params, 8 * ag.size());
  // The first bucket launched holds the last layers: it is reduced before the first layers'
  // backward has run.
  int first_rs = -1, layer0_wgrad = -1;
  for (int i = 0; i < static_cast<int>(nodes.size()); ++i) {
    if (first_rs < 0 && has(nodes[i].name, "grad bucket")) first_rs = i;
    if (has(nodes[i].name, "L0 qkv wgrad")) layer0_wgrad = i;
  }
  EXPECT_LT(first_rs, layer0_wgrad);
}

TEST(LlmGenerator, WithoutOverlapOneAllReducePerChunkAfterTheBackward) {
  LlmRun r = make_run("llama2-7b", 16, 1, 1);
  r.overlap_grad_reduce = false;
  r.model.layers = 4;
  const StepGenerator g(r, 8, h100());  // m = 2
  Capture c;
  g.generate(0, c);
  const auto ar = colls(g, c.nodes[0], "grad bucket");
  ASSERT_EQ(ar.size(), 1u);
  EXPECT_EQ(ar[0].type, CollectiveType::kAllReduce);
  // Issued after the last backward kernel (the embedding's weight gradient).
  int bucket = -1, last_bwd = -1;
  const auto& nodes = c.nodes[0];
  for (int i = 0; i < static_cast<int>(nodes.size()); ++i) {
    if (has(nodes[i].name, "grad bucket")) bucket = i;
    if (has(nodes[i].name, "B1.0 embedding wgrad")) last_bwd = i;
  }
  EXPECT_GT(bucket, last_bwd);
  EXPECT_GT(last_bwd, 0);
}

TEST(LlmGenerator, ExpertParallelDispatchAndCombine) {
  LlmRun r = make_run("mixtral-8x7b", 8, 1, 1);
  r.model.layers = 2;
  r.ep = 8;
  const StepGenerator g(r, 8, h100());
  Capture c;
  g.generate(5, c);
  const auto& nodes = c.nodes[5];
  const auto a2a = colls(g, nodes, "F0.0 L1 moe");
  // token counts (all-gather over tp x ep), dispatch, probabilities, combine.
  ASSERT_EQ(a2a.size(), 4u);
  const std::int64_t tokens = 4096LL * 2 * 4096 * 2;  // n_e·k·h·e
  EXPECT_EQ(a2a[0].type, CollectiveType::kAllGather);
  EXPECT_EQ(a2a[0].size, 8 * 8);
  EXPECT_EQ(a2a[1].type, CollectiveType::kAllToAll);
  EXPECT_EQ(a2a[1].size, tokens);
  EXPECT_EQ(a2a[2].size, 4096 * 2 * 4);
  EXPECT_EQ(a2a[3].size, tokens);
  EXPECT_EQ(a2a[3].members, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(colls(g, nodes, "B0.0 L1 moe").size(), 2u);  // combine and dispatch, in reverse
  // Expert gradients reduce over the expert data-parallel group (here of one: none); dense ones
  // over the 8 data-parallel ranks.
  for (const auto& x : colls(g, nodes, "grad bucket")) EXPECT_EQ(x.members.size(), 8u);
  // The local experts' GEMM: one expert per rank receives all n_e·k tokens.
  for (const auto& n : nodes) {
    if (n.type == NodeType::kComp && has(n.name, "F0.0 L1 expert fc1")) {
      EXPECT_EQ(attr(n, "tessera_m"), 4096 * 2);
      EXPECT_EQ(attr(n, "tessera_n"), 2 * 14336);
    }
  }
}

TEST(LlmGenerator, KernelFlopsAddUpToTheExecutedFormula) {
  LlmRun r = make_run("llama2-13b", 4, 1, 2, 2, 1, 1);
  r.model.layers = 4;
  r.sequence_parallel = true;
  const StepGenerator g(r, 8, h100());  // dp 2, m = 2
  Capture c = generate_all(g);
  double gemm = 0, attention = 0;
  for (const auto& [npu, nodes] : c.nodes) {
    for (const auto& n : nodes) {
      if (n.type != NodeType::kComp) continue;
      const auto* k = n.find("tessera_kernel");
      if (k->text == "gemm") gemm += static_cast<double>(attr(n, "num_ops"));
      if (k->text == "attention_fwd" || k->text == "attention_bwd")
        attention += static_cast<double>(attr(n, "num_ops"));
    }
  }
  ModelSpec m = r.model;
  m.vocab = m.padded_vocab(r.tp);
  const double s = 4096, B = 4;
  // GEMMs: 3 x forward (dgrad and wgrad each equal the forward); attention: FlashAttention counts
  // its backward as 2.5 x the forward (causal-halved 2·s²·a·d per layer per sequence).
  const double core = 2 * s * s * m.heads * m.kv_channels() * m.layers * B;
  EXPECT_NEAR(gemm / (executed_flops(m, 4096, 4, Recompute::kNone) - 3 * core), 1.0, 1e-6);
  EXPECT_NEAR(attention / (3.5 * core), 1.0, 1e-9);
}

TEST(LlmGenerator, FullRecomputeRerunsEachLayerForward) {
  LlmRun r = make_run("llama2-13b", 2, 1, 2);
  r.model.layers = 2;
  const StepGenerator plain(r, 2, h100());
  r.recompute = Recompute::kFull;
  const StepGenerator full(r, 2, h100());
  Capture a, b;
  plain.generate(0, a);
  full.generate(0, b);
  // Each layer's forward runs again before its backward, its TP all-reduces included.
  EXPECT_EQ(count(b.nodes[0], NodeType::kComp, "R0.0 L1 "), count(a.nodes[0], NodeType::kComp, "F0.0 L1 "));
  EXPECT_EQ(count(b.nodes[0], NodeType::kCommColl, "R0.0 L1 "), 2);
  int recompute = -1, backward = -1;
  for (int i = 0; i < static_cast<int>(b.nodes[0].size()); ++i) {
    if (recompute < 0 && has(b.nodes[0][i].name, "R0.0 L0 ")) recompute = i;
    if (backward < 0 && has(b.nodes[0][i].name, "B0.0 L0 ")) backward = i;
  }
  EXPECT_LT(recompute, backward);
  r.recompute = Recompute::kSelective;
  const StepGenerator sel(r, 2, h100());
  Capture s;
  sel.generate(0, s);
  EXPECT_EQ(count(s.nodes[0], NodeType::kComp, "R0.0 L1 attention"), 1);
}

TEST(LlmGenerator, TpCommOverlapPipelinesGemmsWithCommunication) {
  LlmRun r = make_run("llama2-13b", 4, 1, 4);
  r.model.layers = 1;
  r.sequence_parallel = true;
  r.tp_comm_overlap = true;
  const StepGenerator g(r, 4, h100());
  Capture c = generate_all(g);
  expect_matched_p2p(c);
  const auto& nodes = c.nodes[0];
  EXPECT_EQ(count(nodes, NodeType::kComp, "F0.0 L0 qkv"), 4);                      // t chunks
  EXPECT_EQ(count(nodes, NodeType::kCommSend, "F0.0 L0 qkv ring"), 3);             // t − 1 ring steps
  EXPECT_EQ(count(nodes, NodeType::kCommColl, "F0.0 L0 proj reduce-scatter"), 4);  // 4 splits
  for (const auto& n : nodes) {
    if (n.type == NodeType::kComp && has(n.name, "F0.0 L0 proj")) {
      EXPECT_EQ(attr(n, "tessera_reserved_sms"), 24);
    }
  }
}

TEST(LlmGenerator, InMemoryWorkloadMatchesTheFilesAndIsTimedByTheGpuModel) {
  LlmRun r = make_run("llama2-13b", 4, 1, 2, 2);
  r.model.layers = 4;
  const StepGenerator g(r, 4, h100());
  workload::LoadOptions options;
  const workload::Workload w = g.build(2, options);
  Capture c;
  g.generate(2, c);
  ASSERT_EQ(w.size(), c.nodes[2].size());
  // Compute nodes take the model's time to the picosecond.
  std::size_t checked = 0;
  for (std::size_t i = 0; i < w.size(); ++i) {
    const EtNode& e = c.nodes[2][i];
    if (e.type != NodeType::kComp) continue;
    std::string err;
    const auto k = workload::kernel_from_attributes(e, err);
    ASSERT_TRUE(k) << err;
    EXPECT_EQ(w.node(static_cast<workload::NodeIndex>(i)).duration, g.gpu().time(*k));
    ++checked;
  }
  EXPECT_GT(checked, 100u);
  // The METADATA node declares the NPU's groups.
  ASSERT_FALSE(w.pg_declarations().empty());
  // Files: the same nodes, the comm-group JSON, loadable as a trace set.
  const std::string dir = std::string(TESSERA_BINARY_DIR) + "/test-scratch/llm/files";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto paths = g.write_files(dir + "/llama");
  ASSERT_EQ(paths.size(), 5u);
  EXPECT_EQ(paths.back(), comm_groups_path(dir + "/llama"));
  options.gpu = &g.gpu();
  std::vector<Diagnostic> group_warnings;
  const CommGroups groups = load_astra_comm_groups(paths.back(), group_warnings);
  EXPECT_TRUE(group_warnings.empty());
  const workload::TraceSet set = workload::load_trace_set(
      dir + "/llama", 4, options, workload::CommGroups::from_members(groups.groups, 4, groups.source));
  ASSERT_EQ(set.npus.size(), 4u);
  ASSERT_EQ(set.npus[2].size(), w.size());
  for (std::size_t i = 0; i < w.size(); ++i) {
    EXPECT_EQ(set.npus[2].node(static_cast<workload::NodeIndex>(i)).duration,
              w.node(static_cast<workload::NodeIndex>(i)).duration);
  }
}

/// Every NPU's shared workload against the graph built for that NPU alone: the same nodes, edges,
/// labels, peers and communicator groups.
void expect_shared_equals_own(const StepGenerator& g, int expected_graphs) {
  SharedStepBuilder shared(g, workload::LoadOptions{});
  std::vector<workload::Workload> all;
  for (int npu = 0; npu < g.layout().npus; ++npu) all.push_back(shared.build(npu));
  EXPECT_EQ(shared.graphs_built(), expected_graphs);
  for (int npu = 0; npu < g.layout().npus; ++npu) {
    SCOPED_TRACE(npu);
    const workload::Workload& s = all[static_cast<std::size_t>(npu)];
    const workload::Workload own = g.build(npu, workload::LoadOptions{});
    EXPECT_EQ(s.npu(), npu);
    EXPECT_EQ(s.source(), own.source());
    ASSERT_EQ(s.size(), own.size());
    std::size_t p2p = 0;
    for (workload::NodeIndex i = 0; i < s.size(); ++i) {
      const workload::Node &a = s.node(i), &b = own.node(i);
      ASSERT_EQ(a.id, b.id);
      ASSERT_EQ(s.name(i), own.name(i));
      ASSERT_EQ(a.duration, b.duration) << own.name(i);
      ASSERT_EQ(a.size, b.size) << own.name(i);
      ASSERT_EQ(a.tag, b.tag) << own.name(i);
      ASSERT_EQ(a.flags, b.flags) << own.name(i);
      ASSERT_EQ(a.kind, b.kind) << own.name(i);
      ASSERT_EQ(a.coll, b.coll) << own.name(i);
      ASSERT_EQ(s.pg_name(i), own.pg_name(i)) << own.name(i);
      ASSERT_EQ(s.parallelism(i), own.parallelism(i)) << own.name(i);
      if (a.has(workload::Node::kHasSrc)) {
        ASSERT_EQ(s.src(i), own.src(i)) << own.name(i);
      }
      if (a.has(workload::Node::kHasDst)) {
        ASSERT_EQ(s.dst(i), own.dst(i)) << own.name(i);
      }
      p2p += a.has(workload::Node::kHasDst) ? 1 : 0;
      const auto da = s.deps(i), db = own.deps(i);
      ASSERT_TRUE(std::equal(da.begin(), da.end(), db.begin(), db.end())) << own.name(i);
    }
    EXPECT_EQ(s.topological_order(), own.topological_order());
    ASSERT_EQ(s.pg_declarations().size(), own.pg_declarations().size());
    for (std::size_t k = 0; k < s.pg_declarations().size(); ++k) {
      EXPECT_EQ(s.pg_declarations()[k].pg_name, own.pg_declarations()[k].pg_name);
      EXPECT_EQ(s.pg_declarations()[k].ranks, own.pg_declarations()[k].ranks);
    }
    if (g.run().pp > 1 || g.run().cp > 1) {
      EXPECT_GT(p2p, 0u);
    }
  }
}

TEST(LlmGenerator, NpusOfOneShapeShareOneGraph) {
  {  // TP with userbuffer ring exchanges, SP, interleaved PP with an uneven split, CP ring, DP.
    LlmRun r = make_run("llama3.1-70b", 16, 1, 2, 2, 2, 2);
    r.model.layers = 6;  // 6 + 2 = 8 = 4 chunks x 2
    r.account_for_embedding = true;
    r.account_for_loss = true;
    r.sequence_parallel = true;
    r.tp_comm_overlap = true;
    r.distributed_optimizer = true;
    const StepGenerator g(r, 16, h100());  // dp 2
    expect_shared_equals_own(g, 2 * 2);    // pp x cp
  }
  {  // MoE with expert parallelism and tied embeddings over 1F1B.
    LlmRun r = make_run("mixtral-8x7b", 8, 1, 1, 2);
    r.model.layers = 2;
    r.ep = 2;
    r.distributed_optimizer = true;
    const StepGenerator g(r, 8, h100());  // dp 4
    expect_shared_equals_own(g, 2);
  }
}

TEST(LlmGenerator, StepsFollowEachOther) {
  LlmRun r = make_run("llama2-7b", 16, 1, 1, 2);
  r.model.layers = 2;
  r.distributed_optimizer = true;
  r.steps = 2;
  const StepGenerator g(r, 8, h100());  // pp 2, dp 4
  Capture c = generate_all(g);
  expect_matched_p2p(c);
  // Tags of the second step differ from the first's.
  std::set<std::int64_t> first, second;
  for (const auto& n : c.nodes[0]) {
    if (n.type != NodeType::kCommSend) continue;
    (has(n.name, "s0 ") ? first : second).insert(attr(n, "comm_tag"));
  }
  ASSERT_FALSE(second.empty());
  for (auto t : second) EXPECT_FALSE(first.count(t));
  // The second step's first parameter all-gather waits for the first step's Adam.
  std::uint64_t adam = 0;
  for (const auto& n : c.nodes[0]) {
    if (has(n.name, "s0 F0.0 adam")) adam = n.id;
    if (n.type == NodeType::kCommColl && has(n.name, "s1 F0.0 param gather")) {
      EXPECT_NE(std::find(n.data_deps.begin(), n.data_deps.end(), adam), n.data_deps.end()) << n.name;
      EXPECT_NE(adam, 0u);
      break;
    }
  }
}

TEST(LlmGenerator, DeterministicAndRefusesBadRuns) {
  LlmRun r = make_run("llama2-7b", 16, 1, 2);
  r.model.layers = 2;
  const StepGenerator g(r, 8, h100());
  Capture a, b;
  g.generate(5, a);
  g.generate(5, b);
  ASSERT_EQ(a.nodes[5].size(), b.nodes[5].size());
  for (std::size_t i = 0; i < a.nodes[5].size(); ++i) {
    EXPECT_EQ(a.nodes[5][i].name, b.nodes[5][i].name);
    EXPECT_EQ(a.nodes[5][i].data_deps, b.nodes[5][i].data_deps);
  }
  EXPECT_THROW(StepGenerator(make_run("llama2-7b", 15, 1, 2), 8, h100()), InputError);
  LlmRun f8 = r;
  f8.precision = compute::Precision::kFp8;
  try {
    StepGenerator bad(f8, 8, *compute::find_gpu_preset("a100-sxm"), "s.yaml");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.diagnostics().at(0).key, "workload.llm.precision");
    EXPECT_EQ(e.diagnostics().at(0).file, "s.yaml");
  }
  EXPECT_THROW(g.generate(8, a), Error);
}

}  // namespace
}  // namespace tessera::llm
