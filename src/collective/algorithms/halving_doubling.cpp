// halvingDoubling / oneHalvingDoubling: ASTRA-sim's HalvingDoubling.cc. log2 n exchanges with a
// partner at distance 1, 2, 4, ... (all-gather: n/2, n/4, ...); all-reduce goes out and back.
#include <bit>

#include "tessera/collective/algorithm.hpp"

namespace tessera::collective {
namespace {

void peers(const PhaseProgram& p, std::int64_t k, Packet& out) {
  // HalvingDoubling::process_max_count after each released packet: distance *= mult,
  // msg /= mult (a double, truncated); all-reduce turns around when the distance reaches n.
  const int n = p.ring.size();
  int ro = p.hd_rank_offset;
  double mult = p.hd_mult;
  Bytes msg = p.msg_bytes;
  for (std::int64_t i = 0; i < k; ++i) {
    ro = static_cast<int>(ro * mult);
    msg = static_cast<Bytes>(static_cast<double>(msg) / mult);
    if (ro == n && p.type == CollectiveType::kAllReduce) {
      mult = 0.5;
      ro = static_cast<int>(ro * mult);
      msg = static_cast<Bytes>(static_cast<double>(msg) / mult);
    }
  }
  const int pos = p.ring.position();
  const bool cw = ro == 0 || (pos / ro) % 2 == 0;
  out.send_to = out.recv_from = p.ring.step(pos, cw ? ro : -ro);
  out.bytes = msg;
}

void plan(PhaseProgram& p, bool) {
  const int n = p.ring.size();
  const int lg = std::countr_zero(static_cast<unsigned>(n));  // n is a power of two
  p.window = 1;
  p.group = lg;  // 1 zero-latency + (log2 n - 1) non-zero-latency packets
  p.sends = p.type == CollectiveType::kAllReduce ? 2 * lg : lg;
  if (p.type == CollectiveType::kAllGather) {
    p.msg_bytes = p.input_bytes;
    p.hd_rank_offset = n / 2;
    p.hd_mult = 0.5;
  } else {
    p.msg_bytes = p.input_bytes / 2;
    p.hd_rank_offset = 1;
    p.hd_mult = 2.0;
  }
  p.peers = peers;
}

}  // namespace

namespace algorithms {
const AlgorithmRegistration& halving_doubling() {
  static const AlgorithmRegistration r{
      .name = "halvingDoubling",
      .flat_name = "oneHalvingDoubling",
      .power_of_two = true,
      .types = {CollectiveType::kAllReduce, CollectiveType::kReduceScatter, CollectiveType::kAllGather},
      .doc = "ASTRA-sim HalvingDoubling: log2 n exchanges at distance 1, 2, 4, ... (all-gather n/2, n/4, ...)",
      .plan = plan};
  return r;
}
}  // namespace algorithms

}  // namespace tessera::collective
