// The one collective-type vocabulary: Chakra's numbers, names both ways.
#include <gtest/gtest.h>

#include "tessera/collective_type.hpp"

namespace tessera {
namespace {

TEST(CollectiveType, ValuesAreChakraCommTypeNumbers) {
  // et_def.proto CollectiveCommType: a trace's comm_type integer is the enum value as read.
  EXPECT_EQ(static_cast<int>(CollectiveType::kAllReduce), 0);
  EXPECT_EQ(static_cast<int>(CollectiveType::kReduce), 1);
  EXPECT_EQ(static_cast<int>(CollectiveType::kAllGather), 2);
  EXPECT_EQ(static_cast<int>(CollectiveType::kBroadcast), 5);
  EXPECT_EQ(static_cast<int>(CollectiveType::kAllToAll), 6);
  EXPECT_EQ(static_cast<int>(CollectiveType::kReduceScatter), 7);
  EXPECT_EQ(static_cast<int>(CollectiveType::kBarrier), 9);
}

TEST(CollectiveType, NamesRoundTrip) {
  for (int v = 0; v < kNumCollectiveTypes; ++v) {
    const auto t = static_cast<CollectiveType>(v);
    std::string lower = collective_name(t);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ASSERT_EQ(collective_from_name(lower), t) << lower;
  }
  EXPECT_EQ(collective_name(CollectiveType::kReduceScatter), "REDUCE_SCATTER");
  EXPECT_EQ(to_string(CollectiveType::kReduceScatter), "reduce-scatter");
  EXPECT_EQ(to_string(CollectiveType::kAllToAll), "all-to-all");
}

TEST(CollectiveType, UnknownValuesAreNamedNotInvented) {
  EXPECT_EQ(collective_name(static_cast<CollectiveType>(12)), "COMM_TYPE_12");
  EXPECT_EQ(collective_name(static_cast<CollectiveType>(-1)), "COMM_TYPE_-1");
  EXPECT_EQ(to_string(static_cast<CollectiveType>(12)), "?");
  EXPECT_FALSE(collective_from_name("all-reduce").has_value());  // the file-name spelling is all_reduce
}

}  // namespace
}  // namespace tessera
