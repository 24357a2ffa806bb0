// NCCL's collectives on one NPU (docs/nccl.md §7): for each call the library's choice (algorithm,
// protocol, CTAs), the per-channel split and chunking, and one step program per CTA that waits on
// its FIFO connections, pays the GPU-side costs of GpuTiming and sends its data, flags and credits
// through the host's network. Runs Ring (all-reduce, all-gather, reduce-scatter, broadcast,
// reduce) and Tree all-reduce in LL, LL128 and Simple, and NVLS all-reduce on one node through the
// NVSwitch's multicast and reduction. Knows nothing of the engine: it talks to its host through
// CollectiveHost, like CollectiveExecutor.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "tessera/collective/executor.hpp"
#include "tessera/collective/nccl/comm.hpp"
#include "tessera/collective/nccl/flow.hpp"
#include "tessera/collective/nccl/p2p_runner.hpp"
#include "tessera/collective/nccl/selection.hpp"
#include "tessera/collective/nccl/timing.hpp"

namespace tessera::collective::nccl {

/// What every NPU of a rank shares: the cluster as NCCL sees it, the options, the GPU costs, the
/// communicators by shape (built on first use) and the NVSwitch multicast groups the network
/// declared. Used from one thread (the LPs of a rank run on one).
class NcclContext {
 public:
  /// `base` describes one node (gpus_per_node, NICs, arch); its `nodes` is ignored. `multicast`
  /// maps a sorted member list (the GPUs of one communicator on one node) to the network's
  /// multicast group id; empty when the network has none (then NVLS is not available).
  NcclContext(NcclSystem base, NcclOptions options, GpuTiming timing,
              std::map<std::vector<NpuId>, std::uint32_t> multicast);

  /// The communicator of `local_ranks` GPUs on each of `nodes` nodes.
  const Comm& comm(int local_ranks, int nodes) const;
  const GpuTiming& timing() const { return timing_; }
  int gpus_per_node() const { return base_.gpus_per_node; }
  /// Whether two GPUs are on one node (NVLink between them, no NIC).
  bool same_node(NpuId a, NpuId b) const { return a / gpus_per_node() == b / gpus_per_node(); }
  /// The multicast group of these members (sorted), or -1.
  std::int64_t multicast_group(const std::vector<NpuId>& members) const;
  bool has_multicast() const { return !multicast_.empty(); }
  /// The flow network model's oracle (nullptr: the step programs run on the network). It times
  /// calls on the rank's one thread, so the executors share it.
  FlowOracle* flow_oracle() const { return flow_; }
  void set_flow_oracle(FlowOracle* oracle) { flow_ = oracle; }
  /// NPUs 0..n-1, one list per rank (the group of calls without a communicator group).
  std::shared_ptr<const std::vector<NpuId>> all_members(int n) const;

 private:
  NcclSystem base_;
  NcclOptions options_;
  GpuTiming timing_;
  std::map<std::vector<NpuId>, std::uint32_t> multicast_;
  mutable std::map<std::pair<int, int>, std::unique_ptr<Comm>> comms_;
  FlowOracle* flow_ = nullptr;
  mutable std::shared_ptr<const std::vector<NpuId>> all_;
};

/// The NCCL options of a run: NCCL's defaults, then each (variable, value) in order.
NcclOptions options_from_settings(const std::vector<std::pair<std::string, std::string>>& settings);

class NcclExecutor final : public CollectiveRunner {
 public:
  /// `context` and `topo` must outlive the executor. With the context's flow oracle, `ports` (this
  /// NPU's egress ledger, outliving the executor) is required and every call runs whole (FlowRunner).
  NcclExecutor(const NcclContext& context, const TopologyView& topo, NpuId self, CollectiveHost& host,
               FlowPorts* ports = nullptr);
  ~NcclExecutor() override;
  NcclExecutor(const NcclExecutor&) = delete;
  NcclExecutor& operator=(const NcclExecutor&) = delete;

  RunLabel describe(const CollectiveRequest& request) const override;
  CollectiveId start(const CollectiveRequest& request) override;
  void register_host_event(SimTime delay, std::uint64_t token) override;
  void on_timer(TimerToken token) override;
  void on_message(NpuId src, Bytes bytes, const MessageTag& tag) override;
  void on_send_complete(NpuId, Bytes, const MessageTag&) override {}
  bool idle() const override { return running_.empty() && p2p_.idle() && (!flow_ || flow_->idle()); }
  std::string stall_report() const override;

  struct Program;  // one CTA (executor.cpp)
  struct Collective;

 private:
  /// What a call resolves to on this NPU (identical on every member).
  struct Plan {
    Func func = Func::kAllReduce;
    CollRequest req;
    Choice choice;
    const Comm* comm = nullptr;
    std::shared_ptr<const std::vector<NpuId>> members;
    int position = 0;
    int root = 0;
    std::int64_t multicast = -1;
  };
  Plan plan(const CollectiveRequest& request) const;
  Collective& touch(std::uint64_t stream);
  void launch(Collective& c);
  void ask_piece(Collective& c, int cta);
  void bcast_piece(Collective& c, int cta);
  void advance(Collective& c, int cta);
  void finish_if_done(Collective& c);
  void timer_after(SimTime delay, std::uint64_t stream, int cta, int action, int kind = 0, NpuId peer = -1,
                   Bytes bytes = 0);
  bool same_node(NpuId a, NpuId b) const { return ctx_.same_node(a, b); }
  void post(Collective& c, int cta, int kind, NpuId dst, Bytes bytes);
  void send(Collective& c, int cta, int kind, NpuId dst, Bytes bytes);
  // Tree all-reduce (executor.cpp, after NVLS).
  static void arrive(Program& g, int kind, NpuId src);
  void advance_tree(Collective& c, int cta);
  void tree_step_done(Collective& c, int cta, int action);

  const NcclContext& ctx_;
  const TopologyView& topo_;
  NpuId self_;
  CollectiveHost& host_;
  std::unordered_map<std::uint32_t, std::uint64_t> counter_;      // per group id: collectives started
  std::map<std::uint64_t, std::unique_ptr<Collective>> streams_;  // by stream id (started or early)
  std::map<std::uint64_t, CollectiveId> running_;                 // stream -> id
  struct Timer {
    std::uint64_t stream;
    int cta;
    int action;
    // kProxySend / kProxyRecv: the message the proxy thread handles.
    int kind = 0;
    NpuId peer = -1;
    Bytes bytes = 0;
  };
  std::vector<Timer> timers_;
  std::vector<std::uint32_t> free_timers_;
  std::vector<std::uint64_t> host_tokens_;
  CollectiveId next_id_ = 1;
  P2pRunner p2p_;  // all-to-all: NCCL's grouped send/recv
  std::unique_ptr<FlowRunner> flow_;  // the flow model: whole calls
};

}  // namespace tessera::collective::nccl
