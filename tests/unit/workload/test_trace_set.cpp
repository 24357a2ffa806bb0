// Trace sets: the file-count checks ASTRA-sim lacks, communicator groups, loading all NPUs, and
// text workloads converted in memory.
#include <filesystem>

#include "tessera/workload/trace_set.hpp"
#include "tessera/workload/trace_stats.hpp"
#include "test_util.hpp"

namespace tessera::workload {
namespace {
using namespace test;
namespace fs = std::filesystem;

/// Copies the 8-NPU all-reduce microbenchmark as <dir>/ar.<i>.et for i in `npus`.
std::string make_set(const std::string& dir, const std::vector<int>& npus) {
  for (int i : npus) {
    fs::copy_file(fixture("astra-sim/microbenchmarks/all_reduce/16npus_1MB/all_reduce." + std::to_string(i) + ".et"),
                  dir + "/ar." + std::to_string(i) + ".et");
  }
  return dir + "/ar";
}

TEST(TraceFiles, ExactCountPasses) {
  const auto prefix = make_set(scratch_dir(), {0, 1, 2, 3, 4, 5, 6, 7});
  EXPECT_NO_THROW(check_trace_files(prefix, 8));
  EXPECT_EQ(discover_npu_count(prefix), 8);
  EXPECT_EQ(trace_file_path(prefix, 3), prefix + ".3.et");
}

TEST(TraceFiles, FewerFilesThanNpus) {
  const auto prefix = make_set(scratch_dir(), {0, 1, 2, 3, 4, 5, 6, 7});
  expect_input_error([&] { check_trace_files(prefix, 16); },
                     {"the topology has 16 NPUs but the trace file(s) of NPU(s) 8..15 are missing",
                      "8 file(s) found: NPU(s) 0..7", "generate one trace per NPU"});
}

TEST(TraceFiles, MoreFilesThanNpus) {
  const auto prefix = make_set(scratch_dir(), {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
  expect_input_error([&] { check_trace_files(prefix, 8); },
                     {"found trace files for NPU(s) 8..15 but the topology has only 8 NPUs",
                      "ASTRA-sim would silently simulate just the first 8", "use a network with 16 NPUs"});
}

TEST(TraceFiles, MissingFileForOneNpu) {
  const auto prefix = make_set(scratch_dir(), {0, 1, 3});
  expect_input_error([&] { check_trace_files(prefix, 4); }, {"trace file(s) of NPU(s) 2 are missing"});
  expect_input_error([&] { discover_npu_count(prefix); }, {"those of NPU(s) 2 are missing"});
  expect_input_error([&] { load_trace_set(prefix, 4, {}); }, {"NPU(s) 2"});
}

TEST(TraceFiles, NoFilesAtAll) {
  const auto dir = scratch_dir();
  expect_input_error([&] { check_trace_files(dir + "/none", 4); }, {"no trace files found", "none.0.et"});
  expect_input_error([&] { check_trace_files("/no/such/dir/x", 4); }, {"/no/such/dir", "does not exist"});
}

TEST(TraceFiles, DirectoryInsteadOfPrefix) {
  const auto dir = scratch_dir();
  make_set(dir, {0, 1});
  expect_input_error([&] { check_trace_files(dir, 2); }, {"the trace prefix is a directory", "e.g. " + dir + "/ar"});
  expect_input_error([&] { discover_npu_count(dir + "/"); }, {"is a directory"});
}

TEST(TraceSet, LoadsEveryNpu) {
  const auto prefix = make_set(scratch_dir(), {0, 1, 2, 3});
  const auto set = load_trace_set(prefix, 4, {});
  ASSERT_EQ(set.npus.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(set.npus[i].npu(), i);
    ASSERT_EQ(set.npus[i].size(), 1u);
    EXPECT_EQ(set.npus[i].node(0).id, static_cast<std::uint64_t>(i));
    EXPECT_EQ(set.npus[i].node(0).size, 1 << 20);
  }
}

TEST(TraceSet, ReportsProblemsOfAllNpusTogether) {
  const auto dir = scratch_dir();
  const auto prefix = make_set(dir, {0, 1, 2});
  write_bytes(dir + "/ar.1.et", "junk");
  write_bytes(dir + "/ar.2.et", "");
  expect_input_error([&] { load_trace_set(prefix, 3, {}); }, {"ar.1.et", "ar.2.et: the file is empty"});
}

/// A one-node trace whose collective uses pg_name `pg`.
std::string make_pg_set(const std::string& dir, const std::string& pg) {
  for (int i = 0; i < 2; ++i) {
    Wire node;
    node.u(1, 1).bytes(2, "c").u(3, 7);
    node.msg(10, int64_attr("comm_type", 0)).msg(10, int64_attr("comm_size", 64));
    node.msg(10, Wire().bytes(1, "pg_name").bytes(29, pg));
    write_bytes(dir + "/pg." + std::to_string(i) + ".et", Wire::record(Wire().bytes(1, "1.0.0")) + Wire::record(node));
  }
  return dir + "/pg";
}

TEST(CommGroups, UnknownGroupIsAnError) {
  const auto dir = scratch_dir();
  const auto prefix = make_pg_set(dir, "5");
  expect_input_error([&] { load_trace_set(prefix, 2, {}); }, {"pg.0.et", "communicator group 5 not found", "comm-group JSON"});
  const auto groups = CommGroups::from_members({{"5", {0, 1}}, {"7", {1}}}, 2, "groups.json");
  const auto set = load_trace_set(prefix, 2, {}, groups);
  EXPECT_EQ(*set.groups.find(5), (std::vector<int>{0, 1}));
  EXPECT_EQ(set.npus[0].pg_name(0), "5");
  EXPECT_NE(set.groups.find(0), nullptr);  // group 0 is always all NPUs
  EXPECT_TRUE(set.groups.find(0)->empty());
}

TEST(CommGroups, MembersMustFitTheTraceSet) {
  expect_input_error([&] { CommGroups::from_members({{"1", {0, 9}}}, 4, "g.json"); },
                     {"g.json", "1", "member 9 is not an NPU id in 0..3"});
  expect_input_error([&] { CommGroups::from_members({{"x", {0}}}, 4, "g.json"); }, {"g.json", "group id must be"});
}

TEST(CommGroups, PgNameMustBeAnId) {
  const auto prefix = make_pg_set(scratch_dir(), "dp_group");
  expect_input_error([&] { load_trace_set(prefix, 2, {}); }, {"pg_name 'dp_group' is not a communicator group id"});
}

TEST(TextWorkload, InMemoryEqualsTheCommittedTraces) {
  const auto text = load_text_workload(repo("traces/text/Resnet50_DataParallel.txt"), 8, 1, {});
  const auto files = load_trace_set(repo("traces/resnet50/8npus/Resnet50_DataParallel"), 8, {});
  ASSERT_EQ(text.npus.size(), 8u);
  for (int npu = 0; npu < 8; ++npu) {
    const auto& a = text.npus[npu];
    const auto& b = files.npus[npu];
    ASSERT_EQ(a.size(), b.size());
    for (NodeIndex i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a.node(i).id, b.node(i).id);
      EXPECT_EQ(a.node(i).duration, b.node(i).duration);
      EXPECT_EQ(a.node(i).size, b.node(i).size);
      EXPECT_EQ(a.name(i), b.name(i));
      EXPECT_TRUE(std::equal(a.deps(i).begin(), a.deps(i).end(), b.deps(i).begin(), b.deps(i).end()));
    }
  }
  EXPECT_TRUE(is_text_workload(repo("traces/text/Resnet50_DataParallel.txt")));
  EXPECT_FALSE(is_text_workload(repo("traces/resnet50/8npus/Resnet50_DataParallel")));
  // A .txt name is text even if missing or malformed, so the parser (not the prefix lookup) reports.
  EXPECT_TRUE(is_text_workload("no_such_workload.txt"));
}

TEST(TraceStats, ResNet50Figures) {
  const auto set = load_trace_set(repo("traces/resnet50/8npus/Resnet50_DataParallel"), 8, {});
  std::vector<WorkloadStats> per;
  for (const auto& w : set.npus) per.push_back(compute_stats(w));
  for (const auto& s : per) {
    EXPECT_EQ(s.nodes, 215u);
    EXPECT_EQ(s.by_type[static_cast<int>(NodeType::kCommColl)], 54u);
    EXPECT_EQ(s.by_type[static_cast<int>(NodeType::kComp)], 161u);
    EXPECT_EQ(s.collectives.at(CollectiveType::kAllReduce).bytes, 102'011'648);
    EXPECT_EQ(s.compute_total, 1'082'450 * kMicrosecond);
    EXPECT_EQ(s.critical_path_compute, 1'082'450 * kMicrosecond);  // the DATA graph is one compute chain
  }
  const auto total = total_stats(per);
  EXPECT_EQ(total.nodes, 8u * 215u);
  EXPECT_EQ(total.collectives.at(CollectiveType::kAllReduce).bytes, 8 * 102'011'648LL);
  EXPECT_EQ(total.critical_path_compute, 1'082'450 * kMicrosecond);
}

}  // namespace
}  // namespace tessera::workload
