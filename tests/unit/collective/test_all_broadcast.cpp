// Algorithm "allBroadcast", end to end from its one file: the registry, the loader and the schema
// list it, the loader rejects it where it cannot run (naming the file, the key and a fix), and an
// all-reduce with it on an idle network takes its closed form, on 1, 2 and 4 ranks.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "engine_harness.hpp"
#include "tessera/collective/algorithm.hpp"
#include "tessera/collective/registry.hpp"
#include "tessera/config_load.hpp"
#include "tessera/config_schema.hpp"
#include "tessera/error.hpp"

namespace tessera::collective {
namespace {

using testing::ns;
using testing::run_collectives;
using testing::UnawareNetwork;

constexpr Bytes kMiB = 1 << 20;

std::string scratch(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::path(TESSERA_BINARY_DIR) / "test_scratch" / "AllBroadcast";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / name) << text;
  return (dir / name).string();
}

std::string errors_of(const std::string& system_json) {
  AstraArgs a;
  const std::string astra = std::string(TESSERA_SOURCE_DIR) + "/configs/astra-sim/";
  a.workload = astra + "examples/workload/microbenchmarks/all_reduce/8npus_1MB/all_reduce";
  a.remote_memory = astra + "examples/remote_memory/analytical/no_memory_expansion.json";
  a.system = scratch("sys.json", system_json);
  a.network = scratch("net.yml",
                      "topology: [FullyConnected, Switch]\nnpus_count: [4, 2]\nbandwidth: [50, 50]\nlatency: [500, 500]\n");
  try {
    load_astra(a);
  } catch (const InputError& e) {
    std::string all;
    for (const Diagnostic& d : e.diagnostics()) all += d.str() + "\n";
    return all;
  }
  return "";
}

TEST(AllBroadcast, IsRegisteredParsedAndInTheSchema) {
  const AlgorithmSpec a = parse_algorithm("allBroadcast");
  EXPECT_EQ(a.kind->name, "allBroadcast");
  EXPECT_EQ(a.name(), "allBroadcast");
  EXPECT_TRUE(a.kind->supports(CollectiveType::kAllReduce));
  EXPECT_FALSE(a.kind->supports(CollectiveType::kAllGather));
  const auto& names = algorithm_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "allBroadcast"), names.end());
  bool listed = false;
  bool in_units = false;
  for (const SectionDoc& s : schema_sections()) {
    for (const ParamDoc& p : s.params) {
      if (s.name == "collective-algorithms" && p.key == "allBroadcast") {
        listed = true;
        EXPECT_EQ(p.unit, "all-reduce");
        EXPECT_NE(p.doc.find("one-shot"), std::string::npos) << p.doc;
      }
      if (s.name == "astra-system-json" && p.key == "all-reduce-implementation") {
        in_units = p.unit.find("allBroadcast") != std::string::npos;
      }
    }
  }
  EXPECT_TRUE(listed) << "tessera schema lists it in collective-algorithms";
  EXPECT_TRUE(in_units) << "and among the values of all-reduce-implementation";
}

TEST(AllBroadcast, TheLoaderRejectsItWhereItCannotRun) {
  const std::string base = R"({"preferred-dataset-splits": 4, "reduce-scatter-implementation": ["ring", "ring"],
    "all-to-all-implementation": ["ring", "ring"], )";
  // All-reduce only: not for all-gather; under localBWAware only on the last dimension.
  std::string e = errors_of(base + R"("all-reduce-implementation": ["allBroadcast", "ring"],
    "all-gather-implementation": ["allBroadcast", "ring"]})");
  EXPECT_NE(e.find("sys.json:3: all-gather-implementation[0]: allBroadcast implements all-reduce only, not all-gather"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("all-reduce-implementation[0]: with localBWAware only the last all-reduce dimension runs "
                   "all-reduce; this one runs reduce-scatter and all-gather, which allBroadcast does not implement"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("put allBroadcast last"), std::string::npos) << e;
  // A typo gets the registry's suggestion.
  e = errors_of(base + R"("all-reduce-implementation": ["ring", "allBroadcst"], "all-gather-implementation": ["ring", "ring"]})");
  EXPECT_NE(e.find("unknown collective algorithm \"allBroadcst\""), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean \"allBroadcast\"?"), std::string::npos) << e;
  // Last, it is fine; baseline runs all-reduce on every dimension, so there it may be first.
  EXPECT_EQ(errors_of(base + R"("all-reduce-implementation": ["ring", "allBroadcast"],
    "all-gather-implementation": ["ring", "ring"]})"),
            "");
  EXPECT_EQ(errors_of(base + R"("collective-optimization": "baseline", "all-reduce-implementation": ["allBroadcast", "ring"],
    "all-gather-implementation": ["ring", "ring"]})"),
            "");

  SystemConfig c;
  c.set_all_implementations({parse_algorithm("ring")});
  c.implementation[static_cast<int>(CollectiveType::kAllGather)] = {parse_algorithm("allBroadcast")};
  EXPECT_THROW(validate(c, TopologyView{{8}}), InputError);
}

TEST(AllBroadcast, AllReduceTakesItsClosedFormOnEveryRankCount) {
  // Per chunk C on n fully connected NPUs: the endpoint delay e, all n-1 sends of C at once (each
  // t(C) = floor(latency + C / bandwidth)), then per receive e plus the reduction r(C) = 3 floor(C / L),
  // all n-1 together: 2e + t(C) + r(C). One active chunk: the chunks run one after another.
  const int n = 8;
  const UnawareNetwork net{{"FullyConnected"}, {n}, {50}, {500}};
  SystemConfig cfg;
  cfg.set_all_implementations({parse_algorithm("ring")});
  cfg.implementation[static_cast<int>(CollectiveType::kAllReduce)] = {parse_algorithm("allBroadcast")};
  cfg.preferred_dataset_splits = 4;
  cfg.local_mem_bw_gbps = 1600;
  validate(cfg, net.view());
  const Bytes C = kMiB / 4;
  const SimTime t = static_cast<SimTime>(500 + static_cast<double>(C) / (50.0 * (1 << 30) / 1e9));
  const SimTime r = 3 * (C / 1600);
  const SimTime expected = 4 * (2 * 10 + t + r);
  EXPECT_EQ(expected, 4 * (20 + 5382 + 489));
  CollectiveRequest req;
  req.type = CollectiveType::kAllReduce;
  req.bytes = kMiB;
  for (int ranks : {1, 2, 4}) {
    const auto out = run_collectives(net, cfg, {req}, ranks);
    EXPECT_EQ(ns(out.max_finish), expected) << ranks << " rank(s)";
    EXPECT_EQ(ns(out.min_finish), expected) << "every NPU finishes together";
    EXPECT_EQ(out.messages, static_cast<std::uint64_t>(4 * n * (n - 1))) << "n-1 whole chunks per NPU per chunk";
  }
}

}  // namespace
}  // namespace tessera::collective
