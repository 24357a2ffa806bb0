// The up-front memory check of `tessera run`: where the node's available memory is read from
// (/proc/meminfo, cgroup v2 and v1 limits, on fake trees) and the refusal message.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "memory_estimate.hpp"
#include "tessera/error.hpp"

namespace tessera::app {
namespace {

namespace fs = std::filesystem;
constexpr std::int64_t kMiB = 1024 * 1024;

class FakeRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    root = fs::temp_directory_path() /
           ("tessera_mem_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root);
    fs::create_directories(root / "proc/self");
  }
  void TearDown() override { fs::remove_all(root); }
  void put(const std::string& rel, const std::string& text) {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel) << text;
  }
  fs::path root;
};

TEST_F(FakeRoot, MemAvailableAloneIsTheLimit) {
  put("proc/meminfo", "MemTotal:       16000000 kB\nMemFree:   100 kB\nMemAvailable:    8388608 kB\n");
  put("proc/self/cgroup", "0::/\n");
  put("sys/fs/cgroup/memory.max", "max\n");
  const auto m = available_memory(root.string());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->bytes, 8 * 1024 * kMiB);
  EXPECT_EQ(m->source, "MemAvailable in /proc/meminfo");
}

TEST_F(FakeRoot, ACgroupV2LimitBelowMemAvailableWinsLessItsUse) {
  put("proc/meminfo", "MemAvailable:    8388608 kB\n");
  put("proc/self/cgroup", "0::/slurm/job_42\n");
  put("sys/fs/cgroup/slurm/job_42/memory.max", std::to_string(2048 * kMiB) + "\n");
  put("sys/fs/cgroup/slurm/job_42/memory.current", std::to_string(512 * kMiB) + "\n");
  const auto m = available_memory(root.string());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->bytes, 1536 * kMiB);
  EXPECT_NE(m->source.find("cgroup limit 2.00 GiB"), std::string::npos) << m->source;
  EXPECT_NE(m->source.find("slurm/job_42/memory.max"), std::string::npos) << m->source;
}

TEST_F(FakeRoot, ACgroupV1LimitIsReadAndItsNoLimitValueIgnored) {
  put("proc/meminfo", "MemAvailable:    8388608 kB\n");
  put("proc/self/cgroup", "5:cpu,cpuacct:/x\n4:memory:/job\n");
  put("sys/fs/cgroup/memory/job/memory.limit_in_bytes", std::to_string(1024 * kMiB) + "\n");
  put("sys/fs/cgroup/memory/job/memory.usage_in_bytes", std::to_string(24 * kMiB) + "\n");
  auto m = available_memory(root.string());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->bytes, 1000 * kMiB);
  put("sys/fs/cgroup/memory/job/memory.limit_in_bytes", "9223372036854771712\n");
  m = available_memory(root.string());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->source, "MemAvailable in /proc/meminfo");
}

TEST_F(FakeRoot, NothingReadableGivesNoLimit) { EXPECT_FALSE(available_memory(root.string())); }

TEST(MemoryCheck, RefusalNamesTheEstimateTheLimitAndTheFix) {
  const MemoryAvailable limit{100 * kMiB, "--memory-limit"};
  EXPECT_NO_THROW(check_memory(40.0 * kMiB, 2, limit));
  try {
    check_memory(40.0 * kMiB, 3, limit);
    FAIL() << "expected a refusal";
  } catch (const InputError& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    const std::string what = e.what();
    EXPECT_NE(what.find("needs an estimated 40.0 MiB per rank x 3 ranks on this node = 120.0 MiB"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("only 100.0 MiB is available (--memory-limit)"), std::string::npos) << what;
    EXPECT_NE(what.find("tessera plan"), std::string::npos) << what;
    EXPECT_NE(what.find("--memory-limit none"), std::string::npos) << what;
  }
}

TEST(MemoryCheck, ThisMachineReportsSomeAvailableMemory) {
  const auto m = available_memory();
  ASSERT_TRUE(m) << "no /proc/meminfo on a Linux test machine?";
  EXPECT_GT(m->bytes, 0);
}

}  // namespace
}  // namespace tessera::app
