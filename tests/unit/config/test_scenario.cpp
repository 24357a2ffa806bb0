// Tessera scenario YAML: sections inline, by file reference, or as ASTRA-sim files; strictness
// (unknown keys, types, units) with every error reported at once; overrides; the shipped scenarios.
#include <gtest/gtest.h>

#include "helpers.hpp"
#include "tessera/config_load.hpp"

namespace tessera {
namespace {

using test::input_errors;
using test::mentions;
using test::repo;
using test::scratch;

// Scenarios written by these tests live in the build tree, so workload paths point back to the repo.
std::string ar8() {
  return repo("configs/astra-sim/examples/workload/microbenchmarks/all_reduce/8npus_1MB/all_reduce");
}
std::string ar16() {
  return repo("configs/astra-sim/examples/workload/microbenchmarks/all_reduce/16npus_1MB/all_reduce");
}

TEST(Scenario, ShippedScenariosLoad) {
  for (const char* s : {"default", "astra-rt-template", "hgx-h100-2box-allreduce", "ring-8-inline", "resnet50-2npus",
                        "resnet50-4npus", "resnet50-16npus"}) {
    SCOPED_TRACE(s);
    EXPECT_NO_THROW(load_scenario(repo(std::string("configs/scenarios/") + s + ".yaml")));
  }
  const Config c = load_scenario(repo("configs/scenarios/default.yaml")).config;
  EXPECT_EQ(c.network.topology.name(), "hgx_h100");
  EXPECT_EQ(c.network.npu_count(), 8);
  EXPECT_EQ(c.network.topology.params<network::HgxH100Spec>().nvlink_bandwidth.bytes_per_second,
            370'800'000'000);  // NCCL's SM90 NVLink payload rate, configs/network/hgx-h100-1box.yaml
  EXPECT_EQ(c.simulation.network_model, NetworkModel::kPacket);
  EXPECT_EQ(c.workload.kind, WorkloadKind::kChakra);  // traces/resnet50/8npus
  EXPECT_DOUBLE_EQ(c.system.peak_perf_flops, 989e12);
  EXPECT_EQ(c.system.all_to_all.per_dimension,
            std::vector<std::string>{"direct"});       // inline overrides the file
  EXPECT_EQ(c.system.active_chunks_per_dimension, 2);  // from the file
}

TEST(Scenario, NetworkPresetsLoad) {
  for (const char* p :
       {"hgx-h100-1box", "hgx-h100-2box", "hgx-h100-4box", "hgx-h100-8boxes", "dgx-a100-1box", "dgx-a100-2box",
        "ring-8-astra", "fat-tree-k8", "torus-4x4x4"}) {
    SCOPED_TRACE(p);
    const auto s =
        scratch("s.yaml", "network: {file: " + repo(std::string("configs/network/") + p + ".yaml") +
                              "}\nworkload: {chakra: " + ar8() + "}\n");
    // The 8 traces match only the 8-NPU presets; elsewhere only the trace count may be reported.
    try {
      EXPECT_EQ(load_scenario(s).config.network.npu_count(), 8);
    } catch (const InputError& e) {
      for (const auto& d : e.diagnostics()) EXPECT_EQ(d.key, "workload") << d.str();
    }
  }
}

TEST(Scenario, AstraRtTemplateMatchesTheFlagsRoute) {
  const Config s = load_scenario(repo("configs/scenarios/astra-rt-template.yaml")).config;
  AstraArgs a;
  a.workload = ar8();
  a.system = repo("configs/astra-sim/tests/rt_template/inputs/system_cfg.json");
  a.network = repo("configs/astra-sim/tests/rt_template/inputs/network_cfg.yml");
  a.remote_memory = repo("configs/astra-sim/tests/rt_template/inputs/remote_memory_cfg.json");
  const Config f = load_astra(a).config;
  EXPECT_EQ(test::dims_of(s.network).size(), test::dims_of(f.network).size());
  EXPECT_EQ(test::dims_of(s.network)[0].bandwidth, test::dims_of(f.network)[0].bandwidth);
  EXPECT_EQ(test::dims_of(s.network)[0].latency, test::dims_of(f.network)[0].latency);
  EXPECT_EQ(s.system.endpoint_delay, f.system.endpoint_delay);
  EXPECT_EQ(s.system.local_mem_bw, f.system.local_mem_bw);
  EXPECT_EQ(s.system.preferred_dataset_splits, f.system.preferred_dataset_splits);
  EXPECT_EQ(s.simulation.network_model, f.simulation.network_model);
}

TEST(Scenario, InlineEverything) {
  const auto path = scratch("s.yaml", R"(
network:
  topology: dimensions
  dimensions:
    - {kind: Ring, npus: 4, bandwidth: 50GiB/s, latency: 500ns}
    - {kind: Switch, npus: 2, bandwidth: 400Gb/s, latency: 1us}
  packet: {packet_size: 1KiB, buffer_per_port: 64KiB, switch_latency: 100ns}
system:
  preferred_dataset_splits: 8
  endpoint_delay: 0
  injection_scale: 3
  local_mem_bw: 3.35TB/s
  all_reduce_implementation: [ring, direct4]
  all_to_all_implementation_custom: custom/a2a
comm_groups:
  "1": [0, 1, 2, 3]
  tp: [4, 5, 6, 7]
remote_memory:
  memory_type: PER_NPU_MEMORY_EXPANSION
  latency: 1us
  bandwidth: 100GB/s
workload:
  chakra: )" + ar8() + R"(
  control_dependencies: lenient
output: {hdf5: out.h5, summary_json: s.json, quiet: true}
simulation:
  network_model: astra-congestion-unaware
  placement: explicit
  rank_of_npu: [0, 0, 0, 0, 1, 1, 1, 1]
  max_sim_time: 10ms
)");
  const Config c = load_scenario(path).config;
  EXPECT_EQ(c.network.npu_count(), 8);
  EXPECT_EQ(test::dims_of(c.network)[1].bandwidth.bytes_per_second, 50'000'000'000);
  EXPECT_EQ(test::dims_of(c.network)[1].latency, kMicrosecond);
  EXPECT_EQ(c.network.packet.packet_size, 1024);
  EXPECT_EQ(c.system.preferred_dataset_splits, 8);
  EXPECT_EQ(c.system.endpoint_delay, 0);
  EXPECT_EQ(c.system.local_mem_bw.bytes_per_second, 3'350'000'000'000);
  EXPECT_EQ(c.system.all_reduce.per_dimension, (std::vector<std::string>{"ring", "direct4"}));
  EXPECT_TRUE(c.system.all_to_all.custom_prefix.ends_with("custom/a2a"));
  EXPECT_TRUE(c.system.all_gather.defaulted);  // ring per dimension, silently, in a scenario
  EXPECT_EQ(c.system.all_gather.per_dimension.size(), 2u);
  EXPECT_EQ(c.comm_groups.groups.at("tp"), (std::vector<int>{4, 5, 6, 7}));
  EXPECT_EQ(c.remote_memory.memory_type, MemoryType::kPerNpuMemoryExpansion);
  EXPECT_EQ(c.workload.control_dependencies, ControlDependencies::kLenient);
  EXPECT_EQ(c.output.hdf5_path, "out.h5");
  EXPECT_TRUE(c.output.quiet);
  EXPECT_EQ(c.simulation.placement, Placement::kExplicit);
  EXPECT_EQ(c.simulation.max_sim_time, 10 * kMillisecond);
  EXPECT_EQ(c.simulation.max_wall_time, kTimeInfinity);
}

TEST(Scenario, InjectionScaleMultipliesTheEndpointDelay) {
  const auto path =
      scratch("s.yaml",
              "network: {topology: hgx_h100}\nsystem: {endpoint_delay: 10ns, injection_scale: 1.5}\n"
              "workload: {chakra: " +
                  ar8() + "}\n");
  EXPECT_EQ(load_scenario(path).config.system.endpoint_delay, 15 * kNanosecond);
}

TEST(Scenario, OverridesFromTheCommandLine) {
  RunOverrides o;
  o.network_model = NetworkModel::kAstraCongestionAware;
  o.log_format = LogFormat::kAstraSim;
  o.hdf5_path = "x.h5";
  o.summary_json = "x.json";
  o.quiet = true;
  const Config c = load_scenario(repo("configs/scenarios/ring-8-inline.yaml"), o).config;
  EXPECT_EQ(c.simulation.network_model, NetworkModel::kAstraCongestionAware);
  EXPECT_EQ(c.output.hdf5_path, "x.h5");
  EXPECT_EQ(c.output.summary_json, "x.json");
  EXPECT_TRUE(c.output.quiet);
}

TEST(Scenario, EveryErrorAtOnceWithLines) {
  const auto path = scratch("s.yaml", R"(network:
  topology: hgx_h100
  hgx_h100:
    boxes: 0
    nvlink_bandwith: 450GB/s
    nvlink_latency: 900
  packet:
    packet_size: 1.5
system:
  scheduling_policy: fifo
  endpoint-delay: 10ns
  peak_perf: 900
workload:
  chakra: x
  text: y
simulation:
  max_wall_time: forever
outputs: {}
)");
  auto e = input_errors([&] { load_scenario(path); });
  EXPECT_EQ(e.size(), 10u) << test::dump(e);
  auto at = [&](int line, const std::string& text) {
    for (const auto& d : e) {
      if (d.line == line && d.str().find(text) != std::string::npos) return true;
    }
    ADD_FAILURE() << "no error at line " << line << " mentioning " << text << "\n" << test::dump(e);
    return false;
  };
  at(4, "network.hgx_h100.boxes: expected an integer between 1 and");
  at(5, "unknown key \"nvlink_bandwith\" in network.hgx_h100 (fix: did you mean \"nvlink_bandwidth\"?)");
  at(6, "network.hgx_h100.nvlink_latency: expected a duration with a unit");
  at(8, "network.packet.packet_size: expected a size");
  at(10, "system.scheduling_policy: unknown value \"fifo\"");
  at(11, "did you mean \"endpoint_delay\"?");
  at(12, "system.peak_perf: expected a compute rate with a unit");
  at(13, "both \"chakra\" and \"text\" are given");
  at(17, "simulation.max_wall_time: expected a duration");
  at(18, "unknown section \"outputs\" (fix: did you mean \"output\"?)");
}

TEST(Scenario, SectionShapes) {
  auto e = input_errors([&] { load_scenario(scratch("s.yaml", "network: hgx_h100\nworkload: [1]\n")); });
  EXPECT_TRUE(mentions(e, "network: expected a mapping, got \"hgx_h100\"")) << test::dump(e);
  EXPECT_TRUE(mentions(e, "workload: expected a mapping, got a list"));
  e = input_errors([&] { load_scenario(scratch("s.yaml", "- a\n- b\n")); });
  EXPECT_TRUE(mentions(e, "a scenario must be a mapping of sections"));
  e = input_errors([&] {
    load_scenario(scratch("s.yaml", "network: {topology: hgx_h100}\nnetwork: {topology: torus}\n"));
  });
  EXPECT_TRUE(mentions(e, "s.yaml:2: network: duplicate key"));
  e = input_errors([&] { load_scenario(scratch("s.yaml", "network: {topology: [x\n")); });
  EXPECT_TRUE(mentions(e, "not valid YAML"));
}

TEST(Scenario, FileAndAstraReferences) {
  const std::string net =
      scratch("net.yaml", "topology: torus\ntorus: {dims: [2, 2, 2], bandwidth: 100GB/s, latency: 50ns}\n");
  auto c = load_scenario(scratch("s.yaml", "network: {file: net.yaml}\nworkload: {chakra: " + ar8() + "}\n"))
               .config;
  EXPECT_EQ(c.network.topology.name(), "torus");
  EXPECT_EQ(c.network.npu_count(), 8);
  EXPECT_EQ(c.network.dimension_sizes(), (std::vector<int>{2, 2, 2}));

  // Errors inside a referenced file point into that file.
  scratch("bad.yaml", "topology: torus\ntorus: {dims: [2], bandwidth: 100GB/s}\n");
  auto e = input_errors(
      [&] { load_scenario(scratch("s.yaml", "network: {file: bad.yaml}\nworkload: {chakra: x}\n")); });
  ASSERT_FALSE(e.empty());
  EXPECT_TRUE(e[0].file.ends_with("bad.yaml")) << test::dump(e);
  EXPECT_TRUE(mentions(e, "expected 2 or 3 dimension sizes, got 1"));

  e = input_errors([&] {
    load_scenario(
        scratch("s.yaml", "network: {file: a.yaml, astra_network: b.yml}\nworkload: {chakra: x}\n"));
  });
  EXPECT_TRUE(mentions(e, "both \"file\" and \"astra_network\" are given"));
  e = input_errors(
      [&] { load_scenario(scratch("s.yaml", "network: {file: missing.yaml}\nworkload: {chakra: x}\n")); });
  EXPECT_TRUE(mentions(e, "missing.yaml: cannot open the file"));

  const std::string astra = repo("configs/astra-sim/examples/network/analytical/Ring_8npus.yml");
  e = input_errors([&] {
    load_scenario(scratch("s.yaml", "network: {astra_network: " + astra +
                                        ", topology: torus}\nworkload: {chakra: " + ar8() + "}\n"));
  });
  EXPECT_TRUE(mentions(e, "\"topology\" conflicts with astra_network")) << test::dump(e);
  c = load_scenario(scratch("s.yaml", "network: {astra_network: " + astra +
                                          ", packet: {packet_size: 2KiB}}\n"
                                          "workload: {chakra: " +
                                          ar8() + "}\n"))
          .config;
  EXPECT_EQ(test::dims_of(c.network).size(), 1u);
  EXPECT_EQ(c.network.packet.packet_size, 2048);
}

TEST(Scenario, TopologyChecks) {
  auto e = input_errors([&] {
    load_scenario(scratch(
        "s.yaml", "network: {topology: fat_tree, fat_tree: {radix: 5, hosts: 4}}\nworkload: {chakra: " +
                      ar8() + "}\n"));
  });
  EXPECT_TRUE(mentions(e, "fat_tree.radix must be even, got 5")) << test::dump(e);
  e = input_errors([&] {
    load_scenario(scratch(
        "s.yaml", "network: {topology: fat_tree, fat_tree: {radix: 4, hosts: 40}}\nworkload: {chakra: " +
                      ar8() + "}\n"));
  });
  EXPECT_TRUE(mentions(e, "a fat-tree of radix 4 holds at most k^3/4 = 16 hosts, got 40"));
  e = input_errors(
      [&] { load_scenario(scratch("s.yaml", "network: {topology: dimensions}\nworkload: {chakra: x}\n")); });
  EXPECT_TRUE(mentions(e, "topology is dimensions but no \"dimensions\" list is given"));
  e = input_errors([&] {
    load_scenario(
        scratch("s.yaml",
                "network: {topology: hgx_h100, packet: {packet_size: 8KiB, buffer_per_port: 4KiB}}\n"
                "workload: {chakra: " +
                    ar8() + "}\n"));
  });
  EXPECT_TRUE(mentions(e, "packet.buffer_per_port (4.00 KiB) is smaller than one packet (8.00 KiB)"));
  e = input_errors([&] {
    load_scenario(scratch("s.yaml", "network: {topology: hgx_h100}\nworkload: {chakra: " + ar8() +
                                        "}\nsimulation: {rank_of_npu: [0, 1]}\n"));
  });
  EXPECT_TRUE(mentions(e, "given but placement is not explicit"));
  e = input_errors([&] {
    load_scenario(
        scratch("s.yaml", "network: {topology: hgx_h100, hgx_h100: {boxes: 300, ib_switch_radix: 8}}\n"
                          "workload: {chakra: x}\n"));
  });
  EXPECT_TRUE(
      mentions(e,
               "300 boxes x 8 NICs = 2400 NICs exceed what a three-level fat-tree of radix-8 switches with "
               "oversubscription 1:1 connects (128)"))
      << test::dump(e);
  // With 3:1 oversubscription the fabric holds them; only the trace count is then wrong.
  e = input_errors([&] {
    load_scenario(
        scratch("s.yaml",
                "network: {topology: hgx_h100, hgx_h100: {boxes: 300, ib_oversubscription: \"3:1\"}}\n"
                "workload: {chakra: " +
                    ar8() + "}\n"));
  });
  ASSERT_EQ(e.size(), 1u) << test::dump(e);
  EXPECT_EQ(e[0].key, "workload");
}

TEST(Scenario, HgxDimensionsAndTheShortListWarning) {
  const auto path = scratch("s.yaml",
                            "network: {topology: hgx_h100, hgx_h100: {boxes: 2}}\n"
                            "system: {all_reduce_implementation: [ring]}\nworkload: {chakra: " +
                                ar16() + "}\n");
  const LoadResult r = load_scenario(path);
  EXPECT_EQ(r.config.network.dimension_sizes(), (std::vector<int>{8, 2}));
  EXPECT_EQ(r.config.network.npu_count(), 16);
  ASSERT_EQ(r.warnings.size(), 1u) << test::dump(r.warnings);
  EXPECT_EQ(r.warnings[0].line, 2);
  EXPECT_NE(r.warnings[0].message.find("DROP dimension 1 (2 NPUs)"), std::string::npos);
  EXPECT_EQ(r.warnings[0].fix, "write one entry per dimension, e.g. [\"ring\", \"ring\"]");
}

TEST(Scenario, RunRequestRouting) {
  RunRequest both;
  both.scenario = "x.yaml";
  both.astra = AstraArgs{};
  EXPECT_TRUE(mentions(input_errors([&] { load_run_config(both); }),
                       "both a scenario file and ASTRA-sim input flags"));
  EXPECT_TRUE(mentions(input_errors([&] { load_run_config(RunRequest{}); }), "nothing to load"));
  RunRequest s;
  s.scenario = repo("configs/scenarios/ring-8-inline.yaml");
  EXPECT_EQ(load_run_config(s).config.network.npu_count(), 8);
}

TEST(Scenario, DescribeStatesInputsNotResults) {
  const Config c = load_scenario(repo("configs/scenarios/hgx-h100-2box-allreduce.yaml")).config;
  const std::string d = describe(c);
  EXPECT_NE(d.find("NPUs: 16"), std::string::npos) << d;
  EXPECT_NE(d.find("hgx_h100: 2 box(es) x 8 GPUs"), std::string::npos) << d;
  EXPECT_NE(d.find("network model: packet"), std::string::npos);
  EXPECT_NE(d.find("all-reduce [ring, ring]"), std::string::npos);
  EXPECT_NE(d.find("all_reduce.<0..15>.et"), std::string::npos);
}

}  // namespace
}  // namespace tessera
