// Memory per GPU (memory.hpp): bytes per parameter as Megatron's distributed-optimizer document
// gives them, activations from the generalized Korthikanti formula, and the in-flight
// micro-batches read off the rank's own pipeline schedule (which reproduces Megatron's
// 1 + (p−1)/(p·v) interleaving penalty on stage 0).
#include <algorithm>

#include <fmt/format.h>

#include "tessera/workload/llm/memory.hpp"
#include "tessera/workload/llm/schedule.hpp"

namespace tessera::llm {

namespace {

constexpr double kGB = 1e9;
// Megatron's estimator adds 5% for temporaries (theoretical_memory_usage.py).
constexpr double kTemporaries = 1.05;
// Warn when the estimate is this close to the capacity: allocator fragmentation, NCCL buffers
// and the CUDA context are not modelled [U, reference §5].
constexpr double kWarnFraction = 0.9;

double kv_heads_per_rank(const ModelSpec& m, int tp) {
  // MLM main replicates one KV head per rank when tp exceeds the KV heads (attention.py).
  return std::max(1.0, static_cast<double>(m.kv_heads) / tp);
}

}  // namespace

LocalParams local_params(const LlmRun& r, const Layout& l, int stage) {
  const ModelSpec& m = r.model;
  const double layers = l.rank_layers(stage);
  const double t = r.tp;
  const double h = static_cast<double>(m.hidden);
  LocalParams p;
  // Attention is TP-sharded except that replicated KV heads are held whole on every rank.
  const double d = m.kv_channels();
  const double attention =
      (h * m.heads * d + 2 * h * kv_heads_per_rank(m, r.tp) * t * d + m.heads * d * h) / t;
  const double norms = static_cast<double>(m.norm_params_per_layer());
  if (m.is_moe()) {
    const double ffn = static_cast<double>(m.expert_ffn_hidden());
    p.expert =
        layers * m.moe.experts * (m.fc1_multiplier() + 1) * h * ffn / (static_cast<double>(r.etp()) * r.ep);
    p.dense = layers * (attention + norms + h * m.moe.experts);
  } else {
    p.dense = layers * (attention + static_cast<double>(m.mlp_params()) / t + norms);
  }
  const double vocab_shard = static_cast<double>(l.vocab) / t * h;
  if (stage == 0) {
    p.dense += vocab_shard;
    if (m.position == Position::kLearned) p.dense += static_cast<double>(l.seq) * h;
  }
  if (stage == r.pp - 1) {
    p.dense += h * (m.norm == Norm::kLayerNorm ? 2 : 1);  // final norm
    // The output layer: its own weight when untied; a copy of the embedding on the last stage
    // when tied and pipelined (kept equal through the embedding group).
    if (!m.tied_embeddings || r.pp > 1) p.dense += vocab_shard;
  }
  return p;
}

double layer_activation_bytes(const LlmRun& r, const Layout& l) {
  const ModelSpec& m = r.model;
  const double n = static_cast<double>(l.tokens);
  const double t = r.tp;
  const double h = static_cast<double>(m.hidden);
  const double sp_shard = r.sp() ? t : 1.0;
  if (r.recompute == Recompute::kFull) return 2 * n * h / sp_shard;  // the layer input only
  const double d = m.kv_channels();
  // Outside the TP regions: two norm inputs (4h), the QKV and FC1 inputs (2h each), and the two
  // 1-byte dropout masks when dropout is on.
  const double replicated = 8 * h + (r.hidden_dropout > 0 ? 2 * h : 0);
  // Inside: Q and the attention output (2·a·d each), K and V (2·g·d each), MLP activations.
  double sharded = (4 * m.heads * d) / t + 4 * kv_heads_per_rank(m, r.tp) * d;
  double mlp = 0;
  if (m.is_moe()) {
    const double f = static_cast<double>(m.expert_ffn_hidden());
    const double k = m.moe.top_k * (m.moe.capacity_factor > 0 ? m.moe.capacity_factor : 1.0);
    // Each rank routes n/t tokens; the k copies reach FC1 gathered over expert TP.
    mlp = (n / t) * k * ((2.0 * m.fc1_multiplier() + 2) * f + 2 * h * r.etp());
  } else {
    sharded += (2.0 * m.fc1_multiplier() + 2) * static_cast<double>(m.ffn_hidden) / t;
  }
  return n * (replicated / sp_shard + sharded) + mlp;
}

StageMemory stage_memory(const LlmRun& r, const Layout& l, int stage) {
  const ModelSpec& m = r.model;
  StageMemory s;
  s.stage = stage;
  s.params = local_params(r, l, stage);
  const double e_param = r.precision == compute::Precision::kFp8 ? 1 : 2;  // fp8_params, as DGXC runs FP8
  const double e_grad = compute::element_bytes(r.grad_reduce_dtype);
  // fp32 master weights (or their 16-bit remainders) and two fp32 Adam moments, sharded over
  // the reduction group with the distributed optimizer (MLM docs/user-guide/features/
  // dist_optimizer.md; NeMo megatron_base_model.py with Apex DistributedFusedAdam).
  const double dense_shard = r.distributed_optimizer ? static_cast<double>(l.dp) * r.cp : 1.0;
  const double expert_shard = r.distributed_optimizer ? static_cast<double>(l.edp) : 1.0;
  s.weights = s.params.total() * e_param;
  s.gradients = s.params.total() * e_grad;
  s.optimizer = r.optimizer_state_bytes() * (s.params.dense / dense_shard + s.params.expert / expert_shard);

  const ScheduleParams sp{r.pp, r.vp, l.micro_batches, l.group_size};
  const std::vector<PipeOp> schedule = pipeline_schedule(sp, stage);
  s.in_flight = peak_in_flight(schedule);
  // The layers whose activations are held at the peak: chunks may hold different layer counts
  // when the split is uneven.
  int live = 0;
  for (const PipeOp& op : schedule) {
    live += (op.forward ? 1 : -1) * l.layers_in(op.chunk, stage);
    s.in_flight_layers = std::max(s.in_flight_layers, live);
  }
  const double per_layer = layer_activation_bytes(r, l);
  double act = per_layer * s.in_flight_layers;
  if (r.recompute == Recompute::kFull) {
    LlmRun full = r;
    full.recompute = Recompute::kNone;
    act += layer_activation_bytes(full, l);  // the layer being recomputed for its backward
  }
  const double n = static_cast<double>(l.tokens);
  const double h = static_cast<double>(m.hidden);
  if (stage == 0) {
    // Token ids (8 B) and the embedding dropout mask for each chunk-0 pass in flight.
    const int chunk0 = (s.in_flight + r.vp - 1) / r.vp;
    act += chunk0 * n * (8 + (r.hidden_dropout > 0 ? h : 0));
  }
  if (stage == r.pp - 1) {
    // One micro-batch's fp32 logits (vocab-parallel cross-entropy) and final-norm output.
    act += n * static_cast<double>(l.vocab) / r.tp * 4 + n * h * 2;
  }
  s.activations = act * kTemporaries;
  return s;
}

StageMemory peak_stage_memory(const LlmRun& r, const Layout& l) {
  StageMemory best = stage_memory(r, l, 0);
  for (int stage = 1; stage < r.pp; ++stage) {
    StageMemory s = stage_memory(r, l, stage);
    if (s.total() > best.total()) best = s;
  }
  return best;
}

MemoryCheck check_memory(const LlmRun& r, const Layout& l, Bytes capacity, const std::string& gpu_title,
                         const std::string& file, const std::string& prefix) {
  MemoryCheck c;
  c.peak = peak_stage_memory(r, l);
  const StageMemory& s = c.peak;
  const double cap = static_cast<double>(capacity);
  const std::string parts = fmt::format(
      "weights {:.1f} GB, gradients {:.1f} GB, optimizer {:.1f} GB, activations {:.1f} GB ({} micro-batch "
      "chunk passes in flight, {} layers' activations)",
      s.weights / kGB, s.gradients / kGB, s.optimizer / kGB, s.activations / kGB, s.in_flight,
      s.in_flight_layers);
  const std::string where = r.pp > 1 ? fmt::format("pipeline stage {} needs", s.stage) : "each GPU needs";
  if (s.total() > cap) {
    std::vector<std::string> fixes;
    if (!r.distributed_optimizer && l.dp * r.cp > 1) {
      fixes.push_back(fmt::format("distributed_optimizer: true (optimizer state {:.1f} -> {:.1f} GB)",
                                  s.optimizer / kGB, s.optimizer / (static_cast<double>(l.dp) * r.cp) / kGB));
    }
    if (r.recompute != Recompute::kFull) fixes.push_back("activation_recompute: full");
    if (r.micro_batch > 1) fixes.push_back("a smaller micro_batch");
    if (!r.sp() && r.tp > 1) fixes.push_back("sequence_parallel: true");
    fixes.push_back("a larger tp or pp (fewer parameters per GPU)");
    std::string fix = "try ";
    for (std::size_t i = 0; i < fixes.size(); ++i)
      fix += (i ? (i + 1 == fixes.size() ? ", or " : ", ") : "") + fixes[i];
    c.errors.push_back(
        Diagnostic{file, 0, prefix,
                   fmt::format("does not fit in memory: {} {:.1f} GB but the {} has {:.1f} GB ({})", where,
                               s.total() / kGB, gpu_title, cap / kGB, parts),
                   fix});
  } else if (s.total() > kWarnFraction * cap) {
    c.warnings.push_back(
        Diagnostic{file, 0, prefix,
                   fmt::format("{} {:.1f} GB of the {}'s {:.1f} GB ({}); allocator slack, NCCL "
                               "buffers and the CUDA context may not fit",
                               where, s.total() / kGB, gpu_title, cap / kGB, parts),
                   ""});
  }
  return c;
}

}  // namespace tessera::llm
