// ring / oneRing: ASTRA-sim's Ring.cc. One message in flight; each receive creates the packet the
// next send takes, to the ring neighbour.
#include "tessera/collective/algorithm.hpp"

namespace tessera::collective {
namespace {

void peers(const PhaseProgram& p, std::int64_t, Packet& out) {
  const int sign = p.direction == Direction::kClockwise ? 1 : -1;
  out.send_to = p.ring.step(p.ring.position(), sign);
  out.recv_from = p.ring.step(p.ring.position(), -sign);
}

void plan(PhaseProgram& p, bool) {
  const std::int64_t n = p.ring.size();
  p.window = 1;
  p.group = static_cast<int>(n);  // 1 zero-latency + n-1 non-zero-latency packets
  // All-to-all relays every block along the ring: n(n-1)/2 messages.
  p.sends = p.type == CollectiveType::kAllReduce  ? 2 * (n - 1)
            : p.type == CollectiveType::kAllToAll ? n * (n - 1) / 2
                                                  : n - 1;
  p.peers = peers;
}

}  // namespace

namespace algorithms {
const AlgorithmRegistration& ring() {
  static const AlgorithmRegistration r{
      .name = "ring",
      .flat_name = "oneRing",
      .types = {CollectiveType::kAllReduce, CollectiveType::kReduceScatter, CollectiveType::kAllGather,
                CollectiveType::kAllToAll},
      .doc = "ASTRA-sim Ring: one message in flight to the ring neighbour; AR 2(n-1) messages of S/n",
      .plan = plan};
  return r;
}
}  // namespace algorithms

}  // namespace tessera::collective
