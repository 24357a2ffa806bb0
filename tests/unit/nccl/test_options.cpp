// NCCL_ALGO / NCCL_PROTO lists and the numeric overrides, bad values included.
#include <gtest/gtest.h>

#include "tessera/collective/nccl/options.hpp"
#include "tessera/error.hpp"

namespace tessera::collective::nccl {
namespace {

constexpr int AR = int(Func::kAllReduce), BC = int(Func::kBroadcast), AG = int(Func::kAllGather);

std::string error_of(std::string_view name, std::string_view value) {
  NcclOptions o;
  try {
    set_option(o, name, value, "scenario.yaml: nccl");
  } catch (const InputError& e) {
    const Diagnostic& d = e.diagnostics().at(0);
    return d.key + " | " + d.message + " | " + d.fix;
  }
  return "";
}

TEST(NcclOptions, DefaultsEnableEverythingAndLl128ByRule) {
  const NcclOptions o;
  EXPECT_EQ(o.algo_enable[AR][int(Algo::kNvls)], 1);
  EXPECT_EQ(o.proto_enable[AR][int(Proto::kLl128)], 2);
  EXPECT_EQ(o.nvls_enable, 2);
  EXPECT_EQ(o.min_ctas, 1);
  EXPECT_EQ(o.max_ctas, 64);
}

TEST(NcclOptions, PerFunctionPrefixes) {
  NcclOptions o;
  set_option(o, "NCCL_ALGO", "ring,collnetdirect;allreduce:tree,collnetdirect;broadcast:ring");
  EXPECT_EQ(o.algo_enable[AG][int(Algo::kRing)], 1);
  EXPECT_EQ(o.algo_enable[AG][int(Algo::kTree)], 0);
  EXPECT_EQ(o.algo_enable[AR][int(Algo::kTree)], 1);
  EXPECT_EQ(o.algo_enable[AR][int(Algo::kRing)], 0);
  EXPECT_EQ(o.algo_enable[AR][int(Algo::kCollNetDirect)], 1);
  EXPECT_EQ(o.algo_enable[BC][int(Algo::kRing)], 1);
  EXPECT_EQ(o.algo_enable[BC][int(Algo::kCollNetDirect)], 0);
}

TEST(NcclOptions, CaretExcludes) {
  NcclOptions o;
  set_option(o, "NCCL_PROTO", "^LL128;allreduce:LL128");
  EXPECT_EQ(o.proto_enable[BC][int(Proto::kLl128)], 0);
  EXPECT_EQ(o.proto_enable[BC][int(Proto::kLl)], 1);
  EXPECT_EQ(o.proto_enable[AR][int(Proto::kLl128)], 1);
  EXPECT_EQ(o.proto_enable[AR][int(Proto::kSimple)], 0);
  set_option(o, "NCCL_PROTO", "LL,Simple;allreduce:^LL");
  EXPECT_EQ(o.proto_enable[AR][int(Proto::kLl)], 0);
  EXPECT_EQ(o.proto_enable[AR][int(Proto::kLl128)], 1);
  EXPECT_EQ(o.proto_enable[AG][int(Proto::kLl128)], 0);
  // Names are case-insensitive, as with strcasecmp.
  set_option(o, "NCCL_ALGO", "NvLsTree,RING");
  EXPECT_EQ(o.algo_enable[AR][int(Algo::kNvlsTree)], 1);
  EXPECT_EQ(o.algo_enable[AR][int(Algo::kTree)], 0);
}

TEST(NcclOptions, BadListsSayWhatIsWrong) {
  std::string e = error_of("NCCL_ALGO", "allreduce:tree;ring");
  EXPECT_NE(e.find("scenario.yaml: nccl: NCCL_ALGO"), std::string::npos) << e;
  EXPECT_NE(e.find("except the first must have a prefix"), std::string::npos) << e;
  e = error_of("NCCL_ALGO", "rnig");
  EXPECT_NE(e.find("unrecognized element \"rnig\""), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean \"Ring\""), std::string::npos) << e;
  e = error_of("NCCL_PROTO", "allredcue:LL");
  EXPECT_NE(e.find("unrecognized prefix \"allredcue\""), std::string::npos) << e;
  EXPECT_NE(e.find("AllReduce"), std::string::npos) << e;
  EXPECT_NE(error_of("NCCL_PROTO", "").find("empty"), std::string::npos);
  EXPECT_NE(error_of("NCCL_PROTO", "allreduce:").find("no element"), std::string::npos);
  EXPECT_NE(error_of("NCCL_ALGO", "a:b:c").find("more than one"), std::string::npos);
  // NCCL does not trim: a space is part of the name.
  EXPECT_NE(error_of("NCCL_ALGO", "tree, ring").find("\" ring\""), std::string::npos);
}

TEST(NcclOptions, NumbersAreCheckedAgainstTheirRange) {
  NcclOptions o;
  set_option(o, "NCCL_NVLS_ENABLE", "0");
  EXPECT_EQ(o.nvls_enable, 0);
  set_option(o, "NCCL_MIN_NCHANNELS", "8");
  set_option(o, "NCCL_MAX_NCHANNELS", "16");
  set_option(o, "NCCL_MIN_CTAS", "24");
  set_option(o, "NCCL_MAX_CTAS", "32");
  EXPECT_EQ(o.min_nchannels, 8);
  EXPECT_EQ(o.max_nchannels, 16);
  EXPECT_EQ(o.min_ctas, 24);
  EXPECT_EQ(o.max_ctas, 32);
  std::string e = error_of("NCCL_NVLS_ENABLE", "3");
  EXPECT_NE(e.find("invalid value \"3\""), std::string::npos) << e;
  EXPECT_NE(e.find("from 0 to 2"), std::string::npos) << e;
  EXPECT_NE(error_of("NCCL_MAX_NCHANNELS", "0").find("from 1 to 64"), std::string::npos);
  EXPECT_NE(error_of("NCCL_MIN_CTAS", "65").find("from 1 to 64"), std::string::npos);
  EXPECT_NE(error_of("NCCL_MAX_CTAS", "eight").find("invalid value"), std::string::npos);
  EXPECT_NE(error_of("NCCL_MIN_NCHANNELS", "-1").find("invalid value"), std::string::npos);
  EXPECT_NE(error_of("NCCL_BUFFSIZE", "4MiB").find("invalid value"), std::string::npos);
}

TEST(NcclOptions, UnknownVariableSuggestsTheClosest) {
  const std::string e = error_of("NCCL_ALGOS", "ring");
  EXPECT_NE(e.find("unknown NCCL variable"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean \"NCCL_ALGO\""), std::string::npos) << e;
}

TEST(NcclOptions, EnvironmentTakesKnownVariablesAndReportsAllErrors) {
  const NcclOptions o = options_from_environment(
      {{"NCCL_ALGO", "ring"}, {"NCCL_DEBUG", "INFO"}, {"NCCL_MIN_NRINGS", "2"}, {"NCCL_MIN_NCHANNELS", "4"}});
  EXPECT_EQ(o.algo_enable[AR][int(Algo::kTree)], 0);
  EXPECT_EQ(o.min_nchannels, 4);  // NCHANNELS overrides the legacy NRINGS
  try {
    options_from_environment({{"NCCL_ALGO", "bogus"}, {"NCCL_NVLS_ENABLE", "9"}});
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.diagnostics().size(), 2u);
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
  }
}

TEST(NcclOptions, ParseListOnItsOwn) {
  std::vector<std::vector<int>> list(2, std::vector<int>(3, 1));
  EXPECT_EQ(parse_list("b:^y", {"a", "b"}, {"x", "y", "z"}, list), "");
  EXPECT_EQ(list[0], (std::vector<int>{1, 1, 1}));
  EXPECT_EQ(list[1], (std::vector<int>{1, 0, 1}));
}

}  // namespace
}  // namespace tessera::collective::nccl
