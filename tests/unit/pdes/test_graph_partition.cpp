#include <gtest/gtest.h>

#include <string>

#include <fmt/format.h>

#include "tessera/error.hpp"
#include "tessera/pdes/graph.hpp"
#include "tessera/pdes/partition.hpp"

namespace tessera::pdes {
namespace {

std::string all_messages(const InputError& e) {
  std::string s;
  for (const auto& d : e.diagnostics()) s += d.str() + "\n";
  return s;
}

TEST(Graph, IdsComeFromSortedNamesNotInsertionOrder) {
  GraphBuilder a;
  for (const char* n : {"c", "a", "b"}) a.add_lp(n);
  a.connect("c", 1, "a", 0, 5);
  a.connect("a", 0, "b", 2, 7);
  a.connect("c", 0, "b", 0, 9);
  GraphBuilder b;
  for (const char* n : {"b", "c", "a"}) b.add_lp(n);
  b.connect("c", 0, "b", 0, 9);
  b.connect("a", 0, "b", 2, 7);
  b.connect("c", 1, "a", 0, 5);
  const Graph ga = std::move(a).build();
  const Graph gb = std::move(b).build();
  for (const Graph* g : {&ga, &gb}) {
    EXPECT_EQ(g->name(0), "a");
    EXPECT_EQ(g->name(2), "c");
    EXPECT_EQ(*g->find("b"), 1u);
    EXPECT_FALSE(g->find("zz"));
    // Ports: a = {self 0, out0 1}, b = {self 2}, c = {self 3, out0 4, out1 5}.
    EXPECT_EQ(g->num_ports(), 6u);
    EXPECT_EQ(g->self_port(2), 3u);
    EXPECT_EQ(g->out_port(2, 1), 5u);
    EXPECT_EQ(g->out_port(2, 7), kNoPort);
    EXPECT_EQ(g->out_port(1, 0), kNoPort);
    EXPECT_EQ(g->channel_of_port(5).to, 0u);
    EXPECT_EQ(g->channel_of_port(5).latency, 5);
    EXPECT_EQ(g->port_owner(4), 2u);
    EXPECT_EQ(g->channel_name(g->channel_of_port(4)), "c:0 -> b:0");
  }
}

TEST(Graph, ReportsEveryProblemAtOnce) {
  GraphBuilder b;
  b.add_lp("x");
  b.add_lp("y");
  b.add_lp("x");                   // duplicate
  b.connect("x", 0, "nope", 0, 1);  // unknown target
  b.connect("x", 1, "y", 0, -3);    // negative latency
  b.connect("x", 2, "y", 1, 1);
  b.connect("x", 2, "y", 2, 1);     // output port used twice
  b.connect("y", 5, "x", 9, 1);
  b.connect("y", 6, "x", 9, 1);     // input port used twice
  try {
    std::move(b).build();
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    const std::string m = all_messages(e);
    EXPECT_EQ(e.diagnostics().size(), 5u) << m;
    EXPECT_NE(m.find("x: logical process name used twice"), std::string::npos) << m;
    EXPECT_NE(m.find("nope: target of a channel is not a logical process"), std::string::npos) << m;
    EXPECT_NE(m.find("x:1 -> y:0: negative latency"), std::string::npos) << m;
    EXPECT_NE(m.find("x:2: output port carries two channels"), std::string::npos) << m;
    EXPECT_NE(m.find("x:9: input port receives two channels"), std::string::npos) << m;
  }
}

Graph chain(int n, SimTime latency) {
  GraphBuilder b;
  for (int i = 0; i < n; ++i) b.add_lp(fmt::format("n{}", i));
  for (int i = 0; i + 1 < n; ++i) b.connect_both(fmt::format("n{}", i), 0, fmt::format("n{}", i + 1), 1, latency + i);
  return std::move(b).build();
}

TEST(Partition, LookaheadIsTheMinimumCutLatency) {
  const Graph g = chain(4, 100);  // latencies n0-n1 100, n1-n2 101, n2-n3 102
  const Partition one = partition_round_robin(g, 1);
  EXPECT_EQ(one.lookahead, kTimeInfinity);
  const auto by = [&](std::initializer_list<std::pair<const char*, int>> m) {
    std::unordered_map<std::string, int> p;
    for (auto [n, r] : m) p[n] = r;
    return p;
  };
  EXPECT_EQ(partition_explicit(g, 2, by({{"n0", 0}, {"n1", 0}, {"n2", 1}, {"n3", 1}})).lookahead, 101);
  EXPECT_EQ(partition_explicit(g, 2, by({{"n0", 0}, {"n1", 0}, {"n2", 0}, {"n3", 1}})).lookahead, 102);
  EXPECT_EQ(partition_round_robin(g, 2).lookahead, 100);
}

TEST(Partition, ZeroLatencyCutLinkIsAnErrorNamingTheLink) {
  GraphBuilder b;
  b.add_lp("gpu0");
  b.add_lp("gpu1");
  b.add_lp("nic");
  b.connect_both("gpu0", 0, "gpu1", 0, 0);
  b.connect_both("gpu1", 1, "nic", 0, 50);
  const Graph g = std::move(b).build();
  EXPECT_NO_THROW(partition_round_robin(g, 1));
  try {
    partition_explicit(g, 2, {{"gpu0", 0}, {"gpu1", 1}, {"nic", 1}});
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    const std::string m = all_messages(e);
    EXPECT_NE(m.find("gpu0:0 -> gpu1:0: zero-latency channel crosses ranks 0 and 1"), std::string::npos) << m;
    EXPECT_NE(m.find("gpu1:0 -> gpu0:0"), std::string::npos) << m;
    EXPECT_NE(m.find("fix:"), std::string::npos) << m;
  }
  // Auto placement keeps zero-latency neighbours together, so it is valid.
  const Partition p = partition_auto(g, 2);
  EXPECT_EQ(p.rank_of[*g.find("gpu0")], p.rank_of[*g.find("gpu1")]);
  EXPECT_EQ(p.lookahead, 50);
}

TEST(Partition, ExplicitPlacementErrorsNameTheLps) {
  const Graph g = chain(3, 10);
  try {
    partition_explicit(g, 2, {{"n0", 0}, {"n1", 5}, {"ghost", 1}});
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    const std::string m = all_messages(e);
    EXPECT_NE(m.find("ghost: placement names an LP that does not exist"), std::string::npos) << m;
    EXPECT_NE(m.find("n1: placed on rank 5 but only ranks 0..1 run"), std::string::npos) << m;
    EXPECT_NE(m.find("n2: LP has no placement"), std::string::npos) << m;
  }
}

TEST(Partition, DirectSendsBoundTheLookahead) {
  GraphBuilder b;
  b.add_lp("a");
  b.add_lp("b");
  b.connect_both("a", 0, "b", 0, 500);
  b.set_direct_send_min_delay(200);
  const Graph g = std::move(b).build();
  EXPECT_EQ(partition_round_robin(g, 2).lookahead, 200);
  EXPECT_EQ(partition_round_robin(g, 1).lookahead, kTimeInfinity);

  GraphBuilder z;
  z.add_lp("a");
  z.add_lp("b");
  z.set_direct_send_min_delay(0);
  const Graph gz = std::move(z).build();
  EXPECT_NO_THROW(partition_round_robin(gz, 1));
  EXPECT_THROW(partition_round_robin(gz, 2), InputError);
}

// Four HGX-like boxes (8 GPUs + NVSwitch, 100 ns links) under one spine (1 us links).
Graph boxes() {
  GraphBuilder b;
  b.add_lp("spine", 1);
  for (int box = 0; box < 4; ++box) {
    const std::string sw = fmt::format("box{}/nvswitch", box);
    b.add_lp(sw);
    for (int g = 0; g < 8; ++g) {
      const std::string gpu = fmt::format("box{}/gpu{}", box, g);
      b.add_lp(gpu);
      b.connect_both(gpu, 0, sw, static_cast<LocalPort>(g), 100 * kNanosecond);
    }
    b.connect_both(sw, 8, "spine", static_cast<LocalPort>(box), kMicrosecond);
  }
  return std::move(b).build();
}

TEST(Partition, AutoKeepsBoxesWholeAndCutsTheSlowLinks) {
  const Graph g = boxes();
  for (int ranks : {2, 4}) {
    const Partition p = partition_auto(g, ranks);
    EXPECT_EQ(p.lookahead, kMicrosecond) << ranks;
    std::vector<int> load(static_cast<std::size_t>(ranks), 0);
    for (int box = 0; box < 4; ++box) {
      const int r = p.rank_of[*g.find(fmt::format("box{}/nvswitch", box))];
      for (int gpu = 0; gpu < 8; ++gpu) {
        EXPECT_EQ(p.rank_of[*g.find(fmt::format("box{}/gpu{}", box, gpu))], r) << "box " << box << " split";
      }
      load[static_cast<std::size_t>(r)] += 9;
    }
    for (int l : load) EXPECT_EQ(l, 36 / ranks) << "unbalanced for " << ranks << " ranks";
  }
}

TEST(Partition, AutoHonoursGroupHintsAndIsDeterministic) {
  GraphBuilder b;
  for (int i = 0; i < 12; ++i) b.add_lp(fmt::format("lp{:02}", i), 1, fmt::format("g{}", i % 3));
  const Graph g = std::move(b).build();
  const Partition p = partition_auto(g, 3);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(p.rank_of[static_cast<std::size_t>(i)], p.rank_of[static_cast<std::size_t>(i % 3)]);
  EXPECT_NE(p.rank_of[0], p.rank_of[1]);
  EXPECT_NE(p.rank_of[1], p.rank_of[2]);
  EXPECT_EQ(partition_auto(g, 3).rank_of, p.rank_of);
}

TEST(Partition, AutoScalesToLargeGraphs) {
  // 50k LPs and 200k channels with many distinct latencies: must stay fast (binary search).
  GraphBuilder b;
  const int n = 50000;
  for (int i = 0; i < n; ++i) b.add_lp(fmt::format("lp{}", i));
  for (int i = 0; i < n; ++i) {
    for (int k = 1; k <= 2; ++k) {
      b.connect_both(fmt::format("lp{}", i), static_cast<LocalPort>(2 * k), fmt::format("lp{}", (i + k * 7) % n),
                     static_cast<LocalPort>(2 * k + 1), 1000 + (i * 37 + k) % 5000);
    }
  }
  const Graph g = std::move(b).build();
  EXPECT_EQ(g.num_channels(), 200000u);
  const Partition p = partition_auto(g, 8);
  EXPECT_GT(p.lookahead, 0);
  EXPECT_EQ(p.rank_of.size(), static_cast<std::size_t>(n));
}

}  // namespace
}  // namespace tessera::pdes
