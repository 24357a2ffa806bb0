// The GPU compute model: how long one kernel takes on one GPU, from the GPU's published peak
// rates and the efficiency each kernel class reaches in published measurements (docs/compute.md).
// It times the kernels of generated LLM steps and the compute nodes of Chakra traces that carry
// FLOPs and bytes but no duration. Pure functions of the preset and the kernel: no state, no
// fitting per model.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/units.hpp"

namespace tessera::compute {

/// Number format of a kernel's math (GEMM inputs). Activations stay 16-bit in every case.
enum class Precision : std::uint8_t { kFp32, kBf16, kFp8 };
/// "fp32", "bf16", "fp8".
const char* to_string(Precision p);
std::optional<Precision> precision_from_name(std::string_view name);
/// Bytes per element: 4, 2, 1.
int element_bytes(Precision p);

/// Fused attention implementation whose published throughput times attention kernels.
enum class AttentionBackend : std::uint8_t { kFlash2, kFlash3, kCudnn };
/// "flash2", "flash3", "cudnn".
const char* to_string(AttentionBackend b);
std::optional<AttentionBackend> attention_backend_from_name(std::string_view name);

/// Kernel classes with their own efficiency model.
enum class KernelKind : std::uint8_t {
  kRoofline,           ///< only FLOPs and bytes are known: roofline at best-GEMM efficiency
  kGemm,               ///< dense matrix multiply (m x k) . (k x n), `batch` independent ones
  kAttentionForward,   ///< fused (flash) attention forward
  kAttentionBackward,  ///< fused attention backward (dQ, dK, dV)
  kMemory,             ///< memory-bound elementwise / reduction: time from bytes moved
};
/// "roofline", "gemm", "attention_fwd", "attention_bwd", "memory".
const char* to_string(KernelKind k);
std::optional<KernelKind> kernel_kind_from_name(std::string_view name);

/// One kernel as the model sees it.
struct Kernel {
  KernelKind kind = KernelKind::kRoofline;
  Precision precision = Precision::kBf16;
  AttentionBackend backend = AttentionBackend::kFlash2;  ///< attention kernels only
  /// FLOPs executed. GEMM: 2·m·n·k·batch. Attention: FlashAttention's convention, forward
  /// 4·batch·q·kv·d (half when causal), backward 2.5 x the forward.
  double flops = 0;
  double bytes = 0;  ///< HBM bytes read plus written
  /// GEMM: the shape. Attention: m = query length, n = key length, k = head dim, batch =
  /// micro-batch x local heads.
  std::int64_t m = 0, n = 0, k = 0, batch = 1;
  bool causal = false;   ///< attention: causal mask on a square block
  int reserved_sms = 0;  ///< SMs left to concurrent communication kernels (TE userbuffers)
};

/// A throughput curve over sequence length: TFLOP/s at 1k, 2k, 4k, 8k, 16k tokens (FlashAttention's
/// benchmark points, head dim 128, 16k tokens per batch). 0 = not published.
struct SeqCurve {
  std::array<double, 5> tflops{};
  bool empty() const;
};

/// The published figures of one attention backend on one GPU, and the ones derived from them
/// (docs/compute.md says which is which).
struct AttentionFigures {
  AttentionBackend backend = AttentionBackend::kFlash2;
  SeqCurve forward_causal, forward_full;    ///< forward only
  SeqCurve backward_causal, backward_full;  ///< backward only (derived from forward+backward)
};

/// One GPU model. Rates in SI units (10^12 FLOP/s, bytes/s).
struct GpuSpec {
  std::string name;             ///< preset name, e.g. "h100-sxm"
  std::string title;            ///< e.g. "NVIDIA H100 SXM5 80 GB"
  int sms = 0;                  ///< streaming multiprocessors
  double peak_bf16_tflops = 0;  ///< dense tensor-core peak
  double peak_fp8_tflops = 0;   ///< 0 = no FP8 tensor cores
  /// Best-shape GEMM throughput found by the maximum-achievable-matmul-FLOPs sweep (MAMF): the
  /// ceiling of the GEMM model, reached by shapes without tile or wave quantization loss.
  double mamf_bf16_tflops = 0, mamf_fp8_tflops = 0;
  /// Reduction depth K of the MAMF best shape, and each output tile's fixed cost (prologue,
  /// epilogue) in units of K per precision: a GEMM of depth K runs at (1 + K0/K_mamf)/(1 + K0/K)
  /// of MAMF, at most 1. K0 = 0 leaves the depth out.
  std::int64_t mamf_k = 0;
  double gemm_k0_bf16 = 0, gemm_k0_fp8 = 0;
  double hbm_bytes_per_s = 0;
  Bytes hbm_capacity = 0;
  double memory_efficiency = 0;  ///< fraction of HBM bandwidth memory-bound kernels reach
  SimTime kernel_launch = 0;     ///< fixed cost per kernel
  std::vector<AttentionFigures> attention;
  std::string source;  ///< where the numbers come from (one line)

  /// Tensor-core peak and MAMF for GEMM inputs of precision `p`; 0 when the GPU has none.
  double peak_tflops(Precision p) const;
  double mamf_tflops(Precision p) const;
  double gemm_k0(Precision p) const;
  const AttentionFigures* find_attention(AttentionBackend b) const;
};

/// The built-in presets ("h100-sxm", "a100-sxm"); nullopt when unknown.
std::optional<GpuSpec> find_gpu_preset(std::string_view name);
/// Their names, sorted.
std::vector<std::string> gpu_preset_names();

/// Times kernels on one GPU.
class GpuModel {
 public:
  explicit GpuModel(GpuSpec spec);
  const GpuSpec& spec() const { return spec_; }

  /// Duration of `kernel`, launch cost included, rounded to the picosecond.
  SimTime time(const Kernel& kernel) const;

  /// Fraction of the precision's peak a GEMM of this shape reaches (compute part only). Throws
  /// Error for a precision the GPU has no tensor-core rate for (fp32, or fp8 before Hopper).
  double gemm_efficiency(const Kernel& gemm) const;
  /// Tile and wave utilisation of a GEMM on `sms` SMs: useful tile area over the area the
  /// launched waves cover, for the best tile shape (1 = no quantization loss).
  static double tile_wave_utilization(std::int64_t m, std::int64_t n, std::int64_t batch, int sms);
  /// Throughput of reduction depth `k` relative to MAMF's depth (the per-tile fixed cost
  /// amortised over k), at most 1.
  double depth_utilization(std::int64_t k, Precision p) const;
  /// Attention throughput (TFLOP/s in FlashAttention's convention) for the kernel's backend,
  /// direction and mask at key length `kv`, interpolated in log2(length) and clamped to the
  /// published range. Throws Error if the GPU has no figures for that backend.
  double attention_tflops(const Kernel& attention) const;

 private:
  GpuSpec spec_;
};

}  // namespace tessera::compute
