// The GPU-side costs of NCCL's kernels that the network does not carry: kernel launch, the per-step
// work of each protocol, the CTAs' copy and reduce rates, the NVSwitch reduction's latency-bound
// throughput and the cross-GPU signals. docs/nccl.md §8 gives each constant's mechanism and source;
// the network (NVLink, NVSwitch, NICs) adds its own latency and serialisation on top.
#pragma once

#include "tessera/collective/types.hpp"

namespace tessera::collective::nccl {

struct GpuTiming {
  SimTime launch_floor = 0;     ///< F: per collective (kernel-to-kernel gap, work fetch, prologue)
  SimTime launch_per_cta = 0;   ///< f: per CTA of the launch
  SimTime ll_step = 0;          ///< LL step on the GPU (NCCL's a minus the NVLink hop the network adds)
  SimTime ll_extra_trip = 0;    ///< b: each further pass of the threads over their lines
  double ll_wire_rate = 0;      ///< bytes/ps of LL wire bytes one CTA stores
  SimTime ll128_extra = 0;      ///< LL128 step on top of LL's
  SimTime ll128_trip = 0;       ///< per trip of 9600 data bytes (640 threads)
  SimTime copy_call = 0;        ///< λ: first load round trip of one copy call (Simple slice, NVLS peer)
  double simple_rate = 0;       ///< bytes/ps: Ring/Simple recv + reduce + remote write of one CTA
  /// bytes/ps: a Ring/Simple step that only receives (the last of a loop): with P2P write the data
  /// is already in local memory, so the CTA reads, reduces and stores in HBM without NVLink stores.
  double simple_local_rate = 0;
  double nvls_copy_rate = 0;    ///< bytes/ps: NVLS scatter/gather copy of one CTA (HBM to HBM)
  SimTime nvls_reduce_fixed = 0;  ///< multimem.ld_reduce + st of one head chunk: fixed part
  double nvls_reduce_rate = 0;    ///< bytes/ps of that operation (bytes in flight / switch round trip)
  SimTime signal = 0;           ///< fence + remote flag store + poll between NVLS stages, less the hop
  SimTime proxy = 0;            ///< CPU proxy thread: before a network step is posted and after it lands
};

/// H100 SXM (sm90) or A100 SXM (sm80: the per-CTA rates scale with the SM clock).
/// `amd_host`: the proxy runs on an AMD host (DGX A100) rather than an Intel one (DGX H100).
GpuTiming gpu_timing(NcclGpu gpu, bool amd_host);

/// Time to move `bytes` at `bytes_per_ps`, rounded to the picosecond (0 at an unset rate).
inline SimTime bytes_time(double bytes, double bytes_per_ps) {
  return bytes_per_ps > 0 ? static_cast<SimTime>(bytes / bytes_per_ps + 0.5) : 0;
}

}  // namespace tessera::collective::nccl
