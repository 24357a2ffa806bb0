// algorithm_label() and chunk_count(): the algorithm names and chunk counts output files give
// collectives.
#include <gtest/gtest.h>

#include "tessera/collective/executor.hpp"
#include "tessera/collective/registry.hpp"

namespace tessera::collective {
namespace {

SystemConfig two_dims(const char* d0, const char* d1) {
  SystemConfig c;
  c.set_all_implementations({parse_algorithm(d0), parse_algorithm(d1)});
  return c;
}

TEST(AlgorithmLabel, OneNamePerTakingPartDimensionInOrder) {
  const SystemConfig c = two_dims("ring", "direct");
  const TopologyView topo{{8, 4}};
  CollectiveRequest r;
  r.type = CollectiveType::kAllReduce;
  EXPECT_EQ(algorithm_label(c, topo, r), "ring/direct");
  r.involved_dims = {false, true};
  EXPECT_EQ(algorithm_label(c, topo, r), "direct");
  r.involved_dims = {false, false};
  EXPECT_EQ(algorithm_label(c, topo, r), "none");
  // A dimension of size 1 takes no part.
  r.involved_dims = {};
  EXPECT_EQ(algorithm_label(c, TopologyView{{8, 1}}, r), "ring");
  // "one*" algorithms run one flat ring over all NPUs, whatever the dimension's size.
  EXPECT_EQ(algorithm_label(two_dims("oneHalvingDoubling", "ring"), TopologyView{{1, 4}}, r),
            "oneHalvingDoubling/ring");
}

TEST(AlgorithmLabel, GroupsTreesBarriersAndCustom) {
  const SystemConfig c = two_dims("halvingDoubling", "ring");
  const TopologyView topo{{4, 2}};
  CollectiveRequest r;
  r.type = CollectiveType::kAllGather;
  const CommGroup g{1, std::make_shared<const std::vector<NpuId>>(std::vector<NpuId>{0, 1, 2, 3})};
  r.group = &g;
  EXPECT_EQ(algorithm_label(c, topo, r), "halvingDoubling");
  r.type = CollectiveType::kBroadcast;
  EXPECT_EQ(algorithm_label(c, topo, r), "tree");
  r.type = CollectiveType::kBarrier;
  EXPECT_EQ(algorithm_label(c, topo, r), "dissemination");
  r.group = nullptr;
  r.custom = std::make_shared<const CustomCollective>();
  EXPECT_EQ(algorithm_label(c, topo, r), "custom");
}

TEST(ChunkCount, SplitsExceptBarriersAndCustomPrograms) {
  SystemConfig c = two_dims("ring", "ring");
  c.preferred_dataset_splits = 4;
  CollectiveRequest r;
  r.type = CollectiveType::kAllReduce;
  EXPECT_EQ(chunk_count(c, r), 4);
  r.type = CollectiveType::kBroadcast;
  EXPECT_EQ(chunk_count(c, r), 4);
  r.type = CollectiveType::kBarrier;
  EXPECT_EQ(chunk_count(c, r), 1);
  r.type = CollectiveType::kAllReduce;
  r.custom = std::make_shared<const CustomCollective>();
  EXPECT_EQ(chunk_count(c, r), 1);
}

}  // namespace
}  // namespace tessera::collective
