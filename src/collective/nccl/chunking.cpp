#include "tessera/collective/nccl/chunking.hpp"

#include <algorithm>

#include "int_math.hpp"
#include "tessera/collective/nccl/constants.hpp"

namespace tessera::collective::nccl {

namespace {

// ncclFuncTrafficPerByte.
int traffic_per_byte(Func f, int ranks) {
  switch (f) {
    case Func::kAllReduce:
      return 2;
    case Func::kAllGather:
    case Func::kReduceScatter:
      return ranks;
    default:
      return 1;
  }
}

// Steps per chunk and per slice the API call sets (src/enqueue.cc taskAppend; collectives.h).
int chunk_steps_of(Func f) {
  return f == Func::kBroadcast || f == Func::kReduce ? kBroadcastChunkSteps : kRingChunkSteps;
}
int slice_steps_of(Func f) {
  return f == Func::kBroadcast || f == Func::kReduce ? kBroadcastSliceSteps : kRingSliceSteps;
}

// NVLS heads: every local GPU on one node, one GPU per NIC across nodes (the NVLS graph's channels).
int nvls_heads(const Comm& c) { return c.nodes > 1 ? c.graphs.nvls.channels : c.local_ranks; }

}  // namespace

ProtocolGeometry protocol_geometry(const Comm& c, Proto proto) {
  ProtocolGeometry g;
  g.buffer_bytes = c.buff_bytes[static_cast<int>(proto)];
  g.slot_bytes = g.buffer_bytes / kSteps;
  switch (proto) {
    case Proto::kLl:
      g.slot_data_bytes = g.slot_bytes / 2;
      g.grain_bytes = 16;
      break;
    case Proto::kLl128:
      g.slot_data_bytes = g.slot_bytes / kLl128LineBytes * kLl128LineDataBytes;
      g.grain_bytes = std::int64_t{kWarpSize} * kLl128ShmemElemsPerThread / (kLl128LineBytes / 8) *
                      (kLl128LineDataBytes / 8) * 8;
      break;
    case Proto::kSimple:
      g.slot_data_bytes = g.slot_bytes;
      g.grain_bytes = 512;
      break;
  }
  return g;
}

std::int64_t wire_bytes(Proto proto, std::int64_t data) {
  switch (proto) {
    case Proto::kLl:
      return div_up(data, kLlLineDataBytes) * kLlLineBytes;
    case Proto::kLl128:
      return div_up(data, kLl128LineDataBytes) * kLl128LineBytes;
    case Proto::kSimple:
      return data;
  }
  return data;
}

Chunking calc_chunking(const Comm& c, Func func, Algo algo, Proto proto, std::int64_t bytes, int channels) {
  Chunking k;
  const ProtocolGeometry geo = protocol_geometry(c, proto);
  const bool ring_simple = proto == Proto::kSimple && algo == Algo::kRing;
  k.chunk_steps = ring_simple ? chunk_steps_of(func) : 1;
  k.slice_steps = ring_simple ? slice_steps_of(func) : 1;
  std::int64_t chunk = geo.slot_bytes * k.chunk_steps;
  if (proto == Proto::kLl) chunk /= 2;
  if (proto == Proto::kLl128) chunk = chunk / (kLl128LineBytes / 8) * (kLl128LineDataBytes / 8);

  if (algo == Algo::kNvls) {
    std::int64_t max_chunk = c.nvls_chunk_bytes;
    if (c.nodes > 1 && c.bandwidth(Func::kAllReduce, Algo::kNvls, Proto::kSimple) < 150) max_chunk = 32768;
    chunk = std::min(chunk, max_chunk);
    const std::int64_t ops = std::int64_t{channels} * nvls_heads(c);
    if (bytes < 64 * ops * chunk && chunk > 65536) chunk = 65536;
    if (bytes < 8 * ops * chunk && chunk > 32768) chunk = 32768;
    if (bytes < 2 * ops * chunk && chunk > 16384) chunk = 16384;
  } else if (algo == Algo::kNvlsTree) {
    const std::int64_t ops = std::int64_t{channels} * nvls_heads(c);
    chunk = std::min(c.nvls_chunk_bytes, c.nvlstree_max_chunk_bytes);
    if (bytes < 32 * ops * chunk && chunk > 262144) chunk = 262144;
    if (bytes < 16 * ops * chunk && chunk > 131072) chunk = 131072;
    if (bytes < 4 * ops * chunk && chunk > 65536) chunk = 65536;
    if (bytes < 1 * ops * chunk && chunk > 32768) chunk = 32768;
  } else if (algo == Algo::kTree && proto == Proto::kLl128) {
    const float ppn = static_cast<float>(c.ranks) / static_cast<float>(c.nodes);
    const float steps = 1 + log2i(c.nodes) + 0.1f * ppn;
    // NCCL divides integers on the left of '<' on purpose.
    while (static_cast<float>(bytes / (channels * chunk)) < steps * 64 / ppn && chunk > 131072) chunk /= 2;
    while (static_cast<float>(bytes / (channels * chunk)) < steps * 16 / ppn && chunk > 32768) chunk /= 2;
  } else if (func == Func::kAllGather && algo == Algo::kPat) {
    while (chunk * channels * 32 > bytes && chunk > 65536) chunk /= 2;
  } else if (func == Func::kReduceScatter && algo == Algo::kPat) {
    while (chunk * channels * 16 > bytes && chunk > 65536) chunk /= 2;
  }
  chunk = chunk / geo.grain_bytes * geo.grain_bytes;
  k.chunk_bytes = chunk;
  k.slice_bytes = chunk / k.chunk_steps * k.slice_steps;

  if (algo == Algo::kNvls || algo == Algo::kNvlsTree) {
    k.steps_per_loop = 1;
    k.chunks_per_loop = nvls_heads(c);
  } else if (algo == Algo::kRing && (func == Func::kAllGather || func == Func::kReduceScatter)) {
    k.steps_per_loop = c.ranks - 1;
    k.chunks_per_loop = c.ranks;
  } else if (algo == Algo::kRing && func == Func::kAllReduce) {
    k.steps_per_loop = 2 * (c.ranks - 1);
    k.chunks_per_loop = c.ranks;
  } else {  // trees, PAT, broadcast/reduce pipelines
    k.steps_per_loop = k.chunks_per_loop = 1;
  }
  k.loop_bytes = std::int64_t{channels} * k.chunks_per_loop * chunk;
  k.loops = chunk > 0 ? static_cast<int>(div_up(bytes, k.loop_bytes)) : 0;
  k.proxy_steps = std::int64_t{k.steps_per_loop} * k.loops * k.chunk_steps;
  return k;
}

std::vector<ChannelPart> split_channels(const Comm& c, const CollRequest& r, const Choice& ch) {
  const bool nvls = ch.algo == Algo::kNvls || ch.algo == Algo::kNvlsTree;
  const int max_channels = nvls ? c.nvls_channels : c.channels;  // nMaxChannels[kind]
  const std::int64_t elem = r.type_bytes;
  int traffic_byte = traffic_per_byte(r.func, c.ranks);
  if (ch.proto == Proto::kLl) traffic_byte *= 4;
  const std::int64_t traffic = std::max(kMinTrafficPerChannel, r.count * elem * traffic_byte);
  const int plan_channels = std::min(ch.channels, max_channels);
  const std::int64_t traffic_per_channel = div_up(traffic / plan_channels, 16) * 16;

  const std::int64_t cell = div_up(div_up(kMinTrafficPerChannel, traffic_byte), 16) * 16;
  const std::int64_t elems_per_cell = cell / elem;
  const std::int64_t cells = div_up(r.count * elem, cell);
  const std::int64_t traffic_per_cell = cell * traffic_byte;
  std::int64_t cells_per_channel = std::min(cells, div_up(traffic_per_channel, traffic_per_cell));
  int channel = 0;
  std::int64_t cells_lo =
      max_channels == 1 ? cells : std::min(cells, div_up(traffic_per_channel, traffic_per_cell));
  int mid = static_cast<int>((cells - cells_lo) / cells_per_channel);
  std::int64_t cells_hi = (cells - cells_lo) % cells_per_channel;
  int n = (cells_lo != 0 ? 1 : 0) + mid + (cells_hi != 0 ? 1 : 0);
  if (max_channels < channel + n) {  // overflowed the available channels
    mid = max_channels - channel - 2;
    cells_per_channel = (cells - cells_lo) / (mid + 1);
    cells_hi = cells_per_channel + (cells - cells_lo) % (mid + 1);
  }
  if (cells_hi == 0 && mid != 0) {
    cells_hi = cells_per_channel;
    mid -= 1;
  }
  if (cells_lo == 0) {  // the first channel got nothing: the next one becomes the first
    channel += 1;
    if (mid == 0) {
      cells_lo = cells_hi;
      cells_hi = 0;
    } else {
      cells_lo = cells_per_channel;
      mid -= 1;
    }
  }
  const std::int64_t count_mid = mid != 0 ? cells_per_channel * elems_per_cell : 0;
  std::int64_t count_lo = cells_lo * elems_per_cell;
  std::int64_t count_hi = cells_hi * elems_per_cell;
  (count_hi != 0 ? count_hi : count_lo) -= cells * elems_per_cell - r.count;

  // Each part is chunked as one channel of its own (globalBytesPerElement = the full array for
  // all-gather and reduce-scatter).
  const std::int64_t global =
      elem * (r.func == Func::kAllGather || r.func == Func::kReduceScatter ? c.ranks : 1);
  std::vector<ChannelPart> parts;
  std::int64_t offset = 0;
  auto add = [&](std::int64_t count) {
    ChannelPart p;
    p.channel = channel + static_cast<int>(parts.size());
    p.offset = offset;
    p.count = count;
    p.chunking = calc_chunking(c, r.func, ch.algo, ch.proto, global * count, 1);
    offset += count;
    parts.push_back(p);
  };
  if (count_lo != 0) add(count_lo);
  for (int i = 0; i < mid; ++i) add(count_mid);
  if (cells_hi != 0) add(count_hi);
  return parts;
}

namespace {

// Full loops of parts x chunk, then one loop whose chunk is ceil(remaining / parts) rounded up to
// `align_elems`.
std::vector<std::int64_t> loop_chunks(std::int64_t count, std::int64_t chunk_count, int parts,
                                      std::int64_t align_elems) {
  std::vector<std::int64_t> chunks;
  const std::int64_t loop = std::int64_t{parts} * chunk_count;
  for (std::int64_t done = 0; done < count; done += loop) {
    const std::int64_t rem = count - done;
    chunks.push_back(rem < loop ? align_up(div_up(rem, parts), align_elems) : chunk_count);
  }
  return chunks;
}

}  // namespace

std::vector<std::int64_t> ring_loop_chunks(std::int64_t count, std::int64_t chunk_count, int ranks,
                                           int type_bytes) {
  return loop_chunks(count, chunk_count, ranks, std::max(1, 16 / type_bytes));
}

std::vector<std::int64_t> nvls_loop_chunks(std::int64_t count, std::int64_t chunk_count, int heads,
                                           int type_bytes) {
  return loop_chunks(count, chunk_count, heads, 16384 / type_bytes);
}

std::vector<std::int64_t> simple_slices(const Comm& c, const Chunking& k, std::int64_t elems,
                                        int type_bytes) {
  const int slices_per_chunk = k.chunk_steps / k.slice_steps;
  const std::int64_t step_elems = protocol_geometry(c, Proto::kSimple).slot_bytes / type_bytes;
  const std::int64_t slice =
      std::max(div_up(elems, 16 * std::int64_t{slices_per_chunk}) * 16, step_elems * k.slice_steps / 32);
  std::vector<std::int64_t> out;
  std::int64_t offset = 0;
  for (int s = 0; s < slices_per_chunk && offset < elems; ++s) {
    const std::int64_t n = std::min(slice, elems - offset);
    out.push_back(n);
    offset += n;
  }
  return out;
}

}  // namespace tessera::collective::nccl
