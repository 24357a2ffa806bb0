#include <gtest/gtest.h>

#include "tessera/collective/registry.hpp"
#include "tessera/error.hpp"

namespace tessera::collective {
namespace {

TEST(Registry, ParsesEveryAstraName) {
  EXPECT_EQ(parse_algorithm("ring"), (AlgorithmSpec{AlgorithmKind::kRing, -1, false}));
  EXPECT_EQ(parse_algorithm("oneRing"), (AlgorithmSpec{AlgorithmKind::kRing, -1, true}));
  EXPECT_EQ(parse_algorithm("direct"), (AlgorithmSpec{AlgorithmKind::kDirect, -1, false}));
  EXPECT_EQ(parse_algorithm("direct4"), (AlgorithmSpec{AlgorithmKind::kDirect, 4, false}));
  EXPECT_EQ(parse_algorithm("oneDirect"), (AlgorithmSpec{AlgorithmKind::kDirect, -1, true}));
  EXPECT_EQ(parse_algorithm("oneDirect16"), (AlgorithmSpec{AlgorithmKind::kDirect, 16, true}));
  EXPECT_EQ(parse_algorithm("halvingDoubling"), (AlgorithmSpec{AlgorithmKind::kHalvingDoubling, -1, false}));
  EXPECT_EQ(parse_algorithm("oneHalvingDoubling"), (AlgorithmSpec{AlgorithmKind::kHalvingDoubling, -1, true}));
  EXPECT_EQ(parse_algorithm("doubleBinaryTree"), (AlgorithmSpec{AlgorithmKind::kDoubleBinaryTree, -1, false}));
}

TEST(Registry, NamesRoundTrip) {
  for (const char* n : {"ring", "oneRing", "direct", "direct8", "oneDirect", "oneDirect2", "halvingDoubling",
                        "oneHalvingDoubling", "doubleBinaryTree"}) {
    EXPECT_EQ(parse_algorithm(n).name(), n);
  }
}

TEST(Registry, TypoSuggestsTheClosestNameAndListsAll) {
  try {
    parse_algorithm("halvingDoubleing", "all-reduce-implementation[0]");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    const Diagnostic& d = e.diagnostics()[0];
    EXPECT_EQ(d.key, "all-reduce-implementation[0]");
    EXPECT_NE(d.message.find("halvingDoubleing"), std::string::npos);
    EXPECT_NE(d.fix.find("did you mean \"halvingDoubling\""), std::string::npos) << d.fix;
    EXPECT_NE(d.fix.find("doubleBinaryTree"), std::string::npos) << "lists the valid names";
  }
  EXPECT_THROW(parse_algorithm("Ring"), InputError);
  EXPECT_THROW(parse_algorithm("direct-1"), InputError);
  EXPECT_THROW(parse_algorithm("directx"), InputError);
  EXPECT_EQ(closest_name("rign", algorithm_names()), "ring");
  EXPECT_EQ(closest_name("completelydifferent", algorithm_names()), "");
}

TEST(Validate, ReportsEveryProblemAtOnce) {
  SystemConfig c;
  c.preferred_dataset_splits = 0;
  c.active_chunks_per_dimension = 0;
  c.set_all_implementations({parse_algorithm("halvingDoubling"), parse_algorithm("ring")});
  c.implementation[static_cast<int>(CollectiveType::kAllGather)] = {parse_algorithm("doubleBinaryTree")};
  try {
    validate(c, TopologyView{{6}});
    FAIL();
  } catch (const InputError& e) {
    std::string all;
    for (const auto& d : e.diagnostics()) all += d.str() + "\n";
    EXPECT_NE(all.find("preferred-dataset-splits"), std::string::npos) << all;
    EXPECT_NE(all.find("active-chunks-per-dimension"), std::string::npos) << all;
    EXPECT_NE(all.find("2 entries but the network has 1"), std::string::npos) << all;
    EXPECT_NE(all.find("all-gather-implementation[0]: doubleBinaryTree implements all-reduce only"), std::string::npos) << all;
    EXPECT_NE(all.find("power-of-two"), std::string::npos) << all;
  }
  SystemConfig ok;
  ok.set_all_implementations({parse_algorithm("ring"), parse_algorithm("direct")});
  EXPECT_NO_THROW(validate(ok, TopologyView{{4, 3}}));
}

}  // namespace
}  // namespace tessera::collective
