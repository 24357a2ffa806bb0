// direct[N] / oneDirect[N]: ASTRA-sim's AllToAll.cc. Up to N messages in flight (all n-1 peers
// without N), each to a different ring distance; all-reduce runs a reduce-scatter round and then an
// all-gather round that starts only once every first-round message arrived.
#include <algorithm>

#include "tessera/collective/algorithm.hpp"

namespace tessera::collective {
namespace {

void peers(const PhaseProgram& p, std::int64_t k, Packet& out) {
  // AllToAll::process_max_count: receiver and sender advance one ring step per packet,
  // skipping this NPU, so packet k pairs with ring distance 1 + k mod (n-1).
  const int sign = p.direction == Direction::kClockwise ? 1 : -1;
  const int dist = 1 + static_cast<int>(k % (p.ring.size() - 1));
  out.send_to = p.ring.step(p.ring.position(), sign * dist);
  out.recv_from = p.ring.step(p.ring.position(), -sign * dist);
}

void plan(PhaseProgram& p, bool) {
  const std::int64_t n = p.ring.size();
  const int window = p.algorithm.window;
  p.window = window < 0 ? static_cast<int>(n - 1) : static_cast<int>(std::min<std::int64_t>(window, n - 1));
  p.group = 2 * p.window;  // AllToAll.cc: non-zero packets = parallel_reduce
  p.sends = p.type == CollectiveType::kAllReduce ? 2 * (n - 1) : n - 1;
  if (p.type == CollectiveType::kAllReduce) p.second_round = static_cast<int>(n - 1);
  p.peers = peers;
}

}  // namespace

namespace algorithms {
const AlgorithmRegistration& direct() {
  static const AlgorithmRegistration r{
      .name = "direct",
      .flat_name = "oneDirect",
      .windowed = true,
      .types = {CollectiveType::kAllReduce, CollectiveType::kReduceScatter, CollectiveType::kAllGather,
                CollectiveType::kAllToAll},
      .doc = "ASTRA-sim AllToAll: N messages in flight (all n-1 peers without N), packet k at ring distance "
             "1 + k mod (n-1)",
      .plan = plan};
  return r;
}
}  // namespace algorithms

}  // namespace tessera::collective
