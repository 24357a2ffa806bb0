// One NPU's training steps: the pipeline schedule's passes with their point-to-point messages,
// gradient buckets reduced over DP x CP (experts over EDP) as their last gradients appear in the
// last micro-batch, parameter all-gathers under the next forward, and the optimizer
// (reference llm-training.md §1.4, §1.5, §1.7, §2; MLM megatron/core/distributed/*).
#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "step_graph.hpp"

namespace tessera::llm::detail {

StepGraph::StepGraph(const StepGenerator& gen, int npu, workload::TraceSink& sink,
                     std::vector<workload::CommParallelism>* labels)
    : gen_(gen),
      run_(gen.run()),
      layout_(gen.layout()),
      groups_(gen.groups()),
      gpu_(gen.gpu()),
      npu_(npu),
      co_(gen.groups().coords(npu)),
      sink_(sink),
      labels_(labels) {
  math_ = run_.precision;
  backend_ = attention_backend_for(run_, gpu_.spec());
  e_grad_ = compute::element_bytes(run_.grad_reduce_dtype);
  e_param_ = run_.precision == compute::Precision::kFp8 ? 1 : 2;
  n_ = layout_.tokens;
  ns_ = run_.sp() ? n_ / run_.tp : n_;
  heads_ = static_cast<double>(run_.model.heads) / run_.tp;
  kv_heads_ = std::max(1.0, static_cast<double>(run_.model.kv_heads) / run_.tp);
  build_buckets();
}

// ---------------------------------------------------------------------------------------------
// Parameters and buckets

void StepGraph::build_buckets() {
  const ModelSpec& m = run_.model;
  const std::int64_t h = m.hidden;
  const int t = run_.tp;
  const double d = m.kv_channels();
  const std::int64_t norm = m.norm == Norm::kLayerNorm ? 2 * h : h;
  const std::int64_t vocab_shard = layout_.vocab / t * h;
  chunks_.assign(static_cast<std::size_t>(run_.vp), {});
  for (int c = 0; c < run_.vp; ++c) {
    ChunkParams& cp = chunks_[static_cast<std::size_t>(c)];
    auto add = [&](std::int64_t elements, bool expert, int layer) {
      cp.slots.push_back({elements, expert, layer, -1});
      return static_cast<int>(cp.slots.size()) - 1;
    };
    const int q = virtual_stage(c);
    cp.index.assign(static_cast<std::size_t>(layout_.layers_in(q) * kSlotKinds), -1);
    if (q == 0) {
      cp.embedding = add(vocab_shard + (m.position == Position::kLearned ? layout_.seq * h : 0), false, -1);
    }
    for (int i = 0; i < layout_.layers_in(q); ++i) {
      const int layer = global_layer(c, i);
      auto at = [&](int kind) -> int& { return cp.index[static_cast<std::size_t>(i * kSlotKinds + kind)]; };
      at(kInputNorm) = add(norm, false, layer);
      at(kQkv) = add(static_cast<std::int64_t>(h * (heads_ + 2 * kv_heads_) * d), false, layer);
      at(kProj) = add(static_cast<std::int64_t>(heads_ * d * h), false, layer);
      at(kMlpNorm) = add(norm, false, layer);
      if (m.is_moe()) {
        const std::int64_t f = m.expert_ffn_hidden() / run_.etp();
        const std::int64_t local = m.moe.experts / run_.ep;
        at(kRouter) = add(h * m.moe.experts, false, layer);
        at(kExpertFc1) = add(local * h * m.fc1_multiplier() * f, true, layer);
        at(kExpertFc2) = add(local * f * h, true, layer);
      } else {
        const std::int64_t f = m.ffn_hidden / t;
        at(kFc1) = add(h * m.fc1_multiplier() * f, false, layer);
        at(kFc2) = add(f * h, false, layer);
      }
    }
    if (q == run_.pp * run_.vp - 1) {
      cp.final_norm = add(norm, false, -1);
      // Tied and unpipelined, the output layer is the embedding: its gradient lands there.
      if (!m.tied_embeddings || run_.pp > 1) cp.output = add(vocab_shard, false, -1);
    }
    // Buckets fill in backward (reverse parameter) order, one buffer for dense and one for expert
    // parameters; a bucket closes once it reaches the bucket size. Megatron uses one bucket per
    // buffer without overlap, on pipeline ranks after the first and for chunks after the first.
    const bool bucketing = run_.overlap_grad_reduce && co_.pp == 0 && c == 0;
    const std::int64_t limit = bucketing ? layout_.bucket_params : std::numeric_limits<std::int64_t>::max();
    for (bool expert : {false, true}) {
      int open = -1;
      for (int s = static_cast<int>(cp.slots.size()) - 1; s >= 0; --s) {
        ParamSlot& slot = cp.slots[static_cast<std::size_t>(s)];
        if (slot.expert != expert) continue;
        if (open < 0) {
          cp.buckets.push_back(Bucket{expert, 0, {}, 0, std::nullopt});
          open = static_cast<int>(cp.buckets.size()) - 1;
        }
        Bucket& b = cp.buckets[static_cast<std::size_t>(open)];
        b.params.push_back(s);
        b.elements += slot.elements;
        slot.bucket = open;
        if (b.elements >= limit) open = -1;
      }
    }
  }
}

void StepGraph::grad_ready(int layer, int slot_kind, bool last) {
  if (!last || pass_ != PassKind::kBackward) return;
  ChunkParams& cp = chunks_[static_cast<std::size_t>(chunk_)];
  int slot = -1;
  if (slot_kind == kEmbedding) {
    slot = cp.embedding;
  } else if (slot_kind == kOutput) {
    slot = cp.output;
  } else if (slot_kind == kFinalNorm) {
    slot = cp.final_norm;
  } else {
    const int i = layer - global_layer(chunk_, 0);
    slot = cp.index[static_cast<std::size_t>(i * kSlotKinds + slot_kind)];
  }
  if (slot < 0) return;
  const int b = cp.slots[static_cast<std::size_t>(slot)].bucket;
  Bucket& bucket = cp.buckets[static_cast<std::size_t>(b)];
  if (--bucket.pending == 0 && run_.overlap_grad_reduce) launch_bucket(chunk_, b);
}

void StepGraph::launch_bucket(int chunk, int b) {
  const Bucket& bucket = chunks_[static_cast<std::size_t>(chunk)].buckets[static_cast<std::size_t>(b)];
  const GroupKind group = bucket.expert ? GroupKind::kEdp : GroupKind::kDpCp;
  if (!has_group(group)) return;
  // The distributed optimizer reduce-scatters each bucket (every rank keeps its shard); without it
  // the bucket is all-reduced. Buckets run in launch order on the data-parallel stream.
  std::vector<NodeId> deps = here();
  if (last_dp_comm_) deps.push_back(*last_dp_comm_);
  const int saved_layer = layer_;
  layer_ = -1;
  const NodeId id =
      collective(fmt::format("grad bucket {}.{} {}", chunk, b,
                             run_.distributed_optimizer ? "reduce-scatter" : "all-reduce"),
                 run_.distributed_optimizer ? CollectiveType::kReduceScatter : CollectiveType::kAllReduce,
                 bucket.elements * e_grad_, group, std::move(deps));
  layer_ = saved_layer;
  last_dp_comm_ = id;
  grad_syncs_.push_back(id);
}

void StepGraph::start_param_gather(int chunk) {
  if (!run_.distributed_optimizer) return;
  ChunkParams& cp = chunks_[static_cast<std::size_t>(chunk)];
  // Reverse bucket order (the first layers first); each completion dispatches the next.
  std::optional<NodeId> previous;
  for (int b = static_cast<int>(cp.buckets.size()) - 1; b >= 0; --b) {
    Bucket& bucket = cp.buckets[static_cast<std::size_t>(b)];
    const GroupKind group = bucket.expert ? GroupKind::kEdp : GroupKind::kDpCp;
    if (!has_group(group)) continue;
    const Bytes shard = bucket.elements * e_param_ / groups_.size(group);
    std::vector<NodeId> deps;
    if (previous) deps.push_back(*previous);
    if (optimizer_done_) deps.push_back(*optimizer_done_);
    bucket.param_gather = collective(fmt::format("param gather {}.{}", chunk, b), CollectiveType::kAllGather,
                                     shard, group, std::move(deps));
    previous = bucket.param_gather;
  }
}

void StepGraph::wait_param_gather(int layer) {
  const ChunkParams& cp = chunks_[static_cast<std::size_t>(chunk_)];
  for (std::size_t s = 0; s < cp.slots.size(); ++s) {
    if (cp.slots[s].layer == layer) wait_param_gather_slot(static_cast<int>(s));
  }
}

void StepGraph::wait_param_gather_slot(int slot) {
  // A bucket's forward pre-hook waits once, in the chunk's first forward (micro-batch 0).
  if (!run_.distributed_optimizer || mb_ != 0 || pass_ != PassKind::kForward || slot < 0) return;
  const ChunkParams& cp = chunks_[static_cast<std::size_t>(chunk_)];
  wait(cp.buckets[static_cast<std::size_t>(cp.slots[static_cast<std::size_t>(slot)].bucket)].param_gather);
}

// ---------------------------------------------------------------------------------------------
// Passes

void StepGraph::forward_pass(const PipeOp& op) {
  pass_ = PassKind::kForward;
  mb_ = op.micro_batch;
  chunk_ = op.chunk;
  layer_ = -1;
  const int q = virtual_stage(op.chunk);
  const int stages = run_.pp * run_.vp;
  // Interleaved with overlapped parameter gathers: chunk j + 1's gathers start when chunk j's
  // first micro-batch does (chunks 0 and 1 start with the step).
  if (run_.overlap_param_gather && mb_ == 0 && op.chunk + 1 >= 2 && op.chunk + 1 < run_.vp) {
    start_param_gather(op.chunk + 1);
  }
  const Bytes activation = ns_ * run_.model.hidden * e_;
  if (q > 0) {
    const int prev = groups_.rank_of(co_.tp, co_.cp, co_.dp, (co_.pp + run_.pp - 1) % run_.pp);
    wait(recv("activation recv", GroupKind::kPp, prev, tag(8, q - 1, mb_), activation));
  }
  if (q == 0) embedding_forward();
  for (int i = 0; i < layout_.layers_in(q); ++i) layer_forward(global_layer(op.chunk, i));
  layer_ = -1;
  if (q == stages - 1) output_forward();
  if (q < stages - 1) {
    const int next = groups_.rank_of(co_.tp, co_.cp, co_.dp, (co_.pp + 1) % run_.pp);
    const NodeId s = send("activation send", GroupKind::kPp, next, tag(8, q, mb_), activation, here());
    // 1F1B waits for its batched send/receive before the next pass; interleaved overlaps them.
    if (!run_.interleaved()) wait(s);
  }
}

void StepGraph::backward_pass(const PipeOp& op) {
  pass_ = PassKind::kBackward;
  mb_ = op.micro_batch;
  chunk_ = op.chunk;
  layer_ = -1;
  const bool last = mb_ == layout_.micro_batches - 1;
  const int q = virtual_stage(op.chunk);
  const int stages = run_.pp * run_.vp;
  const Bytes activation = ns_ * run_.model.hidden * e_;
  if (q < stages - 1) {
    const int next = groups_.rank_of(co_.tp, co_.cp, co_.dp, (co_.pp + 1) % run_.pp);
    wait(recv("grad recv", GroupKind::kPp, next, tag(9, q, mb_), activation));
  }
  if (q == stages - 1) output_backward(last);
  for (int i = layout_.layers_in(q) - 1; i >= 0; --i) layer_backward(global_layer(op.chunk, i), last);
  layer_ = -1;
  if (q == 0) embedding_backward(last);
  if (q > 0) {
    const int prev = groups_.rank_of(co_.tp, co_.cp, co_.dp, (co_.pp + run_.pp - 1) % run_.pp);
    const NodeId s = send("grad send", GroupKind::kPp, prev, tag(9, q - 1, mb_), activation, here());
    if (!run_.interleaved()) wait(s);
  }
}

// ---------------------------------------------------------------------------------------------
// Step

void StepGraph::finalize_and_optimize() {
  pass_ = PassKind::kForward;
  mb_ = 0;
  chunk_ = 0;
  layer_ = -1;
  // Without overlap every bucket is reduced once the whole backward is done.
  if (!run_.overlap_grad_reduce) {
    for (int c = 0; c < run_.vp; ++c) {
      for (int b = 0; b < static_cast<int>(chunks_[static_cast<std::size_t>(c)].buckets.size()); ++b)
        launch_bucket(c, b);
    }
  }
  for (NodeId id : grad_syncs_) wait(id);
  const ModelSpec& m = run_.model;
  std::int64_t norms = 0, dense = 0, expert = 0;
  for (const ChunkParams& cp : chunks_) {
    for (std::size_t s = 0; s < cp.slots.size(); ++s) {
      const ParamSlot& slot = cp.slots[s];
      (slot.expert ? expert : dense) += slot.elements;
    }
  }
  // finalize_model_grads: sequence-parallel norm weights all-reduced over TP, then the tied
  // embedding's gradient over the first and last stage.
  if (run_.sp()) {
    const std::int64_t norm = m.norm == Norm::kLayerNorm ? 2 * m.hidden : m.hidden;
    norms = norm * (2 * static_cast<std::int64_t>(layout_.rank_layers(co_.pp)) + (co_.pp == run_.pp - 1 ? 1 : 0));
    wait(collective("norm grads all-reduce", CollectiveType::kAllReduce, norms * e_grad_, GroupKind::kTp,
                    here()));
  }
  const bool embedding_rank = co_.pp == 0 || co_.pp == run_.pp - 1;
  if (m.tied_embeddings && run_.pp > 1 && embedding_rank && has_group(GroupKind::kEmbedding)) {
    wait(collective("embedding grads all-reduce", CollectiveType::kAllReduce,
                    layout_.vocab / run_.tp * m.hidden * e_grad_, GroupKind::kEmbedding, here()));
  }
  // Optimizer on the local shard: gradient norm (a local pass and a scalar all-reduce), then
  // Adam, memory-bound: read the gradient, read and write the master weight (or its remainder)
  // and both moments, write the 16-bit (or FP8) parameter.
  const double shard = run_.distributed_optimizer
                           ? static_cast<double>(dense) / groups_.size(GroupKind::kDpCp) +
                                 static_cast<double>(expert) / groups_.size(GroupKind::kEdp)
                           : static_cast<double>(dense + expert);
  compute("grad norm", memory(shard * e_grad_));
  const GroupKind norm_group = run_.distributed_optimizer ? GroupKind::kWorld : GroupKind::kMp;
  if (has_group(norm_group))
    wait(collective("grad norm all-reduce", CollectiveType::kAllReduce, 4, norm_group, here()));
  optimizer_done_ = compute("adam", memory(shard * (e_grad_ + 2 * run_.optimizer_state_bytes() + e_param_)));
}

void StepGraph::step(int s) {
  step_ = s;
  grad_syncs_.clear();
  for (ChunkParams& cp : chunks_) {
    for (Bucket& b : cp.buckets) {
      b.pending = static_cast<int>(b.params.size());
      b.param_gather.reset();
    }
  }
  // The distributed optimizer's updated shards are all-gathered before they are used: under the
  // first forwards with overlap (chunks 0 and 1 now, later chunks as the schedule reaches them),
  // otherwise all of them before the step's first kernel.
  if (run_.distributed_optimizer) {
    pass_ = PassKind::kForward;
    mb_ = 0;
    chunk_ = 0;
    layer_ = -1;
    const int now = run_.overlap_param_gather ? std::min(run_.vp, 2) : run_.vp;
    for (int c = 0; c < now; ++c) start_param_gather(c);
    if (!run_.overlap_param_gather) {
      for (const ChunkParams& cp : chunks_) {
        for (const Bucket& b : cp.buckets) wait(b.param_gather);
      }
    }
  }
  const ScheduleParams sp{run_.pp, run_.vp, layout_.micro_batches, layout_.group_size};
  for (const PipeOp& op : pipeline_schedule(sp, co_.pp)) {
    if (op.forward) {
      forward_pass(op);
    } else {
      backward_pass(op);
    }
  }
  finalize_and_optimize();
}

void StepGraph::build() {
  workload::EtGlobalMetadata gm;
  gm.version = "0.0.4";
  gm.attrs.push_back(workload::EtAttribute::make_string("schema", "tessera-llm"));
  gm.attrs.push_back(workload::EtAttribute::make_string("model", run_.model.name));
  sink_.begin_npu(npu_, gm);
  // The communicator groups this NPU belongs to, declared as PyTorch's METADATA node does, so a
  // run needs no comm-group file.
  std::string decl;
  for (const workload::PgDeclaration& d : gen_.declarations(npu_)) {
    std::string ranks;
    for (int r : d.ranks) ranks += (ranks.empty() ? "" : ", ") + std::to_string(r);
    decl += fmt::format("{}{{\"pg_name\": \"{}\", \"ranks\": [{}]}}", decl.empty() ? "" : ", ", d.pg_name, ranks);
  }
  node_.clear();
  node_.id = next_id_++;
  node_.name = "process_group:init";
  node_.type = workload::NodeType::kMetadata;
  node_.inputs = workload::EtIOInfo{"['[" + decl + "]']", "", ""};
  sink_.node(node_);
  for (int s = 0; s < run_.steps; ++s) step(s);
  if (labels_ != nullptr) labels_->resize(next_id_, workload::CommParallelism::kNone);
  sink_.end_npu(npu_);
}

}  // namespace tessera::llm::detail
