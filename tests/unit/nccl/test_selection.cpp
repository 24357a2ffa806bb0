// NCCL's choice by size (reference nccl-model.md §5.4, §9 invariants, hardware-h100.md §5).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tessera/collective/nccl/selection.hpp"
#include "tessera/error.hpp"

namespace tessera::collective::nccl {
namespace {

struct Row {
  std::int64_t bytes;
  Algo algo;
  Proto proto;
  int channels;
};

Choice choose(const Comm& c, std::int64_t bytes, Func f = Func::kAllReduce) {
  CollRequest r;
  r.func = f;
  r.count = bytes / 4;
  if (f == Func::kAllGather || f == Func::kReduceScatter) r.count /= c.ranks;
  return select(c, r);
}

void expect_rows(const Comm& c, const std::vector<Row>& rows) {
  for (const Row& row : rows) {
    SCOPED_TRACE(row.bytes);
    const Choice ch = choose(c, row.bytes);
    EXPECT_EQ(to_string(ch.algo), to_string(row.algo));
    EXPECT_EQ(to_string(ch.proto), to_string(row.proto));
    EXPECT_EQ(ch.channels, row.channels);
  }
}

constexpr std::int64_t K = 1024, M = K * K, G = M * K;
constexpr Algo RING = Algo::kRing, TREE = Algo::kTree, NVLS = Algo::kNvls, NVLSTREE = Algo::kNvlsTree;
constexpr Proto LL = Proto::kLl, LL128 = Proto::kLl128, SIMPLE = Proto::kSimple;

TEST(NcclSelection, EightH100RingLlUpTo1MiBThenNvls) {
  // Ring LL CTAs: floor(bytes / 32 KiB) between 1 and 24; NVLS always 16.
  expect_rows(make_comm(hgx_h100(1)), {{8, RING, LL, 1},
                                       {1 * K, RING, LL, 1},
                                       {32 * K, RING, LL, 1},
                                       {64 * K, RING, LL, 2},
                                       {256 * K, RING, LL, 8},
                                       {512 * K, RING, LL, 16},
                                       {768 * K, RING, LL, 24},
                                       {1 * M, RING, LL, 24},
                                       {2 * M, NVLS, SIMPLE, 16},
                                       {64 * M, NVLS, SIMPLE, 16},
                                       {16 * G, NVLS, SIMPLE, 16}});
}

TEST(NcclSelection, NvlsDisabledCrossesFromLlToLl128Near3_6MBAndToSimpleNear37MB) {
  NcclOptions o;
  o.nvls_enable = 0;
  const Comm c = make_comm(hgx_h100(1), o);
  expect_rows(c, {{1 * M, RING, LL, 24}, {16 * G, RING, SIMPLE, 24}});
  auto proto_at = [&](std::int64_t b) { return choose(c, b).proto; };
  EXPECT_EQ(proto_at(3'500'000), LL);
  EXPECT_EQ(proto_at(3'700'000), LL128);
  EXPECT_EQ(proto_at(36'000'000), LL128);
  EXPECT_EQ(proto_at(37'000'000), SIMPLE);
}

TEST(NcclSelection, TwoH100NodesPickTreesThenNvlsTree) {
  expect_rows(make_comm(hgx_h100(2)), {{1 * K, TREE, LL, 1},
                                       {64 * K, TREE, LL, 16},
                                       {256 * K, TREE, LL128, 16},
                                       {1 * M, TREE, LL128, 16},
                                       {2 * M, NVLSTREE, SIMPLE, 16},
                                       {16 * G, NVLSTREE, SIMPLE, 16}});
}

TEST(NcclSelection, FourH100NodesEndOnTheNicBoundRing) {
  expect_rows(make_comm(hgx_h100(4)), {{1 * K, TREE, LL, 1},
                                       {1 * M, TREE, LL128, 16},
                                       {16 * M, NVLSTREE, SIMPLE, 16},
                                       {1 * G, RING, SIMPLE, 16},
                                       {16 * G, RING, SIMPLE, 16}});
}

TEST(NcclSelection, EightA100RingOnlyWithLl128Between2And24MB) {
  const Comm c = make_comm(dgx_a100(1));
  expect_rows(c, {{1 * K, RING, LL, 1},
                  {1 * M, RING, LL, 24},
                  {2 * M, RING, LL, 24},
                  {4 * M, RING, LL128, 24},
                  {16 * M, RING, LL128, 24},
                  {32 * M, RING, SIMPLE, 24},
                  {16 * G, RING, SIMPLE, 24}});
}

TEST(NcclSelection, ThreadsFollowNcclsRules) {
  const Comm c = make_comm(hgx_h100(1));
  EXPECT_EQ(choose(c, 1 * K).threads, 96);  // halved to 64, then raised to 3 warps
  EXPECT_EQ(choose(c, 8 * K).threads, 128);
  EXPECT_EQ(choose(c, 1 * M).threads, 512);
  EXPECT_EQ(choose(c, 64 * M).threads, 640);  // NVLS
  NcclOptions o;
  o.nvls_enable = 0;
  EXPECT_EQ(choose(make_comm(hgx_h100(1), o), 1 * G).threads, 544);  // Simple + the sync warp
  EXPECT_EQ(choose(make_comm(hgx_h100(2)), 1 * K).threads, 640);     // Tree uses all threads
}

TEST(NcclSelection, AllGatherAndReduceScatterStayOnTheRing) {
  const Comm c = make_comm(hgx_h100(1));
  for (Func f : {Func::kAllGather, Func::kReduceScatter}) {
    EXPECT_EQ(choose(c, 16 * G, f).algo, RING);
    EXPECT_EQ(choose(c, 16 * G, f).proto, SIMPLE);
    EXPECT_EQ(choose(c, 16 * G, f).bytes, 16 * G);  // ranked by the full array
  }
  EXPECT_EQ(choose(c, 1 * G, Func::kBroadcast).algo, RING);
}

TEST(NcclSelection, AlgoAndProtoOverridesRestrictTheChoice) {
  NcclOptions o;
  set_option(o, "NCCL_ALGO", "ring");
  expect_rows(make_comm(hgx_h100(1), o), {{64 * M, RING, SIMPLE, 24}});
  o = NcclOptions();
  set_option(o, "NCCL_PROTO", "^LL");
  // Without LL the cheapest small-message latency is NVLS's 25 us.
  expect_rows(make_comm(hgx_h100(1), o), {{1 * K, NVLS, SIMPLE, 16}});
  o = NcclOptions();
  set_option(o, "NCCL_ALGO", "allreduce:tree;broadcast:ring");
  expect_rows(make_comm(hgx_h100(1), o), {{16 * G, TREE, SIMPLE, 24}});
  o = NcclOptions();
  set_option(o, "NCCL_ALGO", "nvls");
  EXPECT_THROW(choose(make_comm(dgx_a100(1), o), 1 * M), InputError);  // nothing left on A100
  o = NcclOptions();
  set_option(o, "NCCL_MAX_NCHANNELS", "4");
  expect_rows(make_comm(hgx_h100(1), o), {{16 * M, NVLS, SIMPLE, 16}});  // NVLS CTAs are not clamped by it
  NcclOptions forced_ll128;
  set_option(forced_ll128, "NCCL_PROTO", "LL128");
  // Tree LL128 (31.5 us) beats Ring LL128 (40.6 us) for small messages.
  expect_rows(make_comm(hgx_h100(1), forced_ll128), {{1 * K, TREE, LL128, 1}});
}

TEST(NcclSelection, Fp8RingsBeyondEightRanksAreLastResort) {
  const Comm c = make_comm(hgx_h100(2));
  CollRequest r;
  r.count = (std::int64_t{1} << 32) / 1;
  r.type_bytes = 1;
  r.fp8 = true;
  r.nvls_reducible = false;  // NVLS has no fp8 reduction
  EXPECT_EQ(select(c, r).algo, TREE);
  r.fp8 = false;
  EXPECT_EQ(select(c, r).algo, RING);
}

}  // namespace
}  // namespace tessera::collective::nccl
