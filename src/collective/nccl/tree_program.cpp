#include "tree_program.hpp"

#include <algorithm>

#include "int_math.hpp"
#include "tessera/collective/nccl/constants.hpp"
#include "tessera/collective/nccl/trees.hpp"

namespace tessera::collective::nccl {
TreeCta make_tree_cta(const Comm& comm, const Choice& choice, const ChannelPart& part, int cta,
                      const std::vector<NpuId>& members, int position, int type_bytes) {
  TreeCta g;
  const TreeLinks links = tree_links(comm, cta, position);
  auto npu = [&](int rank) { return members[static_cast<std::size_t>(rank)]; };
  if (links.up >= 0) g.up = npu(links.up);
  for (int d : links.down) {
    if (d >= 0) g.down.push_back(npu(d));
  }
  // runTreeSplit: Simple gives reduce-up half the threads (+64 from 256 on), LL and LL128 70 %
  // ("receiving from up to 3 sources is more compute intensive than sending to 3 dests").
  g.threads = std::max(choice.threads, kWarpSize);
  if (choice.proto == Proto::kSimple) {
    g.up_threads = g.threads / 2;
    if (g.up_threads >= 256) g.up_threads += 64;
  } else {
    g.up_threads = g.threads * 7 / (10 * kWarpSize) * kWarpSize;
  }
  // One chunk per step: min(chunkCount, what is left of the part).
  const std::int64_t chunk = std::max<std::int64_t>(1, part.chunking.chunk_bytes / type_bytes);
  for (std::int64_t done = 0; done < part.count; done += chunk) {
    g.chunks.push_back(std::min(chunk, part.count - done) * type_bytes);
  }
  return g;
}

TreeStepCost tree_step_cost(const GpuTiming& t, Proto proto, int threads, int cta_threads, Bytes bytes,
                            int sends) {
  TreeStepCost c;
  const double share = static_cast<double>(threads) / static_cast<double>(std::max(1, cta_threads));
  const std::int64_t nt = std::max(threads, kWarpSize);
  switch (proto) {
    case Proto::kSimple:
      c.data_after = t.copy_call;
      c.local =
          t.copy_call + std::max<SimTime>(1, bytes_time(static_cast<double>(bytes), t.simple_rate * share));
      break;
    case Proto::kLl: {
      const std::int64_t trips = std::max<std::int64_t>(1, div_up(bytes, nt * kLlLineDataBytes));
      const double stores = static_cast<double>(wire_bytes(Proto::kLl, bytes)) * std::max(1, sends);
      c.local = (sends > 0 ? t.ll_step + (trips - 1) * t.ll_extra_trip : 0) +
                bytes_time(stores, t.ll_wire_rate * share);
      break;
    }
    case Proto::kLl128: {
      const std::int64_t trips = std::max<std::int64_t>(1, div_up(bytes, nt * (kLl128LineDataBytes / 8)));
      c.local = (sends > 0 ? t.ll_step + t.ll128_extra : 0) + trips * t.ll128_trip;
      break;
    }
  }
  return c;
}

}  // namespace tessera::collective::nccl
