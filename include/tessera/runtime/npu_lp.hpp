// The NPU logical process: executes one NPU's trace DAG with ASTRA-sim's workload semantics
// (docs/running.md, docs/astra-parity.md §3). It issues dependency-free nodes in ascending id
// with one CPU, one GPU-compute and one GPU-comm slot (RECV takes none), runs compute for its
// duration, hands collectives to its CollectiveExecutor and point-to-point messages to its Nic, and
// records the start and end of every node.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "tessera/collective/executor.hpp"
#include "tessera/collective/nccl/executor.hpp"
#include "tessera/network/network.hpp"
#include "tessera/network/nic.hpp"
#include "tessera/output/records.hpp"
#include "tessera/pdes/context.hpp"
#include "tessera/pdes/logical_process.hpp"
#include "tessera/runtime/custom_collectives.hpp"
#include "tessera/runtime/time_breakdown.hpp"
#include "tessera/workload/workload.hpp"

namespace tessera::runtime {

/// Runtime event kinds (outside the network's reserved 0x4E00..0x4EFF).
enum RuntimeEventKind : pdes::EventKind {
  kCollectiveTimer = 0x5201,  ///< payload word 0: the executor's TimerToken
  kRecvMatched = 0x5202,      ///< payload word 0: the RECV node index whose data had already arrived
  kFlowDelivered = 0x5203,    ///< flow model: a point-to-point message whose ingress share ended now
};

/// What all NPU LPs of a rank share (owned by the Simulation; outlives the LPs).
struct NpuShared {
  const network::Network* network = nullptr;
  const collective::SystemConfig* system = nullptr;
  const collective::TopologyView* topology = nullptr;
  /// pg_name -> group (absent or nullptr: all NPUs).
  const std::map<std::string, collective::CommGroup>* groups = nullptr;
  /// Custom collective graphs selected by the system configuration (nullptr: none).
  const CustomCollectives* custom = nullptr;
  /// The NCCL model's shared state when system.collective_library is nccl (else nullptr).
  const collective::nccl::NcclContext* nccl = nullptr;
  /// Remote memory (MEM_LOAD/MEM_STORE): fixed latency plus size / bandwidth.
  SimTime memory_latency = 0;
  Bandwidth memory_bandwidth{0};
  /// The rank's records (SimulationResult::records): NPU LPs append their collective records and
  /// (keep_intervals) intervals to it, with labels interned in its string table. LPs of a rank
  /// run on one thread, so they share it without locking.
  output::RunRecords* records = nullptr;
};

/// Message tags on the wire (64 bits): bit 63 set = point-to-point (low 32 bits = comm_tag);
/// otherwise a collective MessageTag packed as group id (8 bits) | stream counter (28 bits) |
/// sequence (27 bits). Throws Error when a collective exceeds those ranges.
std::uint64_t pack_collective_tag(const collective::MessageTag& tag);
collective::MessageTag unpack_collective_tag(std::uint64_t wire);

class NpuLp final : public pdes::LogicalProcess, public network::NicOwner, public collective::CollectiveHost {
 public:
  /// `workload` must outlive the LP. `keep_intervals` keeps the per-node timeline (for HDF5).
  NpuLp(const NpuShared& shared, const workload::Workload& workload, int npu, bool keep_intervals);
  ~NpuLp() override;

  // pdes::LogicalProcess
  void init(pdes::Context& ctx) override;
  void handle(const pdes::Event& ev, pdes::Context& ctx) override;
  bool finished() const override;
  std::string stall_report() const override;

  // network::NicOwner
  void on_message_arrived(pdes::Context& ctx, const network::ArrivedMessage& m) override;
  void on_message_delivered(pdes::Context& ctx, const network::SentMessage& m) override;

  // collective::CollectiveHost
  SimTime now() const override { return ctx_->now(); }
  void schedule_after(SimTime delay, collective::TimerToken token) override;
  void send(collective::NpuId dst, Bytes bytes, const collective::MessageTag& tag, bool want_completion) override;
  void collective_finished(collective::CollectiveId id) override;
  void multicast(std::uint32_t group, Bytes bytes, const collective::MessageTag& tag) override;
  void switch_reduce(std::uint32_t group, Bytes bytes, const collective::MessageTag& tag) override;
  void host_event(std::uint64_t token) override;
  SimTime control_delay(collective::NpuId from, collective::NpuId to) const override;
  void send_control(collective::NpuId dst, const collective::MessageTag& tag) override;

  /// Results; `summary` is complete once the run ended.
  /// This NPU's summary row, once the run is over (its other records are in NpuShared::records).
  output::NpuSummary summary() const;
  /// Where this NPU's time went, for workloads with parallelism labels (LLM runs), else nullopt.
  std::optional<output::NpuBreakdown> breakdown() const;
  const network::Nic& nic() const { return nic_; }
  /// Trace nodes completed so far, and in the whole trace (for progress estimates).
  std::uint64_t nodes_completed() const { return completed_; }
  std::uint64_t nodes_total() const { return wl_.size(); }

 private:
  std::string waiting_report() const;
  enum Slot : std::uint8_t { kCpu = 0, kGpuCompute = 1, kGpuComm = 2, kNoSlot = 3 };
  Slot slot_of(workload::NodeIndex i) const;
  void issue_ready();
  void issue(workload::NodeIndex i);
  void complete(workload::NodeIndex i);
  void start_collective(workload::NodeIndex i);
  void post_recv(workload::NodeIndex i);
  /// Flow model: a point-to-point message's route from `from` to `to`, looked up once per end.
  struct FlowRoute {
    SimTime latency = 0;
    SimTime serialize = 0;  ///< `bytes` at the route's slowest link
    /// The message's delay when its serialization is stretched by `slowdown`.
    SimTime delay(double slowdown) const;
  };
  FlowRoute flow_route(int from, int to, Bytes bytes) const;
  void flow_send(workload::NodeIndex i, int dst);
  void flow_arrived(const network::ArrivedMessage& m);
  void flow_delivered(const network::ArrivedMessage& m, SimTime send_start);
  /// A point-to-point message is here; `send_start` is when its send began (the breakdown's bubble).
  void p2p_arrived(const network::ArrivedMessage& m, SimTime send_start);
  bool same_box(int a, int b) const;
  void check_report();
  struct P2pKey {
    int src;
    std::int32_t tag;
    Bytes bytes;
    auto operator<=>(const P2pKey&) const = default;
  };
  struct P2pKeyHash {
    std::size_t operator()(const P2pKey& k) const {
      // splitmix64 finaliser over the three fields: posted receives are looked up per arrival,
      // and a run posts thousands per NPU, so a hash beats a tree walk of cache misses.
      std::uint64_t x = static_cast<std::uint64_t>(k.src) * 0x9E3779B97F4A7C15ull ^
                        static_cast<std::uint64_t>(static_cast<std::uint32_t>(k.tag)) << 17 ^
                        static_cast<std::uint64_t>(k.bytes);
      x ^= x >> 30;
      x *= 0xBF58476D1CE4E5B9ull;
      x ^= x >> 27;
      x *= 0x94D049BB133111EBull;
      return static_cast<std::size_t>(x ^ (x >> 31));
    }
  };

  const NpuShared& shared_;
  const workload::Workload& wl_;
  int npu_;
  bool keep_intervals_;
  network::Nic nic_;
  collective::nccl::FlowPorts flow_ports_;  // the flow model: this NPU's port shares
  // Flow model: messages whose ingress share ends later (kFlowDelivered tokens), with their send start.
  std::vector<std::pair<network::ArrivedMessage, SimTime>> late_;
  std::vector<std::uint64_t> free_late_;
  std::unique_ptr<collective::CollectiveRunner> exec_;  // ASTRA's system layer or NCCL's
  pdes::Context* ctx_ = nullptr;

  std::vector<std::uint32_t> waiting_;      // per node: unfinished parents
  static constexpr workload::NodeIndex kNone = 0xFFFFFFFFu;
  std::vector<SimTime> start_;              // per node: issue time (-1: not issued)
  std::vector<bool> done_;                  // per node: completed
  workload::NodeIndex starting_ = kNone;    // the COLL node inside exec_.start()
  std::set<workload::NodeIndex> ready_;     // dependency-free, not issued (ascending = ASTRA order)
  std::vector<workload::NodeIndex> freed_;  // freed during an issue loop: visible to the next loop
  bool busy_[3] = {false, false, false};
  bool in_issue_ = false;
  bool rerun_ = false;
  std::uint64_t completed_ = 0;
  std::uint64_t in_flight_ = 0;

  std::unordered_map<collective::CollectiveId, workload::NodeIndex> coll_node_;
  /// What a running COLL node's records say about how it runs: its algorithm label and chunk count.
  struct CollLabel {
    std::uint32_t algorithm = 0;  // index into NpuShared::records->strings
    std::int32_t chunks = 0;
    std::uint32_t protocol = 0;   // index into the strings ("" for ASTRA algorithms)
    std::int32_t channels = 0;
  };
  std::unordered_map<workload::NodeIndex, CollLabel> coll_algorithm_;      // COLL node -> label
  std::unordered_map<std::uint32_t, workload::NodeIndex> send_node_;       // Nic message id -> SEND
  /// The receives posted for one key, oldest first (the map is only looked up, never walked, so its
  /// order cannot reach the results). LLM graphs post thousands of receives per NPU at t = 0,
  /// nearly all with a key of their own (a distinct tag), so the first one lives in the map entry
  /// and only later ones with the same key take a heap vector: one allocation and one cache miss
  /// less per receive.
  struct PostedRecvs {
    workload::NodeIndex first = 0;
    std::vector<workload::NodeIndex> more;  // FIFO after `first`
  };
  std::unordered_map<P2pKey, PostedRecvs, P2pKeyHash> posted_recvs_;
  std::map<P2pKey, std::uint64_t> early_arrivals_;                         // arrived, not yet received
  std::map<P2pKey, std::vector<SimTime>> early_send_starts_;  // their senders' start (breakdown only)
  TimeBreakdown breakdown_;

  /// Workload name id -> index in NpuShared::records->strings (kNoName: not interned yet), so a
  /// name is hashed once per NPU, not once per interval.
  static constexpr std::uint32_t kNoName = 0xFFFFFFFFu;
  std::vector<std::uint32_t> name_index_;
  SimTime finish_ = 0;
  SimTime gpu_busy_ = 0;  // ASTRA tics_gpu_ops: compute time, added at issue
  SimTime cpu_busy_ = 0;
  std::vector<std::pair<SimTime, SimTime>> comm_intervals_;
  bool reported_ = false;
};

}  // namespace tessera::runtime
