// Failing together: pdes::agree and the engine's model errors on several loopback ranks.
#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tessera/pdes/agreement.hpp"
#include "tessera/pdes/engine.hpp"
#include "tessera/pdes/loopback_transport.hpp"

namespace tessera::pdes {
namespace {

Failure input_failure(std::int64_t order, const std::string& file) {
  return Failure{order, ExitCode::kBadInput, "", {Diagnostic{file, 0, "", "broken", ""}}};
}

/// Runs `per_rank(rank)`'s failures through agree() on `ranks` loopback ranks; returns what each
/// rank threw ("" when it returned).
std::vector<std::string> agree_on(int ranks, const std::function<std::vector<Failure>(int)>& per_rank,
                                  std::vector<int>* codes = nullptr) {
  std::mutex m;
  std::vector<std::string> out(static_cast<std::size_t>(ranks));
  if (codes) codes->assign(static_cast<std::size_t>(ranks), 0);
  run_loopback(ranks, [&](Transport& t) {
    try {
      agree(t, per_rank(t.rank()));
    } catch (const Error& e) {
      EXPECT_TRUE(is_agreed(e));
      std::lock_guard lock(m);
      out[static_cast<std::size_t>(t.rank())] = e.what();
      if (codes) (*codes)[static_cast<std::size_t>(t.rank())] = static_cast<int>(e.code());
    }
  });
  return out;
}

TEST(Agreement, NoFailureOnAnyRankReturns) {
  for (const std::string& s : agree_on(3, [](int) { return std::vector<Failure>{}; })) EXPECT_EQ(s, "");
}

TEST(Agreement, EveryRankThrowsEveryRanksFailuresInKeyOrderOnce) {
  // Round-robin ownership: rank r holds NPUs r, r+3, ...; each NPU's trace is broken, and every
  // rank also finds the same problem of the whole input.
  std::vector<int> codes;
  const auto got = agree_on(
      3,
      [](int r) {
        std::vector<Failure> f{input_failure(-1, "shared")};
        for (int npu = r; npu < 7; npu += 3) f.push_back(input_failure(npu, fmt::format("t.{}.et", npu)));
        return f;
      },
      &codes);
  std::string want = "error: shared: broken";
  for (int npu = 0; npu < 7; ++npu) want += fmt::format("\nerror: t.{}.et: broken", npu);
  for (std::size_t r = 0; r < got.size(); ++r) {
    EXPECT_EQ(got[r], want) << "rank " << r;
    EXPECT_EQ(codes[r], static_cast<int>(ExitCode::kBadInput));
  }
}

TEST(Agreement, AFailureOnOneRankEndsEveryRankWithItsCode) {
  std::vector<int> codes;
  const auto got = agree_on(
      2,
      [](int r) {
        return r == 1 ? std::vector<Failure>{Failure{5, ExitCode::kRuntime, "model broke", {}}} : std::vector<Failure>{};
      },
      &codes);
  EXPECT_EQ(got, (std::vector<std::string>{"model broke", "model broke"}));
  EXPECT_EQ(codes, (std::vector<int>{1, 1}));
}

TEST(Agreement, CurrentFailureKeepsAnInputErrorsDiagnostics) {
  try {
    throw InputError(Diagnostic{"f", 3, "k", "m", "x"});
  } catch (...) {
    const Failure f = current_failure(4);
    EXPECT_EQ(f.order, 4);
    EXPECT_EQ(f.code, ExitCode::kBadInput);
    ASSERT_EQ(f.diagnostics.size(), 1u);
    EXPECT_EQ(f.diagnostics[0].str(), "f:3: k: m (fix: x)");
  }
  try {
    throw std::runtime_error("boom");
  } catch (...) {
    EXPECT_EQ(current_failure().message, "internal error: boom");
  }
}

/// Throws an input error naming itself at init when `broken`, else schedules a few events.
class MaybeBrokenLp final : public LogicalProcess {
 public:
  explicit MaybeBrokenLp(bool broken_at_init, bool broken_later)
      : at_init_(broken_at_init), later_(broken_later) {}
  void init(Context& c) override {
    if (at_init_) throw InputError(Diagnostic{c.graph().name(c.self()), 0, "", "broken at init", ""});
    c.schedule(10, 1, Payload{});
  }
  void handle(const Event&, Context& c) override {
    if (later_ && c.now() >= 30) throw Error(fmt::format("{} broke at {} ps", c.graph().name(c.self()), c.now()));
    if (c.now() < 100) c.schedule(10, 1, Payload{});
  }

 private:
  bool at_init_, later_;
};

// Several ranks' LPs fail in init: every rank throws one error with every failed LP, in LP order,
// on any rank count (the others do not wait forever in the exchange).
TEST(Agreement, EngineReportsInitErrorsOfEveryRankInLpOrder) {
  GraphBuilder b;
  for (int i = 0; i < 8; ++i) b.add_lp(fmt::format("lp{}", i));
  b.set_direct_send_min_delay(10);
  const Graph g = std::move(b).build();
  const std::string want = "error: lp1: broken at init\nerror: lp4: broken at init\nerror: lp6: broken at init";
  for (int ranks : {1, 2, 3, 4}) {
    std::mutex m;
    std::vector<std::string> messages;
    run_loopback(ranks, [&](Transport& t) {
      const Partition part = partition_round_robin(g, ranks);
      Engine engine(g, part, t);
      engine.instantiate([](LpId id) { return std::make_unique<MaybeBrokenLp>(id == 1 || id == 4 || id == 6, false); });
      try {
        engine.run();
      } catch (const InputError& e) {
        EXPECT_TRUE(is_agreed(e));
        std::lock_guard lock(m);
        messages.push_back(e.what());
      }
    });
    ASSERT_EQ(messages.size(), static_cast<std::size_t>(ranks)) << "every rank throws";
    for (const std::string& s : messages) EXPECT_EQ(s, want) << ranks << " ranks";
  }
}

// A model error in the middle of a run on one rank stops every rank at the next window.
TEST(Agreement, EngineErrorInsideAWindowOnOneRankStopsEveryRank) {
  GraphBuilder b;
  for (int i = 0; i < 4; ++i) b.add_lp(fmt::format("lp{}", i));
  b.set_direct_send_min_delay(10);
  const Graph g = std::move(b).build();
  for (int ranks : {1, 2, 4}) {
    std::mutex m;
    std::vector<std::string> messages;
    run_loopback(ranks, [&](Transport& t) {
      const Partition part = partition_round_robin(g, ranks);
      Engine engine(g, part, t);
      engine.instantiate([](LpId id) { return std::make_unique<MaybeBrokenLp>(false, id == 3); });
      try {
        engine.run();
      } catch (const Error& e) {
        EXPECT_TRUE(is_agreed(e));
        std::lock_guard lock(m);
        messages.push_back(e.what());
      }
    });
    ASSERT_EQ(messages.size(), static_cast<std::size_t>(ranks));
    for (const std::string& s : messages) EXPECT_EQ(s, "lp3 broke at 30 ps");
  }
}

}  // namespace
}  // namespace tessera::pdes
