#include "tessera/collective/nccl/p2p.hpp"

#include <algorithm>
#include <numeric>

#include "int_math.hpp"
#include "tessera/collective/nccl/chunking.hpp"
#include "tessera/collective/nccl/constants.hpp"

namespace tessera::collective::nccl {

namespace {

int log2_up(int x) {
  int l = 0;
  while ((1 << l) < x) ++l;
  return l;
}

int reverse_bits(int x, int bits) {
  int r = 0;
  for (int i = 0; i < bits; ++i) r |= ((x >> i) & 1) << (bits - 1 - i);
  return r;
}

// The chunk size travels to the GPU as an 8-bit float (bitops.h u32fp8Encode): only the four most
// significant bits survive.
std::int64_t fp8_round(std::int64_t x) {
  if (x < 16) return x;
  int top = 63;
  while (((x >> top) & 1) == 0) --top;
  const int drop = top - 3;
  return (x >> drop) << drop;
}

// P2p schedule group: up to 8 local GPUs across nodes, all of them on one node.
int schedule_group(const Comm& c) {
  int group = c.nodes > 1 ? kMaxP2pPerBatch : c.local_ranks;
  if (c.local_ranks % group != 0 || c.local_ranks < group) group = std::gcd(group, c.local_ranks);
  return group;
}

}  // namespace

std::vector<P2pRound> p2p_schedule(const Comm& c, int rank) {
  const int g = c.local_ranks;
  const int group_size = schedule_group(c);
  const int local_rank = rank % g, node = rank / g;
  const int local = local_rank % group_size;
  const int groups_per_node = g / group_size;
  const int group = node * groups_per_node + local_rank / group_size;
  const int n_groups = c.ranks / group_size;
  const int n_groups_pow2 = pow2_up(n_groups);
  auto rank_of = [&](int grp, int in_group) {
    const int grp_node = grp / groups_per_node;
    const int grp_local = (grp % groups_per_node) * group_size;
    return grp_node * g + grp_local + in_group;
  };
  std::vector<P2pRound> rounds;
  std::uint32_t group_round = 0, group_delta = 0;
  do {
    if (group_delta < static_cast<std::uint32_t>(n_groups)) {
      const int send_group = (group + static_cast<int>(group_delta)) % n_groups;
      const int recv_group = (group - static_cast<int>(group_delta) + n_groups) % n_groups;
      for (int delta = 0; delta < group_size; ++delta) {
        rounds.push_back({rank_of(send_group, (local + delta) % group_size),
                          rank_of(recv_group, (local - delta + group_size) % group_size)});
      }
    }
    group_round += 1;
    group_delta = (group_delta + group_round) & static_cast<std::uint32_t>(n_groups_pow2 - 1);
  } while (group_round != static_cast<std::uint32_t>(n_groups_pow2));
  return rounds;
}

int p2p_channel_base(const Comm& c, int round) {
  int base;
  if (c.nodes > 1) {
    const int local_size = schedule_group(c);
    base = (round / local_size) * static_cast<int>(div_up(local_size, kMaxP2pPerBatch)) +
           (round % local_size) / kMaxP2pPerBatch;
  } else {
    base = round;
  }
  const int bits = log2_up(c.p2p_channels);
  return reverse_bits(base & ((1 << bits) - 1), bits);
}

int p2p_min_channels(const Comm& c) {
  int n = c.p2p_channels_per_peer;
  while (n * c.ranks > c.p2p_channels && n > 1) n /= 2;
  return n;
}

P2pTransfer plan_p2p(const Comm& c, std::int64_t bytes, bool network, bool self) {
  P2pTransfer t;
  const int n_min = p2p_min_channels(c), n_max = c.p2p_channels_per_peer;
  std::int64_t step = c.p2p_chunk_bytes;
  if (bytes == 0) {
    t.channels = 1;
  } else {
    // Parts between step/8 and 32 steps on one node, between half a step and a step across nodes.
    const std::int64_t min_part = c.nodes > 1 ? step / 2 : step / 8;
    const std::int64_t max_part = c.nodes > 1 ? step : step * 32;
    t.channels = static_cast<int>(std::min<std::int64_t>(n_min, div_up(bytes, min_part)));
    std::int64_t part = std::max(min_part, div_up(bytes, t.channels));
    while (part > max_part && t.channels <= n_max / 2) {
      t.channels *= 2;
      part = div_up(bytes, t.channels);
    }
  }
  const bool ll = !self && bytes <= t.channels * c.options.p2p_ll_threshold_bytes;
  t.proto = ll ? Proto::kLl : Proto::kSimple;
  step = ll ? c.buff_bytes[static_cast<int>(Proto::kLl)] / kSteps : c.p2p_chunk_bytes;
  std::int64_t chunk = step;
  if (network) {
    // Smaller chunks for small network transfers.
    if (!ll && bytes < step)
      chunk /= 4;
    else if (bytes < 8 * step)
      chunk /= 2;
  }
  std::int64_t data = ll ? chunk / 2 : chunk;
  t.chunk_bytes = fp8_round(data);
  // ncclP2pPartBounds: parts of ceil(bytes / channels) rounded up to 4 KiB.
  const std::int64_t part_bytes = div_up(div_up(bytes, std::max(1, t.channels)), 4096) * 4096;
  for (int p = 0; p < t.channels; ++p) {
    const std::int64_t beg = std::min(p * part_bytes, bytes), end = std::min((p + 1) * part_bytes, bytes);
    t.parts.push_back(end - beg);
  }
  return t;
}

P2pRoute p2p_route(const Comm& c, int src, int dst) {
  const NcclSystem& s = c.system;
  const int g = s.gpus_per_node;
  const int src_local = src % g, dst_local = dst % g;
  auto nic_of = [&](int gpu) {
    return s.nics_per_node >= g ? gpu * (s.nics_per_node / g) : gpu / (g / s.nics_per_node);
  };
  P2pRoute r;
  r.proxy_gpu = src_local;
  r.src_nic = nic_of(src_local);
  r.dst_nic = nic_of(dst_local);
  // PXN: the local GPU with the peer's index must reach us over NVLink and its NIC within P2C, with
  // GPUDirect (search.cc ncclTopoGetNetDev, pxnLevel 2).
  const int level = c.options.pxn_disable ? 0 : c.options.p2p_pxn_level;
  if (level == 2 && g > 1 && s.nvswitch && s.gdr && s.nic_path <= PathType::kP2c && dst_local != src_local) {
    r.pxn = true;
    r.proxy_gpu = dst_local;
    r.src_nic = nic_of(dst_local);
  }
  return r;
}

}  // namespace tessera::collective::nccl
