// Channel split, chunks and slices against reference nccl-model.md §1-§3.
#include <gtest/gtest.h>

#include "tessera/collective/nccl/chunking.hpp"

namespace tessera::collective::nccl {
namespace {

constexpr std::int64_t K = 1024, M = K * K, G = M * K;

CollRequest all_reduce(std::int64_t bytes) {
  CollRequest r;
  r.count = bytes / 4;
  return r;
}

TEST(NcclChunking, ProtocolBuffersSlotsAndGrains) {
  const Comm c = make_comm(hgx_h100(1));
  const ProtocolGeometry ll = protocol_geometry(c, Proto::kLl);
  EXPECT_EQ(ll.buffer_bytes, 512 * K);
  EXPECT_EQ(ll.slot_bytes, 64 * K);
  EXPECT_EQ(ll.slot_data_bytes, 32 * K);
  EXPECT_EQ(ll.grain_bytes, 16);
  const ProtocolGeometry ll128 = protocol_geometry(c, Proto::kLl128);
  EXPECT_EQ(ll128.buffer_bytes, 4'915'200);
  EXPECT_EQ(ll128.slot_bytes, 614'400);
  EXPECT_EQ(ll128.slot_data_bytes, 576'000);
  EXPECT_EQ(ll128.grain_bytes, 1920);
  const ProtocolGeometry simple = protocol_geometry(c, Proto::kSimple);
  EXPECT_EQ(simple.buffer_bytes, 4 * M);
  EXPECT_EQ(simple.slot_bytes, 512 * K);
  EXPECT_EQ(simple.grain_bytes, 512);
}

TEST(NcclChunking, WireEfficiency) {
  EXPECT_EQ(wire_bytes(Proto::kLl, 8), 16);  // a line: 2 x (4 data + 4 flag)
  EXPECT_EQ(wire_bytes(Proto::kLl, 4), 16);
  EXPECT_EQ(wire_bytes(Proto::kLl, 32 * K), 64 * K);
  EXPECT_EQ(wire_bytes(Proto::kLl128, 120), 128);
  EXPECT_EQ(wire_bytes(Proto::kLl128, 121), 256);
  EXPECT_EQ(wire_bytes(Proto::kLl128, 576'000), 614'400);
  EXPECT_EQ(wire_bytes(Proto::kSimple, 12345), 12345);
}

TEST(NcclChunking, RingSimple64MiBOn24Ctas) {
  NcclOptions o;
  o.nvls_enable = 0;
  const Comm c = make_comm(hgx_h100(1), o);
  const CollRequest r = all_reduce(64 * M);
  const Choice ch = select(c, r);
  ASSERT_EQ(ch.algo, Algo::kRing);
  ASSERT_EQ(ch.proto, Proto::kSimple);
  const auto parts = split_channels(c, r, ch);
  ASSERT_EQ(parts.size(), 24u);
  // Cells of 16 KiB; 171 cells (2.67 MiB) per channel, the last one takes the rest.
  EXPECT_EQ(parts[0].count * 4, 171 * 16 * K);
  EXPECT_EQ(parts[22].count * 4, 171 * 16 * K);
  EXPECT_EQ(parts[23].count * 4, (4096 - 23 * 171) * 16 * K);
  EXPECT_EQ(parts[23].offset + parts[23].count, r.count);
  const Chunking& k = parts[0].chunking;
  EXPECT_EQ(k.chunk_bytes, 2 * M);  // 4 slots
  EXPECT_EQ(k.slice_bytes, 1 * M);  // 2 slots
  EXPECT_EQ(k.chunk_steps, 4);
  EXPECT_EQ(k.slice_steps, 2);
  EXPECT_EQ(k.steps_per_loop, 14);
  EXPECT_EQ(k.loops, 1);
  EXPECT_EQ(k.proxy_steps, 14 * 4);
  // One short loop: ceil(part / 8) per step, split into 2 slices of 171 KiB.
  const auto chunks = ring_loop_chunks(parts[0].count, k.chunk_bytes / 4, 8, 4);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0] * 4, 342 * K);
  const auto slices = simple_slices(c, k, chunks[0], 4);
  ASSERT_EQ(slices.size(), 2u);
  EXPECT_EQ(slices[0] * 4, 171 * K);
  EXPECT_EQ(slices[1] * 4, 171 * K);
  // Small chunks still get slices of at least 32 KiB (stepSize * sliceSteps / 32).
  const auto small = simple_slices(c, k, 8 * K / 4, 4);
  ASSERT_EQ(small.size(), 1u);
  EXPECT_EQ(small[0] * 4, 8 * K);
}

TEST(NcclChunking, RingLl1MiBSplitsInto4KiBCells) {
  const Comm c = make_comm(hgx_h100(1));
  const CollRequest r = all_reduce(1 * M);
  const Choice ch = select(c, r);
  ASSERT_EQ(ch.proto, Proto::kLl);
  const auto parts = split_channels(c, r, ch);
  ASSERT_EQ(parts.size(), 24u);
  EXPECT_EQ(parts[0].count * 4, 11 * 4 * K);
  EXPECT_EQ(parts[23].count * 4, 3 * 4 * K);
  EXPECT_EQ(parts[0].chunking.chunk_bytes, 32 * K);
  const auto chunks = ring_loop_chunks(parts[0].count, parts[0].chunking.chunk_bytes / 4, 8, 4);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0] * 4, 5632);  // ceil(44 KiB / 8), 16-byte aligned
  // Tiny counts: chunks round up to 16 bytes.
  EXPECT_EQ(ring_loop_chunks(100, 8192, 8, 4), (std::vector<std::int64_t>{16}));
}

TEST(NcclChunking, NvlsChunkShrinksWithTheCtaPart) {
  const Comm c = make_comm(hgx_h100(1));
  struct Case {
    std::int64_t bytes, chunk;
    int loops;
  };
  for (const Case& e : {Case{2 * M, 16 * K, 1}, Case{4 * M, 16 * K, 2}, Case{8 * M, 32 * K, 2},
                        Case{32 * M, 32 * K, 8}, Case{64 * M, 64 * K, 8}, Case{512 * M, 64 * K, 64},
                        Case{1 * G, 128 * K, 64}, Case{16 * G, 128 * K, 1024}}) {
    SCOPED_TRACE(e.bytes);
    const CollRequest r = all_reduce(e.bytes);
    const Choice ch = select(c, r);
    ASSERT_EQ(ch.algo, Algo::kNvls);
    const auto parts = split_channels(c, r, ch);
    ASSERT_EQ(parts.size(), 16u);
    EXPECT_EQ(parts[0].chunking.chunk_bytes, e.chunk);
    EXPECT_EQ(parts[0].chunking.chunks_per_loop, 8);
    EXPECT_EQ(parts[0].chunking.loops, e.loops);
  }
  // The last loop's chunk: ceil(remaining / heads) rounded up to 16 KiB.
  const auto chunks = nvls_loop_chunks(1'000'000, 4096, 8, 4);
  ASSERT_EQ(chunks.size(), 31u);
  EXPECT_EQ(chunks[0], 4096);
  EXPECT_EQ(chunks[30], 4096);
  EXPECT_EQ(nvls_loop_chunks(40'000, 32768, 8, 4), (std::vector<std::int64_t>{8192}));
}

TEST(NcclChunking, TreeLl128HalvesForShallowParts) {
  const Comm c = make_comm(hgx_h100(2));
  // ppn 8, 2 nodes: steps 1 + 1 + 0.8; halve while part/chunk < 22.4 and chunk > 128 KiB, then while
  // part/chunk < 5.6 and chunk > 32 KiB; align to 1920-byte grains.
  const Chunking k = calc_chunking(c, Func::kAllReduce, Algo::kTree, Proto::kLl128, 1 * M, 1);
  EXPECT_EQ(k.chunk_bytes, 71040);
  EXPECT_EQ(calc_chunking(c, Func::kAllReduce, Algo::kTree, Proto::kLl128, 1 * G, 1).chunk_bytes, 576000);
  EXPECT_EQ(calc_chunking(c, Func::kAllReduce, Algo::kTree, Proto::kSimple, 1 * G, 1).chunk_bytes, 512 * K);
}

TEST(NcclChunking, NvlsTreeChunkCapsAndCuts) {
  const Comm two = make_comm(hgx_h100(2));
  EXPECT_EQ(two.nvlstree_max_chunk_bytes, 128 * K);
  EXPECT_EQ(calc_chunking(two, Func::kAllReduce, Algo::kNvlsTree, Proto::kSimple, 1 * G, 1).chunk_bytes,
            128 * K);
  // part < 16 x 8 heads x 128 KiB = 16 MiB -> 128K stays (cap), < 4 x 8 x 64K -> 64K, < 8 x 32K -> 32K.
  EXPECT_EQ(calc_chunking(two, Func::kAllReduce, Algo::kNvlsTree, Proto::kSimple, 2 * M, 1).chunk_bytes,
            64 * K);
  EXPECT_EQ(calc_chunking(two, Func::kAllReduce, Algo::kNvlsTree, Proto::kSimple, 128 * K, 1).chunk_bytes,
            32 * K);
  const Comm four = make_comm(hgx_h100(4));
  EXPECT_EQ(four.nvlstree_max_chunk_bytes, 64 * K);
  EXPECT_EQ(calc_chunking(four, Func::kAllReduce, Algo::kNvlsTree, Proto::kSimple, 1 * G, 1).chunk_bytes,
            64 * K);
}

TEST(NcclChunking, AllGatherChunksTheFullArrayPerRankShard) {
  NcclOptions o;
  const Comm c = make_comm(hgx_h100(1), o);
  CollRequest r;
  r.func = Func::kAllGather;
  r.count = (16 * G / 8) / 4;  // per-rank elements of a 16 GiB all-gather
  const Choice ch = select(c, r);
  const auto parts = split_channels(c, r, ch);
  ASSERT_EQ(parts.size(), 24u);
  std::int64_t total = 0;
  for (const auto& p : parts) total += p.count;
  EXPECT_EQ(total, r.count);
  EXPECT_EQ(parts[0].chunking.steps_per_loop, 7);
  EXPECT_EQ(parts[0].chunking.chunk_bytes, 2 * M);
  // Loop = 8 ranks x 2 MiB of the full array.
  EXPECT_EQ(parts[0].chunking.loop_bytes, 16 * M);
}

}  // namespace
}  // namespace tessera::collective::nccl
