// How NCCL cuts one collective into work: the per-channel split (src/enqueue.cc
// scheduleCollTasksToPlan), the chunk and slice of each channel (calcCollChunking), what the device
// loops do with them (src/device/all_reduce.h, prims_simple.h), and each protocol's buffers and wire
// format (src/include/device.h, src/init.cc).
#pragma once

#include <cstdint>
#include <vector>

#include "tessera/collective/nccl/comm.hpp"
#include "tessera/collective/nccl/selection.hpp"

namespace tessera::collective::nccl {

/// One protocol's buffer per connection and its units.
struct ProtocolGeometry {
  std::int64_t buffer_bytes = 0;     ///< per connection (comm->buffSizes)
  std::int64_t slot_bytes = 0;       ///< one of NCCL_STEPS slots (stepSize), wire bytes
  std::int64_t slot_data_bytes = 0;  ///< payload a full slot carries (LL half, LL128 120/128)
  std::int64_t grain_bytes = 0;      ///< chunk granularity (ncclProtoGrainSize: 16, 1920, 512)
};
ProtocolGeometry protocol_geometry(const Comm& comm, Proto proto);

/// Bytes on the wire that carry `data_bytes` of payload: LL sends 8 data bytes per 16-byte line,
/// LL128 120 per 128-byte line, Simple the data itself.
std::int64_t wire_bytes(Proto proto, std::int64_t data_bytes);

/// calcCollChunking's result for one channel's part.
struct Chunking {
  std::int64_t chunk_bytes = 0;  ///< data one rank moves per step of a loop
  std::int64_t slice_bytes = 0;  ///< data per wait/copy/post cycle (chunk / chunkSteps * sliceSteps)
  int chunk_steps = 1;           ///< FIFO slots a chunk occupies (4 for Ring Simple AR/AG/RS)
  int slice_steps = 1;           ///< FIFO slots a slice occupies (2 for Ring Simple AR/AG/RS)
  int steps_per_loop = 1;        ///< ring: n-1 (AG/RS) or 2(n-1) (AR); tree, NVLS: 1
  int chunks_per_loop = 1;       ///< ring: n; NVLS, NVLSTree: heads; tree: 1
  std::int64_t loop_bytes = 0;   ///< channels * chunks_per_loop * chunk
  int loops = 0;
  std::int64_t proxy_steps = 0;  ///< network steps the proxy posts (steps_per_loop * loops * chunk_steps)
};

/// calcCollChunking for `bytes` (globalBytesPerElement * count: the full array for all-gather and
/// reduce-scatter) run on `channels` channels.
Chunking calc_chunking(const Comm& comm, Func func, Algo algo, Proto proto, std::int64_t bytes, int channels);

/// One channel's contiguous part of the buffer (in elements of the API count) and its chunking.
struct ChannelPart {
  int channel = 0;
  std::int64_t offset = 0;  ///< elements
  std::int64_t count = 0;   ///< elements
  Chunking chunking;
};

/// scheduleCollTasksToPlan for a single collective: cells of ~32 KiB of traffic, dealt to channels
/// with equal traffic, each channel's chunk recomputed from its own part.
std::vector<ChannelPart> split_channels(const Comm& comm, const CollRequest& req, const Choice& choice);

/// The chunk (elements) of each loop of a ring channel of `count` elements: full loops use the
/// chunk; the last one shrinks to ceil(remaining / n) rounded up to 16 bytes (all_reduce.h runRing).
std::vector<std::int64_t> ring_loop_chunks(std::int64_t count, std::int64_t chunk_count, int ranks,
                                           int type_bytes);

/// The chunk (elements) of each loop of a one-node NVLS channel: the last loop shrinks to
/// ceil(remaining / heads) rounded up to 16 KiB (all_reduce.h RunWorkColl<NVLS>).
std::vector<std::int64_t> nvls_loop_chunks(std::int64_t count, std::int64_t chunk_count, int heads,
                                           int type_bytes);

/// Simple's slices of one chunk of `elems` elements: SlicePerChunk = chunk_steps / slice_steps
/// slices of max(ceil(elems / (16 * SlicePerChunk)) * 16, stepSize * sliceSteps / 32) elements,
/// the last one cut to what remains (prims_simple.h genericOp). Empty slices are omitted.
std::vector<std::int64_t> simple_slices(const Comm& comm, const Chunking& chunking, std::int64_t elems,
                                        int type_bytes);

}  // namespace tessera::collective::nccl
