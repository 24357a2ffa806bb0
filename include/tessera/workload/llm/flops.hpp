// FLOP counts of one training step: Megatron's model-FLOP formulas (core 0.8 and main), NeMo's /
// DGX Cloud's "model FLOPs per sample" used for MFU, and the FLOPs the kernels execute
// (reference llm-training.md §3; docs/llm.md). The formulas use the model's vocab as given: pass a
// model whose vocab is padded when the source counts the padded one.
#pragma once

#include <cstdint>

#include "tessera/workload/llm/model.hpp"
#include "tessera/workload/llm/run.hpp"

namespace tessera::llm {

/// Megatron-Core 0.8 `num_floating_point_operations` for a global batch of `batch` sequences:
/// 12·B·s·L·h²·[(1 + g/a + s/h)·(a·d/h) + (f/h)·k·γ' + V/(2·L·h)], no causal discount
/// (core_v0.8.0 megatron/training/training.py).
double megatron_flops_r08(const ModelSpec& model, std::int64_t seq, std::int64_t batch);

/// Megatron-LM main `num_floating_point_operations` (transformer_flops, BSHD): the same terms
/// with the core-attention term halved for the causal mask.
double megatron_flops(const ModelSpec& model, std::int64_t seq, std::int64_t batch);

/// NeMo's / DGX Cloud's model FLOPs for one sequence (forward and backward, no recompute) by the
/// model's flops_family (NeMo nemo/utils/flops_formulas.py; DGXC v24.11 READMEs).
double model_flops_per_sample(const ModelSpec& model, std::int64_t seq);

/// FLOPs the forward of one layer executes per sequence (whole model width, causal attention
/// halved): QKV, attention scores and context, output projection, MLP (top_k experts and the
/// router for MoE).
double layer_forward_flops(const ModelSpec& model, std::int64_t seq);
/// FLOPs one step executes for `batch` sequences, recompute included: 3 x forward for every
/// GEMM and attention kernel (2 x for the backward), plus a layer forward again under full
/// recompute or the attention forward again under selective recompute; logits once.
double executed_flops(const ModelSpec& model, std::int64_t seq, std::int64_t batch, Recompute recompute);

/// Model FLOPs utilisation: batch·flops_per_sample / (step_seconds·gpus·peak).
double mfu(double flops_per_sample, std::int64_t global_batch, double step_seconds, int gpus,
           double peak_tflops);

}  // namespace tessera::llm
