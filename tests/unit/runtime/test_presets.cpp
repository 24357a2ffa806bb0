// The preset files in configs/network load through the real configuration loader and map (through
// the runtime's from_config) onto networks that build. Replaces the network layer's former private
// YAML reader, so the presets are checked against the one schema users get.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "tessera/config_load.hpp"
#include "tessera/network/network.hpp"
#include "tessera/network/topologies/dimensions.hpp"
#include "tessera/runtime/build.hpp"

using namespace tessera;

namespace {

namespace fs = std::filesystem;

/// Loads `preset` as the network of a scenario (the text workload fits any NPU count).
NetworkConfig load_preset(const fs::path& preset) {
  const fs::path scenario = fs::temp_directory_path() / ("tessera_preset_" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(scenario) << "network: {file: " << fs::absolute(preset).string() << "}\n"
                          << "workload: {text: " << TESSERA_SOURCE_DIR << "/traces/text/Resnet50_DataParallel.txt}\n";
  const LoadResult r = load_scenario(scenario.string());
  fs::remove(scenario);
  return r.config.network;
}

}  // namespace

TEST(Presets, EveryPresetBuilds) {
  const fs::path dir = fs::path(TESSERA_SOURCE_DIR) / "configs" / "network";
  std::map<std::string, int> npus;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".yaml") continue;
    SCOPED_TRACE(e.path().string());
    const NetworkConfig c = load_preset(e.path());
    const network::Network net(runtime::from_config(c), network::NetworkModel::kPacket, runtime::packet_from_config(c));
    npus[e.path().stem().string()] = net.num_npus();
    EXPECT_EQ(net.num_npus(), c.npu_count());
    EXPECT_EQ(c.packet.buffer_per_port, 0) << "presets leave buffer_per_port to the automatic default";
  }
  EXPECT_EQ(npus.at("hgx-h100-1box"), 8);
  EXPECT_EQ(npus.at("hgx-h100-16boxes"), 128);
  EXPECT_EQ(npus.at("hgx-h100-128boxes"), 1024);
  EXPECT_EQ(npus.at("fat-tree-k16-1024"), 1024);
  EXPECT_EQ(npus.at("fat-tree-k32-3to1"), 512);
  EXPECT_EQ(npus.at("torus-8x8"), 64);
  EXPECT_EQ(npus.at("torus-4x4x4"), 64);
  EXPECT_EQ(npus.at("hgx-h100-2box"), 16);
  EXPECT_EQ(npus.at("ring-8-astra"), 8);
  EXPECT_EQ(npus.at("astra-hgx-h100-validated"), 8);
  EXPECT_EQ(npus.at("astra-ring-fc-switch"), 64);
}

TEST(Presets, AstraBandwidthsAreGibibytes) {
  const NetworkConfig c = load_preset(fs::path(TESSERA_SOURCE_DIR) / "configs/network/astra-hgx-h100-validated.yaml");
  const network::TopologySpec s = runtime::from_config(c);
  EXPECT_EQ(s.params<network::DimensionsSpec>().dims.at(0).bandwidth, astra_gbps(400));
  EXPECT_EQ(s.params<network::DimensionsSpec>().dims.at(0).latency, 936'250);
}
