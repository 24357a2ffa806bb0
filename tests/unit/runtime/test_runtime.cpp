// The runtime through its library entry point simulate(): closed-form collective times on
// uncontended rings for every algorithm kind the microbenchmarks exercise, identical results on 1
// and 2 loopback ranks, and the build phase's mappings and errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <tuple>

#include "loopback_run.hpp"
#include "tessera/error.hpp"
#include "tessera/network/topologies/dimensions.hpp"
#include "tessera/pdes/loopback_transport.hpp"
#include "tessera/runtime/build.hpp"
#include "tessera/runtime/npu_lp.hpp"
#include "tessera/runtime/simulation.hpp"
#include "tessera/workload/microbench.hpp"
#include "tessera/workload/text_workload.hpp"

namespace tessera::runtime {
namespace {

namespace fs = std::filesystem;

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

/// Writes a microbenchmark trace set into a fresh folder and returns its prefix.
std::string microbench(CollectiveType type, int npus, Bytes size) {
  const fs::path dir = fs::temp_directory_path() /
                       ("tessera_rt_" + std::to_string(::getpid()) + "_" + std::to_string(static_cast<int>(type)) +
                        "_" + std::to_string(npus) + "_" + std::to_string(size));
  fs::create_directories(dir);
  const std::string prefix = (dir / "mb").string();
  workload::FileTraceSink sink(prefix);
  workload::generate_microbenchmark(type, npus, size, sink);
  return prefix;
}

/// ASTRA-style 1-D ring of n NPUs, `gbps` GB/s (2^30 B) and `lat_ns`; ring algorithms, one chunk.
Config ring_config(int n, double gbps, SimTime lat, const std::string& prefix, NetworkModel model) {
  Config c;
  c.source = "test";
  c.network.topology = network::TopologySpec::of(network::DimensionsSpec{
      {{network::DimensionKind::kRing, n, Bandwidth{static_cast<std::int64_t>(gbps * kGiB)}, lat}}});
  for (CollectiveImplementation* impl :
       {&c.system.all_reduce, &c.system.reduce_scatter, &c.system.all_gather, &c.system.all_to_all}) {
    impl->per_dimension = {"ring"};
  }
  c.system.preferred_dataset_splits = 1;
  c.system.active_chunks_per_dimension = 1;
  c.system.endpoint_delay = 10 * kNanosecond;
  c.system.local_mem_bw = Bandwidth{0};
  c.workload.kind = WorkloadKind::kChakra;
  c.workload.chakra_prefix = prefix;
  c.simulation.network_model = model;
  return c;
}


workload::EtAttribute int_attr(const std::string& name, std::int64_t v) {
  workload::EtAttribute a;
  a.name = name;
  a.kind = workload::AttrKind::kInt64;
  a.bits = static_cast<std::uint64_t>(v);
  return a;
}

workload::EtNode et_node(std::uint64_t id, workload::NodeType type, std::uint64_t micros,
                         std::vector<std::uint64_t> deps, std::vector<workload::EtAttribute> attrs = {}) {
  workload::EtNode n;
  n.id = id;
  n.name = "n" + std::to_string(id);
  n.type = type;
  n.duration_micros = micros;
  n.data_deps = std::move(deps);
  n.attrs = std::move(attrs);
  n.attrs.push_back(int_attr("is_cpu_op", 0));
  n.attrs.back().kind = workload::AttrKind::kBool;
  return n;
}

/// Two hand-written traces (NPU 0 and NPU 1) into a fresh folder; returns the prefix.
std::string two_npu_traces(const std::vector<workload::EtNode>& npu0, const std::vector<workload::EtNode>& npu1,
                           const std::string& tag) {
  const fs::path dir = fs::temp_directory_path() / ("tessera_rt_" + std::to_string(::getpid()) + "_" + tag);
  fs::create_directories(dir);
  const std::string prefix = (dir / "t").string();
  workload::FileTraceSink sink(prefix);
  workload::EtGlobalMetadata gm;
  gm.version = "0.0.4";
  for (int npu = 0; npu < 2; ++npu) {
    sink.begin_npu(npu, gm);
    for (const auto& n : npu ? npu1 : npu0) sink.node(n);
    sink.end_npu(npu);
  }
  return prefix;
}

SimulationResult run(const Config& c, int ranks = 1) { return testing::run_on_loopback(c, ranks); }

/// ASTRA's per-message time on one uncongested ring hop, ns: uint64(lat + bytes / B).
SimTime hop_ns(double bytes, double gbps, double lat_ns) {
  return static_cast<SimTime>(lat_ns + bytes / (gbps * kGiB / 1e9));
}

struct ClosedFormCase {
  CollectiveType type;
  NetworkModel model;
};

class RingClosedForm : public ::testing::TestWithParam<ClosedFormCase> {};

TEST_P(RingClosedForm, MatchesAstraFormula) {
  const int n = 4;
  const Bytes S = 1 << 20;
  const double gbps = 50, lat = 500, e = 10;
  const ClosedFormCase p = GetParam();
  const Config c = ring_config(n, gbps, 500 * kNanosecond, microbench(p.type, n, S), p.model);
  SimTime expect_ns = 0;
  switch (p.type) {
    case CollectiveType::kAllReduce: expect_ns = 2 * (n - 1) * hop_ns(S / n, gbps, lat) + (2 * n - 1) * e; break;
    case CollectiveType::kReduceScatter: expect_ns = (n - 1) * hop_ns(S / n, gbps, lat) + n * e; break;
    case CollectiveType::kAllGather: expect_ns = (n - 1) * hop_ns(S, gbps, lat) + n * e; break;
    case CollectiveType::kAllToAll: expect_ns = n * (n - 1) / 2 * (hop_ns(S / n, gbps, lat) + e) + e; break;
    default: FAIL();
  }
  for (int ranks : {1, 2}) {
    const SimulationResult r = run(c, ranks);
    ASSERT_EQ(r.records.npus.size(), static_cast<std::size_t>(n));
    for (const auto& s : r.records.npus) {
      EXPECT_EQ(s.finish, expect_ns * kNanosecond) << "npu " << s.npu << " ranks " << ranks;
      EXPECT_EQ(s.exposed_communication, s.finish);  // no compute
      EXPECT_EQ(s.communication, s.finish);
      EXPECT_EQ(s.compute, 0);
    }
    ASSERT_EQ(r.records.collectives.size(), static_cast<std::size_t>(n));
    EXPECT_EQ(r.records.collectives[0].end - r.records.collectives[0].start, expect_ns * kNanosecond);
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllTypes, RingClosedForm,
    ::testing::Values(ClosedFormCase{CollectiveType::kAllReduce, NetworkModel::kAstraCongestionUnaware},
                      ClosedFormCase{CollectiveType::kAllReduce, NetworkModel::kAstraCongestionAware},
                      ClosedFormCase{CollectiveType::kReduceScatter, NetworkModel::kAstraCongestionUnaware},
                      ClosedFormCase{CollectiveType::kReduceScatter, NetworkModel::kAstraCongestionAware},
                      ClosedFormCase{CollectiveType::kAllGather, NetworkModel::kAstraCongestionUnaware},
                      ClosedFormCase{CollectiveType::kAllGather, NetworkModel::kAstraCongestionAware},
                      ClosedFormCase{CollectiveType::kAllToAll, NetworkModel::kAstraCongestionUnaware}));

TEST(Runtime, PacketModelRingAllReduceIsAtLeastTheSerializationBound) {
  const int n = 4;
  const Bytes S = 1 << 20;
  const Config c = ring_config(n, 50, 500 * kNanosecond, microbench(CollectiveType::kAllReduce, n, S),
                               NetworkModel::kPacket);
  const SimulationResult r1 = run(c, 1);
  const SimulationResult r2 = run(c, 2);
  ASSERT_EQ(r1.records.npus.size(), 4u);
  // 2(n-1) messages of S/n serialized one after another on each NPU's link.
  const SimTime bound =
      2 * (n - 1) * tx_time(S / n, c.network.topology.params<network::DimensionsSpec>().dims[0].bandwidth);
  for (std::size_t i = 0; i < r1.records.npus.size(); ++i) {
    EXPECT_GE(r1.records.npus[i].finish, bound);
    EXPECT_EQ(r1.records.npus[i].finish, r2.records.npus[i].finish);
  }
  EXPECT_EQ(r1.events, r2.events);
}

/// Rank-independent view of a run's links: name -> (totals, bins), over every rank.
struct LinkView {
  std::map<std::string, std::tuple<Bytes, SimTime, std::vector<std::tuple<int, Bytes, SimTime>>>> links;
  SimTime width = 0;
  std::string source;
  bool operator==(const LinkView&) const = default;
};

LinkView run_links(const Config& c, int ranks, SimulationOptions o) {
  LinkView v;
  std::mutex mu;
  pdes::run_loopback(ranks, [&](pdes::Transport& t) {
    SimulationResult r = simulate(c, t, o);
    std::lock_guard<std::mutex> lock(mu);
    v.width = r.records.link_bin_width;
    v.source = r.link_stats_source;
    for (const output::LinkTotals& l : r.records.links) {
      auto& [bytes, busy, bins] = v.links[r.records.strings[l.name]];
      EXPECT_EQ(bytes, 0) << "link reported twice: " << r.records.strings[l.name];
      bytes = l.bytes;
      busy = l.busy;
    }
    for (const output::LinkBin& b : r.records.link_bins)
      std::get<2>(v.links[r.records.strings[b.name]]).emplace_back(b.bin, b.bytes, b.busy);
  });
  return v;
}

TEST(Runtime, LinkRecordsAddUpAndDoNotDependOnTheRankCount) {
  const int n = 4;
  const Bytes S = 1 << 20;
  for (NetworkModel model : {NetworkModel::kPacket, NetworkModel::kAstraCongestionAware}) {
    const Config c =
        ring_config(n, 50, 500 * kNanosecond, microbench(CollectiveType::kAllReduce, n, S), model);
    SimulationOptions o;
    o.link_stats = true;
    const LinkView one = run_links(c, 1, o);
    const LinkView two = run_links(c, 2, o);
    EXPECT_EQ(one, two);
    EXPECT_EQ(one.links.size(), 2u * n);  // a ring of 4: two directions per NPU
    const SimulationResult r = run(c, 1);
    ASSERT_GT(one.width, 0);
    const SimTime bins = (r.end_time + one.width - 1) / one.width;
    EXPECT_LE(bins, 200);
    EXPECT_GT(bins, 100);
    Bytes total = 0;
    for (const auto& [name, l] : one.links) {
      const auto& [bytes, busy, series] = l;
      Bytes sum = 0;
      SimTime busy_sum = 0;
      for (const auto& [bin, b, t] : series) {
        EXPECT_LT(bin, bins);
        EXPECT_LE(t, one.width);
        sum += b;
        busy_sum += t;
      }
      EXPECT_EQ(sum, bytes) << name;
      EXPECT_EQ(busy_sum, busy) << name;
      total += bytes;
    }
    // A ring all-reduce moves 2(n-1)/n of S out of every NPU (one direction).
    EXPECT_EQ(total, n * 2 * (n - 1) * (S / n));
    // A fixed width is kept as asked.
    o.link_stats_interval = 10 * kMicrosecond;
    EXPECT_EQ(run_links(c, 2, o).width, 10 * kMicrosecond);
  }
  // The congestion-unaware model has no links and says so.
  const Config u = ring_config(n, 50, 500 * kNanosecond, microbench(CollectiveType::kAllReduce, n, S),
                               NetworkModel::kAstraCongestionUnaware);
  SimulationOptions o;
  o.link_stats = true;
  const LinkView none = run_links(u, 1, o);
  EXPECT_TRUE(none.links.empty());
  EXPECT_EQ(none.source.rfind("none", 0), 0u) << none.source;
}

TEST(Runtime, CollectivesCarryTheirAlgorithmOnEveryRank) {
  const Config c = ring_config(4, 50, 500 * kNanosecond, microbench(CollectiveType::kAllReduce, 4, 1 << 20),
                               NetworkModel::kAstraCongestionAware);
  for (int ranks : {1, 2}) {
    const SimulationResult r = run(c, ranks);
    ASSERT_EQ(r.records.collectives.size(), 4u);
    for (const output::CollectiveRecord& rec : r.records.collectives)
      EXPECT_EQ(r.records.strings[rec.algorithm], "ring");
  }
}

TEST(Runtime, ProgressFiresOnOneRankWithoutChangingResults) {
  // 16 MiB: tens of thousands of packet events, so several in-window clock checks.
  const Config c = ring_config(4, 50, 500 * kNanosecond, microbench(CollectiveType::kAllReduce, 4, 16 << 20),
                               NetworkModel::kPacket);
  int calls = 0;
  std::uint64_t last_done = 0, total = 0;
  SimulationOptions o;
  o.progress_seconds = 1e-9;  // every clock check is due
  o.progress = [&](const RunProgress& p) {
    ++calls;
    EXPECT_GE(p.nodes_done, last_done);
    last_done = p.nodes_done;
    total = p.nodes_total;
  };
  SimulationResult with;
  pdes::run_loopback(1, [&](pdes::Transport& t) { with = simulate(c, t, o); });
  const SimulationResult without = run(c, 1);
  // One window on one rank: the in-window clock checks (every 4096 events) must fire.
  EXPECT_GE(static_cast<std::uint64_t>(calls), with.events / 4096);
  EXPECT_GE(calls, 2);
  EXPECT_GT(total, 0u);
  EXPECT_EQ(with.events, without.events);
  ASSERT_EQ(with.records.npus.size(), without.records.npus.size());
  for (std::size_t i = 0; i < with.records.npus.size(); ++i) EXPECT_EQ(with.records.npus[i].finish, without.records.npus[i].finish);
}

TEST(Runtime, SlotsIssueOrderAndPointToPoint) {
  using T = workload::NodeType;
  // NPU 0: COMP 1 (5 us), SEND 2 after 1 (1000 B to NPU 1, tag 7), COMP 3 (2 us, no deps: waits for
  // the GPU slot). NPU 1: RECV 10 (from 0, tag 7), COMP 11 (1 us) after it.
  const auto p = two_npu_traces(
      {et_node(1, T::kComp, 5, {}), et_node(2, T::kCommSend, 0, {1}, {int_attr("comm_dst", 1), int_attr("comm_tag", 7), int_attr("comm_size", 1000)}),
       et_node(3, T::kComp, 2, {})},
      {et_node(10, T::kCommRecv, 0, {}, {int_attr("comm_src", 0), int_attr("comm_tag", 7), int_attr("comm_size", 1000)}),
       et_node(11, T::kComp, 1, {10})},
      "p2p");
  const Config c = ring_config(2, 50, 500 * kNanosecond, p, NetworkModel::kAstraCongestionUnaware);
  const SimTime d = hop_ns(1000, 50, 500) * kNanosecond;  // one ring hop, closed form
  for (int ranks : {1, 2}) {
    const SimulationResult r = run(c, ranks);
    ASSERT_EQ(r.records.npus.size(), 2u);
    EXPECT_EQ(r.records.npus[0].compute, 7 * kMicrosecond);
    EXPECT_EQ(r.records.npus[0].finish, std::max<SimTime>(7 * kMicrosecond, 5 * kMicrosecond + d));
    EXPECT_EQ(r.records.npus[1].finish, 5 * kMicrosecond + d + 1 * kMicrosecond);
    EXPECT_EQ(r.records.npus[1].exposed_communication, r.records.npus[1].finish - 1 * kMicrosecond);
    EXPECT_EQ(r.records.npus[1].communication, 5 * kMicrosecond + d);  // the RECV waited from t = 0
  }
}

TEST(Runtime, ReceivesOfOneKeyMatchArrivalsInPostingOrder) {
  using T = workload::NodeType;
  // NPU 0 sends three messages of one key (tag 7, 1000 B) at 5, 10 and 15 us. NPU 1 posts its three
  // receives of that key at t = 0 (RECV 10, 11, 12); a 20 us COMP follows RECV 10, 1 us COMPs the
  // others, all on the one GPU slot. Oldest receive first: RECV 10 takes the 5 us message and the
  // COMPs end at 5 + d + 22 us; matched the other way round they would end at 15 + d + 20 us.
  const auto msg = [](std::uint64_t id, std::uint64_t after) {
    return et_node(id, T::kCommSend, 0, {after},
                   {int_attr("comm_dst", 1), int_attr("comm_tag", 7), int_attr("comm_size", 1000)});
  };
  const auto recv = [](std::uint64_t id) {
    return et_node(id, T::kCommRecv, 0, {},
                   {int_attr("comm_src", 0), int_attr("comm_tag", 7), int_attr("comm_size", 1000)});
  };
  const auto p = two_npu_traces({et_node(1, T::kComp, 5, {}), msg(2, 1), et_node(3, T::kComp, 5, {1}),
                                 msg(4, 3), et_node(5, T::kComp, 5, {3}), msg(6, 5)},
                                {recv(10), recv(11), recv(12), et_node(20, T::kComp, 20, {10}),
                                 et_node(21, T::kComp, 1, {11}), et_node(22, T::kComp, 1, {12})},
                                "same_key");
  const Config c = ring_config(2, 50, 500 * kNanosecond, p, NetworkModel::kAstraCongestionUnaware);
  const SimTime d = hop_ns(1000, 50, 500) * kNanosecond;  // one ring hop, closed form
  for (int ranks : {1, 2}) {
    const SimulationResult r = run(c, ranks);
    ASSERT_EQ(r.records.npus.size(), 2u);
    EXPECT_EQ(r.records.npus[1].compute, 22 * kMicrosecond);
    EXPECT_EQ(r.records.npus[1].finish, 5 * kMicrosecond + d + 22 * kMicrosecond);
  }
}

TEST(Runtime, LinkBinsOfARunStoppedBeforeAnyTrafficCoverTheTimeReached) {
  // Both NPUs compute for 1 s, then exchange a message; the run stops at 500 ms, before any NPU
  // finished and before any link carried traffic. The bins still span the time reached in at most
  // 200 bins (not the 1 ns start width: 5 * 10^8 bins per link).
  using T = workload::NodeType;
  const auto p = two_npu_traces(
      {et_node(1, T::kComp, 1'000'000, {}),
       et_node(2, T::kCommSend, 0, {1}, {int_attr("comm_dst", 1), int_attr("comm_tag", 7), int_attr("comm_size", 1000)})},
      {et_node(10, T::kComp, 1'000'000, {}),
       et_node(11, T::kCommRecv, 0, {10}, {int_attr("comm_src", 0), int_attr("comm_tag", 7), int_attr("comm_size", 1000)})},
      "late_traffic");
  Config c = ring_config(2, 50, 500 * kNanosecond, p, NetworkModel::kPacket);
  c.simulation.max_sim_time = 500 * kMillisecond;
  SimulationOptions o;
  o.link_stats = true;
  const LinkView v = run_links(c, 1, o);
  ASSERT_GT(v.width, 0);
  EXPECT_LE((500 * kMillisecond + v.width - 1) / v.width, 200);
  EXPECT_EQ(run_links(c, 2, o), v);
}

TEST(Runtime, UnmatchedReceiveIsAStallNamingTheNode) {
  using T = workload::NodeType;
  const auto p = two_npu_traces(
      {et_node(1, T::kCommSend, 0, {}, {int_attr("comm_dst", 1), int_attr("comm_tag", 7), int_attr("comm_size", 64)})},
      {et_node(10, T::kCommRecv, 0, {}, {int_attr("comm_src", 0), int_attr("comm_tag", 8), int_attr("comm_size", 64)})},
      "stall");
  const Config c = ring_config(2, 50, 500 * kNanosecond, p, NetworkModel::kAstraCongestionUnaware);
  try {
    run(c, 2);
    FAIL() << "expected a stall";
  } catch (const pdes::StallError& e) {
    ASSERT_FALSE(e.lines().empty());
    EXPECT_NE(e.lines()[0].find("node 10 COMM_RECV_NODE"), std::string::npos) << e.lines()[0];
  }
}

TEST(Runtime, TraceCountMustMatchTheTopology) {
  const Config c = ring_config(8, 50, 500 * kNanosecond, microbench(CollectiveType::kAllReduce, 4, 1024),
                               NetworkModel::kAstraCongestionUnaware);
  try {
    run(c, 2);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("NPU(s) 4..7 are missing"), std::string::npos) << e.what();
  }
}

TEST(Runtime, TextWorkloadComputeIsReplayedInMicroseconds) {
  // ResNet-50 DATA: every NPU computes the sum of all layer times (µs x 1000 ns).
  Config c = ring_config(8, 50, 500 * kNanosecond, "", NetworkModel::kAstraCongestionUnaware);
  c.workload.kind = WorkloadKind::kAstraText;
  c.workload.text_path = std::string(TESSERA_SOURCE_DIR) + "/traces/text/Resnet50_DataParallel.txt";
  c.system.preferred_dataset_splits = 4;
  c.system.local_mem_bw = Bandwidth{1'600'000'000'000};
  const SimulationResult r = run(c, 1);
  ASSERT_EQ(r.records.npus.size(), 8u);
  for (const auto& s : r.records.npus) {
    EXPECT_EQ(s.compute, 1'082'450'000 * kNanosecond);
    EXPECT_EQ(s.finish, 1'082'479'776 * kNanosecond);
    EXPECT_EQ(s.exposed_communication, 29'776 * kNanosecond);
  }
}

TEST(Build, MapsEveryTopologyField) {
  NetworkConfig n;
  network::HgxH100Spec h;
  h.boxes = 2;
  h.nvlink_latency = 777;
  h.ib_switch_radix = 32;
  n.topology = network::TopologySpec::of(h);
  const network::TopologySpec s = from_config(n);
  EXPECT_EQ(s.name(), "hgx_h100");
  EXPECT_EQ(s.params<network::HgxH100Spec>().boxes, 2);
  EXPECT_EQ(s.params<network::HgxH100Spec>().nvlink_latency, 777);
  EXPECT_EQ(s.params<network::HgxH100Spec>().ib_switch_radix, 32);
  EXPECT_EQ(packet_from_config(n).buffer_per_port, 0);  // automatic by default
  n.topology = network::TopologySpec::of(
      network::DimensionsSpec{{{network::DimensionKind::kSwitch, 8, Bandwidth{400}, 936'250}}});
  n.packet.switch_latency = 5;
  const network::TopologySpec d = from_config(n);
  const auto& dims = d.params<network::DimensionsSpec>().dims;
  ASSERT_EQ(dims.size(), 1u);
  EXPECT_EQ(dims[0].kind, network::DimensionKind::kSwitch);
  EXPECT_EQ(dims[0].latency, 936'250);
  // The Switch dimensions' forwarding latency travels with the packet parameters into the build.
  EXPECT_EQ(packet_from_config(n).switch_latency, 5);
  const network::Network net(d, NetworkModel::kPacket, packet_from_config(n));
  EXPECT_EQ(net.topology().path(0, 1).latency, 2 * 936'250 + 5);
}

TEST(Build, SystemSettingsAndAlgorithmErrors) {
  SystemConfig s;
  s.all_reduce.per_dimension = {"direct4"};
  s.endpoint_delay = 15'500;
  s.injection_scale = 1.55;
  s.local_mem_bw = Bandwidth{1'600'000'000'000};
  NetworkConfig n;
  n.topology = network::TopologySpec::of(
      network::DimensionsSpec{{{network::DimensionKind::kRing, 8, Bandwidth{1}, 1}}});
  const collective::SystemConfig c = system_from_config(s, n);
  EXPECT_EQ(c.endpoint_delay, 15 * kNanosecond);  // ASTRA's int truncation
  EXPECT_DOUBLE_EQ(c.local_mem_bw_gbps, 1600.0);
  EXPECT_EQ(c.algorithms(CollectiveType::kAllReduce)[0].window, 4);
  EXPECT_EQ(c.algorithms(CollectiveType::kAllGather).size(), 1u);  // default: ring per dimension
  s.all_reduce.per_dimension = {"rnig"};
  EXPECT_THROW(system_from_config(s, n), InputError);
  s.all_reduce.per_dimension = {"ring"};
  s.all_reduce.custom_prefix = "custom/ring";  // read by load_custom_collectives, not here
  EXPECT_EQ(system_from_config(s, n).algorithms(CollectiveType::kAllReduce).size(), 1u);
}

TEST(Build, CollectiveTagsRoundTrip) {
  collective::MessageTag t;
  t.stream = (std::uint64_t{3} << 40) | 123456;
  t.seq = 77;
  EXPECT_EQ(unpack_collective_tag(pack_collective_tag(t)), t);
  EXPECT_EQ(pack_collective_tag(t) >> 63, 0u);
  t.user_tag = 1;
  EXPECT_THROW(pack_collective_tag(t), Error);
}

}  // namespace
}  // namespace tessera::runtime
