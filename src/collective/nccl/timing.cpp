// The constants of docs/nccl.md §8 ("Timing model and its calibration"). They were fitted once to the
// 1 x DGX H100 all_reduce_perf sweep (reference nccl-model.md §8a) and the published plateaus (§8b,
// §8c); none depends on a message size. The NVLink hop (0.31 µs GPU -> NVSwitch -> GPU) is the
// network's (configs/network/hgx-h100-*.yaml), so the GPU-side LL step and signal here leave it out.
#include "tessera/collective/nccl/timing.hpp"

namespace tessera::collective::nccl {
namespace {

constexpr SimTime us(double v) { return static_cast<SimTime>(v * 1e6 + 0.5); }
// GB/s (10^9 B/s) to bytes per picosecond.
constexpr double gbps(double v) { return v * 1e-3; }

// NVLink hop GPU -> NVSwitch -> GPU: store visibility at the peer (LL step a minus one trip b).
constexpr double kNvlinkHopUs = 0.31;

}  // namespace

GpuTiming gpu_timing(NcclGpu gpu, bool amd_host) {
  GpuTiming t;
  t.launch_floor = us(6.09);                       // fit to §8a, all sizes
  t.launch_per_cta = us(0.070);                    // fit to §8a, Ring LL on 1-24 CTAs
  t.ll_step = us(0.712 - kNvlinkHopUs);            // a = 0.712 µs (NCCL's own NVLink LL step: 0.6, tuning.cc)
  t.ll_extra_trip = us(0.40);                      // b, the 512 KiB -> 1 MiB jump (1 -> 2 trips)
  t.ll_wire_rate = gbps(43.0);                     // fit to §8a 1-32 KiB
  t.ll128_extra = us(1.3);                         // NCCL's LL128 - LL NVLink step latency (1.9 - 0.6)
  t.ll128_trip = us(0.523);                        // perChMaxRingLL128Bw 36.7 GB/s per 2-CTA channel
  t.copy_call = us(0.648);                         // fit to §8a 2 MiB - 16 GiB
  t.simple_rate = gbps(20.3);                      // 8 nodes: 320.7 busbw on 16 CTAs (§8c, tests#309)
  // Fit to §8b's 16 GiB ring plateaus (all-reduce, all-gather, reduce-scatter: the only step of a
  // loop without NVLink stores sets the gap between loops); 24 CTAs reducing at this rate move
  // 24 x 40.6 x 3 B = 2.9 TB/s, within H100's 3.35 TB/s of HBM.
  t.simple_local_rate = 2.0 * t.simple_rate;
  t.nvls_copy_rate = gbps(18.9);                   // §8a: the 128 KiB-chunk plateau, 274 algbw on 16 CTAs
  t.nvls_reduce_fixed = us(1.16);                  // fit to §8a
  t.nvls_reduce_rate = gbps(2.50);                 // fit to §8a (5 warps, latency-bound)
  t.signal = us(1.53 - kNvlinkHopUs);              // ℓ = 1.53 µs between NVLS stages, fit to §8a
  // NCCL's network post overhead, getNetOverhead (src/graph/tuning.cc): 1 µs Intel, 2 µs AMD.
  t.proxy = us(amd_host ? 2.0 : 1.0);
  if (gpu == NcclGpu::kA100) {
    // SM clock ratio, A100 SXM 1410 MHz / H100 SXM 1980 MHz boost (derived, docs/nccl.md §8).
    const double k = 1410.0 / 1980.0;
    t.ll_wire_rate *= k;
    t.simple_rate *= k;
    t.nvls_copy_rate *= k;
    // P2P read on sm80: a step that only receives reads the peer's buffer over NVLink.
    t.simple_local_rate = t.simple_rate;
  }
  return t;
}

}  // namespace tessera::collective::nccl
