// NCCL's compile-time constants that shape what goes on the wire, each with the file of
// NVIDIA/nccl@5067397c (2.30.7) that defines it. The tuner's tables live in tuner.cpp.
#pragma once

#include <cstdint>

namespace tessera::collective::nccl {

/// Slots per connection FIFO (src/include/device.h NCCL_STEPS).
inline constexpr int kSteps = 8;
/// Channels a communicator can hold (src/include/device.h MAXCHANNELS).
inline constexpr int kMaxChannels = 64;
inline constexpr int kWarpSize = 32;
/// Threads per CTA (src/include/device.h NCCL_MAX_NTHREADS, NCCL_SIMPLE_MAX_NTHREADS,
/// NCCL_LL_MAX_NTHREADS, NCCL_LL128_MAX_NTHREADS).
inline constexpr int kMaxThreads = 640;
inline constexpr int kSimpleMaxThreads = 512;
inline constexpr int kLlMaxThreads = 512;
inline constexpr int kLl128MaxThreads = 640;
/// Per-thread work before NCCL adds a CTA or threads (src/include/comm.h NCCL_*_THREAD_THRESHOLD);
/// Ring LL multiplies it by the rank count (src/graph/tuning.cc).
inline constexpr std::int64_t kLlThreadThreshold = 8;
inline constexpr std::int64_t kLl128ThreadThreshold = 8;
inline constexpr std::int64_t kSimpleThreadThreshold = 64;
/// PCIe bandwidth below which Ring Simple uses 256 threads (src/graph/topo.h PCI_BW, Gen3 x16).
inline constexpr double kPciGbps = 12.0;

/// LL: a 16-byte FIFO line holds two 4-byte data words and two 4-byte flags
/// (src/include/device.h union ncclLLFifoLine); 8 lines per thread per step.
inline constexpr int kLlLineBytes = 16;
inline constexpr int kLlLineDataBytes = 8;
inline constexpr int kLlLinesPerThread = 8;
/// LL128: a 128-byte line carries 120 bytes of data and an 8-byte flag; 120 elements of 8 bytes per
/// thread per step (src/include/device.h NCCL_LL128_LINESIZE, NCCL_LL128_ELEMS_PER_THREAD).
inline constexpr int kLl128LineBytes = 128;
inline constexpr int kLl128LineDataBytes = 120;
inline constexpr int kLl128ElemsPerThread = 120;
inline constexpr int kLl128ShmemElemsPerThread = 8;

/// Default buffer per connection and protocol (src/init.cc DEFAULT_LL_BUFFSIZE,
/// DEFAULT_LL128_BUFFSIZE, DEFAULT_BUFFSIZE).
inline constexpr std::int64_t kLlBuffBytes = kLlLinesPerThread * kLlMaxThreads * kSteps * kLlLineBytes;
inline constexpr std::int64_t kLl128BuffBytes =
    std::int64_t{kLl128ElemsPerThread} * kLl128MaxThreads * kSteps * 8;
inline constexpr std::int64_t kSimpleBuffBytes = std::int64_t{1} << 22;

/// Steps per chunk and per slice of the Simple ring collectives (src/include/collectives.h
/// ALLREDUCE_CHUNKSTEPS = NCCL_STEPS/2, ALLREDUCE_SLICESTEPS = NCCL_STEPS/4; the same for all-gather
/// and reduce-scatter; 1 and 1 for broadcast and reduce).
inline constexpr int kRingChunkSteps = kSteps / 2;
inline constexpr int kRingSliceSteps = kSteps / 4;
inline constexpr int kBroadcastChunkSteps = 1;
inline constexpr int kBroadcastSliceSteps = 1;

/// NVLS defaults (src/transport/nvls.cc NVLS_NCHANNELS_SM90, NCCL_NVLS_CHUNKSIZE).
inline constexpr int kNvlsChannelsSm90 = 16;
inline constexpr std::int64_t kNvlsChunkBytes = 128 * 1024;
/// Warps of an NVLS all-reduce CTA's reduce group at a head (5 with more than 6 ranks) and of
/// NVLSTree's broadcast group at a head with a parent (4), without registered buffers
/// (src/device/all_reduce.h RunWorkElement NVLS / NVLS_TREE).
inline constexpr int kNvlsReduceWarps = 5;
inline constexpr int kNvlsTreeBcastWarps = 4;
/// Heads of an NVLS group and children of a tree node (src/include/device.h NCCL_MAX_NVLS_ARITY,
/// NCCL_MAX_TREE_ARITY).
inline constexpr int kMaxNvlsArity = 32;
inline constexpr int kMaxTreeArity = 3;
/// Collectives of one kernel batch (src/include/device.h NCCL_MAX_DEV_WORK_BATCH_COLLS =
/// 1024 B / sizeof(ncclDevWorkColl), a 128-byte struct).
inline constexpr int kMaxDevWorkBatchColls = 8;
/// Point-to-point operations one channel runs together (src/include/device.h
/// NCCL_MAX_DEV_WORK_P2P_PER_BATCH).
inline constexpr int kMaxP2pPerBatch = 8;

/// Point-to-point chunk sizes and LL threshold (src/init.cc NCCL_P2P_NET_CHUNKSIZE,
/// NCCL_P2P_PCI_CHUNKSIZE, NCCL_P2P_NVL_CHUNKSIZE; src/enqueue.cc NCCL_P2P_LL_THRESHOLD) and the
/// per-channel network bandwidth p2p plans with (src/graph/paths.cc NCCL_P2P_PER_CHANNEL_NET_BW).
inline constexpr std::int64_t kP2pNetChunkBytes = 128 * 1024;
inline constexpr std::int64_t kP2pPciChunkBytes = 128 * 1024;
inline constexpr std::int64_t kP2pNvlChunkBytes = 512 * 1024;
inline constexpr std::int64_t kP2pLlThresholdBytes = 16384;
inline constexpr int kP2pPerChannelNetGbps = 14;

/// Minimal traffic per channel when splitting a collective over channels (src/enqueue.cc
/// scheduleCollTasksToPlan MinTrafficPerChannel).
inline constexpr std::int64_t kMinTrafficPerChannel = 32 * 1024;

}  // namespace tessera::collective::nccl
