// The system layer end to end on the real engine with the congestion-unaware closed form: the
// published ASTRA-sim values and the reference model's extra golden values (docs/astra-parity.md
// §14), on 1..4 loopback ranks.
#include <gtest/gtest.h>

#include <map>
#include <queue>
#include <tuple>

#include "engine_harness.hpp"
#include "tessera/collective/algorithm.hpp"
#include "tessera/collective/registry.hpp"
#include "tessera/error.hpp"

namespace tessera::collective {
namespace {

using testing::ns;
using testing::run_collectives;
using testing::run_collectives_per_npu;
using testing::UnawareNetwork;

constexpr Bytes kMiB = 1 << 20;

UnawareNetwork ring_net(int n, double bw = 50, double lat = 500) { return {{"Ring"}, {n}, {bw}, {lat}}; }

struct Sys {
  std::string policy = "LIFO";
  int e = 10;
  int active = 1;
  int splits = 4;
  std::vector<std::string> impl = {"ring"};
  std::string opt = "localBWAware";
  double L = 1600;
  int queues = 1;

  SystemConfig build() const {
    SystemConfig c;
    c.policy = policy == "LIFO" ? SchedulingPolicy::kLifo : policy == "FIFO" ? SchedulingPolicy::kFifo : SchedulingPolicy::kExplicit;
    c.endpoint_delay = e * kNanosecond;
    c.active_chunks_per_dimension = active;
    c.preferred_dataset_splits = splits;
    std::vector<AlgorithmSpec> list;
    for (const auto& a : impl) list.push_back(parse_algorithm(a));
    c.set_all_implementations(list);
    // A type the algorithm lacks (doubleBinaryTree: all-reduce only) keeps ring.
    for (CollectiveType t : {CollectiveType::kReduceScatter, CollectiveType::kAllGather, CollectiveType::kAllToAll}) {
      for (auto& a : c.implementation[static_cast<int>(t)]) {
        if (!a.kind->supports(t)) a = AlgorithmSpec{};
      }
    }
    c.decomposition = opt == "baseline" ? Decomposition::kBaseline : Decomposition::kLocalBwAware;
    c.local_mem_bw_gbps = L;
    c.num_queues_per_dim = queues;
    return c;
  }
};

CollectiveRequest req(CollectiveType t, Bytes bytes) {
  CollectiveRequest r;
  r.type = t;
  r.bytes = bytes;
  return r;
}

SimTime run_max(const UnawareNetwork& net, const Sys& sys, CollectiveType t, Bytes bytes, int ranks = 1) {
  const SystemConfig cfg = sys.build();
  validate(cfg, net.view());
  const auto out = run_collectives(net, cfg, {req(t, bytes)}, ranks);
  return ns(out.max_finish);
}

// ---- published ASTRA-sim values -------------------------------------------------------------

TEST(AstraReference, RtTemplateAllReduce117780OnEveryRankCount) {
  Sys rt;
  rt.L = 50;
  for (int ranks = 1; ranks <= 4; ++ranks) {
    const auto out = run_collectives(ring_net(8), rt.build(), {req(CollectiveType::kAllReduce, kMiB)}, ranks);
    EXPECT_EQ(ns(out.max_finish), 117780) << ranks << " ranks";
    EXPECT_EQ(ns(out.min_finish), 117780) << "all NPUs finish together";
    EXPECT_EQ(out.messages, 8u * 4 * 14) << "4 chunks x 2(n-1) messages per NPU";
  }
}

TEST(AstraReference, RtTemplateWithLocalMemBw1600Gives64440) {
  EXPECT_EQ(run_max(ring_net(8), Sys{}, CollectiveType::kAllReduce, kMiB, 2), 64440);
}

TEST(AstraReference, RingAllGather16Npus323560) {
  EXPECT_EQ(run_max(ring_net(16), Sys{}, CollectiveType::kAllGather, kMiB, 3), 323560);
}

TEST(AstraReference, RingByRing4x4AllReduce64MiB2349765) {
  Sys md;
  md.e = 1;
  md.splits = 1;
  md.impl = {"ring", "ring"};
  md.L = 1e12;
  const UnawareNetwork net{{"Ring", "Ring"}, {4, 4}, {50, 50}, {500, 500}};
  EXPECT_EQ(run_max(net, md, CollectiveType::kAllReduce, 64 * kMiB, 4), 2349765);
}

TEST(AstraReference, ClosedFormOfRtTemplateChunk) {
  // T_AR = 2(n-1) t(C/n) + (n-1) r(C/n) + (2n-1) e with t = floor(500 + 32768/B), r = 3*floor(32768/50).
  const double B = 50.0 * (1 << 30) / 1e9;
  const SimTime t = static_cast<SimTime>(500 + 32768 / B);
  const SimTime r = 3 * (32768 / 50);
  EXPECT_EQ(4 * (14 * t + 7 * r + 15 * 10), 117780);
}

// ---- extra golden values of the reference model (unaware, or ring neighbours: aware = unaware) --

struct Golden {
  const char* name;
  UnawareNetwork net;
  Sys sys;
  CollectiveType type;
  Bytes bytes;
  SimTime max_ns;
  SimTime min_ns;  // -1: same as max
};

Sys with(std::function<void(Sys&)> f) {
  Sys s;
  f(s);
  return s;
}

std::vector<Golden> golden() {
  using T = CollectiveType;
  const UnawareNetwork sw8{{"Switch"}, {8}, {400}, {936.25}};
  const UnawareNetwork md{{"Ring", "Switch"}, {4, 2}, {100, 50}, {100, 1000}};
  return {
      {"ring4 AR", ring_net(4), Sys{}, T::kAllReduce, kMiB, 43000, -1},
      {"ring4 RS", ring_net(4), Sys{}, T::kReduceScatter, kMiB, 22240, -1},
      {"ring4 AG", ring_net(4), Sys{}, T::kAllGather, kMiB, 64744, -1},
      {"ring4 A2A", ring_net(4), Sys{}, T::kAllToAll, kMiB, 41560, -1},
      {"ring16 AR", ring_net(16), Sys{}, T::kAllReduce, kMiB, 99640, -1},
      {"ring16 RS", ring_net(16), Sys{}, T::kReduceScatter, kMiB, 50740, -1},
      {"ring16 AG", ring_net(16), Sys{}, T::kAllGather, kMiB, 323560, -1},
      {"ring16 A2A", ring_net(16), Sys{}, T::kAllToAll, kMiB, 391240, -1},
      {"ring8 AR splits1", ring_net(8), with([](Sys& s) { s.splits = 1; }), T::kAllReduce, kMiB, 43025, -1},
      {"ring8 AR splits8", ring_net(8), with([](Sys& s) { s.splits = 8; }), T::kAllReduce, kMiB, 93040, -1},
      {"ring8 AR act2", ring_net(8), with([](Sys& s) { s.active = 2; }), T::kAllReduce, kMiB, 32220, -1},
      {"ring8 AR act4", ring_net(8), with([](Sys& s) { s.active = 4; }), T::kAllReduce, kMiB, 16110, -1},
      {"ring8 AR act2 FIFO", ring_net(8), with([](Sys& s) { s.active = 2; s.policy = "FIFO"; }), T::kAllReduce, kMiB, 32220, -1},
      {"ring8 AR act2 queues2", ring_net(8), with([](Sys& s) { s.active = 2; s.queues = 2; }), T::kAllReduce, kMiB, 64440, -1},
      {"ring8 AR 16B inflated", ring_net(8), Sys{}, T::kAllReduce, 16, 28600, -1},
      {"ring8 AR 100B", ring_net(8), Sys{}, T::kAllReduce, 100, 28600, -1},
      {"ring8 AR e=1", ring_net(8), with([](Sys& s) { s.e = 1; }), T::kAllReduce, kMiB, 63900, -1},
      {"switch8 AR act2 L3350", sw8, with([](Sys& s) { s.active = 2; s.L = 3350; }), T::kAllReduce, kMiB, 55222, -1},
      {"direct ring8 AR", ring_net(8), with([](Sys& s) { s.impl = {"direct"}; }), T::kAllReduce, kMiB, 21240, -1},
      {"direct ring8 RS", ring_net(8), with([](Sys& s) { s.impl = {"direct"}; }), T::kReduceScatter, kMiB, 10760, -1},
      {"direct ring8 AG", ring_net(8), with([](Sys& s) { s.impl = {"direct"}; }), T::kAllGather, kMiB, 27608, -1},
      {"direct ring8 A2A", ring_net(8), with([](Sys& s) { s.impl = {"direct"}; }), T::kAllToAll, kMiB, 10520, -1},
      {"HD ring8 AR", ring_net(8), with([](Sys& s) { s.impl = {"halvingDoubling"}; }), T::kAllReduce, kMiB, 63168, -1},
      {"HD ring8 RS", ring_net(8), with([](Sys& s) { s.impl = {"halvingDoubling"}; }), T::kReduceScatter, kMiB, 31964, -1},
      {"HD ring8 AG", ring_net(8), with([](Sys& s) { s.impl = {"halvingDoubling"}; }), T::kAllGather, kMiB, 150872, -1},
      {"DBT ring8 AR", ring_net(8), with([](Sys& s) { s.impl = {"doubleBinaryTree"}; }), T::kAllReduce, kMiB, 139052, 119898},
      {"2D baseline splits1", md, with([](Sys& s) { s.impl = {"ring", "ring"}; s.opt = "baseline"; s.splits = 1; }),
       T::kAllReduce, 4 * kMiB, 151239, -1},
      {"2D localBWAware splits1", md, with([](Sys& s) { s.impl = {"ring", "ring"}; s.splits = 1; }), T::kAllReduce,
       4 * kMiB, 89706, -1},
      {"2D localBWAware splits4 q2", md, with([](Sys& s) { s.impl = {"ring", "ring"}; s.queues = 2; }), T::kAllReduce,
       4 * kMiB, 53413, -1},
      {"2D AG splits4", md, with([](Sys& s) { s.impl = {"ring", "ring"}; }), T::kAllGather, kMiB, 66846, -1},
  };
}

TEST(ReferenceModelGolden, AllUnawareCasesMatchExactly) {
  int ranks = 1;
  for (const Golden& g : golden()) {
    const SystemConfig cfg = g.sys.build();
    validate(cfg, g.net.view());
    const auto out = run_collectives(g.net, cfg, {req(g.type, g.bytes)}, ranks);
    EXPECT_EQ(ns(out.max_finish), g.max_ns) << g.name << " on " << ranks << " rank(s)";
    EXPECT_EQ(ns(out.min_finish), g.min_ns < 0 ? g.max_ns : g.min_ns) << g.name;
    ranks = ranks % 4 + 1;  // every case on a different rank count
  }
}

// ---- closed forms ----------------------------------------------------------------------------

SimTime t_msg(double bytes, double bw = 50, double lat = 500) {
  return static_cast<SimTime>(lat + bytes / (bw * (1 << 30) / 1e9));
}

TEST(ClosedForm, RingPhasesForManySizes) {
  // Per 1-D ring phase with one active chunk: AR = 2(n-1) t(C/n) + (n-1) r(C/n) + (2n-1) e,
  // RS = (n-1)(t(C/n) + r(C/n)) + n e, AG = (n-1) t(C) + n e; collective = splits x chunk.
  for (int n : {2, 3, 5, 8}) {
    for (Bytes size : {Bytes{4096}, Bytes{1000000}, Bytes{3 * kMiB + 17}}) {
      Sys s;
      s.L = 100;
      const Bytes C = size / 4;
      const SimTime chunks = (size + C - 1) / C;  // the last chunk is not shortened
      const SimTime r = 3 * static_cast<SimTime>(static_cast<double>(C / n) / 100.0);
      const SimTime ar = chunks * (2 * (n - 1) * t_msg(C / n) + (n - 1) * r + (2 * n - 1) * 10);
      const SimTime rs = chunks * ((n - 1) * (t_msg(C / n) + r) + n * 10);
      const SimTime ag = chunks * ((n - 1) * t_msg(C) + n * 10);
      EXPECT_EQ(run_max(ring_net(n), s, CollectiveType::kAllReduce, size), ar) << n << " " << size;
      EXPECT_EQ(run_max(ring_net(n), s, CollectiveType::kReduceScatter, size), rs) << n << " " << size;
      EXPECT_EQ(run_max(ring_net(n), s, CollectiveType::kAllGather, size), ag) << n << " " << size;
    }
  }
}

TEST(ClosedForm, EndpointDelayZeroIsAcceptedUnlikeAstra) {
  // ASTRA-sim aborts (first event at t = 0); Tessera runs it: 4 x (14 t + 7 r).
  Sys s;
  s.e = 0;
  EXPECT_EQ(run_max(ring_net(8), s, CollectiveType::kAllReduce, kMiB), 4 * (14 * t_msg(32768) + 7 * 60));
}

TEST(ClosedForm, InjectionScaleTruncatesToWholeNanoseconds) {
  // endpoint-delay 10 ns x 1.55 = 15.5 -> 15 ns (ASTRA keeps it in an int).
  SystemConfig cfg = Sys{}.build();
  cfg.injection_scale = 1.55;
  const auto out = run_collectives(ring_net(8), cfg, {req(CollectiveType::kAllReduce, kMiB)});
  EXPECT_EQ(ns(out.max_finish), 4 * (14 * t_msg(32768) + 7 * 60 + 15 * 15));
}

TEST(ClosedForm, ActiveChunksOverlapPerfectlyWithoutCongestion) {
  // Unaware: k active chunks on k queues' worth of threshold run side by side (RS has no
  // _first queue pinning).
  Sys one, two;
  two.active = 2;
  const SimTime a = run_max(ring_net(8), one, CollectiveType::kReduceScatter, kMiB);
  const SimTime b = run_max(ring_net(8), two, CollectiveType::kReduceScatter, kMiB);
  EXPECT_EQ(a, 2 * b);
}

TEST(Executor, CollectivesRunBackToBackInTheSameTick) {
  // Two all-reduces in sequence take exactly twice one (the second starts at the first's exit).
  const SystemConfig cfg = Sys{}.build();
  const auto one = run_collectives(ring_net(8), cfg, {req(CollectiveType::kAllReduce, kMiB)});
  const auto two = run_collectives(ring_net(8), cfg,
                                   {req(CollectiveType::kAllReduce, kMiB), req(CollectiveType::kAllReduce, kMiB)}, 2);
  EXPECT_EQ(two.max_finish, 2 * one.max_finish);
}

TEST(Executor, InvolvedDimsSkipADimension) {
  // [4,2] with dim 1 not involved = a 1-D all-reduce on the 4-ring.
  Sys s;
  s.impl = {"ring", "ring"};
  const UnawareNetwork md{{"Ring", "Ring"}, {4, 2}, {50, 50}, {500, 500}};
  CollectiveRequest r = req(CollectiveType::kAllReduce, kMiB);
  r.involved_dims = {true, false};
  const auto out = run_collectives(md, s.build(), {r});
  EXPECT_EQ(ns(out.max_finish), 43000);  // = ring4 AR golden value
}

TEST(Executor, OneRingIsAFlatRingOverAllNpus) {
  // oneRing on [4,2] is the 8-NPU ring; the unaware network charges the first differing
  // dimension, so compare with an equivalent closed form rather than ring8.
  Sys s;
  s.impl = {"oneRing"};
  const UnawareNetwork md{{"Ring", "Ring"}, {4, 2}, {50, 50}, {500, 500}};
  const SimTime flat = ns(run_collectives(md, s.build(), {req(CollectiveType::kAllGather, kMiB)}).max_finish);
  // All-gather on the flat ring 0..7: every NPU's slowest hop is 3->4 or 7->0 (dim 1: 1 hop).
  // Each step waits for the slowest neighbour of the chain; messages of C = 256 KiB.
  Sys plain;
  plain.impl = {"ring"};
  const SimTime ring4 = ns(run_collectives(md, plain.build(), {req(CollectiveType::kAllGather, kMiB)}).max_finish);
  EXPECT_GT(flat, ring4) << "7 steps on the flat ring vs 3 on the 4-ring";
  EXPECT_EQ(flat, 4 * (7 * t_msg(kMiB / 4) + 8 * 10));
}

TEST(Executor, ZeroSizedDimensionsFinishImmediately) {
  Sys s;
  s.impl = {"ring", "ring"};
  const UnawareNetwork md{{"Ring", "Ring"}, {4, 2}, {50, 50}, {500, 500}};
  CollectiveRequest r = req(CollectiveType::kAllReduce, kMiB);
  r.involved_dims = {false, false};
  EXPECT_EQ(run_collectives(md, s.build(), {r}).max_finish, 0);
}

TEST(Executor, BroadcastReduceBarrierClosedForms) {
  Sys s;
  s.splits = 1;
  s.L = 100;
  const Bytes S = 64 * 1024;
  const SimTime t = t_msg(S);  // ring neighbour (1 hop)
  // 4 NPUs, root 0: heap tree 0 -> {1, 2}, 1 -> {3}. Ring distances: 0-1: 1, 0-2: 2, 1-3: 2.
  const SimTime t2 = static_cast<SimTime>(2 * 500 + S / (50.0 * (1 << 30) / 1e9));
  // broadcast: root e, send; NPU 1 receives at e+t, e, forwards to 3: 3 finishes at 2e+t+t2+e.
  EXPECT_EQ(run_max(ring_net(4), s, CollectiveType::kBroadcast, S), 10 + t + 10 + t2 + 10);
  // reduce: leaves 2, 3 send after e; 1 gets 3's data at e+t2, reduces (e + r) and sends to 0
  // (t); root reduces it (e + r) after receiving.
  const SimTime r = 3 * static_cast<SimTime>(S / 100.0);
  EXPECT_EQ(run_max(ring_net(4), s, CollectiveType::kReduce, S), 10 + t2 + 10 + r + t + 10 + r);
  // barrier on 4: 2 rounds of 1-byte messages at distance 1 then 2; each round costs e + t.
  const SimTime b1 = t_msg(1);
  const SimTime b2 = static_cast<SimTime>(2 * 500 + 1 / (50.0 * (1 << 30) / 1e9));
  EXPECT_EQ(run_max(ring_net(4), s, CollectiveType::kBarrier, 0), 10 + b1 + 10 + b2 + 10);
}

TEST(Executor, CommunicatorGroupRunsAFlatRingOverItsMembers) {
  // Group {0, 2, 4, 6} of an 8-ring: ring all-gather over 4 members, neighbours 2 hops apart
  // (6 -> 0 too, the short way); the other NPUs run nothing.
  Sys s;
  s.splits = 1;
  const CommGroup g{7, std::make_shared<const std::vector<NpuId>>(std::vector<NpuId>{0, 2, 4, 6})};
  CollectiveRequest r = req(CollectiveType::kAllGather, 4096);
  r.group = &g;
  std::vector<std::vector<CollectiveRequest>> per_npu(8);
  for (NpuId m : *g.members) per_npu[static_cast<std::size_t>(m)] = {r};
  const auto out = run_collectives_per_npu(ring_net(8), s.build(), per_npu, 2);
  const SimTime t = static_cast<SimTime>(2 * 500 + 4096 / (50.0 * (1 << 30) / 1e9));
  EXPECT_EQ(ns(out.max_finish), 3 * t + 4 * 10);
  EXPECT_EQ(ns(out.min_finish), 3 * t + 4 * 10);
  // A non-member asked to run it is a clear input error.
  EXPECT_THROW(run_collectives(ring_net(8), s.build(), {r}), InputError);
}

TEST(Scheduling, LifoFifoExplicitOrderConcurrentCollectives) {
  // Two 4-chunk all-reduces started together, one active chunk: chunk streams share queue 0.
  // LIFO: B's chunks (higher priority) overtake A's waiting ones, so B finishes after 5 chunk
  // times and A after 8. FIFO: A then B. EXPLICIT: the larger comm_priority first.
  Sys s;
  const SimTime chunk = 64440 / 4;
  auto run = [&](const std::string& policy, int pa, int pb) {
    s.policy = policy;
    CollectiveRequest a = req(CollectiveType::kAllReduce, kMiB), b = a;
    a.priority = pa;
    b.priority = pb;
    const auto out = run_collectives_per_npu(ring_net(8), s.build(), std::vector<std::vector<CollectiveRequest>>(8, {a, b}),
                                             2, /*concurrent=*/true);
    for (const auto& per : out.collective_finish) EXPECT_EQ(per, out.collective_finish[0]);
    return std::make_pair(ns(out.collective_finish[0][0]), ns(out.collective_finish[0][1]));
  };
  EXPECT_EQ(run("LIFO", 0, 0), std::make_pair(8 * chunk, 5 * chunk));
  EXPECT_EQ(run("FIFO", 0, 0), std::make_pair(4 * chunk, 8 * chunk));
  EXPECT_EQ(run("EXPLICIT", 1, 5), std::make_pair(8 * chunk, 5 * chunk));
  EXPECT_EQ(run("EXPLICIT", 5, 1), std::make_pair(4 * chunk, 8 * chunk));
}

TEST(Executor, MatchesReorderedMessagesAndFreesStreamState) {
  // A host without an engine: runs timers and messages itself with uneven message delays (so the
  // k-th message of a key can arrive after the k+1-th), checks everything completes and nothing
  // is left behind.
  struct Loop final : CollectiveHost {
    struct Ev {
      SimTime t;
      std::uint64_t seq;
      int npu;
      int kind;  // 0 timer, 1 message
      TimerToken token;
      NpuId src;
      Bytes bytes;
      MessageTag tag;
      bool operator>(const Ev& o) const { return t != o.t ? t > o.t : seq > o.seq; }
    };
    std::priority_queue<Ev, std::vector<Ev>, std::greater<Ev>> q;
    std::vector<std::unique_ptr<CollectiveExecutor>> ex;
    SimTime now_ = 0;
    std::uint64_t seq = 0;
    int current = 0;
    int finished = 0;
    int overtaken = 0;
    std::map<std::tuple<int, NpuId, std::uint64_t, Bytes>, std::uint32_t> last_seq;
    SimTime now() const override { return now_; }
    void schedule_after(SimTime d, TimerToken tok) override { q.push({now_ + d, seq++, current, 0, tok, 0, 0, {}}); }
    void send(NpuId dst, Bytes b, const MessageTag& tag, bool) override {
      // Uneven delays: messages with the same (stream, src, size) overtake each other.
      const SimTime d = (1000 + static_cast<SimTime>((seq * 7919) % 13) * 300) * kNanosecond;
      q.push({now_ + d, seq++, dst, 1, 0, current, b, tag});
    }
    void collective_finished(CollectiveId) override { ++finished; }
  } loop;
  Sys s;
  s.impl = {"direct2"};
  SystemConfig cfg = s.build();
  cfg.implementation[static_cast<int>(CollectiveType::kAllToAll)] = {parse_algorithm("ring")};
  const TopologyView topo{{6}};
  for (int i = 0; i < 6; ++i) loop.ex.push_back(std::make_unique<CollectiveExecutor>(cfg, topo, i, loop));
  for (int i = 0; i < 6; ++i) {
    loop.current = i;
    loop.ex[i]->start(req(CollectiveType::kAllReduce, kMiB));
    loop.ex[i]->start(req(CollectiveType::kAllToAll, kMiB));
    EXPECT_FALSE(loop.ex[i]->idle());
    EXPECT_GT(loop.ex[i]->live_state(), 0u);
    EXPECT_NE(loop.ex[i]->stall_report().find("2 collective(s) unfinished"), std::string::npos);
  }
  while (!loop.q.empty()) {
    const auto ev = loop.q.top();
    loop.q.pop();
    loop.now_ = ev.t;
    loop.current = ev.npu;
    if (ev.kind == 0) {
      loop.ex[static_cast<std::size_t>(ev.npu)]->on_timer(ev.token);
    } else {
      auto& last = loop.last_seq[{ev.npu, ev.src, ev.tag.stream, ev.bytes}];
      if (ev.tag.seq < last) ++loop.overtaken;
      last = std::max(last, ev.tag.seq);
      loop.ex[static_cast<std::size_t>(ev.npu)]->on_message(ev.src, ev.bytes, ev.tag);
    }
  }
  EXPECT_EQ(loop.finished, 12);
  EXPECT_GT(loop.overtaken, 0) << "the test must exercise out-of-order arrivals";
  for (const auto& e : loop.ex) {
    EXPECT_TRUE(e->idle());
    EXPECT_EQ(e->stall_report(), "idle");
    EXPECT_EQ(e->stats().streams, 8u);
    EXPECT_EQ(e->live_state(), 0u);
  }
}

TEST(Executor, HostEventsShareTheTickBatch) {
  // A host event and a bundle due at the same tick run in registration order inside one batch.
  struct Host final : CollectiveHost {
    SimTime t = 0;
    std::vector<std::pair<SimTime, TimerToken>> timers;
    std::vector<std::uint64_t> host_events;
    std::vector<NpuId> sends;
    SimTime now() const override { return t; }
    void schedule_after(SimTime d, TimerToken tok) override { timers.push_back({t + d, tok}); }
    void send(NpuId dst, Bytes, const MessageTag&, bool) override { sends.push_back(dst); }
    void collective_finished(CollectiveId) override {}
    void host_event(std::uint64_t token) override {
      host_events.push_back(token);
      record.push_back(sends.size());
    }
    std::vector<std::size_t> record;
  } host;
  const SystemConfig cfg = Sys{}.build();
  const TopologyView topo{{4}};
  CollectiveExecutor ex(cfg, topo, 0, host);
  ex.register_host_event(10 * kNanosecond, 41);            // first in the t = 10 ns batch
  ex.start(req(CollectiveType::kReduceScatter, kMiB));    // its first bundle also at 10 ns
  ex.register_host_event(10 * kNanosecond, 42);            // appended to the same batch
  ASSERT_EQ(host.timers.size(), 1u) << "one engine event per tick and NPU";
  host.t = host.timers[0].first;
  ex.on_timer(host.timers[0].second);
  EXPECT_EQ(host.host_events, (std::vector<std::uint64_t>{41, 42}));
  EXPECT_EQ(host.record, (std::vector<std::size_t>{0, 1})) << "41 before the chunk's first send, 42 after";
}

}  // namespace
}  // namespace tessera::collective
