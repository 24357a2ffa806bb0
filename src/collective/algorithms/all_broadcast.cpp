// allBroadcast: one-shot all-reduce (Tessera's; not in ASTRA-sim). Every NPU sends its whole chunk
// to each of the other n-1 at once and reduces the n-1 chunks it receives: one network step
// instead of ring's 2(n-1), for (n-1)·S bytes sent instead of 2(n-1)·S/n. It suits small
// all-reduces on switched or fully connected dimensions (TensorRT-LLM's "one-shot" all-reduce).
// As a pipeline: n-1 packets at phase start, sent at once to ring distances 1..n-1; each receive
// creates a packet that reduces S and frees a slot; the phase ends when all n-1 have.
#include "tessera/collective/algorithm.hpp"

namespace tessera::collective {
namespace {

void peers(const PhaseProgram& p, std::int64_t k, Packet& out) {
  const int dist = 1 + static_cast<int>(k % (p.ring.size() - 1));
  out.send_to = p.ring.step(p.ring.position(), dist);
  out.recv_from = p.ring.step(p.ring.position(), -dist);
}

void plan(PhaseProgram& p, bool) {
  const std::int64_t n = p.ring.size();
  p.msg_bytes = p.input_bytes;
  p.window = static_cast<int>(n - 1);
  p.sends = n - 1;
  p.group = 2 * p.window;  // the window's packets send; the n-1 created by receives reduce
  p.peers = peers;
}

}  // namespace

namespace algorithms {
const AlgorithmRegistration& all_broadcast() {
  static const AlgorithmRegistration r{
      .name = "allBroadcast",
      .types = {CollectiveType::kAllReduce},
      .doc = "one-shot all-reduce: the whole chunk to every other NPU at once, n-1 local reductions (small "
             "messages on switched dimensions)",
      .plan = plan};
  return r;
}
}  // namespace algorithms

}  // namespace tessera::collective
