// NCCL's grouped point-to-point on one NPU (docs/nccl.md §6, §7 "p2p / all-to-all"): an all-to-all
// is one send and one receive per peer in ncclP2pSchedule's round order; each is striped over its
// channels (plan_p2p) and moves in FIFO steps of the p2p chunk with 8 slots per connection; network
// transfers pass the CPU proxy at both ends and leave through the NIC of the receiver's rail (PXN).
// Owned by NcclExecutor, which routes the p2p messages and timers here.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tessera/collective/executor.hpp"
#include "tessera/collective/nccl/comm.hpp"
#include "tessera/collective/nccl/timing.hpp"

namespace tessera::collective::nccl {

class P2pRunner {
 public:
  /// Message kind (low 4 bits of MessageTag::seq) NcclExecutor reserves for p2p traffic.
  static constexpr std::uint32_t kKind = 15;
  /// Timer tokens at or above this belong to the p2p runner.
  static constexpr TimerToken kTimerBase = TimerToken{1} << 40;

  P2pRunner(CollectiveHost& host, const GpuTiming& timing, NpuId self, int gpus_per_node);
  ~P2pRunner();
  P2pRunner(const P2pRunner&) = delete;
  P2pRunner& operator=(const P2pRunner&) = delete;

  /// What an all-to-all of `bytes` per rank over `members` (node-major, this NPU at `position`)
  /// runs as: the protocol of its largest transfer and the channels it uses.
  static RunLabel label(const Comm& comm, std::int64_t bytes, int n, bool network_peers);
  /// Starts an all-to-all (stream and id chosen by the executor); finishes through
  /// host.collective_finished(id).
  void start(std::uint64_t stream, CollectiveId id, const Comm& comm,
             std::shared_ptr<const std::vector<NpuId>> members, int position, std::int64_t bytes);
  void on_message(NpuId src, Bytes bytes, const MessageTag& tag);
  void on_timer(TimerToken token);
  bool idle() const { return running_ == 0; }
  std::string stall_report() const;

  struct Collective;  // p2p_runner.cpp

 private:
  struct Timer {
    std::uint64_t stream = 0;
    int channel = 0;
    int action = 0;
    NpuId peer = -1;
    Bytes bytes = 0;
    MessageTag tag{};  // kProxySend, kForward: the message the proxy posts
    int sub = 0;       // kProxyRecv: what landed
  };
  Collective& touch(std::uint64_t stream);
  void timer_after(SimTime delay, const Timer& t);
  void advance(Collective& c, int channel);
  void deliver(Collective& c, int channel, int sub, NpuId from);
  void finish_if_done(Collective& c);
  bool same_node(NpuId a, NpuId b) const { return a / gpn_ == b / gpn_; }

  CollectiveHost& host_;
  const GpuTiming& timing_;
  NpuId self_;
  int gpn_;
  std::map<std::uint64_t, std::unique_ptr<Collective>> streams_;
  int running_ = 0;
  std::vector<Timer> timers_;
  std::vector<std::uint32_t> free_timers_;
};

}  // namespace tessera::collective::nccl
