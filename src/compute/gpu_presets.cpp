// The GPU presets: published peak rates, memory, SM counts and attention throughput, each with its
// source (docs/compute.md has the table with tags). Attention curves that no one published are
// derived here from the published ones by the rules written next to them.
#include "tessera/compute/gpu.hpp"

namespace tessera::compute {
namespace {

// FlashAttention's benchmark counts the backward as 2.5 x the forward FLOPs, so a forward+backward
// figure F_fb and a forward figure F_f give the backward rate 2.5 / (3.5 / F_fb - 1 / F_f)
// (Dao-AILab/flash-attention benchmarks/benchmark_flash_attention.py).
SeqCurve backward_from(const SeqCurve& fwd_bwd, const SeqCurve& fwd) {
  SeqCurve out;
  for (std::size_t i = 0; i < out.tflops.size(); ++i) {
    if (fwd_bwd.tflops[i] > 0 && fwd.tflops[i] > 0) {
      out.tflops[i] = 2.5 / (3.5 / fwd_bwd.tflops[i] - 1.0 / fwd.tflops[i]);
    }
  }
  return out;
}

SeqCurve scaled(const SeqCurve& base, const SeqCurve& num, const SeqCurve& den) {
  SeqCurve out;
  for (std::size_t i = 0; i < out.tflops.size(); ++i) {
    if (base.tflops[i] > 0 && num.tflops[i] > 0 && den.tflops[i] > 0) {
      out.tflops[i] = base.tflops[i] * num.tflops[i] / den.tflops[i];
    }
  }
  return out;
}

GpuSpec h100_sxm() {
  GpuSpec g;
  g.name = "h100-sxm";
  g.title = "NVIDIA H100 SXM5 80 GB";
  g.sms = 132;                 // NVIDIA Matrix Multiplication Background guide DU-09799-001; MLE
  g.peak_bf16_tflops = 989;    // dense; DGXC nemo_megatron/README_175b.md (MFU definition)
  g.peak_fp8_tflops = 1979;    // dense; same
  g.mamf_bf16_tflops = 794.5;  // stas00/ml-engineering compute/accelerator MAMF table (2048x2048x13312)
  g.mamf_fp8_tflops = 1402.6;  // same table
  g.mamf_k = 13312;            // the table's best BF16 shape; taken for FP8 too [U]
  // Per-tile fixed cost in units of K, fitted to the 8192 x 8192 x K sweeps on the same GH100
  // die (H800 SXM, 132 SMs): BF16 705/736/758/766 and FP8 1343/1467/1507/1541 TFLOP/s at
  // K = 2k/4k/8k/16k (tile-ai/tilelang benchmark/matmul{,_fp8}/README.md); t ∝ K + K0 fits each
  // curve within 2% (docs/compute.md).
  g.gemm_k0_bf16 = 230;
  g.gemm_k0_fp8 = 280;
  g.hbm_bytes_per_s = 3.35e12;         // HBM3; MLE compute/accelerator/README.md
  g.hbm_capacity = Bytes{80} << 30;    // 80 GB (CUDA counts binary gigabytes)
  g.memory_efficiency = 0.85;          // [U] reference llm-training.md §4: 0.8-0.9, to calibrate
  g.kernel_launch = 2 * kMicrosecond;  // [U] same section: "a few µs", to calibrate

  // Dao-AILab/flash-attention assets: flash2_h100_fwd_bwd_benchmark.png, flash3_fp16_fwd.png
  // (head dim 128, 16k tokens per batch; TFLOP/s at 1k, 2k, 4k, 8k, 16k).
  const SeqCurve fa2_fb_causal{{221, 265, 294, 308, 328}};
  const SeqCurve fa2_fb_full{{294, 320, 326, 335, 338}};
  const SeqCurve fa2_f_causal{{260, 298, 319, 333, 335}};
  const SeqCurve fa3_f_causal{{423, 521, 579, 602, 616}};
  const SeqCurve fa3_f_full{{565, 625, 638, 646, 648}};
  const SeqCurve cudnn_f_causal{{410, 484, 518, 529, 539}};
  const SeqCurve cudnn_f_full{{574, 617, 609, 600, 595}};
  // [D] FA2's non-causal forward is not published on H100: its forward/forward+backward ratio is
  // taken equal to the causal one at the same length.
  const SeqCurve fa2_f_full = scaled(fa2_fb_full, fa2_f_causal, fa2_fb_causal);
  AttentionFigures fa2{AttentionBackend::kFlash2, fa2_f_causal, fa2_f_full,
                       backward_from(fa2_fb_causal, fa2_f_causal), backward_from(fa2_fb_full, fa2_f_full)};
  // [D] FA3 and cuDNN publish forward only: their backward/forward ratio is taken equal to FA2's.
  AttentionFigures fa3{AttentionBackend::kFlash3, fa3_f_causal, fa3_f_full,
                       scaled(fa3_f_causal, fa2.backward_causal, fa2.forward_causal),
                       scaled(fa3_f_full, fa2.backward_full, fa2.forward_full)};
  AttentionFigures cudnn{AttentionBackend::kCudnn, cudnn_f_causal, cudnn_f_full,
                         scaled(cudnn_f_causal, fa2.backward_causal, fa2.forward_causal),
                         scaled(cudnn_f_full, fa2.backward_full, fa2.forward_full)};
  g.attention = {fa2, fa3, cudnn};
  g.source = "DGXC v24.11 peaks; ml-engineering MAMF and HBM; flash-attention FA2/FA3/cuDNN benchmarks";
  return g;
}

GpuSpec a100_sxm() {
  GpuSpec g;
  g.name = "a100-sxm";
  g.title = "NVIDIA A100 SXM4 80 GB";
  g.sms = 108;                 // MLE compute/accelerator; reference llm-training.md §4
  g.peak_bf16_tflops = 312;    // nanoGPT estimate_mfu; MLE MAMF table
  g.peak_fp8_tflops = 0;       // no FP8 tensor cores
  g.mamf_bf16_tflops = 271.2;  // MLE MAMF table
  g.hbm_bytes_per_s = 2.0e12;  // HBM2e; MLE compute/accelerator/README.md
  g.hbm_capacity = Bytes{80} << 30;
  g.memory_efficiency = 0.85;          // [U] as for H100
  g.kernel_launch = 2 * kMicrosecond;  // [U] as for H100
  // flash-attention assets/flash2_a100_fwd_bwd_benchmark.png: forward+backward only; the
  // non-causal curve starts at 2k. [D] Without a forward-only figure, forward and backward are
  // taken to run at the forward+backward rate.
  const SeqCurve fb_causal{{133, 155, 173, 182, 189}};
  const SeqCurve fb_full{{0, 187, 196, 201, 203}};
  g.attention = {AttentionFigures{AttentionBackend::kFlash2, fb_causal, fb_full, fb_causal, fb_full}};
  g.source = "nanoGPT/ml-engineering peaks, MAMF and HBM; flash-attention FA2 A100 benchmark";
  return g;
}

}  // namespace

std::optional<GpuSpec> find_gpu_preset(std::string_view name) {
  if (name == "h100-sxm") return h100_sxm();
  if (name == "a100-sxm") return a100_sxm();
  return std::nullopt;
}

std::vector<std::string> gpu_preset_names() { return {"a100-sxm", "h100-sxm"}; }

}  // namespace tessera::compute
