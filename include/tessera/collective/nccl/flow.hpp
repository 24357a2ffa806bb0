// The flow network model's view of a collective (docs/network.md, "The flow model"): NCCL's
// collectives timed whole instead of step by step. A collective's time on an idle network comes
// from a FlowOracle (the runtime measures it once per distinct call with the packet model, so the
// two models agree on an idle network); concurrent work of one NPU shares its NVLink and NIC
// egress through FlowPorts; the members agree on the start and the end through two control
// messages each (FlowRunner). One event pair per member and collective instead of one per step.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tessera/collective/executor.hpp"

namespace tessera::collective::nccl {

/// One collective call as the oracle times it: everything its idle-network time depends on.
struct FlowCall {
  CollectiveType type = CollectiveType::kAllReduce;
  Bytes bytes = 0;  ///< ET comm_size
  /// In the group's order; one object per group for the whole run (the oracle keys on it).
  const std::vector<NpuId>* members = nullptr;
};

/// How a call runs on an idle network, per group position.
struct FlowTiming {
  std::vector<SimTime> finish;       ///< when the member finished, from the common start
  std::vector<double> nvlink_share;  ///< its NVLink egress bytes / (finish x NVLink rate)
  std::vector<double> nic_share;     ///< its NIC egress bytes / (finish x NIC rate)
};

class FlowOracle {
 public:
  virtual ~FlowOracle() = default;
  /// The idle-network timing of `call` (deterministic: the same on every rank and rank count).
  virtual const FlowTiming& time(const FlowCall& call) = 0;
};

/// The ports of one NPU whose bandwidth concurrent work shares, per direction.
enum class FlowPort : std::uint8_t { kNvlinkOut, kNvlinkIn, kNicOut, kNicIn };

/// A use's share of one port.
struct PortShare {
  FlowPort port;
  double share;
};

/// One NPU's ledger of the work on its egress ports: each use holds a share of a port (its
/// bytes over its duration and the port's rate) until its end.
class FlowPorts {
 public:
  /// The shares of the uses of `port` still running at `now` (ended ones are dropped).
  double load(FlowPort port, SimTime now);
  /// Registers a use; returns its id for set_end.
  std::uint64_t add(FlowPort port, double share, SimTime end);
  /// The use's real end, once known.
  void set_end(std::uint64_t id, SimTime end);
  /// How much slower a use of these shares starting now runs: the most loaded port's demand
  /// (its running uses' shares plus this one's) over its capacity, at least 1. Shares of 0 are
  /// ignored.
  double slowdown(std::initializer_list<PortShare> shares, SimTime now);

 private:
  struct Use {
    std::uint64_t id;
    FlowPort port;
    double share;
    SimTime end;
  };
  std::vector<Use> uses_;
  std::uint64_t next_ = 1;
};

/// Slowdowns travel as fixed-point integers of 22 bits (a control message's sequence bits 5..26,
/// a point-to-point tag's bits 32..53; at most 4096x), and every NPU rounds the same way.
inline constexpr int kFlowFixedBits = 10;
inline constexpr std::int64_t kFlowFixedMax = (std::int64_t{1} << 22) - 1;
inline std::int64_t flow_fixed(double slowdown) {
  return std::min(kFlowFixedMax, static_cast<std::int64_t>(std::llround(slowdown * (1 << kFlowFixedBits))));
}
inline double flow_unfixed(std::int64_t fixed) { return static_cast<double>(fixed) / (1 << kFlowFixedBits); }

/// The collectives of one NPU under the flow model. Owned by NcclExecutor, which routes messages
/// of kind kKind and timers from kTimerBase here.
class FlowRunner {
 public:
  static constexpr std::uint32_t kKind = 14;
  static constexpr TimerToken kTimerBase = TimerToken{1} << 41;

  FlowRunner(CollectiveHost& host, FlowOracle& oracle, FlowPorts& ports, NpuId self);
  ~FlowRunner();
  FlowRunner(const FlowRunner&) = delete;
  FlowRunner& operator=(const FlowRunner&) = delete;

  /// Starts a collective (stream and id chosen by the executor, `position` = this NPU's index in
  /// `members`); finishes through host.collective_finished(id).
  void start(std::uint64_t stream, CollectiveId id, CollectiveType type, Bytes bytes,
             std::shared_ptr<const std::vector<NpuId>> members, int position);
  void on_message(NpuId src, const MessageTag& tag);
  void on_timer(TimerToken token);
  bool idle() const { return running_ == 0; }
  std::string stall_report() const;

 private:
  struct Collective;
  Collective& touch(std::uint64_t stream);
  void arrived(Collective& c, int position, SimTime start, std::int64_t slowdown);
  void finish(Collective& c);
  void send_done(Collective& c, int position);

  CollectiveHost& host_;
  FlowOracle& oracle_;
  FlowPorts& ports_;
  NpuId self_;
  std::map<std::uint64_t, std::unique_ptr<Collective>> streams_;
  std::vector<std::pair<std::uint64_t, int>> timers_;  // (stream, position to tell)
  std::vector<std::uint32_t> free_timers_;
  int running_ = 0;
};

}  // namespace tessera::collective::nccl
