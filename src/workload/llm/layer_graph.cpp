// One transformer layer, the embedding and the output layer, forward and backward, as
// Megatron-Core with Transformer Engine runs them on one rank (reference llm-training.md §1.2,
// §1.3, §1.6, §1.7): the kernels with their shapes, and each parallelism's collectives with the
// sizes of that section (Chakra comm_size: an all-gather's per-rank shard, a reduce-scatter's full
// input, an all-reduce's or all-to-all's buffer).
#include <algorithm>
#include <cmath>

#include "step_graph.hpp"

namespace tessera::llm::detail {

namespace {
std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }
}  // namespace

// ---------------------------------------------------------------------------------------------
// Building blocks

void StepGraph::norm_forward(const std::string& op) {
  const double x = static_cast<double>(ns_) * static_cast<double>(run_.model.hidden) * e_;
  // Read x, write y; under FP8 TE's fused norm also writes the FP8 copy and its transpose.
  compute(op, memory(2 * x + (math_ == compute::Precision::kFp8 ? x : 0)));
}

void StepGraph::norm_backward(const std::string& op, int layer, int slot_kind, bool last) {
  const double x = static_cast<double>(ns_) * static_cast<double>(run_.model.hidden) * e_;
  // Read x and dy, write dx, and add the residual stream's gradient.
  compute(op + " bwd", memory(4 * x));
  grad_ready(layer, slot_kind, last);
}

void StepGraph::column_forward(const std::string& op, std::int64_t n_out, compute::Precision p) {
  const std::int64_t h = run_.model.hidden;
  const Bytes shard = ns_ * h * e_;
  if (run_.sp() && run_.tp_comm_overlap) {
    // Ring exchange: the input arrives shard by shard from the TP ring while the GEMM runs on
    // the shards already here (TE userbuffers, SPLIT_PIPELINED_AG_P2P).
    const int t = run_.tp;
    const int next = groups_.rank_of((co_.tp + 1) % t, co_.cp, co_.dp, co_.pp);
    const int prev = groups_.rank_of((co_.tp + t - 1) % t, co_.cp, co_.dp, co_.pp);
    const int op_index = op == "qkv" ? 0 : 1;  // the two column-parallel GEMMs of a layer
    std::optional<NodeId> got;
    for (int i = 0; i < t; ++i) {
      if (i + 1 < t) {
        const std::int32_t tg = tag(5 + static_cast<int>(pass_), layer_ + 1, (mb_ * 2 + op_index) * 64 + i);
        std::vector<NodeId> deps = got ? std::vector<NodeId>{*got} : here();
        send(op + " ring", GroupKind::kTp, next, tg, shard, deps);
        const NodeId r = recv(op + " ring", GroupKind::kTp, prev, tg, shard);
        wait(got);
        compute::Kernel k = gemm(ns_, n_out, h, p, false);
        k.reserved_sms = gen_.tp_overlap().ring_exchange_sms;
        compute(op, k);
        got = r;
      } else {
        wait(got);
        compute::Kernel k = gemm(ns_, n_out, h, p, false);
        k.reserved_sms = gen_.tp_overlap().ring_exchange_sms;
        compute(op, k);
      }
    }
    return;
  }
  if (run_.sp())
    wait(collective(op + " input all-gather", CollectiveType::kAllGather, shard, GroupKind::kTp, here()));
  compute(op, gemm(n_, n_out, h, p, false));
}

void StepGraph::row_forward(const std::string& op, std::int64_t k_in, compute::Precision p) {
  const std::int64_t h = run_.model.hidden;
  const Bytes full = n_ * h * e_;
  if (run_.sp() && run_.tp_comm_overlap) {
    // GEMM + reduce-scatter in chunks: each chunk's reduce-scatter runs on a few SMs while the
    // next chunk computes (TE userbuffers, SPLIT_PIPELINED_RS).
    const int splits = gen_.tp_overlap().pipeline_splits;
    std::vector<NodeId> parts;
    for (int i = 0; i < splits; ++i) {
      compute::Kernel k = gemm(ceil_div(n_, splits), h, k_in, p, false);
      k.reserved_sms = gen_.tp_overlap().pipeline_sms;
      compute(op, k);
      parts.push_back(collective(op + " reduce-scatter", CollectiveType::kReduceScatter, full / splits,
                                 GroupKind::kTp, here()));
    }
    for (NodeId id : parts) wait(id);
    return;
  }
  compute(op, gemm(n_, h, k_in, p, false));
  if (run_.tp > 1) {
    wait(collective(op + (run_.sp() ? " reduce-scatter" : " all-reduce"),
                    run_.sp() ? CollectiveType::kReduceScatter : CollectiveType::kAllReduce, full,
                    GroupKind::kTp, here()));
  }
}

void StepGraph::column_backward(const std::string& op, std::int64_t n_out, std::int64_t k_in,
                                compute::Precision p, int layer, int slot_kind, bool last) {
  const Bytes shard = ns_ * k_in * e_;
  const Bytes full = n_ * k_in * e_;
  const bool fp8 = p == compute::Precision::kFp8;
  if (fp8) compute(op + " grad cast", memory(static_cast<double>(n_) * static_cast<double>(n_out) * 4));
  // Under SP the saved input is the shard: re-gather it for the weight gradient, under dgrad.
  std::optional<NodeId> regather;
  if (run_.sp())
    regather =
        collective(op + " input all-gather", CollectiveType::kAllGather, shard, GroupKind::kTp, here());
  compute::Kernel dgrad = gemm(n_, k_in, n_out, p, false);
  if (run_.tp_comm_overlap && run_.sp()) dgrad.reserved_sms = gen_.tp_overlap().bulk_dgrad_sms;
  compute(op + " dgrad", dgrad);
  std::optional<NodeId> reduce;
  if (run_.tp > 1) {
    // The input gradient's reduction overlaps the weight-gradient GEMM.
    reduce = collective(op + (run_.sp() ? " dgrad reduce-scatter" : " dgrad all-reduce"),
                        run_.sp() ? CollectiveType::kReduceScatter : CollectiveType::kAllReduce, full,
                        GroupKind::kTp, here());
  }
  wait(regather);
  compute::Kernel wgrad = gemm(n_out, k_in, n_, p, true);
  if (run_.tp_comm_overlap && run_.sp()) wgrad.reserved_sms = gen_.tp_overlap().bulk_wgrad_sms;
  compute(op + " wgrad", wgrad);
  grad_ready(layer, slot_kind, last);
  wait(reduce);
}

void StepGraph::row_backward(const std::string& op, std::int64_t k_in, compute::Precision p, int layer,
                             int slot_kind, bool last) {
  const std::int64_t h = run_.model.hidden;
  // Under SP the incoming gradient is sequence-sharded: gather it before dgrad.
  if (run_.sp()) {
    wait(collective(op + " grad all-gather", CollectiveType::kAllGather, ns_ * h * e_, GroupKind::kTp,
                    here()));
  }
  if (p == compute::Precision::kFp8)
    compute(op + " grad cast", memory(static_cast<double>(n_) * static_cast<double>(h) * 4));
  compute(op + " dgrad", gemm(n_, k_in, h, p, false));
  compute(op + " wgrad", gemm(h, k_in, n_, p, true));
  grad_ready(layer, slot_kind, last);
}

// ---------------------------------------------------------------------------------------------
// Attention (with context parallelism)

compute::Kernel StepGraph::ring_step(bool forward, int j) const {
  // Rank r holds query chunks r and 2c − 1 − r (of s / 2c tokens each). Step 0 is its own KV,
  // causal; the KV of a lower rank serves both query chunks with its first chunk only; that of a
  // higher rank serves only the late query chunk, with both. The same work every step.
  const std::int64_t local = layout_.seq / run_.cp;
  if (j == 0) return attention(forward, local, local, true, heads_);
  if (j <= co_.cp) return attention(forward, local, local / 2, false, heads_);
  return attention(forward, local / 2, local, false, heads_);
}

StepGraph::CpShape StepGraph::cp_shape() const {
  const int c = run_.cp;
  const double d = run_.model.kv_channels();
  const double n = static_cast<double>(n_);
  CpShape x;
  x.seq = layout_.seq;
  x.local = layout_.seq / c;                                // two chunks of s / (2c): r and 2c − 1 − r
  x.kv = static_cast<Bytes>(2.0 * n * kv_heads_ * d * e_);  // 2·n·g·d·e/t
  x.qkv = static_cast<Bytes>(n * (heads_ + 2 * kv_heads_) * d * e_);
  x.out = static_cast<Bytes>(n * heads_ * d * e_);
  x.next = groups_.rank_of(co_.tp, (co_.cp + 1) % c, co_.dp, co_.pp);
  x.prev = groups_.rank_of(co_.tp, (co_.cp + c - 1) % c, co_.dp, co_.pp);
  return x;
}

void StepGraph::attention_forward() {
  const int c = run_.cp;
  if (c == 1) {
    compute("attention", attention(true, layout_.seq, layout_.seq, true, heads_));
    return;
  }
  const CpShape x = cp_shape();
  switch (run_.cp_comm) {
    case CpCommType::kP2p: {
      // Ring of c − 1 steps: each forwards the K‖V block it holds to the next CP rank while the
      // attention of the block it holds runs.
      std::optional<NodeId> got;
      for (int j = 0; j < c; ++j) {
        std::optional<NodeId> arriving;
        if (j + 1 < c) {
          const std::int32_t tg = tag(1 + static_cast<int>(pass_), layer_ + 1, mb_ * 64 + j);
          send("attention kv ring", GroupKind::kCp, x.next, tg, x.kv,
               got ? std::vector<NodeId>{*got} : here());
          arriving = recv("attention kv ring", GroupKind::kCp, x.prev, tg, x.kv);
        }
        wait(got);
        compute("attention", ring_step(true, j));
        got = arriving;
      }
      // Each later step's partial output is merged into the running output by its log-sum-exp
      // (TE AttnFuncWithCPAndKVP2P, flash_attn_fwd_out_correction): read both, write the result.
      for (int j = 1; j < c; ++j) compute("attention output correction", memory(3.0 * x.out));
      return;
    }
    case CpCommType::kAllGather:
      wait(collective("attention kv all-gather", CollectiveType::kAllGather, x.kv, GroupKind::kCp, here()));
      compute("attention", attention(true, x.local, x.seq, true, heads_));
      return;
    case CpCommType::kA2a:
      wait(collective("attention qkv all-to-all", CollectiveType::kAllToAll, x.qkv, GroupKind::kCp, here()));
      compute("attention", attention(true, x.seq, x.seq, true, heads_ / c));
      wait(collective("attention output all-to-all", CollectiveType::kAllToAll, x.out, GroupKind::kCp,
                      here()));
      return;
  }
}

void StepGraph::attention_backward() {
  const int c = run_.cp;
  if (c == 1) {
    compute("attention bwd", attention(false, layout_.seq, layout_.seq, true, heads_));
    return;
  }
  const CpShape x = cp_shape();
  switch (run_.cp_comm) {
    case CpCommType::kP2p: {
      // The ring in reverse: each message carries K‖V and the dK‖dV accumulated so far (2 x the
      // forward size), sent once the step that used it is done.
      std::optional<NodeId> got;
      for (int j = 0; j < c; ++j) {
        wait(got);
        compute("attention bwd", ring_step(false, j));
        // The step's dQ and dK‖dV are added into the accumulated gradients (same TE function):
        // read both, write the sum.
        if (j > 0) compute("attention grad accumulate", memory(3.0 * static_cast<double>(x.out + x.kv)));
        if (j + 1 < c) {
          const std::int32_t tg = tag(4, layer_ + 1, mb_ * 64 + j);
          send("attention dkv ring", GroupKind::kCp, x.prev, tg, 2 * x.kv, here());
          got = recv("attention dkv ring", GroupKind::kCp, x.next, tg, 2 * x.kv);
        }
      }
      return;
    }
    case CpCommType::kAllGather:
      compute("attention bwd", attention(false, x.local, x.seq, true, heads_));
      wait(collective("attention dkv reduce-scatter", CollectiveType::kReduceScatter, x.kv * c,
                      GroupKind::kCp, here()));
      return;
    case CpCommType::kA2a:
      wait(collective("attention grad all-to-all", CollectiveType::kAllToAll, x.out, GroupKind::kCp, here()));
      compute("attention bwd", attention(false, x.seq, x.seq, true, heads_ / c));
      wait(collective("attention dqkv all-to-all", CollectiveType::kAllToAll, x.qkv, GroupKind::kCp, here()));
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// MLPs

void StepGraph::dense_mlp_forward() {
  const ModelSpec& m = run_.model;
  const std::int64_t f = m.ffn_hidden / run_.tp;
  column_forward("fc1", m.fc1_multiplier() * f, math_);
  // Gated: read gate and up, write the product; otherwise read and write (+ FP8 copy).
  const double act = static_cast<double>(n_) * static_cast<double>(f) * e_ * (m.gated() ? 3 : 2);
  compute("activation", memory(act + (math_ == compute::Precision::kFp8 ? static_cast<double>(n_ * f) : 0)));
  row_forward("fc2", f, math_);
}

void StepGraph::dense_mlp_backward(int layer, bool last) {
  const ModelSpec& m = run_.model;
  const std::int64_t f = m.ffn_hidden / run_.tp;
  row_backward("fc2", f, math_, layer, kFc2, last);
  compute("activation bwd",
          memory(static_cast<double>(n_) * static_cast<double>(f) * e_ * (m.gated() ? 5 : 3)));
  column_backward("fc1", m.fc1_multiplier() * f, m.hidden, math_, layer, kFc1, last);
}

std::int64_t StepGraph::moe_sent_tokens() const {
  // k copies of each routed token (dropless), or E·C padded slots at capacity C = ⌈n·k·cf/E⌉
  // (moe_utils.py get_capacity).
  const MoeSpec& moe = run_.model.moe;
  const std::int64_t copies = ns_ * moe.top_k;
  if (moe.capacity_factor <= 0) return copies;
  return moe.experts * static_cast<std::int64_t>(
                           std::ceil(static_cast<double>(copies) * moe.capacity_factor / moe.experts));
}

void StepGraph::moe_forward() {
  const ModelSpec& m = run_.model;
  const std::int64_t h = m.hidden;
  const int experts = m.moe.experts, k = m.moe.top_k;
  const std::int64_t ne = ns_;  // tokens this rank routes (sequence-sharded under SP)
  compute("router", gemm(ne, experts, h, compute::Precision::kBf16, false));
  compute("router top-k", memory(static_cast<double>(ne) * experts * 4 * 3));
  if (has_group(GroupKind::kTpEp)) {
    wait(collective("moe token counts all-gather", CollectiveType::kAllGather, Bytes{8} * experts,
                    GroupKind::kTpEp, here()));
  }
  compute("moe permute", memory(2.0 * static_cast<double>(ne * k * h) * e_));
  const std::int64_t sent = moe_sent_tokens();
  if (run_.ep > 1) {
    const NodeId tokens = collective("moe dispatch all-to-all", CollectiveType::kAllToAll, sent * h * e_,
                                     GroupKind::kEp, here());
    const NodeId probs =
        collective("moe probs all-to-all", CollectiveType::kAllToAll, ne * k * 4, GroupKind::kEp, here());
    wait(tokens);
    wait(probs);
  }
  std::int64_t local_tokens = sent;  // balanced routing: a rank receives what it sends
  if (run_.etp() > 1) {
    wait(collective("moe tokens all-gather", CollectiveType::kAllGather, local_tokens * h * e_,
                    GroupKind::kEtp, here()));
    local_tokens *= run_.etp();
  }
  const int local_experts = experts / run_.ep;
  const std::int64_t per_expert = ceil_div(local_tokens, local_experts);
  const std::int64_t f = m.expert_ffn_hidden() / run_.etp();
  compute("expert fc1", gemm(per_expert, m.fc1_multiplier() * f, h, math_, false, local_experts));
  compute("expert activation",
          memory(static_cast<double>(local_tokens) * static_cast<double>(f) * e_ * (m.gated() ? 3 : 2)));
  compute("expert fc2", gemm(per_expert, h, f, math_, false, local_experts));
  if (run_.etp() > 1) {
    wait(collective("moe tokens reduce-scatter", CollectiveType::kReduceScatter, local_tokens * h * e_,
                    GroupKind::kEtp, here()));
  }
  if (run_.ep > 1) {
    wait(collective("moe combine all-to-all", CollectiveType::kAllToAll, sent * h * e_, GroupKind::kEp,
                    here()));
  }
  compute("moe unpermute", memory(2.0 * static_cast<double>(ne * k * h) * e_));
}

void StepGraph::moe_backward(int layer, bool last) {
  const ModelSpec& m = run_.model;
  const std::int64_t h = m.hidden;
  const int experts = m.moe.experts, k = m.moe.top_k;
  const std::int64_t ne = ns_;
  const std::int64_t sent = moe_sent_tokens();
  compute("moe unpermute bwd", memory(2.0 * static_cast<double>(ne * k * h) * e_));
  if (run_.ep > 1) {
    wait(collective("moe combine all-to-all bwd", CollectiveType::kAllToAll, sent * h * e_, GroupKind::kEp,
                    here()));
  }
  std::int64_t local_tokens = sent;
  if (run_.etp() > 1) {
    wait(collective("moe grad all-gather", CollectiveType::kAllGather, local_tokens * h * e_, GroupKind::kEtp,
                    here()));
    local_tokens *= run_.etp();
  }
  const int local_experts = experts / run_.ep;
  const std::int64_t per_expert = ceil_div(local_tokens, local_experts);
  const std::int64_t f = m.expert_ffn_hidden() / run_.etp();
  compute("expert fc2 dgrad", gemm(per_expert, f, h, math_, false, local_experts));
  compute("expert fc2 wgrad", gemm(h, f, per_expert, math_, true, local_experts));
  grad_ready(layer, kExpertFc2, last);
  compute("expert activation bwd",
          memory(static_cast<double>(local_tokens) * static_cast<double>(f) * e_ * (m.gated() ? 5 : 3)));
  compute("expert fc1 dgrad", gemm(per_expert, h, m.fc1_multiplier() * f, math_, false, local_experts));
  compute("expert fc1 wgrad", gemm(m.fc1_multiplier() * f, h, per_expert, math_, true, local_experts));
  grad_ready(layer, kExpertFc1, last);
  if (run_.etp() > 1) {
    wait(collective("moe grad reduce-scatter", CollectiveType::kReduceScatter, local_tokens * h * e_,
                    GroupKind::kEtp, here()));
  }
  if (run_.ep > 1) {
    wait(collective("moe dispatch all-to-all bwd", CollectiveType::kAllToAll, sent * h * e_, GroupKind::kEp,
                    here()));
  }
  compute("moe permute bwd", memory(2.0 * static_cast<double>(ne * k * h) * e_));
  compute("router dgrad", gemm(ne, h, experts, compute::Precision::kBf16, false));
  compute("router wgrad", gemm(experts, h, ne, compute::Precision::kBf16, true));
  grad_ready(layer, kRouter, last);
}

// ---------------------------------------------------------------------------------------------
// The layer

void StepGraph::layer_forward(int layer) {
  const ModelSpec& m = run_.model;
  layer_ = layer;
  wait_param_gather(layer);
  const double d = m.kv_channels();
  const std::int64_t qkv_width = static_cast<std::int64_t>(std::llround((heads_ + 2 * kv_heads_) * d));
  norm_forward("input norm");
  column_forward("qkv", qkv_width, math_);
  if (m.position == Position::kRope) {
    compute("rope", memory(2.0 * static_cast<double>(n_) * (heads_ + kv_heads_) * d * e_));
  }
  attention_forward();
  const std::int64_t attn_width = static_cast<std::int64_t>(std::llround(heads_ * d));
  if (math_ == compute::Precision::kFp8)
    compute("attention output cast", memory(static_cast<double>(n_ * attn_width) * 3));
  row_forward("proj", attn_width, math_);
  const double x = static_cast<double>(ns_) * static_cast<double>(m.hidden) * e_;
  const double mask = run_.hidden_dropout > 0 ? x / e_ : 0;
  compute("bias dropout add", memory(3 * x + mask));
  norm_forward("mlp norm");
  if (m.is_moe()) {
    moe_forward();
  } else {
    dense_mlp_forward();
  }
  compute("bias dropout add 2", memory(3 * x + mask));
}

void StepGraph::layer_backward(int layer, bool last) {
  const ModelSpec& m = run_.model;
  if (run_.recompute == Recompute::kFull) {
    pass_ = PassKind::kRecompute;
    layer_forward(layer);
    pass_ = PassKind::kBackward;
  }
  layer_ = layer;
  const double x = static_cast<double>(ns_) * static_cast<double>(m.hidden) * e_;
  if (run_.hidden_dropout > 0) compute("dropout bwd", memory(2 * x + x / e_));
  if (m.is_moe()) {
    moe_backward(layer, last);
  } else {
    dense_mlp_backward(layer, last);
  }
  norm_backward("mlp norm", layer, kMlpNorm, last);
  if (run_.hidden_dropout > 0) compute("dropout bwd", memory(2 * x + x / e_));
  const double d = m.kv_channels();
  const std::int64_t attn_width = static_cast<std::int64_t>(std::llround(heads_ * d));
  row_backward("proj", attn_width, math_, layer, kProj, last);
  if (run_.recompute == Recompute::kSelective) {
    pass_ = PassKind::kRecompute;
    attention_forward();
    pass_ = PassKind::kBackward;
  }
  attention_backward();
  if (m.position == Position::kRope) {
    compute("rope bwd", memory(2.0 * static_cast<double>(n_) * (heads_ + kv_heads_) * d * e_));
  }
  const std::int64_t qkv_width = static_cast<std::int64_t>(std::llround((heads_ + 2 * kv_heads_) * d));
  column_backward("qkv", qkv_width, m.hidden, math_, layer, kQkv, last);
  norm_backward("input norm", layer, kInputNorm, last);
}

// ---------------------------------------------------------------------------------------------
// Embedding and output layer

void StepGraph::embedding_forward() {
  const ModelSpec& m = run_.model;
  layer_ = -1;
  wait_param_gather_slot(chunks_[static_cast<std::size_t>(chunk_)].embedding);
  const double x = static_cast<double>(n_) * static_cast<double>(m.hidden) * e_;
  // Vocab-parallel lookup: token ids in, this rank's rows out (zeros elsewhere), positions added.
  compute("embedding",
          memory(x + static_cast<double>(n_) * 8 + (m.position == Position::kLearned ? 2 * x : 0)));
  if (run_.tp > 1) {
    wait(collective(run_.sp() ? "embedding reduce-scatter" : "embedding all-reduce",
                    run_.sp() ? CollectiveType::kReduceScatter : CollectiveType::kAllReduce,
                    n_ * m.hidden * e_, GroupKind::kTp, here()));
  }
  if (run_.hidden_dropout > 0) {
    const double xs = static_cast<double>(ns_) * static_cast<double>(m.hidden) * e_;
    compute("embedding dropout", memory(2 * xs + xs / e_));
  }
}

void StepGraph::embedding_backward(bool last) {
  const ModelSpec& m = run_.model;
  layer_ = -1;
  if (run_.sp()) {
    wait(collective("embedding grad all-gather", CollectiveType::kAllGather, ns_ * m.hidden * e_,
                    GroupKind::kTp, here()));
  }
  // PyTorch's dense embedding backward (embedding_dense_backward) zero-fills a 16-bit gradient
  // of the whole local table and scatter-adds the rows' gradients into it; Megatron's gradient
  // hook then adds it to the main grad (param.main_grad.add_(param.grad): read both, write).
  const double x = static_cast<double>(n_) * static_cast<double>(m.hidden);
  const double table = static_cast<double>(layout_.vocab / run_.tp) * static_cast<double>(m.hidden);
  compute("embedding wgrad", memory(table * e_ + x * e_ * 3));
  compute("embedding main-grad add", memory(table * (2.0 * e_grad_ + e_)));
  grad_ready(-1, kEmbedding, last);
}

void StepGraph::output_forward() {
  layer_ = -1;
  const std::int64_t h = run_.model.hidden;
  const std::int64_t v = layout_.vocab / run_.tp;
  wait_param_gather_slot(chunks_[static_cast<std::size_t>(chunk_)].final_norm);
  wait_param_gather_slot(chunks_[static_cast<std::size_t>(chunk_)].output);
  norm_forward("final norm");
  // MCore's output layer is a plain column-parallel linear: bf16 even in FP8 runs.
  if (run_.sp())
    wait(collective("logits input all-gather", CollectiveType::kAllGather, ns_ * h * e_, GroupKind::kTp,
                    here()));
  compute("logits", gemm(n_, v, h, compute::Precision::kBf16, false));
  // MCore's vocab-parallel cross-entropy (tensor_parallel/cross_entropy.py) works on an fp32 copy
  // of the logits, one elementwise pass per step: cast (read 2 B, write 4 B) and row max (read
  // 4 B); subtract the max and exponentiate in place (read and write 4 B each) and sum (read
  // 4 B); after the sum, divide into the softmax it saves for the backward (read and write 4 B).
  const double logits = static_cast<double>(n_) * static_cast<double>(v);
  if (run_.tp > 1) {
    // The max, the target logit and the sum of exponentials are all-reduced over TP, n fp32
    // values each.
    compute("cross-entropy max", memory(logits * (2 + 4 + 4)));
    wait(collective("cross-entropy max all-reduce", CollectiveType::kAllReduce, n_ * 4, GroupKind::kTp,
                    here()));
    compute("cross-entropy exp", memory(logits * (8 + 8 + 4)));
    const NodeId target = collective("cross-entropy target all-reduce", CollectiveType::kAllReduce, n_ * 4,
                                     GroupKind::kTp, here());
    const NodeId sum = collective("cross-entropy sum all-reduce", CollectiveType::kAllReduce, n_ * 4,
                                  GroupKind::kTp, here());
    wait(target);
    wait(sum);
    compute("cross-entropy softmax", memory(logits * 8 + static_cast<double>(n_) * 4 * 3));
  } else {
    compute("cross-entropy", memory(logits * (2 + 4 + 4 + 8 + 8 + 4 + 8)));
  }
}

void StepGraph::output_backward(bool last) {
  layer_ = -1;
  const std::int64_t v = layout_.vocab / run_.tp;
  // The saved softmax scaled by the loss gradient in place (read and write 4 B), then cast back to
  // the logits' 16-bit type (read 4 B, write 2 B) for the output layer's backward GEMMs.
  compute("cross-entropy bwd", memory(static_cast<double>(n_) * static_cast<double>(v) * (8 + 4 + e_)));
  column_backward("logits", v, run_.model.hidden, compute::Precision::kBf16, -1, kOutput, last);
  norm_backward("final norm", -1, kFinalNorm, last);
}

}  // namespace tessera::llm::detail
