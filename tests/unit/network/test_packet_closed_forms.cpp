// Packet model against closed forms, exact to the picosecond.
#include <gtest/gtest.h>

#include "net_test_util.hpp"

using namespace tessera;
using namespace tessera::network;
using namespace tessera::network::testing;

namespace {
constexpr std::int64_t kBw = 50'000'000'000;  // 50 GB/s: a 4096 B packet takes 81.92 ns
constexpr SimTime kLat = 500 * kNanosecond;
const SimTime kTx = tx_time(4096, Bandwidth{kBw});

bench::TrafficSpec ring8(std::vector<bench::TrafficMessage> msgs) {
  bench::TrafficSpec s;
  s.topology = dims_spec({dim(DimensionKind::kRing, 8, kBw, kLat)});
  s.messages = std::move(msgs);
  return s;
}
}  // namespace

TEST(PacketClosedForm, OnePacketStoreAndForwardOverKHops) {
  // 3 hops clockwise on a ring: every hop pays the full serialization and the latency.
  const auto r = run(ring8({{0, 3, 1000, 0, 0}}));
  const SimTime tx = tx_time(1000, Bandwidth{kBw});
  EXPECT_EQ(find(r, 0, 3).arrived, 3 * (tx + kLat));
  EXPECT_EQ(r.messages, 1u);
}

TEST(PacketClosedForm, MessageCutsThroughAsPipelinedPackets) {
  // P packets over k hops pipeline: k latencies + (P + k - 1) packet times.
  for (int k : {1, 2, 4}) {
    const int P = 64;
    const auto r = run(ring8({{0, k, 4096 * P, 0, 0}}));
    EXPECT_EQ(find(r, 0, k).arrived, k * kLat + (P + k - 1) * kTx) << k << " hops";
  }
  // Anticlockwise is the shorter way from 0 to 6.
  const auto r = run(ring8({{0, 6, 4096 * 10, 0, 0}}));
  EXPECT_EQ(find(r, 0, 6).arrived, 2 * kLat + 11 * kTx);
}

TEST(PacketClosedForm, LastPartialPacket) {
  const auto r = run(ring8({{0, 2, 4096 * 3 + 100, 0, 0}}));
  const SimTime tail = tx_time(100, Bandwidth{kBw});
  // Packets 0..2 full, packet 3 of 100 B; its second hop starts when the link is free.
  EXPECT_EQ(find(r, 0, 2).arrived, 2 * kLat + 4 * kTx + tail);
}

TEST(PacketClosedForm, LongStreamRunsAtLinkBandwidth) {
  // Through a switch (2 links): the stream's rate equals the link bandwidth exactly.
  bench::TrafficSpec s;
  s.topology = dims_spec({dim(DimensionKind::kSwitch, 4, kBw, kLat)});
  const int P = 4096;  // 16 MiB
  s.messages = {{1, 2, Bytes{4096} * P, 0, 0}};
  const auto r = run(s);
  EXPECT_EQ(find(r, 1, 2).arrived, 2 * kLat + (P + 1) * kTx);
  for (const auto& l : r.links) {
    if (l.bytes == 0) continue;
    EXPECT_EQ(l.bytes, Bytes{4096} * P);
    EXPECT_EQ(l.busy, P * kTx);    // busy all the time: throughput = bandwidth
    EXPECT_EQ(l.credit_stall, 0);  // automatic buffers cover the credit round trip
  }
}

TEST(PacketEvents, StreamThroughASwitchCostsTwoArrivalsAndBatchedCreditsPerPacket) {
  // Per packet: an arrival at the switch and one at the destination. The destination's credits
  // are computed upstream (no event) and the switch's come back in batches, so the whole stream
  // costs barely more than 2 events per packet (it cost 4 with a credit event per packet-hop),
  // with the same exact timing.
  bench::TrafficSpec s;
  s.topology = dims_spec({dim(DimensionKind::kSwitch, 4, kBw, 2 * kLat)});
  const int P = 2048;
  s.messages = {{1, 2, Bytes{4096} * P, 0, 0}};
  const auto r = run(s);
  EXPECT_EQ(find(r, 1, 2).arrived, 2 * 2 * kLat + (P + 1) * kTx);
  EXPECT_GE(r.run.global_events, 2u * P);
  // This link's buffer slack allows batches of 6: ~P/6 credits plus ~P/18 flush timers.
  EXPECT_LE(r.run.global_events, 2u * P + P / 4);
  for (const auto& l : r.links) EXPECT_EQ(l.credit_stall, 0);
}

TEST(PacketEvents, OnePacketBuffersThroughASwitch) {
  // One-packet buffers through a switch: the switch -> destination credit is computed, the
  // NPU -> switch one is a kCredit per packet (no batching without slack). The first hop's credit
  // comes back when the packet has left the switch: period 2 tx + 2 latencies.
  bench::TrafficSpec s;
  s.topology = dims_spec({dim(DimensionKind::kSwitch, 4, kBw, kLat)});
  s.packet.buffer_per_port = 4096;
  const int P = 6;
  s.messages = {{0, 3, Bytes{4096} * P, 0, 0}};
  const auto r = run(s);
  EXPECT_EQ(find(r, 0, 3).arrived, (P - 1) * (2 * kTx + 2 * kLat) + 2 * (kTx + kLat));
  EXPECT_EQ(r.links[0].credit_stall, (P - 1) * (kTx + 2 * kLat));
}

TEST(PacketClosedForm, StreamThroughASlowerLinkRunsAtItsBandwidth) {
  // 0 -> 3 over [FullyConnected 2 at 100 GB/s, FullyConnected 2 at 25 GB/s]: the fast hop feeds
  // NPU 1, whose slow link is busy without a gap from the first packet's arrival on, so the
  // stream's rate is the bottleneck's; NPU 1's buffer fills and pushes back on the fast link.
  bench::TrafficSpec s;
  s.topology = dims_spec({dim(DimensionKind::kFullyConnected, 2, 100'000'000'000, kLat),
                          dim(DimensionKind::kFullyConnected, 2, 25'000'000'000, 2 * kLat)});
  const int P = 2000;
  s.messages = {{0, 3, Bytes{4096} * P, 0, 0}};
  const auto r = run(s);
  const SimTime fast = tx_time(4096, Bandwidth{100'000'000'000});
  const SimTime slow = tx_time(4096, Bandwidth{25'000'000'000});
  EXPECT_EQ(find(r, 0, 3).arrived, fast + kLat + P * slow + 2 * kLat);
  SimTime stall_fast = -1;
  for (const auto& l : r.links) {
    if (l.from == 0 && l.to == 1) stall_fast = l.credit_stall;
    if (l.from == 1 && l.to == 3) {
      EXPECT_EQ(l.busy, P * slow);
    }
  }
  EXPECT_GT(stall_fast, 0);
}

TEST(PacketClosedForm, CreditRoundTripLimitsAOnePacketBuffer) {
  // One-packet buffers: each packet waits for the previous one's credit, which returns over the
  // reverse link when the receiver drains it: period tx + 2 latencies.
  bench::TrafficSpec s;
  s.topology = dims_spec({dim(DimensionKind::kRing, 2, kBw, kLat)});
  s.packet.buffer_per_port = 4096;
  const int P = 10;
  s.messages = {{0, 1, Bytes{4096} * P, 0, 0}};
  const auto r = run(s);
  EXPECT_EQ(find(r, 0, 1).arrived, (P - 1) * (kTx + 2 * kLat) + kTx + kLat);
  EXPECT_EQ(r.links[0].credit_stall, (P - 1) * (2 * kLat));
}

TEST(PacketClosedForm, IncastSharesThePortFairly) {
  // n senders into NPU 0 through one switch port: the port is busy from the first arrival to the
  // last packet; every sender gets an equal share, so all finish within one round of credit
  // batches (the switch returns these links' credits in batches of 3 packets: buffer slack of
  // ~13 packets beyond the round trip, a quarter of it per batch; docs/network.md).
  const int n = 7, P = 200;
  bench::TrafficSpec s;
  s.topology = dims_spec({dim(DimensionKind::kSwitch, n + 1, kBw, kLat)});
  for (int i = 1; i <= n; ++i) s.messages.push_back({i, 0, Bytes{4096} * P, 0, 0});
  const auto r = run(s);
  const SimTime total = (kTx + kLat) + n * P * kTx + kLat;
  EXPECT_EQ(r.last_arrival, total);
  for (int i = 1; i <= n; ++i) {
    const SimTime t = find(r, i, 0).arrived;
    EXPECT_GE(t, total - n * 3 * kTx) << "sender " << i;
  }
  // Backpressure reached the senders: their links waited for credits.
  SimTime stall = 0;
  for (const auto& l : r.links) {
    if (l.from >= 1 && l.from <= static_cast<std::uint32_t>(n)) stall += l.credit_stall;
  }
  EXPECT_GT(stall, 0);
}

TEST(PacketStats, UtilizationBinsSplitSerializationByTime) {
  // A 10-packet stream over one link from t = 0, 100 ns bins: 50 B/ns x 100 ns = 5000 B per full
  // bin while the link is busy (819.2 ns), the remainder in the last bin.
  bench::TrafficSpec s;
  s.topology = dims_spec({dim(DimensionKind::kRing, 2, kBw, kLat)});
  s.packet.stats_bin = 100 * kNanosecond;
  s.messages = {{0, 1, 4096 * 10, 0, 0}};
  const auto r = run(s);
  const auto& bins = r.links[0].bins;
  ASSERT_EQ(bins.size(), 9u);
  Bytes sum = 0;
  for (std::size_t b = 0; b < bins.size(); ++b) {
    sum += bins[b];
    EXPECT_NEAR(static_cast<double>(bins[b]), b < 8 ? 5000.0 : 960.0, 2.0) << b;
  }
  EXPECT_EQ(sum, 40960);
  EXPECT_TRUE(r.links[1].bins.empty());  // the reverse direction carried nothing
  // The whole message fits the credit window, so the NIC commits it at once: 10 packets queued.
  EXPECT_EQ(r.links[0].max_queue_bytes, 40960);
}

TEST(PacketStats, BoundedBinsCoarsenByDoublingAndKeepTheTotals) {
  // 100 packets (8.192 us of serialization) with 10 ns bins but at most 16 bins per link: the
  // link doubles its width until the stream fits (10 ns x 2^6 = 640 ns, 13 bins), and bytes and
  // busy time still add up to the link's totals.
  bench::TrafficSpec s;
  s.topology = dims_spec({dim(DimensionKind::kRing, 2, kBw, kLat)});
  s.packet.stats_bin = 10 * kNanosecond;
  s.packet.stats_max_bins = 16;
  s.messages = {{0, 1, 4096 * 100, 0, 0}};
  const auto r = run(s);
  const LinkStats& l = r.links[0];
  EXPECT_EQ(l.bin_width, 640 * kNanosecond);
  ASSERT_EQ(l.bins.size(), 13u);
  ASSERT_EQ(l.busy_bins.size(), l.bins.size());
  Bytes bytes = 0;
  SimTime busy = 0;
  for (std::size_t b = 0; b < l.bins.size(); ++b) {
    bytes += l.bins[b];
    busy += l.busy_bins[b];
    EXPECT_LE(l.busy_bins[b], l.bin_width);
    if (b + 1 < l.bins.size()) EXPECT_EQ(l.busy_bins[b], l.bin_width) << b;  // line rate throughout
  }
  EXPECT_EQ(bytes, l.bytes);
  EXPECT_EQ(busy, l.busy);
  // Re-binning to a coarser width merges whole bins.
  LinkStats coarse = l;
  coarse.rebin(4 * l.bin_width);
  ASSERT_EQ(coarse.bins.size(), 4u);
  EXPECT_EQ(coarse.bins[0], l.bins[0] + l.bins[1] + l.bins[2] + l.bins[3]);
  EXPECT_EQ(coarse.busy_bins[3], l.busy_bins[12]);
}

TEST(PacketClosedForm, NvSwitchCongestedOutputDoesNotHoldBackTheSameInputsOtherTraffic) {
  // GPUs 1 and 2 each send P packets to GPU 0 (its NVSwitch port gets twice its rate), and GPU 1
  // then sends P packets to GPU 3. NVSwitch is output-queued (a non-blocking crossbar): GPU 1's
  // packets for GPU 0 wait in port 0's queue, not in GPU 1's input buffer, so GPU 1's link never
  // waits for credits and its packets for GPU 3 leave right behind the others: the last one
  // arrives after 2P serializations, the switch's one and both latencies. (An input-buffered
  // switch would hold GPU 1 to GPU 0's half rate until its first message is through.)
  HgxH100Spec h;
  h.gpus_per_box = 4;
  h.nvlink_bandwidth = Bandwidth{kBw};
  h.nvlink_latency = kLat;
  bench::TrafficSpec s;
  s.topology = TopologySpec::of(h);
  const int P = 400;
  s.messages = {{1, 0, Bytes{4096} * P, 0, 0}, {2, 0, Bytes{4096} * P, 0, 0}, {1, 3, Bytes{4096} * P, 0, 1}};
  const auto r = run(s);
  EXPECT_EQ(find(r, 1, 3, 1).arrived, (2 * P + 1) * kTx + 2 * kLat);
  // Port 0 is busy from the first arrival until both messages are through.
  EXPECT_EQ(std::max(find(r, 1, 0).arrived, find(r, 2, 0).arrived), kTx + kLat + 2 * P * kTx + kLat);
  for (const auto& l : r.links) EXPECT_EQ(l.credit_stall, 0) << l.from << " -> " << l.to;
}
