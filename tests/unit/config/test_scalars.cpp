// Typed reads of scalar values and the "did you mean" suggestions.
#include <gtest/gtest.h>

#include "tessera/did_you_mean.hpp"
#include "tessera/params/scalars.hpp"

namespace tessera::params {
namespace {

Node scalar(std::string text, Node::Scalar type = Node::Scalar::kPlain) {
  Node n;
  n.kind = Node::Kind::kScalar;
  n.scalar_type = type;
  n.text = std::move(text);
  n.file = "f.yaml";
  n.line = 3;
  n.path = "a.b";
  return n;
}

TEST(Scalars, IntegersWithRange) {
  Sink s;
  EXPECT_EQ(get_int(scalar("42"), s, 0, 100), 42);
  EXPECT_EQ(get_int(scalar("4.0", Node::Scalar::kNumber), s, 0, 100), 4);  // JSON writers emit 4.0
  EXPECT_TRUE(s.ok());
  EXPECT_FALSE(get_int(scalar("101"), s, 0, 100));
  EXPECT_FALSE(get_int(scalar("4.5"), s, 0, 100));
  EXPECT_FALSE(get_int(scalar("4", Node::Scalar::kString), s, 0, 100));  // "4" quoted in JSON is a string
  ASSERT_EQ(s.errors.size(), 3u);
  EXPECT_EQ(s.errors[0].str(), "f.yaml:3: a.b: expected an integer between 0 and 100, got 101");
  EXPECT_NE(s.errors[2].message.find("got the string \"4\""), std::string::npos);
}

TEST(Scalars, DoublesAndBools) {
  Sink s;
  EXPECT_DOUBLE_EQ(*get_double(scalar("936.25"), s, 0, HUGE_VAL), 936.25);
  EXPECT_FALSE(get_double(scalar("0"), s, 0, HUGE_VAL, true));
  EXPECT_FALSE(get_double(scalar("inf"), s, 0, HUGE_VAL));
  EXPECT_FALSE(get_double(scalar("tbd"), s, 0, HUGE_VAL));
  EXPECT_EQ(get_bool(scalar("1", Node::Scalar::kNumber), s), true);
  EXPECT_EQ(get_bool(scalar("false"), s), false);
  EXPECT_FALSE(get_bool(scalar("yes please"), s));
  EXPECT_EQ(s.errors.size(), 4u);
}

TEST(Scalars, UnitsAreMandatoryExceptForZeroTime) {
  Sink s;
  EXPECT_EQ(get_time(scalar("936.25ns"), s), 936'250);
  EXPECT_EQ(get_time(scalar("0"), s), 0);
  EXPECT_EQ(get_bandwidth(scalar("400Gb/s"), s)->bytes_per_second, 50'000'000'000);
  EXPECT_EQ(get_bandwidth(scalar("50GiB/s"), s)->bytes_per_second, 50LL << 30);
  EXPECT_EQ(get_bytes(scalar("4KiB"), s), 4096);
  EXPECT_EQ(get_bytes(scalar("4096"), s), 4096);
  EXPECT_DOUBLE_EQ(*get_flops(scalar("989TFLOP/s"), s), 989e12);
  EXPECT_DOUBLE_EQ(*get_flops(scalar("1.5 PFLOP/s"), s), 1.5e15);
  EXPECT_DOUBLE_EQ(*get_ratio(scalar("2:1"), s), 2.0);
  EXPECT_DOUBLE_EQ(*get_ratio(scalar("1.5"), s), 1.5);
  EXPECT_TRUE(s.ok()) << s.errors.front().str();

  EXPECT_FALSE(get_time(scalar("500"), s));
  EXPECT_FALSE(get_bandwidth(scalar("50"), s));
  EXPECT_FALSE(get_flops(scalar("900"), s));
  EXPECT_FALSE(get_ratio(scalar("0.5"), s));
  ASSERT_EQ(s.errors.size(), 4u);
  EXPECT_NE(s.errors[0].message.find("expected a duration with a unit"), std::string::npos);
  EXPECT_EQ(s.errors[0].fix, "write it with its unit, e.g. b: 500ns");
}

TEST(Scalars, ChoicesSuggestTheNearestName) {
  Sink s;
  EXPECT_EQ(get_choice(scalar("LIFO"), s, {"LIFO", "FIFO"}), "LIFO");
  EXPECT_FALSE(get_choice(scalar("lifo"), s, {"LIFO", "FIFO", "EXPLICIT"}));
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_EQ(s.errors[0].message, "unknown value \"lifo\"; expected one of LIFO, FIFO, EXPLICIT");
  EXPECT_EQ(s.errors[0].fix, "did you mean \"LIFO\"?");
}

TEST(Scalars, AstraNanoseconds) {
  Sink s;
  EXPECT_EQ(get_astra_ns(scalar("10", Node::Scalar::kNumber), s), 10'000);
  EXPECT_EQ(get_astra_ns(scalar("0", Node::Scalar::kNumber), s), 0);
  EXPECT_FALSE(get_astra_ns(scalar("0", Node::Scalar::kNumber), s, false));
  EXPECT_FALSE(get_astra_ns(scalar("1e12", Node::Scalar::kNumber), s));
  EXPECT_EQ(s.errors.size(), 2u);
}

TEST(DidYouMean, TyposButNotUnrelatedWords) {
  const std::vector<std::string> keys{"topology", "npus_count", "bandwidth", "latency"};
  EXPECT_EQ(did_you_mean("topolgy", keys), "topology");
  EXPECT_EQ(did_you_mean("npus-count", keys), "npus_count");  // '-' vs '_' costs nothing
  EXPECT_EQ(did_you_mean("Bandwidth", keys), "bandwidth");
  EXPECT_EQ(did_you_mean("boost-mode", keys), "");
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
}

}  // namespace
}  // namespace tessera::params
