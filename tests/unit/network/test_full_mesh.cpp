// Topology "full_mesh", end to end from its one file: the registry and schema list it, a scenario
// selects and configures it (with the loader's messages), it builds one link per NPU pair and
// routes every message in one hop, and traffic on it matches the closed form on 1 and 2 ranks.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "net_test_util.hpp"
#include "tessera/config_load.hpp"
#include "tessera/config_schema.hpp"
#include "tessera/network/topology_type.hpp"

using namespace tessera;
using namespace tessera::network;
using namespace tessera::network::testing;

namespace {

constexpr std::int64_t kBw = 100'000'000'000;
constexpr SimTime kLat = 200 * kNanosecond;

TopologySpec mesh(int n) {
  return topology_from_keys("full_mesh",
                            {{"npus", std::to_string(n)}, {"bandwidth", "100GB/s"}, {"latency", "200ns"}});
}

std::vector<Diagnostic> errors_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.diagnostics();
  }
  return {};
}

std::string scenario(const std::string& name, const std::string& network) {
  const auto dir = std::filesystem::path(TESSERA_BINARY_DIR) / "test_scratch" / "FullMesh";
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  std::ofstream(path) << "network:\n"
                      << network << "workload: {text: " << TESSERA_SOURCE_DIR
                      << "/traces/text/Resnet50_DataParallel.txt}\n";
  return path.string();
}

}  // namespace

TEST(FullMesh, IsRegisteredAndDocumented) {
  ASSERT_NE(find_topology("full_mesh"), nullptr);
  const auto names = topology_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "full_mesh"), names.end());
  bool section = false;
  for (const SectionDoc& s : schema_sections()) {
    if (s.name != "network.full_mesh") continue;
    section = true;
    ASSERT_EQ(s.params.size(), 3u);
    EXPECT_EQ(s.params[0].key, "npus");
    EXPECT_EQ(s.params[0].default_value, "8");
    EXPECT_EQ(s.params[1].default_value, "50.00 GB/s");
  }
  EXPECT_TRUE(section);
  EXPECT_NE(format_schema("text").find("dimensions, fat_tree, torus, hgx_h100, full_mesh"),
            std::string::npos);
}

TEST(FullMesh, OneLinkPerPairAndOneHopRoutes) {
  const Topology t = build_topology(mesh(6));
  EXPECT_EQ(t.name(), "full_mesh");
  EXPECT_EQ(t.num_npus(), 6);
  EXPECT_EQ(t.num_nodes(), 6u);  // no switch
  EXPECT_EQ(t.num_vcs(), 1);
  EXPECT_EQ(t.dimension_sizes(), (std::vector<int>{6}));
  for (NodeId a = 0; a < 6; ++a) {
    ASSERT_EQ(t.node(a).ports.size(), 5u);
    for (NodeId b = 0; b < 6; ++b) {
      if (a == b) continue;
      const Hop h = t.route(a, b, flow_hash(a, b, 0, 0), 0, kNoDim);
      const PortInfo& p = t.node(a).ports[h.port];
      EXPECT_EQ(p.peer, b);                             // straight to the destination
      EXPECT_EQ(t.node(b).ports[p.peer_port].peer, a);  // the reverse direction of the same link
      EXPECT_EQ(t.path(a, b).hops, 1);
      EXPECT_EQ(t.path(a, b).latency, kLat);
      EXPECT_EQ(t.path(a, b).bottleneck, Bandwidth{kBw});
    }
  }
}

TEST(FullMesh, TrafficMatchesTheClosedFormOnOneAndTwoRanks) {
  // All-to-all: every message has its own link, so each arrives after one link latency plus its
  // packets' serialization, with no contention.
  bench::TrafficSpec s;
  s.topology = mesh(5);
  constexpr int kPackets = 8;
  for (int i = 0; i < 5; ++i) {
    for (int j = 0; j < 5; ++j) {
      if (i != j) s.messages.push_back({i, j, Bytes{4096} * kPackets, 0, 0});
    }
  }
  const auto one = run(s, 1);
  const auto two = run(s, 2);
  EXPECT_EQ(one.messages, 20u);
  for (const auto& d : one.deliveries) {
    EXPECT_EQ(d.arrived, kLat + kPackets * tx_time(4096, Bandwidth{kBw})) << d.src << "->" << d.dst;
  }
  EXPECT_EQ(one.fingerprint(), two.fingerprint());
}

TEST(FullMesh, BadParametersNameTheKey) {
  auto e = errors_of([] { topology_from_keys("full_mesh", {{"npus", "1"}}); });
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].key, "network.full_mesh.npus");
  e = errors_of([] { topology_from_keys("full_mesh", {{"bandwith", "1GB/s"}}); });
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].str(),
            "network.full_mesh.bandwith: unknown key \"bandwith\" in network.full_mesh (fix: did you mean "
            "\"bandwidth\"?)");
  e = errors_of([] { topology_from_keys("full_msh", {}); });
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].fix.find("did you mean \"full_mesh\"?"), std::string::npos);
}

TEST(FullMesh, AScenarioSelectsAndRecordsIt) {
  const LoadResult r =
      load_scenario(scenario("ok.yaml", "  topology: full_mesh\n  full_mesh: {npus: 4, latency: 1us}\n"));
  EXPECT_EQ(r.config.network.topology.name(), "full_mesh");
  EXPECT_EQ(r.config.network.npu_count(), 4);
  EXPECT_NE(describe(r.config).find("network: full_mesh: 4 NPUs, links 50.00 GB/s / 1.000 µs"),
            std::string::npos)
      << describe(r.config);
  const auto j = nlohmann::json::parse(config_json(r.config));
  EXPECT_EQ(j["network"]["topology"], "full_mesh");
  EXPECT_EQ(j["network"]["full_mesh"]["npus"], 4);
  EXPECT_EQ(j["network"]["full_mesh"]["latency_ps"], 1'000'000);
  EXPECT_EQ(j["network"]["full_mesh"]["bandwidth_Bps"], 50'000'000'000);

  // The loader's own messages apply to it: a typo, and a section of another topology.
  auto e = errors_of(
      [] { load_scenario(scenario("typo.yaml", "  topology: full_mesh\n  full_mesh: {npu: 4}\n")); });
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].str().find("did you mean \"npus\"?"), std::string::npos) << e[0].str();
  e = errors_of(
      [] { load_scenario(scenario("other.yaml", "  topology: full_mesh\n  torus: {dims: [2, 2]}\n")); });
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].str().find("\"torus\" is given but topology is full_mesh"), std::string::npos) << e[0].str();
  // The ASTRA models take only ASTRA dimension networks.
  RunOverrides astra;
  astra.network_model = NetworkModel::kAstraCongestionAware;
  e = errors_of([&] { load_scenario(scenario("ok.yaml", "  topology: full_mesh\n"), astra); });
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].str().find("but the topology is full_mesh"), std::string::npos) << e[0].str();
}
