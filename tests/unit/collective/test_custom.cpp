// Custom collectives from send/recv/compute graphs. ring_allreduce_custom() builds the steps of the
// custom_ring_allreduce_8npus_1MB fixture as its MSCCL source (custom_allreduce.xml) orders them:
// per position one dependency chain of 7 x (send, recv-reduce-copy = RECV + COMP 7 us) then
// 7 x (send, recv); 131,072 B per message to position r+1, from r-1, tag 0 (35 nodes).
#include <gtest/gtest.h>

#include "engine_harness.hpp"
#include "tessera/collective/custom.hpp"
#include "tessera/collective/registry.hpp"
#include "tessera/error.hpp"

namespace tessera::collective {
namespace {

using testing::ns;

std::shared_ptr<CustomCollective> ring_allreduce_custom(int n, Bytes msg) {
  auto c = std::make_shared<CustomCollective>();
  c->name = "custom_allreduce";
  for (int r = 0; r < n; ++r) {
    std::vector<CustomStep> prog;
    std::int64_t id = 0;
    for (int step = 0; step < 2 * (n - 1); ++step) {
      CustomStep send{id, CustomStep::Kind::kSend, (r + 1) % n, msg, 0, 0, {}};
      if (id > 0) send.deps = {id - 1};
      prog.push_back(send);
      ++id;
      prog.push_back(CustomStep{id, CustomStep::Kind::kRecv, (r + n - 1) % n, msg, 0, 0, {id - 1}});
      ++id;
      if (step < n - 1) {
        prog.push_back(CustomStep{id, CustomStep::Kind::kCompute, -1, 0, 0, 7 * kMicrosecond, {id - 1}});
        ++id;
      }
    }
    c->programs.push_back(std::move(prog));
  }
  return c;
}

TEST(Custom, RingAllReduceChainTiming) {
  auto custom = ring_allreduce_custom(8, 131072);
  EXPECT_EQ(custom->programs[0].size(), 35u);
  validate(*custom);
  SystemConfig cfg;
  cfg.set_all_implementations({parse_algorithm("ring")});
  cfg.preferred_dataset_splits = 4;
  CollectiveRequest r;
  r.type = CollectiveType::kAllReduce;
  r.bytes = 1 << 20;
  r.custom = custom;
  const testing::UnawareNetwork net{{"Ring"}, {8}, {50}, {500}};
  const auto out = testing::run_collectives(net, cfg, {r}, 3);
  // SEND completes when its message arrives; the RECV posted then finds its data (sent at the
  // same tick by the left neighbour); no endpoint delay in custom programs; COMP = 7 us.
  const SimTime t = static_cast<SimTime>(500 + 131072 / (50.0 * (1 << 30) / 1e9));
  EXPECT_EQ(ns(out.max_finish), 14 * t + 7 * 7000);
  EXPECT_EQ(ns(out.min_finish), 14 * t + 7 * 7000);
  EXPECT_EQ(out.messages, 8u * 14);
}

TEST(Custom, ValidationFindsUnmatchedSendsCyclesAndBadPeers) {
  auto c = ring_allreduce_custom(4, 1024);
  c->programs[1].pop_back();                    // drop position 1's last RECV? (last step is a RECV)
  c->programs[2][0].deps = {5};                 // cycle through the chain
  c->programs[3].push_back(CustomStep{99, CustomStep::Kind::kSend, 3, 10, 0, 0, {}});  // to itself
  try {
    validate(*c);
    FAIL();
  } catch (const InputError& e) {
    std::string all;
    for (const auto& d : e.diagnostics()) all += d.str() + "\n";
    EXPECT_NE(all.find("no matching receive"), std::string::npos) << all;
    EXPECT_NE(all.find("cycle"), std::string::npos) << all;
    EXPECT_NE(all.find("custom_allreduce.3.et"), std::string::npos) << all;
    EXPECT_NE(all.find("is not another position"), std::string::npos) << all;
  }
}

}  // namespace
}  // namespace tessera::collective
