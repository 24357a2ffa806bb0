// Custom collectives end to end through simulate(): ASTRA-sim's MSCCL ring all-reduce fixture
// (custom_allreduce.<0..7>.et, selected by all-reduce-implementation-custom) against its closed
// form on both analytical models and 1/2 ranks; a generated custom ring all-reduce against the
// built-in ring on all three network models; the per-node override; and the input errors
// (position count, missing files, cycles, unmatched sends, foreign node types).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <mutex>

#include "loopback_run.hpp"
#include "tessera/error.hpp"
#include "tessera/network/topologies/dimensions.hpp"
#include "tessera/pdes/loopback_transport.hpp"
#include "tessera/runtime/custom_collectives.hpp"
#include "tessera/runtime/simulation.hpp"
#include "tessera/runtime/workload_inputs.hpp"
#include "tessera/workload/microbench.hpp"
#include "tessera/workload/text_workload.hpp"

namespace tessera::runtime {
namespace {

namespace fs = std::filesystem;
using workload::EtAttribute;
using workload::EtNode;
using workload::NodeType;

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

const std::string kFixture = std::string(TESSERA_SOURCE_DIR) +
                             "/tests/unit/workload/fixtures/astra-sim/custom_collectives/"
                             "custom_ring_allreduce_8npus_1MB/custom_allreduce";

fs::path scratch(const std::string& tag) {
  const fs::path dir =
      fs::temp_directory_path() / ("tessera_custom_" + std::to_string(::getpid()) + "_" + tag);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string all_reduce_traces(int npus, Bytes size) {
  const std::string prefix = (scratch("mb" + std::to_string(npus)) / "all_reduce").string();
  workload::FileTraceSink sink(prefix);
  workload::generate_microbenchmark(CollectiveType::kAllReduce, npus, size, sink);
  return prefix;
}

EtNode node(std::uint64_t id, NodeType type, std::vector<std::uint64_t> deps,
            std::vector<EtAttribute> attrs = {}, std::uint64_t micros = 0) {
  EtNode n;
  n.id = id;
  n.name = "n" + std::to_string(id);
  n.type = type;
  n.data_deps = std::move(deps);
  n.attrs = std::move(attrs);
  n.duration_micros = micros;
  return n;
}

EtNode send(std::uint64_t id, int dst, Bytes bytes, std::vector<std::uint64_t> deps, int tag = 0) {
  return node(id, NodeType::kCommSend, std::move(deps),
              {EtAttribute::make_int32("comm_dst", dst), EtAttribute::make_int32("comm_tag", tag),
               EtAttribute::make_int64("comm_size", bytes)});
}

EtNode recv(std::uint64_t id, int src, Bytes bytes, std::vector<std::uint64_t> deps, int tag = 0) {
  return node(id, NodeType::kCommRecv, std::move(deps),
              {EtAttribute::make_int32("comm_src", src), EtAttribute::make_int32("comm_tag", tag),
               EtAttribute::make_int64("comm_size", bytes)});
}

/// Per position, one chain as the MSCCL fixture: 2(n-1) x (SEND to r+1, RECV from r-1), with a COMP
/// of `compute_us` after each of the first n-1 RECVs when compute_us > 0.
std::vector<std::vector<EtNode>> ring_graph(int n, Bytes msg, std::uint64_t compute_us) {
  std::vector<std::vector<EtNode>> out(static_cast<std::size_t>(n));
  for (int r = 0; r < n; ++r) {
    auto& prog = out[static_cast<std::size_t>(r)];
    std::uint64_t id = 0;
    for (int step = 0; step < 2 * (n - 1); ++step) {
      prog.push_back(
          send(id, (r + 1) % n, msg, id ? std::vector<std::uint64_t>{id - 1} : std::vector<std::uint64_t>{}));
      ++id;
      prog.push_back(recv(id, (r + n - 1) % n, msg, {id - 1}));
      ++id;
      if (compute_us > 0 && step < n - 1) {
        prog.push_back(node(id, NodeType::kComp, {id - 1}, {}, compute_us));
        ++id;
      }
    }
  }
  return out;
}

std::string write_graph(const std::vector<std::vector<EtNode>>& graph, const std::string& tag) {
  const std::string prefix = (scratch(tag) / "custom").string();
  workload::FileTraceSink sink(prefix);
  workload::EtGlobalMetadata gm;
  gm.attrs.push_back(EtAttribute::make_string("schema", "1.0.2-chakra.0.0.4"));
  for (std::size_t pos = 0; pos < graph.size(); ++pos) {
    sink.begin_npu(static_cast<int>(pos), gm);
    for (const EtNode& n : graph[pos]) sink.node(n);
    sink.end_npu(static_cast<int>(pos));
  }
  return prefix;
}

/// ASTRA-sim's rt_template network: Ring of n, 50 GB/s, 500 ns; one chunk, e = 0, free reductions,
/// so the built-in ring all-reduce is 2(n-1) hops and nothing else.
Config ring_config(int n, const std::string& workload_prefix, NetworkModel model) {
  Config c;
  c.source = "test";
  c.network.topology = network::TopologySpec::of(
      network::DimensionsSpec{{{network::DimensionKind::kRing, n,
                                Bandwidth{static_cast<std::int64_t>(50 * kGiB)}, 500 * kNanosecond}}});
  for (CollectiveImplementation* impl :
       {&c.system.all_reduce, &c.system.reduce_scatter, &c.system.all_gather, &c.system.all_to_all}) {
    impl->per_dimension = {"ring"};
  }
  c.system.preferred_dataset_splits = 1;
  c.system.endpoint_delay = 0;
  c.system.local_mem_bw = Bandwidth{0};
  c.workload.kind = WorkloadKind::kChakra;
  c.workload.chakra_prefix = workload_prefix;
  c.simulation.network_model = model;
  return c;
}

SimulationResult run(const Config& c, int ranks) { return testing::run_on_loopback(c, ranks); }

/// One uncongested ring hop, ns (ASTRA: uint64(latency + bytes / B)).
SimTime hop_ns(double bytes) { return static_cast<SimTime>(500 + bytes / (50 * kGiB / 1e9)); }

/// The message of the input error `f` throws: every diagnostic, one "error: ..." line each ("" if
/// nothing is thrown). Errors agreed across loopback ranks arrive as Error with the same text.
template <class F>
std::string input_error(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    if (e.code() != ExitCode::kBadInput) return std::string("not an input error: ") + e.what();
    return e.what();
  }
  return "";
}

TEST(CustomCollectives, MscclRingFixtureMatchesItsClosedForm) {
  // 14 messages of 131,072 B in one chain per NPU plus 7 COMPs of 7 us; no endpoint delay.
  const SimTime expect = (14 * hop_ns(131072) + 7 * 7000) * kNanosecond;
  for (NetworkModel model : {NetworkModel::kAstraCongestionUnaware, NetworkModel::kAstraCongestionAware}) {
    Config c = ring_config(8, all_reduce_traces(8, 1 << 20), model);
    c.system.preferred_dataset_splits = 4;  // ignored: one stream covers a custom collective
    c.system.endpoint_delay = 10 * kNanosecond;
    c.system.all_reduce.custom_prefix = kFixture;
    for (int ranks : {1, 2}) {
      const SimulationResult r = run(c, ranks);
      ASSERT_EQ(r.records.npus.size(), 8u);
      for (const auto& s : r.records.npus) {
        EXPECT_EQ(s.finish, expect) << "npu " << s.npu << " ranks " << ranks << " model "
                                    << static_cast<int>(model);
      }
      ASSERT_EQ(r.records.collectives.size(), 8u);
      EXPECT_EQ(r.records.collectives[3].end - r.records.collectives[3].start, expect);
    }
  }
}

TEST(CustomCollectives, CustomRingEqualsTheBuiltInRingOnEveryNetworkModel) {
  // Without COMP nodes, endpoint delay or reduction cost, ASTRA-sim's ring all-reduce and the
  // custom graph both send 2(n-1) messages of S/n, each after the previous one arrived. A custom
  // SEND completes when its message arrived (ASTRA-sim's send callback): the analytical models
  // know that time at the sender for neighbours; the packet model learns it from the receiver's
  // acknowledgement, one link latency (500 ns) later, once per step.
  const int n = 4;
  const Bytes S = 1 << 20;
  const std::string traces = all_reduce_traces(n, S);
  const std::string custom = write_graph(ring_graph(n, S / n, 0), "ring4");
  for (NetworkModel model :
       {NetworkModel::kAstraCongestionUnaware, NetworkModel::kAstraCongestionAware, NetworkModel::kPacket}) {
    Config native = ring_config(n, traces, model);
    Config with_custom = native;
    with_custom.system.all_reduce.custom_prefix = custom;
    const SimulationResult base = run(native, 1);
    ASSERT_EQ(base.records.npus.size(), static_cast<std::size_t>(n));
    if (model != NetworkModel::kPacket) {
      EXPECT_EQ(base.records.npus[0].finish, 2 * (n - 1) * hop_ns(S / n) * kNanosecond);
    }
    for (int ranks : {1, 2}) {
      const SimulationResult r = run(with_custom, ranks);
      ASSERT_EQ(r.records.npus.size(), static_cast<std::size_t>(n));
      const SimTime acks = model == NetworkModel::kPacket ? 2 * (n - 1) * 500 * kNanosecond : 0;
      for (int i = 0; i < n; ++i) {
        EXPECT_EQ(r.records.npus[static_cast<std::size_t>(i)].finish,
                  base.records.npus[static_cast<std::size_t>(i)].finish + acks)
            << "npu " << i << " ranks " << ranks << " model " << static_cast<int>(model);
      }
    }
  }
}

TEST(CustomCollectives, PerNodeOverrideWinsOverThePerTypeGraph) {
  // Every NPU: COLL 5 then COLL 6 (both 1 MiB all-reduces). Node 5 runs the per-node graph (no
  // COMP), node 6 the per-type graph (the fixture, 7 COMPs of 7 us).
  const int n = 8;
  std::vector<std::vector<EtNode>> wl(n);
  for (auto& prog : wl) {
    for (std::uint64_t id : {5u, 6u}) {
      prog.push_back(node(
          id, NodeType::kCommColl, id == 6 ? std::vector<std::uint64_t>{5} : std::vector<std::uint64_t>{},
          {EtAttribute::make_bool("is_cpu_op", false), EtAttribute::make_int64("comm_type", 0),
           EtAttribute::make_int64("comm_size", 1 << 20)}));
    }
  }
  const std::string traces = write_graph(wl, "two_colls");
  const std::string plain = write_graph(ring_graph(n, 131072, 0), "plain8");
  const fs::path yaml = scratch("per_node") / "per_node.yaml";
  std::ofstream(yaml) << "5: " << plain << "\n";
  Config c = ring_config(n, traces, NetworkModel::kAstraCongestionUnaware);
  c.system.all_reduce.custom_prefix = kFixture;
  c.system.per_node_custom_implementation = yaml.string();
  const SimTime expect = (14 * hop_ns(131072) + (14 * hop_ns(131072) + 7 * 7000)) * kNanosecond;
  for (int ranks : {1, 2}) {
    const SimulationResult r = run(c, ranks);
    ASSERT_EQ(r.records.npus.size(), 8u);
    for (const auto& s : r.records.npus) EXPECT_EQ(s.finish, expect) << "npu " << s.npu << " ranks " << ranks;
  }
}

TEST(CustomCollectives, GraphForAnotherNpuCountIsAnInputError) {
  Config c = ring_config(4, all_reduce_traces(4, 1 << 20), NetworkModel::kAstraCongestionUnaware);
  c.system.all_reduce.custom_prefix = kFixture;
  c.system.all_reduce.file = "sys.json";
  const std::string msg = input_error([&] { run(c, 2); });
  EXPECT_NE(msg.find("sys.json: all-reduce-implementation-custom: the custom collective"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("has 8 position file(s)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("the network has 4 NPUs"), std::string::npos) << msg;
  // A communicator group of 8 NPUs makes the same graph usable (it may run on that group).
  Config grouped = ring_config(8, all_reduce_traces(8, 1 << 20), NetworkModel::kAstraCongestionUnaware);
  grouped.network.topology.params<network::DimensionsSpec>().dims[0].npus = 16;
  grouped.comm_groups.groups["1"] = {0, 1, 2, 3, 4, 5, 6, 7};
  grouped.system.all_reduce.custom_prefix = kFixture;
  EXPECT_NO_THROW(load_custom_collectives(grouped));
}

TEST(CustomCollectives, MissingFilesNameTheKeyAndThePrefix) {
  Config c = ring_config(8, all_reduce_traces(8, 1 << 20), NetworkModel::kAstraCongestionUnaware);
  c.system.reduce_scatter.custom_prefix = (scratch("missing") / "nothing_here").string();
  const std::string msg = input_error([&] { run(c, 1); });
  EXPECT_NE(msg.find("reduce-scatter-implementation-custom: the custom collective ETs"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("nothing_here.0.et"), std::string::npos) << msg;
  // A gap in the position files is named too.
  auto graph = ring_graph(4, 1024, 0);
  const std::string prefix = write_graph(graph, "gap");
  fs::remove(prefix + ".2.et");
  c.system.reduce_scatter.custom_prefix = prefix;
  const std::string gap = input_error([&] { load_custom_collectives(c); });
  EXPECT_NE(gap.find("NPU(s) 2 are missing"), std::string::npos) << gap;
}

TEST(CustomCollectives, CyclesUnmatchedSendsAndForeignNodesAreInputErrors) {
  Config c = ring_config(4, all_reduce_traces(4, 1 << 20), NetworkModel::kAstraCongestionUnaware);
  auto cyclic = ring_graph(4, 1024, 0);
  cyclic[1][0].data_deps = {3};  // SEND 0 waits for SEND 2, which waits for RECV 1 <- SEND 0
  c.system.all_reduce.custom_prefix = write_graph(cyclic, "cycle");
  std::string msg = input_error([&] { run(c, 2); });
  EXPECT_NE(msg.find("custom.1.et"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cycle"), std::string::npos) << msg;

  auto unmatched = ring_graph(4, 1024, 0);
  unmatched[2][1] = recv(1, 1, 1024, {0}, /*tag=*/9);  // expects tag 9; position 1 sends tag 0
  c.system.all_reduce.custom_prefix = write_graph(unmatched, "unmatched");
  msg = input_error([&] { run(c, 1); });
  EXPECT_NE(msg.find("have no matching receive"), std::string::npos) << msg;

  auto foreign = ring_graph(4, 1024, 0);
  foreign[0].push_back(
      node(99, NodeType::kCommColl, {},
           {EtAttribute::make_int64("comm_type", 0), EtAttribute::make_int64("comm_size", 8)}));
  c.system.all_reduce.custom_prefix = write_graph(foreign, "foreign");
  msg = input_error([&] { run(c, 1); });
  EXPECT_NE(msg.find("custom.0.et: node 99 'n99': COMM_COLL_NODE in a custom collective graph"),
            std::string::npos)
      << msg;

  auto far = ring_graph(4, 1024, 0);
  far[3][0] = send(0, 7, 1024, {});  // position 7 of a 4-NPU group
  c.system.all_reduce.custom_prefix = write_graph(far, "far");
  msg = input_error([&] { run(c, 1); });
  EXPECT_NE(msg.find("peer 7 is not another position"), std::string::npos) << msg;
}

TEST(CustomCollectives, PerNodeYamlErrorsNameTheFileAndLine) {
  Config c = ring_config(8, all_reduce_traces(8, 1 << 20), NetworkModel::kAstraCongestionUnaware);
  const fs::path yaml = scratch("bad_yaml") / "per_node.yaml";
  std::ofstream(yaml) << "5: " << kFixture << "\nlayer_two: " << kFixture << "\n";
  c.system.per_node_custom_implementation = yaml.string();
  const std::string msg = input_error([&] { load_custom_collectives(c); });
  EXPECT_NE(msg.find("per_node.yaml:2: layer_two: the key is not a workload node id"), std::string::npos)
      << msg;
  c.system.per_node_custom_implementation = (yaml.parent_path() / "absent.yaml").string();
  EXPECT_NE(input_error([&] { load_custom_collectives(c); }).find("cannot read"), std::string::npos);
}

TEST(WorkloadInputs, ValidateSeesWhatRunSees) {
  // check_workloads (tessera validate) loads every NPU and the custom graphs with run's loader.
  Config c = ring_config(8, all_reduce_traces(8, 1 << 20), NetworkModel::kAstraCongestionUnaware);
  c.system.all_reduce.custom_prefix = kFixture;
  const WorkloadCheck ok = check_workloads(c);
  EXPECT_EQ(ok.nodes, 8u);
  EXPECT_EQ(ok.collectives, 8u);
  EXPECT_EQ(ok.custom_collectives, 1);
  // A truncated trace on NPU 5: the same message from both.
  const fs::path dir = scratch("truncated");
  for (int i = 0; i < 8; ++i)
    fs::copy_file(c.workload.chakra_prefix + "." + std::to_string(i) + ".et",
                  dir / ("t." + std::to_string(i) + ".et"));
  fs::resize_file(dir / "t.5.et", fs::file_size(dir / "t.5.et") - 3);
  c.workload.chakra_prefix = (dir / "t").string();
  const std::string from_validate = input_error([&] { check_workloads(c); });
  const std::string from_run = input_error([&] { run(c, 2); });
  EXPECT_NE(from_validate.find("t.5.et: node #0"), std::string::npos) << from_validate;
  EXPECT_NE(from_validate.find("truncated"), std::string::npos) << from_validate;
  EXPECT_EQ(from_validate, from_run);
  // Surplus trace files are the configuration layer's check (an error unless
  // --allow-extra-traces); the loader reads the first N.
  fs::copy_file(dir / "t.4.et", dir / "t.5.et", fs::copy_options::overwrite_existing);
  fs::copy_file(dir / "t.4.et", dir / "t.8.et");
  EXPECT_EQ(check_workloads(c).nodes, 8u);
}

}  // namespace
}  // namespace tessera::runtime
