#include <gtest/gtest.h>

#include "tessera/collective/algorithm.hpp"
#include "tessera/collective/registry.hpp"
#include "tessera/error.hpp"

namespace tessera::collective {
namespace {

TEST(Registry, ParsesEveryAstraName) {
  struct Case {
    const char* text;
    const char* algorithm;
    int window;
    bool flat;
  };
  for (const Case& c : {Case{"ring", "ring", -1, false}, Case{"oneRing", "ring", -1, true},
                        Case{"direct", "direct", -1, false}, Case{"direct4", "direct", 4, false},
                        Case{"oneDirect", "direct", -1, true}, Case{"oneDirect16", "direct", 16, true},
                        Case{"halvingDoubling", "halvingDoubling", -1, false},
                        Case{"oneHalvingDoubling", "halvingDoubling", -1, true},
                        Case{"doubleBinaryTree", "doubleBinaryTree", -1, false}}) {
    const AlgorithmSpec a = parse_algorithm(c.text);
    EXPECT_EQ(a.kind->name, c.algorithm) << c.text;
    EXPECT_EQ(a.window, c.window) << c.text;
    EXPECT_EQ(a.flat, c.flat) << c.text;
  }
  EXPECT_EQ(AlgorithmSpec{}, parse_algorithm("ring")) << "the default is ring";
}

TEST(Registry, OneListNamesEveryAlgorithm) {
  // The messages, the loader and the schema take their names from the registrations, in order.
  std::vector<std::string> names;
  for (const AlgorithmRegistration* r : algorithm_registrations()) names.push_back(r->name);
  EXPECT_EQ(names, (std::vector<std::string>{"ring", "direct", "halvingDoubling", "doubleBinaryTree", "allBroadcast"}));
  EXPECT_EQ(algorithm_names(), (std::vector<std::string>{"ring", "oneRing", "direct", "directN", "oneDirect",
                                                         "oneDirectN", "halvingDoubling", "oneHalvingDoubling",
                                                         "doubleBinaryTree", "allBroadcast"}));
  EXPECT_THROW(parse_algorithm("direct0"), InputError) << "a window is 1..999999";
  EXPECT_THROW(parse_algorithm("direct1000000"), InputError);
  EXPECT_THROW(parse_algorithm("ring4"), InputError) << "ring takes no window";
  EXPECT_THROW(parse_algorithm("oneDoubleBinaryTree"), InputError) << "no flat variant";
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

namespace tessera::collective {
namespace {

TEST(Vocabulary, ExecutorRunsSevenChakraTypesAndFourAreConfiguredPerDimension) {
  int runs = 0, per_dim = 0;
  for (int v = 0; v < kNumCollectiveTypes; ++v) {
    const auto t = static_cast<CollectiveType>(v);
    runs += executes(t) ? 1 : 0;
    per_dim += is_implemented_per_dimension(t) ? 1 : 0;
    if (is_implemented_per_dimension(t)) EXPECT_TRUE(executes(t)) << to_string(t);
  }
  EXPECT_EQ(runs, 7);
  EXPECT_EQ(per_dim, 4);
  EXPECT_FALSE(executes(CollectiveType::kGather));
  EXPECT_FALSE(executes(CollectiveType::kScatter));
  EXPECT_FALSE(executes(CollectiveType::kReduceScatterBlock));
  EXPECT_FALSE(executes(static_cast<CollectiveType>(42)));
  EXPECT_FALSE(is_implemented_per_dimension(CollectiveType::kBroadcast));
}

}  // namespace
}  // namespace tessera::collective
