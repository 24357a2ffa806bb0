// Kernel time = max(compute time, memory time) + launch cost, with the compute rate chosen per
// kernel class: GEMMs at the best-shape (MAMF) efficiency times their tile and wave utilisation
// and their reduction-depth utilisation,
// attention at the published FlashAttention/cuDNN throughput for its length and mask, memory-bound
// kernels at a fraction of HBM bandwidth (docs/compute.md).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "tessera/compute/gpu.hpp"
#include "tessera/error.hpp"

namespace tessera::compute {

const char* to_string(Precision p) {
  switch (p) {
    case Precision::kFp32:
      return "fp32";
    case Precision::kBf16:
      return "bf16";
    case Precision::kFp8:
      return "fp8";
  }
  return "?";
}

std::optional<Precision> precision_from_name(std::string_view name) {
  for (Precision p : {Precision::kFp32, Precision::kBf16, Precision::kFp8}) {
    if (name == to_string(p)) return p;
  }
  return std::nullopt;
}

int element_bytes(Precision p) { return p == Precision::kFp32 ? 4 : p == Precision::kBf16 ? 2 : 1; }

const char* to_string(AttentionBackend b) {
  switch (b) {
    case AttentionBackend::kFlash2:
      return "flash2";
    case AttentionBackend::kFlash3:
      return "flash3";
    case AttentionBackend::kCudnn:
      return "cudnn";
  }
  return "?";
}

std::optional<AttentionBackend> attention_backend_from_name(std::string_view name) {
  for (AttentionBackend b :
       {AttentionBackend::kFlash2, AttentionBackend::kFlash3, AttentionBackend::kCudnn}) {
    if (name == to_string(b)) return b;
  }
  return std::nullopt;
}

const char* to_string(KernelKind k) {
  switch (k) {
    case KernelKind::kRoofline:
      return "roofline";
    case KernelKind::kGemm:
      return "gemm";
    case KernelKind::kAttentionForward:
      return "attention_fwd";
    case KernelKind::kAttentionBackward:
      return "attention_bwd";
    case KernelKind::kMemory:
      return "memory";
  }
  return "?";
}

std::optional<KernelKind> kernel_kind_from_name(std::string_view name) {
  for (KernelKind k : {KernelKind::kRoofline, KernelKind::kGemm, KernelKind::kAttentionForward,
                       KernelKind::kAttentionBackward, KernelKind::kMemory}) {
    if (name == to_string(k)) return k;
  }
  return std::nullopt;
}

bool SeqCurve::empty() const {
  return std::all_of(tflops.begin(), tflops.end(), [](double v) { return v <= 0; });
}

double GpuSpec::peak_tflops(Precision p) const {
  return p == Precision::kBf16 ? peak_bf16_tflops : p == Precision::kFp8 ? peak_fp8_tflops : 0.0;
}

double GpuSpec::mamf_tflops(Precision p) const {
  return p == Precision::kBf16 ? mamf_bf16_tflops : p == Precision::kFp8 ? mamf_fp8_tflops : 0.0;
}

double GpuSpec::gemm_k0(Precision p) const {
  return p == Precision::kBf16 ? gemm_k0_bf16 : p == Precision::kFp8 ? gemm_k0_fp8 : 0.0;
}

const AttentionFigures* GpuSpec::find_attention(AttentionBackend b) const {
  for (const auto& a : attention) {
    if (a.backend == b) return &a;
  }
  return nullptr;
}

GpuModel::GpuModel(GpuSpec spec) : spec_(std::move(spec)) {
  if (spec_.sms <= 0 || spec_.peak_bf16_tflops <= 0 || spec_.mamf_bf16_tflops <= 0 ||
      spec_.hbm_bytes_per_s <= 0 || spec_.memory_efficiency <= 0 || spec_.memory_efficiency > 1) {
    throw Error(
        fmt::format("GPU model '{}': SMs, bf16 peak, MAMF, HBM bandwidth and memory efficiency (0, 1] "
                    "must all be set",
                    spec_.name));
  }
}

namespace {

// Output tile shapes cuBLAS/CUTLASS use for large 16-bit GEMMs; the largest two are the most
// efficient ones (NVIDIA, "Matrix Multiplication Background User's Guide", DU-09799-001 §3).
// The model takes the one that wastes least, as cuBLAS' heuristics pick per shape, and treats
// their steady-state efficiency as equal (the guide gives no per-tile figure).
constexpr std::int64_t kTiles[][2] = {{256, 128}, {128, 256}, {128, 128}};

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

}  // namespace

double GpuModel::tile_wave_utilization(std::int64_t m, std::int64_t n, std::int64_t batch, int sms) {
  if (m <= 0 || n <= 0 || batch <= 0 || sms <= 0) return 1.0;
  double best = 0;
  for (const auto& t : kTiles) {
    const std::int64_t tiles = ceil_div(m, t[0]) * ceil_div(n, t[1]) * batch;
    const std::int64_t waves = ceil_div(tiles, sms);
    const double covered = static_cast<double>(waves) * sms * static_cast<double>(t[0] * t[1]);
    best = std::max(best,
                    static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(batch) / covered);
  }
  return best;
}

double GpuModel::depth_utilization(std::int64_t k, Precision p) const {
  const double k0 = spec_.gemm_k0(p);
  if (k0 <= 0 || k <= 0 || spec_.mamf_k <= 0) return 1.0;
  // Each output tile pays a fixed prologue/epilogue besides its K/k_tile main-loop iterations;
  // MAMF's shape already pays it at its own depth.
  return std::min(1.0, (1 + k0 / static_cast<double>(spec_.mamf_k)) / (1 + k0 / static_cast<double>(k)));
}

double GpuModel::gemm_efficiency(const Kernel& g) const {
  const double peak = spec_.peak_tflops(g.precision);
  const double mamf = spec_.mamf_tflops(g.precision);
  if (peak <= 0 || mamf <= 0) {
    throw Error(fmt::format("GPU model '{}' has no {} tensor-core rate for GEMMs", spec_.name,
                            to_string(g.precision)));
  }
  const int sms = std::max(1, spec_.sms - std::clamp(g.reserved_sms, 0, spec_.sms - 1));
  // The MAMF sweep's best shape has no quantization loss, so MAMF/peak is the steady-state
  // efficiency of a full wave of full tiles; SMs given to communication do not compute.
  const double sm_share = static_cast<double>(sms) / spec_.sms;
  return mamf / peak * sm_share * tile_wave_utilization(g.m, g.n, g.batch, sms) *
         depth_utilization(g.k, g.precision);
}

double GpuModel::attention_tflops(const Kernel& a) const {
  const AttentionFigures* fig = spec_.find_attention(a.backend);
  if (!fig) {
    std::string have;
    for (const auto& f : spec_.attention)
      have += (have.empty() ? "" : ", ") + std::string(to_string(f.backend));
    throw Error(fmt::format("GPU model '{}' has no published {} attention figures (it has: {})", spec_.name,
                            to_string(a.backend), have.empty() ? "none" : have));
  }
  const bool fwd = a.kind == KernelKind::kAttentionForward;
  const SeqCurve& c = fwd ? (a.causal ? fig->forward_causal : fig->forward_full)
                          : (a.causal ? fig->backward_causal : fig->backward_full);
  // Published points at 1k·2^i keys; interpolate linearly in log2(length), clamp outside, skip gaps.
  const double x = std::log2(std::max<double>(1.0, static_cast<double>(a.n)) / 1024.0);
  int lo = -1, hi = -1;
  for (int i = 0; i < static_cast<int>(c.tflops.size()); ++i) {
    if (c.tflops[static_cast<std::size_t>(i)] <= 0) continue;
    if (i <= x) lo = i;
    if (i >= x && hi < 0) hi = i;
  }
  if (lo < 0 && hi < 0) throw Error(fmt::format("GPU model '{}': empty attention curve", spec_.name));
  if (lo < 0) return c.tflops[static_cast<std::size_t>(hi)];
  if (hi < 0 || hi == lo) return c.tflops[static_cast<std::size_t>(lo)];
  const double ylo = c.tflops[static_cast<std::size_t>(lo)], yhi = c.tflops[static_cast<std::size_t>(hi)];
  return ylo + (yhi - ylo) * (x - lo) / (hi - lo);
}

SimTime GpuModel::time(const Kernel& k) const {
  const double memory_s = k.bytes / (spec_.memory_efficiency * spec_.hbm_bytes_per_s);
  double compute_s = 0;
  switch (k.kind) {
    case KernelKind::kMemory:
      break;
    case KernelKind::kRoofline: {
      const Precision p = spec_.peak_tflops(k.precision) > 0 ? k.precision : Precision::kBf16;
      compute_s = k.flops / (spec_.mamf_tflops(p) * 1e12);
      break;
    }
    case KernelKind::kGemm:
      compute_s = k.flops / (gemm_efficiency(k) * spec_.peak_tflops(k.precision) * 1e12);
      break;
    case KernelKind::kAttentionForward:
    case KernelKind::kAttentionBackward: {
      const int sms = std::max(1, spec_.sms - std::clamp(k.reserved_sms, 0, spec_.sms - 1));
      compute_s = k.flops / (attention_tflops(k) * 1e12 * sms / spec_.sms);
      break;
    }
  }
  const double seconds = std::max(compute_s, memory_s);
  return static_cast<SimTime>(std::llround(seconds * 1e12)) + spec_.kernel_launch;
}

}  // namespace tessera::compute
