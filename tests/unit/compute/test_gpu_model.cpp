// The GPU compute model against the published figures it is built from and the rules that derive
// the rest (docs/compute.md).
#include <gtest/gtest.h>

#include <cmath>

#include "tessera/compute/gpu.hpp"
#include "tessera/error.hpp"

namespace tessera::compute {
namespace {

GpuModel h100() { return GpuModel(*find_gpu_preset("h100-sxm")); }
GpuModel a100() { return GpuModel(*find_gpu_preset("a100-sxm")); }

Kernel gemm(std::int64_t m, std::int64_t n, std::int64_t k, Precision p = Precision::kBf16) {
  Kernel g;
  g.kind = KernelKind::kGemm;
  g.precision = p;
  g.m = m;
  g.n = n;
  g.k = k;
  g.flops = 2.0 * m * n * k;
  g.bytes = 2.0 * (m * k + k * n + m * n);
  return g;
}

Kernel attention(KernelKind kind, std::int64_t len, bool causal, AttentionBackend b) {
  Kernel a;
  a.kind = kind;
  a.backend = b;
  a.m = a.n = len;
  a.k = 128;
  a.batch = 16;
  a.causal = causal;
  a.flops = 4.0 * a.batch * len * len * 128 * (causal ? 0.5 : 1.0) *
            (kind == KernelKind::kAttentionBackward ? 2.5 : 1);
  return a;
}

double seconds(SimTime t) { return static_cast<double>(t) / static_cast<double>(kSecond); }

TEST(GpuPresets, NamesAndPublishedRates) {
  EXPECT_EQ(gpu_preset_names(), (std::vector<std::string>{"a100-sxm", "h100-sxm"}));
  EXPECT_FALSE(find_gpu_preset("h100"));
  const GpuSpec h = *find_gpu_preset("h100-sxm");
  EXPECT_EQ(h.sms, 132);
  EXPECT_DOUBLE_EQ(h.peak_tflops(Precision::kBf16), 989);
  EXPECT_DOUBLE_EQ(h.peak_tflops(Precision::kFp8), 1979);
  EXPECT_DOUBLE_EQ(h.mamf_tflops(Precision::kBf16), 794.5);
  EXPECT_DOUBLE_EQ(h.hbm_bytes_per_s, 3.35e12);
  EXPECT_EQ(h.hbm_capacity, Bytes{80} << 30);
  const GpuSpec a = *find_gpu_preset("a100-sxm");
  EXPECT_EQ(a.sms, 108);
  EXPECT_DOUBLE_EQ(a.peak_tflops(Precision::kBf16), 312);
  EXPECT_DOUBLE_EQ(a.peak_tflops(Precision::kFp8), 0);
  EXPECT_EQ(a.attention.size(), 1u);
}

TEST(GpuModelGemm, FullWavesOfFullTilesRunAtTheMamfRate) {
  const GpuModel g = h100();
  // 12 x 11 tiles of 256 x 128 = 132 tiles: one full wave on 132 SMs, at MAMF's depth.
  const Kernel k = gemm(12 * 256, 11 * 128, 13312);
  EXPECT_DOUBLE_EQ(GpuModel::tile_wave_utilization(k.m, k.n, k.batch, 132), 1.0);
  EXPECT_NEAR(g.gemm_efficiency(k), 794.5 / 989, 1e-12);
  const double expect = k.flops / 794.5e12 + 2e-6;
  EXPECT_NEAR(seconds(g.time(k)), expect, 1e-12);
}

TEST(GpuModelGemm, PartialWavesAndTilesLoseThroughput) {
  // One 128 x 128 tile on a 132-SM GPU: one SM of 132 works.
  EXPECT_NEAR(GpuModel::tile_wave_utilization(128, 128, 1, 132), 1.0 / 132, 1e-12);
  // 133 tiles of 128x128 (the best choice here) need two waves: 133 / 264.
  EXPECT_NEAR(GpuModel::tile_wave_utilization(133 * 128, 128, 1, 132), 133.0 / 264, 1e-12);
  // A ragged edge: m = 200 fills 200/256 of a 256-row tile; 128-row tiles are 200/256 too.
  EXPECT_NEAR(GpuModel::tile_wave_utilization(200, 128 * 132, 1, 132), 200.0 / 256, 1e-12);
  // Batched GEMMs fill the waves together.
  EXPECT_DOUBLE_EQ(GpuModel::tile_wave_utilization(256, 128, 132, 132), 1.0);
}

TEST(GpuModelGemm, ReservedSmsAndPrecision) {
  const GpuModel g = h100();
  Kernel k = gemm(12 * 256, 11 * 128, 13312);
  const double full = g.gemm_efficiency(k);
  k.reserved_sms = 24;  // 108 SMs left: 132 tiles take two waves of 108
  EXPECT_NEAR(g.gemm_efficiency(k),
              794.5 / 989 * 108.0 / 132 * GpuModel::tile_wave_utilization(k.m, k.n, 1, 108), 1e-12);
  EXPECT_LT(g.gemm_efficiency(k), full);
  Kernel f8 = gemm(12 * 256, 11 * 128, 13312, Precision::kFp8);
  EXPECT_NEAR(g.gemm_efficiency(f8), 1402.6 / 1979, 1e-12);
  EXPECT_THROW(a100().time(f8), Error);
  EXPECT_THROW(g.time(gemm(1024, 1024, 1024, Precision::kFp32)), Error);
}

TEST(GpuModelGemm, ShallowReductionsLoseTheTilesFixedCost) {
  const GpuModel g = h100();
  // t ∝ K + K0 per tile, relative to MAMF's K = 13312; deeper than that stays at MAMF.
  EXPECT_NEAR(g.depth_utilization(4096, Precision::kBf16), (1 + 230.0 / 13312) / (1 + 230.0 / 4096), 1e-12);
  EXPECT_NEAR(g.depth_utilization(2048, Precision::kFp8), (1 + 280.0 / 13312) / (1 + 280.0 / 2048), 1e-12);
  EXPECT_DOUBLE_EQ(g.depth_utilization(13312, Precision::kBf16), 1.0);
  EXPECT_DOUBLE_EQ(g.depth_utilization(65536, Precision::kBf16), 1.0);
  // The tilelang H800 sweep it is fitted to: 736 -> 766 TFLOP/s from K = 4k to 16k (4%).
  EXPECT_NEAR(g.depth_utilization(16384, Precision::kBf16) / g.depth_utilization(4096, Precision::kBf16),
              766.0 / 736, 0.01);
  const Kernel shallow = gemm(12 * 256, 11 * 128, 4096);
  EXPECT_NEAR(g.gemm_efficiency(shallow), 794.5 / 989 * g.depth_utilization(4096, Precision::kBf16), 1e-12);
  // A100 has no published depth sweep: its GEMMs keep MAMF at every depth.
  EXPECT_DOUBLE_EQ(a100().depth_utilization(1024, Precision::kBf16), 1.0);
}

TEST(GpuModelGemm, SkinnyGemmsAreMemoryBound) {
  const GpuModel g = h100();
  // k = 16: 2·m·n·16 FLOPs over ~2·m·n·2 bytes of output, far below the ridge point.
  const Kernel k = gemm(8192, 8192, 16);
  EXPECT_NEAR(seconds(g.time(k)), k.bytes / (0.85 * 3.35e12) + 2e-6, 1e-12);
}

TEST(GpuModelAttention, PublishedPointsInterpolationAndClamping) {
  const GpuModel g = h100();
  auto tf = [&](KernelKind k, std::int64_t len, bool causal, AttentionBackend b) {
    return g.attention_tflops(attention(k, len, causal, b));
  };
  const auto F = KernelKind::kAttentionForward, B = KernelKind::kAttentionBackward;
  const auto fa2 = AttentionBackend::kFlash2, fa3 = AttentionBackend::kFlash3,
             cudnn = AttentionBackend::kCudnn;
  EXPECT_DOUBLE_EQ(tf(F, 2048, true, fa2), 298);
  EXPECT_DOUBLE_EQ(tf(F, 8192, true, cudnn), 529);
  EXPECT_DOUBLE_EQ(tf(F, 16384, false, fa3), 648);
  EXPECT_NEAR(tf(F, 3072, true, fa2), 298 + (319 - 298) * (std::log2(3.0) - 1), 1e-9);
  EXPECT_DOUBLE_EQ(tf(F, 512, true, fa2), 260);    // below 1k: the 1k figure
  EXPECT_DOUBLE_EQ(tf(F, 65536, true, fa2), 335);  // above 16k: the 16k figure
  // Backward from forward+backward and forward: 2.5 / (3.5/221 − 1/260) at 1k, causal.
  EXPECT_NEAR(tf(B, 1024, true, fa2), 2.5 / (3.5 / 221 - 1.0 / 260), 1e-9);
  // cuDNN's backward keeps FA2's backward/forward ratio.
  EXPECT_NEAR(tf(B, 4096, true, cudnn), 518 * tf(B, 4096, true, fa2) / 319, 1e-9);
  // FA2's non-causal forward keeps the causal forward/(forward+backward) ratio.
  EXPECT_NEAR(tf(F, 2048, false, fa2), 320 * 298.0 / 265, 1e-9);
  // The forward+backward time the curves imply is the published figure.
  const Kernel fwd = attention(F, 8192, true, fa2), bwd = attention(B, 8192, true, fa2);
  const double fb_seconds =
      fwd.flops / (tf(F, 8192, true, fa2) * 1e12) + bwd.flops / (tf(B, 8192, true, fa2) * 1e12);
  EXPECT_NEAR((fwd.flops + bwd.flops) / fb_seconds / 1e12, 308, 1e-9);
}

TEST(GpuModelAttention, A100HasFlash2OnlyAndClampsTheMissingPoint) {
  const GpuModel g = a100();
  Kernel k = attention(KernelKind::kAttentionForward, 1024, false, AttentionBackend::kFlash2);
  EXPECT_DOUBLE_EQ(g.attention_tflops(k), 187);  // the non-causal curve starts at 2k
  k.causal = true;
  EXPECT_DOUBLE_EQ(g.attention_tflops(k), 133);
  k.backend = AttentionBackend::kCudnn;
  try {
    g.time(k);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no published cudnn attention figures (it has: flash2)"),
              std::string::npos)
        << e.what();
  }
}

TEST(GpuModelKernels, MemoryBoundAndRooflineAndLaunch) {
  const GpuModel g = h100();
  Kernel m;
  m.kind = KernelKind::kMemory;
  m.bytes = 1e9;
  EXPECT_NEAR(seconds(g.time(m)), 1e9 / (0.85 * 3.35e12) + 2e-6, 1e-12);
  Kernel r;
  r.kind = KernelKind::kRoofline;
  r.flops = 1e12;
  r.bytes = 1e6;
  EXPECT_NEAR(seconds(g.time(r)), 1e12 / 794.5e12 + 2e-6, 1e-12);
  Kernel empty;
  empty.kind = KernelKind::kMemory;
  EXPECT_EQ(g.time(empty), 2 * kMicrosecond);
}

TEST(GpuModelNames, RoundTrip) {
  for (Precision p : {Precision::kFp32, Precision::kBf16, Precision::kFp8})
    EXPECT_EQ(precision_from_name(to_string(p)), p);
  for (KernelKind k : {KernelKind::kRoofline, KernelKind::kGemm, KernelKind::kAttentionForward,
                       KernelKind::kAttentionBackward, KernelKind::kMemory}) {
    EXPECT_EQ(kernel_kind_from_name(to_string(k)), k);
  }
  for (AttentionBackend b :
       {AttentionBackend::kFlash2, AttentionBackend::kFlash3, AttentionBackend::kCudnn}) {
    EXPECT_EQ(attention_backend_from_name(to_string(b)), b);
  }
  EXPECT_FALSE(precision_from_name("fp16"));
  EXPECT_EQ(element_bytes(Precision::kFp8), 1);
}

TEST(GpuModelSpec, IncompleteSpecIsRefused) {
  GpuSpec s = *find_gpu_preset("h100-sxm");
  s.memory_efficiency = 0;
  EXPECT_THROW(GpuModel{s}, Error);
}

}  // namespace
}  // namespace tessera::compute
