// ASTRA-sim's input files as shipped (configs/astra-sim, copied from astra-sim/astra-sim with its
// LICENSE), read with ASTRA-sim's units, and every error path of each reader.
#include <gtest/gtest.h>

#include "helpers.hpp"
#include "tessera/config_load.hpp"

namespace tessera {
namespace {

using test::input_errors;
using test::mentions;
using test::repo;
using test::scratch;

const std::string kA = "configs/astra-sim/";

TEST(AstraNetwork, ShippedFilesUseGiBPerSecondAndNanoseconds) {
  std::vector<Diagnostic> w;
  for (const char* f :
       {"examples/network/analytical/Ring_4npus.yml", "examples/network/analytical/Ring_8npus.yml",
        "examples/network/analytical/Ring_16npus.yml", "tests/rt_template/inputs/network_cfg.yml"}) {
    const NetworkConfig n = load_astra_network(repo(kA + f), w);
    ASSERT_EQ(test::dims_of(n).size(), 1u) << f;
    EXPECT_EQ(n.topology.name(), "dimensions");
    EXPECT_EQ(test::dims_of(n)[0].kind, network::DimensionKind::kRing);
    EXPECT_EQ(test::dims_of(n)[0].bandwidth.bytes_per_second, 50LL << 30);  // 53.687 B/ns
    EXPECT_EQ(test::dims_of(n)[0].latency, 500 * kNanosecond);
  }
  const NetworkConfig hgx =
      load_astra_network(repo(kA + "examples/network/analytical/HGX-H100-validated.yml"), w);
  EXPECT_EQ(test::dims_of(hgx)[0].kind, network::DimensionKind::kSwitch);
  EXPECT_EQ(hgx.npu_count(), 8);
  EXPECT_EQ(test::dims_of(hgx)[0].bandwidth.bytes_per_second, 400LL << 30);
  EXPECT_EQ(test::dims_of(hgx)[0].latency, 936'250);
  EXPECT_TRUE(w.empty());
}

TEST(AstraNetwork, MultiDimensional) {
  std::vector<Diagnostic> w;
  const auto n =
      load_astra_network(scratch("n.yml",
                                 "topology: [Ring, FullyConnected, Switch]\nnpus_count: [2, 8, 4]\n"
                                 "bandwidth: [200, 100, 50]\nlatency: [50, 500, 2000]\n"),
                         w);
  EXPECT_EQ(n.npu_count(), 64);
  EXPECT_EQ(n.dimension_sizes(), (std::vector<int>{2, 8, 4}));
  EXPECT_EQ(test::dims_of(n)[1].kind, network::DimensionKind::kFullyConnected);
  EXPECT_EQ(test::dims_of(n)[2].latency, 2 * kMicrosecond);
}

TEST(AstraNetwork, ErrorsNameFileLineAndKey) {
  std::vector<Diagnostic> w;
  auto e = input_errors([&] {
    load_astra_network(
        scratch("n.yml", "topology: [Ring]\nnpus_count: [8]\nbandwidth: [50]\nlatncy: [500]\n"), w);
  });
  ASSERT_EQ(e.size(), 2u) << test::dump(e);
  EXPECT_EQ(e[0].line, 4);
  EXPECT_EQ(e[0].key, "latncy");
  EXPECT_EQ(e[0].fix, "did you mean \"latency\"?");
  EXPECT_NE(e[1].message.find("missing required key \"latency\""), std::string::npos);

  e = input_errors([&] {
    load_astra_network(scratch("n.yml", "topology: Ring\nnpus_count: [0]\nbandwidth: [-1]\nlatency: [5]\n"),
                       w);
  });
  EXPECT_TRUE(mentions(e, "topology: expected a list with one entry per dimension")) << test::dump(e);
  EXPECT_TRUE(mentions(e, "npus_count[0]: expected an integer between 2"));
  EXPECT_TRUE(mentions(e, "bandwidth[0]: expected a number > 0, got -1"));

  e = input_errors([&] {
    load_astra_network(scratch("n.yml", "topology: []\nnpus_count: []\nbandwidth: []\nlatency: []\n"), w);
  });
  EXPECT_TRUE(mentions(e, "topology is empty"));

  e = input_errors([&] { load_astra_network(scratch("n.yml", "- just\n- a list\n"), w); });
  EXPECT_TRUE(mentions(e, "expected a mapping of astra-network-yaml keys, got a list"));
}

TEST(AstraSystem, ShippedFiles) {
  std::vector<Diagnostic> w;
  const SystemConfig rt = load_astra_system(repo(kA + "tests/rt_template/inputs/system_cfg.json"), w);
  EXPECT_EQ(rt.scheduling_policy, SchedulingPolicy::kLifo);
  EXPECT_EQ(rt.collective_optimization, Decomposition::kLocalBwAware);
  EXPECT_EQ(rt.preferred_dataset_splits, 4);
  EXPECT_EQ(rt.active_chunks_per_dimension, 1);
  EXPECT_EQ(rt.endpoint_delay, 10 * kNanosecond);
  EXPECT_EQ(rt.local_mem_bw.bytes_per_second, 50'000'000'000);  // GB = 10^9 here
  EXPECT_EQ(rt.all_reduce.per_dimension, std::vector<std::string>{"ring"});
  EXPECT_EQ(rt.all_reduce.line, 6);
  ASSERT_EQ(w.size(), 1u);  // boost-mode
  EXPECT_EQ(w[0].key, "boost-mode");
  EXPECT_EQ(w[0].line, 12);

  const SystemConfig r4 =
      load_astra_system(repo(kA + "examples/system/native_collectives/Ring_4chunks.json"), w);
  EXPECT_DOUBLE_EQ(r4.peak_perf_flops, 900e12);
  EXPECT_EQ(r4.local_mem_bw.bytes_per_second, 1'600'000'000'000);
  EXPECT_FALSE(r4.roofline_enabled);
  const SystemConfig hgx =
      load_astra_system(repo(kA + "examples/system/native_collectives/HGX-H100-validated.json"), w);
  EXPECT_EQ(hgx.active_chunks_per_dimension, 2);
  EXPECT_EQ(hgx.local_mem_bw.bytes_per_second, 3'350'000'000'000);
}

TEST(AstraSystem, EndpointDelayIsTruncatedToWholeNanosecondsAsInAstraSim) {
  std::vector<Diagnostic> w;
  const auto s = load_astra_system(
      scratch("s.json", R"({"preferred-dataset-splits": 1, "endpoint-delay": 10.7, "local-mem-bw": 50})"), w);
  EXPECT_EQ(s.endpoint_delay, 10 * kNanosecond);
  EXPECT_TRUE(mentions(w, "ASTRA-sim truncates 10.7 ns to 10 ns")) << test::dump(w);

  AstraArgs a;
  a.workload = repo(kA + "examples/workload/microbenchmarks/all_reduce/8npus_1MB/all_reduce");
  a.system = repo(kA + "tests/rt_template/inputs/system_cfg.json");
  a.network = repo(kA + "tests/rt_template/inputs/network_cfg.yml");
  a.injection_scale = 1.25;  // 12.5 ns -> 12 ns
  EXPECT_EQ(load_astra(a).config.system.endpoint_delay, 12 * kNanosecond);
}

TEST(AstraSystem, MissingLocalMemBwWarns) {
  std::vector<Diagnostic> w;
  const auto s = load_astra_system(scratch("s.json", R"({"preferred-dataset-splits": 1})"), w);
  EXPECT_EQ(s.local_mem_bw.bytes_per_second, 0);
  EXPECT_TRUE(mentions(w, "local-mem-bw: no \"local-mem-bw\": ASTRA-sim divides by it")) << test::dump(w);
}

TEST(AstraSystem, CustomAndWindowedImplementations) {
  std::vector<Diagnostic> w;
  const auto s = load_astra_system(
      scratch("s.json",
              R"({"preferred-dataset-splits": 2, "all-reduce-implementation": ["direct8", "oneDirect"],
        "all-to-all-implementation-custom": ["traces/a2a"], "intra-dimension-scheduling": "FIFO"})"),
      w);
  EXPECT_EQ(s.all_reduce.per_dimension, (std::vector<std::string>{"direct8", "oneDirect"}));
  EXPECT_EQ(s.all_to_all.custom_prefix, "traces/a2a");
  EXPECT_TRUE(mentions(w, "intra-dimension-scheduling: ASTRA-sim 2.x ignores this key"));
}

TEST(AstraSystem, EveryErrorAtOnce) {
  std::vector<Diagnostic> w;
  auto e = input_errors([&] {
    load_astra_system(scratch("s.json", R"({
  "scheduling-policy": "RANDOM",
  "collective-optimization": "localBwAware",
  "active-chunks-per-dimension": 0,
  "endpoint-delay": -5,
  "local-mem-bw": "fast",
  "all-reduce-implementation": ["ring", "tree"],
  "all-gather-implementation": [],
  "reduce-scatter-implementation": "ring_ring",
  "all-to-all-implementation-custom": ["a", "b"],
  "roofline-enabled": 2,
  "direct0": 1
})"),
                      w);
  });
  EXPECT_EQ(e.size(), 12u) << test::dump(e);
  EXPECT_TRUE(mentions(e, "s.json:2: scheduling-policy: unknown value \"RANDOM\""));
  EXPECT_TRUE(
      mentions(e,
               "s.json:3: collective-optimization: unknown value \"localBwAware\"; expected one of baseline, "
               "localBWAware (fix: did you mean \"localBWAware\"?)"));
  EXPECT_TRUE(mentions(e, "s.json:4: active-chunks-per-dimension: expected an integer between 1 and 2147483647, got 0"));
  EXPECT_TRUE(mentions(e, "s.json:5: endpoint-delay: expected a number >= 0, got -5"));
  EXPECT_TRUE(mentions(e, "s.json:6: local-mem-bw: expected a number > 0, got the string \"fast\""));
  EXPECT_TRUE(mentions(e, "s.json:7: all-reduce-implementation[1]: unknown collective algorithm \"tree\""));
  EXPECT_TRUE(mentions(e, "s.json:8: all-gather-implementation: the implementation list is empty"));
  EXPECT_TRUE(mentions(e, "write [\"ring\", \"ring\"]"));
  EXPECT_TRUE(
      mentions(e, "s.json:10: all-to-all-implementation-custom: expected a list with exactly one ET prefix"));
  EXPECT_TRUE(mentions(e, "s.json:11: roofline-enabled: expected a boolean"));
  EXPECT_TRUE(mentions(e, "s.json:12: direct0: unknown key"));
  EXPECT_TRUE(mentions(e, "missing required key \"preferred-dataset-splits\""));
}

TEST(AstraSystem, WindowZeroIsRejected) {
  std::vector<Diagnostic> w;
  auto e = input_errors([&] {
    load_astra_system(
        scratch("s.json", R"({"preferred-dataset-splits": 1, "all-reduce-implementation": ["direct0"]})"), w);
  });
  EXPECT_TRUE(mentions(e, "direct0: the window must be between 1 and 999999")) << test::dump(e);
}

TEST(AstraSystem, SyntaxAndDuplicates) {
  std::vector<Diagnostic> w;
  auto e = input_errors([&] { load_astra_system(scratch("s.json", "{\n  \"a\": 1,\n  \"b\": ]\n}\n"), w); });
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].line, 3);
  EXPECT_NE(e[0].message.find("not valid JSON"), std::string::npos);
  e = input_errors([&] {
    load_astra_system(
        scratch("s.json", "{\n\"preferred-dataset-splits\": 1,\n\"preferred-dataset-splits\": 2\n}"), w);
  });
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].line, 3);
  EXPECT_EQ(e[0].message, "duplicate key");
  e = input_errors(
      [&] { load_astra_system(scratch("s.json", R"({"preferred-dataset-splits": 1e400})"), w); });
  EXPECT_TRUE(mentions(e, "not valid JSON: number overflow parsing '1e400'")) << test::dump(e);
  e = input_errors([&] { load_astra_system(repo("no/such/file.json"), w); });
  EXPECT_TRUE(mentions(e, "cannot open the file"));
}

TEST(AstraRemoteMemory, TypesAndUnits) {
  std::vector<Diagnostic> w;
  EXPECT_EQ(
      load_astra_remote_memory(repo(kA + "examples/remote_memory/analytical/no_memory_expansion.json"), w)
          .memory_type,
      MemoryType::kNoMemoryExpansion);
  const auto m = load_astra_remote_memory(
      scratch("m.json",
              R"({"memory-type": "PER_NODE_MEMORY_EXPANSION", "num-nodes": 2, "num-npus-per-node": 4,
        "remote-mem-latency": 100, "remote-mem-bw": 50})"),
      w);
  EXPECT_EQ(m.memory_type, MemoryType::kPerNodeMemoryExpansion);
  EXPECT_EQ(m.latency, 100 * kNanosecond);
  EXPECT_EQ(m.bandwidth.bytes_per_second, 50'000'000'000);  // bytes/ns
  auto e = input_errors([&] { load_astra_remote_memory(scratch("m.json", R"({"remote-mem-bw": 5})"), w); });
  EXPECT_TRUE(mentions(e, "missing required key \"memory-type\"")) << test::dump(e);
  e = input_errors([&] {
    load_astra_remote_memory(scratch("m.json", R"({"memory-type": "MEMORY_POOL", "num-node": 2})"), w);
  });
  EXPECT_TRUE(mentions(e, "did you mean \"num-nodes\"?")) << test::dump(e);
}

TEST(AstraCommGroups, ReadAndChecked) {
  std::vector<Diagnostic> w;
  const auto g = load_astra_comm_groups(scratch("g.json", R"({"1": [0, 1], "2": [2, 3]})"), w);
  EXPECT_EQ(g.groups.at("2"), (std::vector<int>{2, 3}));
  auto e = input_errors([&] {
    load_astra_comm_groups(scratch("g.json", R"({"1": [0, 0], "2": [], "3": "all", "4": [-1]})"), w);
  });
  EXPECT_EQ(e.size(), 4u) << test::dump(e);
  EXPECT_TRUE(mentions(e, "an NPU appears more than once"));
  EXPECT_TRUE(mentions(e, "needs at least one NPU"));
  EXPECT_TRUE(mentions(e, "expected a list of integers"));
  load_astra_comm_groups(scratch("g.json", R"({"0": [0, 1]})"), w);
  EXPECT_TRUE(mentions(w, "reserved for \"all NPUs\""));
}

TEST(AstraRun, FlagsMapOntoTheConfig) {
  AstraArgs a;
  a.workload = repo(kA + "examples/workload/microbenchmarks/all_reduce/8npus_1MB/all_reduce");
  a.system = repo(kA + "tests/rt_template/inputs/system_cfg.json");
  a.network = repo(kA + "tests/rt_template/inputs/network_cfg.yml");
  a.remote_memory = repo(kA + "tests/rt_template/inputs/remote_memory_cfg.json");
  a.injection_scale = 2.5;
  a.num_queues_per_dim = 2;
  a.rendezvous_protocol = true;
  a.comm_group = "empty";
  const LoadResult r = load_astra(a);
  EXPECT_EQ(r.config.network.npu_count(), 8);
  EXPECT_EQ(r.config.system.endpoint_delay, 25 * kNanosecond);  // 10 ns x injection scale
  EXPECT_EQ(r.config.system.num_queues_per_dim, 2);
  EXPECT_TRUE(r.config.system.rendezvous_protocol);
  EXPECT_EQ(r.config.simulation.network_model, NetworkModel::kAstraCongestionAware);
  EXPECT_EQ(r.config.output.log_format, LogFormat::kAstraSim);
  EXPECT_EQ(r.config.output.logging_folder, "log");
  EXPECT_EQ(r.config.workload.kind, WorkloadKind::kChakra);
  EXPECT_TRUE(r.config.comm_groups.groups.empty());

  RunOverrides o;
  o.network_model = NetworkModel::kAstraCongestionUnaware;
  o.log_format = LogFormat::kTessera;
  EXPECT_EQ(load_astra(a, o).config.simulation.network_model, NetworkModel::kAstraCongestionUnaware);
}

TEST(AstraRun, MissingImplementationDefaultsToRingWithAWarning) {
  AstraArgs a;
  a.workload = repo(kA + "examples/workload/microbenchmarks/all_reduce/8npus_1MB/all_reduce");
  a.system = scratch("s.json", R"({"preferred-dataset-splits": 4, "all-reduce-implementation": ["ring"]})");
  a.network = repo(kA + "tests/rt_template/inputs/network_cfg.yml");
  const LoadResult r = load_astra(a);
  EXPECT_TRUE(r.config.system.all_to_all.defaulted);
  EXPECT_EQ(r.config.system.all_to_all.per_dimension, std::vector<std::string>{"ring"});
  EXPECT_TRUE(mentions(r.warnings, "all-to-all-implementation: not given; Tessera uses \"ring\""));
  EXPECT_TRUE(mentions(r.warnings, "--remote-memory-configuration: not given"));
}

TEST(AstraRun, FlagValuesAreChecked) {
  AstraArgs a;
  a.workload = repo(kA + "examples/workload/microbenchmarks/all_reduce/8npus_1MB/all_reduce");
  a.system = repo(kA + "tests/rt_template/inputs/system_cfg.json");
  a.network = repo(kA + "tests/rt_template/inputs/network_cfg.yml");
  a.num_queues_per_dim = 0;
  a.injection_scale = -1;
  a.num_passes = 0;
  auto e = input_errors([&] { load_astra(a); });
  EXPECT_EQ(e.size(), 3u) << test::dump(e);
  EXPECT_TRUE(mentions(e, "--num-queues-per-dim: expected an integer between 1 and 1024, got 0"));
  EXPECT_TRUE(mentions(e, "--injection-scale: expected a number >= 0, got -1"));
  EXPECT_TRUE(mentions(e, "--num-passes: expected an integer between 1 and 1000000, got 0"));

  AstraArgs b;
  b.workload = a.workload;
  b.system = a.system;
  b.network = a.network;
  b.compute_scale = 2;
  b.logging_configuration = "astra_logging.toml";
  const LoadResult r = load_astra(b);
  EXPECT_TRUE(mentions(r.warnings, "--compute-scale: has no effect in ASTRA-sim 2.x"))
      << test::dump(r.warnings);
  EXPECT_TRUE(mentions(r.warnings, "--logging-configuration: \"astra_logging.toml\" is an spdlog setup"));
}

TEST(AstraRun, HugeNetworksAndBandwidthsAreErrorsNotHangs) {
  AstraArgs a;
  a.workload = "nothing";
  a.system = repo(kA + "tests/rt_template/inputs/system_cfg.json");
  a.network = scratch(
      "n.yml",
      "topology: [Ring, Ring]\nnpus_count: [1000000, 1000000]\nbandwidth: [50, 50]\nlatency: [1, 1]\n");
  auto e = input_errors([&] { load_astra(a); });
  EXPECT_TRUE(mentions(e, "the network has more than 16777216 NPUs (1000000 x 1000000)")) << test::dump(e);
  a.network = scratch("n.yml", "topology: [Ring]\nnpus_count: [8]\nbandwidth: [1e-12]\nlatency: [1]\n");
  e = input_errors([&] { load_astra(a); });
  EXPECT_TRUE(mentions(e, "n.yml:3: bandwidth[0]: bandwidth 1e-12 GB/s is out of range")) << test::dump(e);
}

TEST(AstraRun, TextWorkloadIsDetected) {
  AstraArgs a;
  a.workload = repo("traces/text/Resnet50_DataParallel.txt");
  a.system = repo(kA + "examples/system/native_collectives/Ring_4chunks.json");
  a.network = repo(kA + "examples/network/analytical/Ring_8npus.yml");
  a.num_passes = 3;
  const LoadResult r = load_astra(a);
  EXPECT_EQ(r.config.workload.kind, WorkloadKind::kAstraText);
  EXPECT_EQ(r.config.workload.passes, 3);
}

TEST(AstraRun, CrossChecksReportEveryMismatch) {
  AstraArgs a;
  a.workload = repo(kA + "examples/workload/microbenchmarks/all_reduce/8npus_1MB/all_reduce");
  a.system = scratch("s.json", R"({"preferred-dataset-splits": 4,
    "all-reduce-implementation": ["halvingDoubling", "ring", "ring"],
    "all-gather-implementation": ["doubleBinaryTree"],
    "all-to-all-implementation": ["halvingDoubling"]})");
  a.network = scratch("n.yml",
                      "topology: [Ring, Switch]\nnpus_count: [6, 2]\nbandwidth: [50, 50]\nlatency: [1, 1]\n");
  a.comm_group = scratch("groups.json", R"({"1": [0, 11, 12]})");
  auto e = input_errors([&] { load_astra(a); });
  EXPECT_TRUE(mentions(e, "all-reduce-implementation: 3 entries but the network has 2 dimension(s) [6, 2]"))
      << test::dump(e);
  EXPECT_TRUE(mentions(e, "doubleBinaryTree implements all-reduce only, not all-gather"));
  EXPECT_TRUE(mentions(e, "halvingDoubling has no all-to-all"));
  EXPECT_TRUE(mentions(e, "halvingDoubling needs a power-of-two number of NPUs, but dimension 0 has 6"));
  EXPECT_TRUE(mentions(e, "group \"1\": NPU id(s) 12 out of range: the network has 12 NPUs"));
  EXPECT_TRUE(mentions(e, "4 of the 12 trace files"));
}

// 8 traces on a 4-NPU network would simulate half the job: an error, unless the user opts in.
TEST(AstraRun, ExtraTracesAreAnErrorUnlessAllowed) {
  AstraArgs a;
  a.workload = repo(kA + "examples/workload/microbenchmarks/all_reduce/8npus_1MB/all_reduce");
  a.system = repo(kA + "tests/rt_template/inputs/system_cfg.json");
  a.network = repo(kA + "examples/network/analytical/Ring_4npus.yml");
  const auto e = input_errors([&] { load_astra(a); });
  EXPECT_TRUE(mentions(e, "4 more trace file(s) than NPUs")) << test::dump(e);
  EXPECT_TRUE(mentions(e, "--allow-extra-traces")) << test::dump(e);
  RunOverrides allow;
  allow.allow_extra_traces = true;
  const LoadResult r = load_astra(a, allow);
  EXPECT_TRUE(mentions(r.warnings, "4 more trace file(s) than NPUs")) << test::dump(r.warnings);
  EXPECT_TRUE(r.config.workload.allow_extra_traces);
}

TEST(AstraRun, OneFlatRingNeedsNoShortListWarning) {
  AstraArgs a;
  a.workload = repo(kA + "examples/workload/microbenchmarks/all_reduce/8npus_1MB/all_reduce");
  a.system = scratch("s.json", R"({"preferred-dataset-splits": 4, "all-reduce-implementation": ["oneRing"],
    "all-gather-implementation": ["ring"], "reduce-scatter-implementation": ["ring", "ring"],
    "all-to-all-implementation": ["direct", "direct"]})");
  a.network = scratch("n.yml",
                      "topology: [Ring, Switch]\nnpus_count: [4, 2]\nbandwidth: [50, 50]\nlatency: [1, 1]\n");
  const LoadResult r = load_astra(a, RunOverrides{NetworkModel::kAstraCongestionUnaware, {}, {}, {}, false, {}, {}});
  EXPECT_FALSE(mentions(r.warnings, "all-reduce-implementation: 1 entry")) << test::dump(r.warnings);
  EXPECT_TRUE(mentions(r.warnings, "all-gather-implementation: 1 entry for a 2-dimensional network [4, 2]"));
  EXPECT_TRUE(mentions(r.warnings, "DROP dimension 1 (2 NPUs)"));
}

}  // namespace
}  // namespace tessera
