// The preset files in configs/network build valid networks. The YAML is mapped here with a small
// strict reader of the keys docs/network.md lists (the configuration layer owns the real loader);
// an unknown key fails the test, so the presets cannot drift from the documented schema.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>

#include "tessera/network/network.hpp"

using namespace tessera;
using namespace tessera::network;

namespace {
void only_keys(const YAML::Node& n, const std::set<std::string>& keys, const std::string& where) {
  for (const auto& kv : n) {
    const auto k = kv.first.as<std::string>();
    EXPECT_TRUE(keys.count(k)) << where << ": unknown key " << k;
  }
}
std::string str(const YAML::Node& n) { return n.as<std::string>(); }

TopologySpec load(const std::string& path, PacketSpec& packet) {
  const YAML::Node net = YAML::LoadFile(path);
  only_keys(net, {"topology", "dimensions", "fat_tree", "torus", "hgx_h100", "packet"}, path);
  TopologySpec s;
  const std::string kind = str(net["topology"]);
  if (kind == "dimensions") {
    s.kind = TopologyKind::kDimensions;
    for (const auto& d : net["dimensions"]) {
      only_keys(d, {"kind", "npus", "bandwidth", "latency"}, path);
      const std::string k = str(d["kind"]);
      DimensionSpec ds;
      ds.kind = k == "Ring"     ? DimensionKind::kRing
                : k == "Switch" ? DimensionKind::kSwitch
                                : DimensionKind::kFullyConnected;
      EXPECT_TRUE(k == "Ring" || k == "Switch" || k == "FullyConnected") << k;
      ds.npus = d["npus"].as<int>();
      ds.bandwidth = parse_bandwidth(str(d["bandwidth"]));
      ds.latency = parse_time(str(d["latency"]));
      s.dimensions.dims.push_back(ds);
    }
  } else if (kind == "fat_tree") {
    s.kind = TopologyKind::kFatTree;
    const YAML::Node f = net["fat_tree"];
    only_keys(f, {"radix", "hosts", "oversubscription", "link_bandwidth", "link_latency", "switch_latency"},
              path);
    s.fat_tree.radix = f["radix"].as<int>();
    s.fat_tree.hosts = f["hosts"].as<int>();
    if (f["oversubscription"]) s.fat_tree.oversubscription = f["oversubscription"].as<double>();
    if (f["link_bandwidth"]) s.fat_tree.link_bandwidth = parse_bandwidth(str(f["link_bandwidth"]));
    if (f["link_latency"]) s.fat_tree.link_latency = parse_time(str(f["link_latency"]));
    if (f["switch_latency"]) s.fat_tree.switch_latency = parse_time(str(f["switch_latency"]));
  } else if (kind == "torus") {
    s.kind = TopologyKind::kTorus;
    const YAML::Node t = net["torus"];
    only_keys(t, {"dims", "bandwidth", "latency"}, path);
    s.torus.dims = t["dims"].as<std::vector<int>>();
    s.torus.bandwidth = parse_bandwidth(str(t["bandwidth"]));
    s.torus.latency = parse_time(str(t["latency"]));
  } else {
    EXPECT_EQ(kind, "hgx_h100");
    s.kind = TopologyKind::kHgxH100;
    const YAML::Node h = net["hgx_h100"];
    only_keys(
        h,
        {"boxes", "gpus_per_box", "nvlink_bandwidth", "nvlink_latency", "nvswitch_latency", "nics_per_box",
         "nic_bandwidth", "ib_link_latency", "ib_switch_latency", "ib_oversubscription", "ib_switch_radix"},
        path);
    HgxH100Spec& x = s.hgx_h100;
    x.boxes = h["boxes"].as<int>();
    if (h["gpus_per_box"]) x.gpus_per_box = h["gpus_per_box"].as<int>();
    if (h["nvlink_bandwidth"]) x.nvlink_bandwidth = parse_bandwidth(str(h["nvlink_bandwidth"]));
    if (h["nvlink_latency"]) x.nvlink_latency = parse_time(str(h["nvlink_latency"]));
    if (h["nvswitch_latency"]) x.nvswitch_latency = parse_time(str(h["nvswitch_latency"]));
    if (h["nics_per_box"]) x.nics_per_box = h["nics_per_box"].as<int>();
    if (h["nic_bandwidth"]) x.nic_bandwidth = parse_bandwidth(str(h["nic_bandwidth"]));
    if (h["ib_link_latency"]) x.ib_link_latency = parse_time(str(h["ib_link_latency"]));
    if (h["ib_switch_latency"]) x.ib_switch_latency = parse_time(str(h["ib_switch_latency"]));
    if (h["ib_oversubscription"]) x.ib_oversubscription = h["ib_oversubscription"].as<double>();
    if (h["ib_switch_radix"]) x.ib_switch_radix = h["ib_switch_radix"].as<int>();
  }
  if (net["packet"]) {
    only_keys(net["packet"], {"packet_size", "buffer_per_port", "stats_bin"}, path);
    if (net["packet"]["packet_size"]) packet.packet_size = parse_bytes(str(net["packet"]["packet_size"]));
    if (net["packet"]["buffer_per_port"])
      packet.buffer_per_port = parse_bytes(str(net["packet"]["buffer_per_port"]));
  }
  return s;
}
}  // namespace

TEST(Presets, EveryPresetBuilds) {
  const std::filesystem::path dir = std::filesystem::path(TESSERA_SOURCE_DIR) / "configs" / "network";
  std::map<std::string, int> npus;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".yaml") continue;
    PacketSpec packet;
    const TopologySpec spec = load(e.path().string(), packet);
    const Network net(spec, NetworkModel::kPacket, packet);
    npus[e.path().stem().string()] = net.num_npus();
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
  PacketSpec p;
  const TopologySpec s =
      load(std::string(TESSERA_SOURCE_DIR) + "/configs/network/astra-hgx-h100-validated.yaml", p);
  EXPECT_EQ(s.dimensions.dims.at(0).bandwidth, astra_gbps(400));
  EXPECT_EQ(s.dimensions.dims.at(0).latency, 936'250);
}
