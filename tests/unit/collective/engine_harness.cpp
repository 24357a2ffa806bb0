#include "engine_harness.hpp"

#include <map>
#include <mutex>

#include <fmt/format.h>

#include "tessera/error.hpp"
#include "tessera/pdes/engine.hpp"
#include "tessera/pdes/loopback_transport.hpp"

namespace tessera::collective::testing {

namespace {

enum Kind : pdes::EventKind { kTimer = 1, kArrive = 2, kSendDone = 3 };

struct Wire {
  NpuId src;
  NpuId dst;
  Bytes bytes;
  MessageTag tag;
};
static_assert(sizeof(Wire) <= pdes::Payload::kBytes);

double bw_bytes_per_ns(double gbps) { return gbps * static_cast<double>(1 << 30) / 1000000000.0; }

/// The test NPU: an LP that hosts one executor and plays ASTRA's workload for a list of
/// collectives.
class TestNpu final : public pdes::LogicalProcess, public CollectiveHost {
 public:
  TestNpu(const UnawareNetwork& net, const SystemConfig& cfg, const TopologyView& topo, NpuId id,
          const std::vector<CollectiveRequest>& requests, bool concurrent)
      : net_(net), requests_(requests), exec_(cfg, topo, id, *this), concurrent_(concurrent),
        done_(requests.size(), -1) {}

  void init(pdes::Context& ctx) override {
    ctx_ = &ctx;
    if (concurrent_) {
      while (next_ < requests_.size()) issue_next();
    } else {
      issue_next();
    }
  }
  void handle(const pdes::Event& ev, pdes::Context& ctx) override {
    ctx_ = &ctx;
    if (ev.kind == kTimer) {
      exec_.on_timer(ev.payload.word(0));
    } else {
      const Wire w = ev.payload.as<Wire>();
      if (ev.kind == kArrive) {
        exec_.on_message(w.src, w.bytes, w.tag);
      } else {
        exec_.on_send_complete(w.dst, w.bytes, w.tag);
      }
    }
  }
  bool finished() const override { return next_ == requests_.size() && exec_.idle(); }
  std::string stall_report() const override { return exec_.stall_report(); }

  SimTime now() const override { return ctx_->now(); }
  void schedule_after(SimTime delay, TimerToken token) override {
    pdes::Payload p{};
    p.set_word(0, token);
    ctx_->schedule(delay, kTimer, p, astra_tie_priority(delay));
  }
  void send(NpuId dst, Bytes bytes, const MessageTag& tag, bool want_completion) override {
    const Wire w{exec_.self(), dst, bytes, tag};
    const SimTime d = net_.delay(exec_.self(), dst, bytes);
    ctx_->send_direct(static_cast<pdes::LpId>(dst), d, kArrive, pdes::Payload::of(w), astra_tie_priority(d));
    if (want_completion) ctx_->schedule(d, kSendDone, pdes::Payload::of(w), astra_tie_priority(d));
  }
  void collective_finished(CollectiveId id) override {
    finish_ = ctx_->now();
    done_[ids_.at(id)] = finish_;
    if (!concurrent_) issue_next();
  }

  SimTime finish() const { return finish_; }
  std::uint64_t messages() const { return exec_.stats().messages_sent; }
  const std::vector<SimTime>& done() const { return done_; }

 private:
  void issue_next() {
    if (next_ < requests_.size()) {
      const std::size_t k = next_++;
      ids_[exec_.start(requests_[k])] = k;
    }
  }
  const UnawareNetwork& net_;
  const std::vector<CollectiveRequest>& requests_;
  CollectiveExecutor exec_;
  pdes::Context* ctx_ = nullptr;
  bool concurrent_;
  std::size_t next_ = 0;
  SimTime finish_ = -1;
  std::vector<SimTime> done_;
  std::map<CollectiveId, std::size_t> ids_;
};

}  // namespace

SimTime UnawareNetwork::delay(NpuId src, NpuId dst, Bytes bytes) const {
  for (std::size_t d = 0; d < npus.size(); ++d) {
    const int n = npus[d];
    const int a = src % n;
    const int b = dst % n;
    src /= n;
    dst /= n;
    if (a == b) continue;
    double hops = 1;
    if (topology[d] == "Ring") {
      const int cw = ((b - a) % n + n) % n;
      const int acw = n - cw;
      hops = cw < acw ? cw : acw;
    } else if (topology[d] == "Switch") {
      hops = 2;
    }
    return static_cast<SimTime>(hops * latency_ns[d] + static_cast<double>(bytes) / bw_bytes_per_ns(bandwidth_gbps[d])) *
           kNanosecond;
  }
  throw Error(fmt::format("message from NPU {} to itself", src));
}

SimTime UnawareNetwork::min_delay() const {
  SimTime m = kTimeInfinity;
  for (double l : latency_ns) m = std::min(m, static_cast<SimTime>(l) * kNanosecond);
  return std::max<SimTime>(m, 1);
}

RunOutcome run_collectives(const UnawareNetwork& net, const SystemConfig& config,
                           const std::vector<CollectiveRequest>& requests, int ranks) {
  return run_collectives_per_npu(
      net, config, std::vector<std::vector<CollectiveRequest>>(static_cast<std::size_t>(net.view().total_npus()), requests),
      ranks);
}

RunOutcome run_collectives_per_npu(const UnawareNetwork& net, const SystemConfig& config,
                                   const std::vector<std::vector<CollectiveRequest>>& per_npu, int ranks,
                                   bool concurrent, const std::string& queue_kind) {
  const TopologyView topo = net.view();
  const int n = topo.total_npus();
  RunOutcome out;
  out.finish.assign(static_cast<std::size_t>(n), -1);
  out.collective_finish.resize(static_cast<std::size_t>(n));
  std::mutex mu;
  pdes::run_loopback(ranks, [&](pdes::Transport& transport) {
    pdes::GraphBuilder b;
    for (int i = 0; i < n; ++i) b.add_lp(fmt::format("npu{:06}", i));
    b.set_direct_send_min_delay(net.min_delay());
    const pdes::Graph graph = std::move(b).build();
    const pdes::Partition part = pdes::partition_round_robin(graph, transport.size());
    pdes::Engine engine(graph, part, transport, queue_kind.empty() ? nullptr : pdes::make_event_queue(queue_kind));
    engine.instantiate([&](pdes::LpId id) -> std::unique_ptr<pdes::LogicalProcess> {
      return std::make_unique<TestNpu>(net, config, topo, static_cast<NpuId>(id), per_npu.at(id), concurrent);
    });
    engine.run();
    std::lock_guard<std::mutex> lock(mu);
    for (pdes::LpId id : engine.local_lps()) {
      const auto* npu = static_cast<const TestNpu*>(engine.local(id));
      out.finish[id] = npu->finish();
      out.collective_finish[id] = npu->done();
      out.messages += npu->messages();
    }
  });
  out.max_finish = -1;
  out.min_finish = kTimeInfinity;
  for (std::size_t i = 0; i < out.finish.size(); ++i) {
    if (per_npu[i].empty()) continue;
    out.max_finish = std::max(out.max_finish, out.finish[i]);
    out.min_finish = std::min(out.min_finish, out.finish[i]);
  }
  return out;
}

}  // namespace tessera::collective::testing
