#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "phold.hpp"
#include "tessera/pdes/engine.hpp"
#include "tessera/pdes/loopback_transport.hpp"

namespace tessera::pdes {
namespace {

/// Records what it handles; on init, runs a script of sends.
struct Seen {
  SimTime time;
  LocalPort port;
  EventKind kind;
  LpId sender;
  std::uint64_t word;
};

class ScriptLp final : public LogicalProcess {
 public:
  using Script = std::function<void(Context&)>;
  ScriptLp(Script on_init, std::function<void(const Event&, Context&)> on_event = {})
      : on_init_(std::move(on_init)), on_event_(std::move(on_event)) {}
  void init(Context& ctx) override {
    if (on_init_) on_init_(ctx);
  }
  void handle(const Event& ev, Context& ctx) override {
    seen.push_back({ctx.now(), ev.port, ev.kind, ctx.sender(ev), ev.payload.word(0)});
    if (on_event_) on_event_(ev, ctx);
  }
  std::vector<Seen> seen;

 private:
  Script on_init_;
  std::function<void(const Event&, Context&)> on_event_;
};

Payload word(std::uint64_t w) {
  Payload p{};
  p.set_word(0, w);
  return p;
}

/// Runs a graph on one loopback rank with per-LP scripts; returns the LP objects' records.
struct OneRank {
  explicit OneRank(Graph g) : graph(std::move(g)) {}
  Graph graph;
  std::map<std::string, std::unique_ptr<ScriptLp>> objects;
  std::map<std::string, ScriptLp*> lp;
  RunResult result;

  void run(std::map<std::string, ScriptLp::Script> init,
           std::map<std::string, std::function<void(const Event&, Context&)>> on = {},
           RunLimits limits = {}) {
    run_loopback(1, [&](Transport& t) {
      const Partition part = partition_round_robin(graph, 1);
      Engine engine(graph, part, t);
      engine.instantiate([&](LpId id) -> std::unique_ptr<LogicalProcess> {
        const std::string& name = graph.name(id);
        auto obj = std::make_unique<ScriptLp>(init[name], on[name]);
        lp[name] = obj.get();
        return obj;
      });
      result = engine.run(limits);
      // Keep the records after the engine (and its LPs) go away.
      for (auto& [name, p] : lp) {
        objects[name] = std::make_unique<ScriptLp>(ScriptLp::Script{});
        objects[name]->seen = p->seen;
        p = objects[name].get();
      }
    });
  }
};

Graph pair_graph() {
  GraphBuilder b;
  b.add_lp("b");
  b.add_lp("a");
  b.connect("a", 3, "b", 1, 250);
  b.connect("b", 1, "a", 3, 400);
  b.set_direct_send_min_delay(100);
  return std::move(b).build();
}

TEST(Engine, SendDeliversAfterLatencyPlusExtraDelayOnThePeerPort) {
  OneRank r{pair_graph()};
  r.run({{"a", [](Context& c) { c.send(3, 7, word(42), 50); }}},
        {{"b", [](const Event&, Context& c) { c.send(1, 8, word(43)); }}});
  ASSERT_EQ(r.lp["b"]->seen.size(), 1u);
  const Seen& s = r.lp["b"]->seen[0];
  EXPECT_EQ(s.time, 300);
  EXPECT_EQ(s.port, 1);
  EXPECT_EQ(s.kind, 7);
  EXPECT_EQ(s.sender, *r.graph.find("a"));
  EXPECT_EQ(s.word, 42u);
  ASSERT_EQ(r.lp["a"]->seen.size(), 1u);
  EXPECT_EQ(r.lp["a"]->seen[0].time, 700);
  EXPECT_EQ(r.lp["a"]->seen[0].port, 3);
  EXPECT_EQ(r.result.reason, StopReason::kCompleted);
  EXPECT_EQ(r.result.last_event_time, 700);
  EXPECT_EQ(r.result.global_events, 2u);
}

TEST(Engine, ZeroDelayScheduleRunsAfterTheCurrentEventAtTheSameTime) {
  OneRank r{pair_graph()};
  r.run({{"a", [](Context& c) { c.schedule(10, 1, word(1)); }}}, {{"a", [](const Event& ev, Context& c) {
                                                                     if (ev.kind == 1) {
                                                                       c.schedule(0, 2, word(2));
                                                                       c.schedule(0, 3, word(3), 0);
                                                                       c.schedule(0, 4, word(4), 0);
                                                                     }
                                                                   }}});
  const auto& s = r.lp["a"]->seen;
  ASSERT_EQ(s.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(s[static_cast<std::size_t>(i)].time, 10);
    EXPECT_EQ(s[static_cast<std::size_t>(i)].kind, i + 1) << "self events keep their scheduling order";
  }
}

TEST(Engine, SimultaneousArrivalsOrderByPriorityThenSourcePortThenSequence) {
  // Three senders hit "sink" at t=100. Names sort as s1 < s2 < s3 < sink, so port ids follow.
  GraphBuilder b;
  for (const char* n : {"sink", "s3", "s1", "s2"}) b.add_lp(n);
  b.connect("s1", 0, "sink", 0, 100);
  b.connect("s2", 0, "sink", 1, 100);
  b.connect("s3", 0, "sink", 2, 100);
  OneRank r{std::move(b).build()};
  r.run({{"s3",
          [](Context& c) {
            c.send(0, 1, word(30));
            c.send(0, 1, word(31));
          }},
         {"s1",
          [](Context& c) {
            c.send(0, 1, word(10));
            c.send(0, 1, word(11), 0, 2);
          }},
         {"s2", [](Context& c) {
            c.send(0, 1, word(20), 0, 1);
            c.send(0, 1, word(21));
          }}});
  std::vector<std::uint64_t> order;
  for (const Seen& s : r.lp["sink"]->seen) order.push_back(s.word);
  // priority 0: s1(10), s2(21), s3(30, 31); priority 1: s2(20); priority 2: s1(11)
  EXPECT_EQ(order, (std::vector<std::uint64_t>{10, 21, 30, 31, 20, 11}));
}

TEST(Engine, BadSendsNameTheLpAndTheRule) {
  auto expect_error = [](const ScriptLp::Script& script, const std::string& text) {
    OneRank r{pair_graph()};
    try {
      r.run({{"a", script}});
      FAIL() << "expected an error containing: " << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  expect_error([](Context& c) { c.send(9, 1, word(0)); },
               "logical process 'a' sent on port 9, which has no channel");
  expect_error([](Context& c) { c.send(3, 1, word(0), -1); }, "'a': send with delay -1 ps");
  expect_error([](Context& c) { c.schedule(-5, 1, word(0)); }, "'a': schedule with delay -5 ps");
  expect_error([](Context& c) { c.send_direct(0, 99, 1, word(0)); }, "below the declared minimum 100 ps");
  expect_error([](Context& c) { c.send_direct(77, 500, 1, word(0)); }, "unknown LP id 77");
}

TEST(Engine, DirectSendWithoutADeclaredMinimumIsRejected) {
  GraphBuilder b;
  b.add_lp("a");
  b.add_lp("b");
  OneRank r{std::move(b).build()};
  try {
    r.run({{"a", [](Context& c) { c.send_direct(1, kSecond, 1, word(0)); }}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("declares no minimum direct-send delay"), std::string::npos)
        << e.what();
  }
}

/// Waits for `expected` messages that never all come.
class WaitingLp final : public LogicalProcess {
 public:
  WaitingLp(int expected, bool sends) : expected_(expected), sends_(sends) {}
  void init(Context& ctx) override {
    if (sends_)
      ctx.send_direct((ctx.self() + 1) % static_cast<LpId>(ctx.graph().num_lps()), 1000, 1, Payload{});
  }
  void handle(const Event&, Context&) override { ++got_; }
  bool finished() const override { return got_ >= expected_; }
  std::string stall_report() const override {
    return fmt::format("waiting for {} of {} messages", expected_ - got_, expected_);
  }

 private:
  int expected_;
  int got_ = 0;
  bool sends_;
};

TEST(Engine, StallIsReportedWithTheStuckLpsOnEveryRankCount) {
  GraphBuilder b;
  for (int i = 0; i < 30; ++i) b.add_lp(fmt::format("npu{:02}", i));
  b.set_direct_send_min_delay(1000);
  const Graph g = std::move(b).build();
  std::string first;
  for (int ranks : {1, 2, 3}) {
    std::mutex m;
    std::vector<std::string> messages;
    std::vector<std::uint64_t> stuck;
    run_loopback(ranks, [&](Transport& t) {
      const Partition part = partition_round_robin(g, ranks);
      Engine engine(g, part, t);
      // Every LP sends one message; odd LPs expect two, so 15 are stuck.
      engine.instantiate([&](LpId id) { return std::make_unique<WaitingLp>(id % 2 ? 2 : 1, true); });
      RunLimits limits;
      limits.stall_report_limit = 4;
      try {
        engine.run(limits);
      } catch (const StallError& e) {
        std::lock_guard lock(m);
        messages.push_back(e.what());
        stuck.push_back(e.stuck());
      }
    });
    ASSERT_EQ(messages.size(), static_cast<std::size_t>(ranks)) << "every rank throws";
    for (const std::string& msg : messages) EXPECT_EQ(msg, messages[0]);
    EXPECT_EQ(stuck[0], 15u);
    const std::string& msg = messages[0];
    EXPECT_NE(msg.find("simulation stalled at t=1000 ps"), std::string::npos) << msg;
    EXPECT_NE(msg.find("15 logical processes still have unfinished work"), std::string::npos) << msg;
    EXPECT_NE(msg.find("npu01: waiting for 1 of 2 messages\n  npu03:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("npu07: waiting"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("npu09"), std::string::npos) << msg;
    EXPECT_NE(msg.find("... and 11 more"), std::string::npos) << msg;
    if (first.empty()) first = msg;
    EXPECT_EQ(msg, first) << "same report on " << ranks << " ranks";
  }
}

TEST(Engine, EndTimeStopRequestAndProgress) {
  bench::PholdConfig cfg;
  cfg.lps = 40;
  cfg.groups = 2;
  cfg.population = 200;
  cfg.lookahead = 100 * kNanosecond;
  cfg.mean_delay = 100 * kNanosecond;
  const Graph g = bench::build_graph(cfg);
  run_loopback(2, [&](Transport& t) {
    const Partition part = partition_auto(g, 2);
    {
      // No end: PHOLD never finishes; the stop request ends it after a few windows.
      Engine engine(g, part, t);
      engine.instantiate([&](LpId) {
        return std::make_unique<ScriptLp>(
            [](Context& c) { c.schedule(0, 1, Payload{}); },
            [](const Event&, Context& c) { c.schedule(50 * kNanosecond, 1, Payload{}); });
      });
      RunLimits limits;
      int progress_calls = 0;
      std::uint64_t windows_seen = 0;
      limits.progress_every = 3;
      limits.progress = [&](const Progress& p) {
        ++progress_calls;
        windows_seen = p.windows;
      };
      limits.stop_requested = [&] { return t.rank() == 1 && engine.stats().windows >= 10; };
      const RunResult r = engine.run(limits);
      EXPECT_EQ(r.reason, StopReason::kStopRequested);
      EXPECT_EQ(r.stats.windows, 10u);
      EXPECT_EQ(progress_calls, 3);
      EXPECT_EQ(windows_seen, 9u);
    }
    {
      Engine engine(g, part, t);
      engine.instantiate([&](LpId) {
        return std::make_unique<ScriptLp>(
            [](Context& c) { c.schedule(0, 1, Payload{}); },
            [](const Event&, Context& c) { c.schedule(50 * kNanosecond, 1, Payload{}); });
      });
      RunLimits limits;
      limits.end_time = 1000 * kNanosecond;
      const RunResult r = engine.run(limits);
      EXPECT_EQ(r.reason, StopReason::kEndTime);
      EXPECT_EQ(r.last_event_time, 950 * kNanosecond);
      EXPECT_EQ(r.global_events, 40u * 20u);
    }
  });
}

// One rank: nothing crosses ranks, so the whole run is a single window. A stop request (SIGTERM in
// the app) and the wall limit must still end it, from inside the window.
TEST(Engine, StopRequestAndWallLimitEndTheSingleWindowOfAOneRankRun) {
  GraphBuilder b;
  b.add_lp("forever");
  const Graph g = std::move(b).build();
  run_loopback(1, [&](Transport& t) {
    const Partition part = partition_round_robin(g, 1);
    for (const bool wall : {false, true}) {
      Engine engine(g, part, t);
      std::uint64_t handled = 0;
      engine.instantiate([&](LpId) {
        return std::make_unique<ScriptLp>([](Context& c) { c.schedule(0, 1, Payload{}); },
                                          [&](const Event&, Context& c) {
                                            ++handled;
                                            c.schedule(10, 1, Payload{});
                                          });
      });
      RunLimits limits;
      limits.poll_every = 1000;
      if (wall) {
        limits.wall_seconds = 0.05;
      } else {
        limits.stop_requested = [&] { return handled >= 5000; };
      }
      const RunResult r = engine.run(limits);
      if (wall) {
        EXPECT_EQ(r.reason, StopReason::kWallLimit);
        EXPECT_EQ(handled % 1000, 0u);  // stopped at a poll
      } else {
        EXPECT_EQ(r.reason, StopReason::kStopRequested);
        EXPECT_EQ(handled, 5000u);
      }
      EXPECT_EQ(r.stats.windows, 1u);
      // Every event before the next unrun one ran: the events were at 0, 10, ..., 10 (handled-1).
      EXPECT_EQ(r.reached, static_cast<SimTime>(handled) * 10);
    }
  });
}

TEST(Engine, ModelErrorOnOneLoopbackRankDoesNotHangTheOthers) {
  GraphBuilder b;
  for (int i = 0; i < 4; ++i) b.add_lp(fmt::format("lp{}", i));
  b.set_direct_send_min_delay(10);
  const Graph g = std::move(b).build();
  try {
    run_loopback(4, [&](Transport& t) {
      const Partition part = partition_round_robin(g, 4);
      Engine engine(g, part, t);
      engine.instantiate([&](LpId id) {
        return std::make_unique<ScriptLp>([id](Context& c) {
          if (id == 2) c.send(0, 1, Payload{});  // lp2 has no port 0
          c.schedule(5, 1, Payload{});
        });
      });
      engine.run();
    });
    FAIL() << "expected the model error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'lp2' sent on port 0"), std::string::npos) << e.what();
  }
}

TEST(Engine, RejectsAPartitionForAnotherRankCount) {
  const Graph g = pair_graph();
  const Partition part = partition_round_robin(g, 2);
  run_loopback(1, [&](Transport& t) { EXPECT_THROW(Engine(g, part, t), Error); });
}

// The same models give byte-identical fingerprints on 1, 2, 3, 4 and 8 loopback ranks, with
// either placement and every queue kind.
TEST(Engine, LoopbackRankCountsGiveIdenticalFingerprints) {
  for (const char* model : {"mix", "phold"}) {
    bench::PholdConfig cfg;
    cfg.model = model;
    cfg.lps = 48;
    cfg.groups = 4;
    cfg.population = 240;
    cfg.remote_fraction = 0.4;
    cfg.lookahead = 100 * kNanosecond;
    cfg.mean_delay = 150 * kNanosecond;
    cfg.end_time = 2 * kMicrosecond;
    cfg.record = true;
    std::string reference;
    std::uint64_t reference_sum = 0;
    for (int ranks : {1, 2, 3, 4, 8}) {
      for (const char* placement : {"auto", "round-robin"}) {
        for (const char* queue : {"ladder", "heap4", "binary"}) {
          if (ranks > 1 && std::string(queue) != "ladder" && std::string(placement) != "auto") continue;
          cfg.placement = placement;
          cfg.queue = queue;
          std::mutex m;
          std::vector<bench::PholdRun> runs;
          run_loopback(ranks, [&](Transport& t) {
            bench::PholdRun run = bench::run_model(cfg, t);
            std::lock_guard lock(m);
            runs.push_back(std::move(run));
          });
          for (const auto& run : runs) {
            if (reference.empty()) {
              reference = run.fingerprint;
              reference_sum = run.checksum;
              EXPECT_GT(run.result.global_events, 1000u);
            }
            EXPECT_EQ(run.fingerprint, reference)
                << model << " ranks=" << ranks << " " << placement << " " << queue;
            EXPECT_EQ(run.checksum, reference_sum);
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace tessera::pdes
