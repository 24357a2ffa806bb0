// The run summaries' collective rows (summary.hpp): each row names the algorithm and chunk count
// its NPUs recorded, in the text table and the JSON, and shows NPUs that disagree joined.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

#include "tessera/output/summary.hpp"

namespace tessera::output {
namespace {

/// The records and facts of a run, as the sinks get them.
struct Sample {
  RunRecords records;
  RunReport run;
};
std::vector<CollectiveRow> rows_of(const Sample& s) { return collective_rows(s.records); }
std::string json_of(const Sample& s) { return summary_json(s.records, s.run); }
std::string text_of(const Sample& s) { return format_summary(s.records, s.run); }

// One 1 MiB all-reduce over `npus` NPUs per entry of `labels`, NPU n recording labels[n % size].
Sample report_with(const std::vector<std::string>& labels, int npus, std::int32_t chunks = 4) {
  Sample r;
  r.run.source = "test";
  r.run.network_model = "packet";
  r.run.topology = "ring [" + std::to_string(npus) + "]";
  for (const std::string& l : labels) r.records.intern(l);
  for (int n = 0; n < npus; ++n) {
    NpuSummary s;
    s.npu = n;
    s.finish = 10 * kMicrosecond;
    r.records.npus.push_back(s);
    CollectiveRecord c;
    c.npu = n;
    c.collective = 0;
    c.group_size = npus;
    c.bytes = 1 << 20;
    c.start = 1 * kMicrosecond;
    c.end = 9 * kMicrosecond + n * kNanosecond;
    c.algorithm = static_cast<std::uint32_t>(1 + n % labels.size());
    c.chunks = chunks;
    r.records.collectives.push_back(c);
  }
  r.run.end_time = 10 * kMicrosecond;
  return r;
}

TEST(SummaryRows, CarryAlgorithmAndChunks) {
  const std::vector<CollectiveRow> rows = rows_of(report_with({"halvingDoubling"}, 8));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].algorithm, "halvingDoubling");
  EXPECT_EQ(rows[0].chunks, std::vector<std::int32_t>{4});
  EXPECT_EQ(rows[0].npus, 8);
}

TEST(SummaryRows, NumberEachNpusCollectivesInStartOrder) {
  // Two overlapping collectives: the 2 MiB one starts first but ends last. Records come in
  // completion order, which here differs between the NPUs; rows must still pair them up.
  Sample r = report_with({"ring"}, 2);
  r.records.collectives.clear();
  const auto record = [&](int npu, Bytes bytes, SimTime start, SimTime end) {
    CollectiveRecord c;
    c.npu = npu;
    c.group_size = 2;
    c.bytes = bytes;
    c.start = start;
    c.end = end;
    c.algorithm = 1;
    r.records.collectives.push_back(c);
  };
  record(0, 1 << 20, 2 * kMicrosecond, 5 * kMicrosecond);  // NPU 0: the small one ends first
  record(0, 2 << 20, 1 * kMicrosecond, 9 * kMicrosecond);
  record(1, 2 << 20, 1 * kMicrosecond, 4 * kMicrosecond);  // NPU 1: the big one ends first
  record(1, 1 << 20, 2 * kMicrosecond, 8 * kMicrosecond);
  const std::vector<CollectiveRow> rows = rows_of(r);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].index, 0);
  EXPECT_EQ(rows[0].bytes, 2 << 20);
  EXPECT_EQ(rows[0].npus, 2);
  EXPECT_EQ(rows[0].end, 9 * kMicrosecond);
  EXPECT_EQ(rows[1].bytes, 1 << 20);
  EXPECT_EQ(rows[1].npus, 2);
  EXPECT_EQ(rows[1].end, 8 * kMicrosecond);
}

TEST(SummaryRows, DisagreeingNpusAreJoinedNotPicked) {
  // Sorted by text whatever order the NPUs report in, so the label is the same for any rank count.
  Sample r = report_with({"ring", "direct"}, 4);
  EXPECT_EQ(rows_of(r)[0].algorithm, "direct|ring");
  r.records.collectives[1].chunks = 8;
  r.records.collectives[2].chunks = 2;
  EXPECT_EQ(rows_of(r)[0].chunks, (std::vector<std::int32_t>{2, 4, 8}));
  const auto j = nlohmann::json::parse(json_of(r));
  EXPECT_EQ(j["collectives"][0]["algorithm"], "direct|ring");
  EXPECT_EQ(j["collectives"][0]["chunks"], "2|4|8");
  EXPECT_NE(text_of(r).find("direct|ring  2|4|8"), std::string::npos) << text_of(r);
}

TEST(SummaryRows, NoLabelRecorded) {
  Sample r = report_with({"ring"}, 2, 0);
  for (CollectiveRecord& c : r.records.collectives) c.algorithm = 0;
  const CollectiveRow row = rows_of(r)[0];
  EXPECT_EQ(row.algorithm, "");
  EXPECT_TRUE(row.chunks.empty());
  const auto j = nlohmann::json::parse(json_of(r));
  EXPECT_EQ(j["collectives"][0]["algorithm"], "");
  EXPECT_EQ(j["collectives"][0]["chunks"], 0);
}

TEST(SummaryJson, NamesTheAlgorithmAndChunks) {
  const auto j = nlohmann::json::parse(json_of(report_with({"custom"}, 8, 1)));
  ASSERT_EQ(j["collectives"].size(), 1u);
  EXPECT_EQ(j["collectives"][0]["algorithm"], "custom");
  EXPECT_EQ(j["collectives"][0]["chunks"], 1);
  EXPECT_EQ(j["collectives"][0]["npus"], 8);
}

TEST(SummaryText, TableHasAlgorithmAndChunkColumns) {
  const std::string text = text_of(report_with({"ring/direct"}, 8));
  const auto header = text.find("# type           algorithm   chunks");
  ASSERT_NE(header, std::string::npos) << text;
  // The row under it: index, type, the label padded to the column, the chunk count.
  EXPECT_NE(text.find("0 all-reduce     ring/direct      4    1.00 MiB      8", header), std::string::npos)
      << text;
}

TEST(SummaryText, AlgorithmColumnWidensForLongLabels) {
  const std::string label = "ring/halvingDoubling/direct";
  const std::string text = text_of(report_with({label}, 8));
  const auto header = text.find("algorithm");
  const auto row = text.find(label);
  ASSERT_NE(header, std::string::npos);
  ASSERT_NE(row, std::string::npos);
  // Both columns start at the same offset on their lines, and the chunk column follows the label.
  EXPECT_EQ(header - text.rfind('\n', header), row - text.rfind('\n', row));
  EXPECT_NE(text.find(label + "      4"), std::string::npos) << text;
}

// `n` collectives on 2 NPUs, one after the other: collective k takes durations[k % size] and is an
// all-reduce when k is even, an all-gather when odd; 1 KiB each.
Sample report_of_collectives(int n, const std::vector<SimTime>& durations) {
  Sample r;
  r.run.source = "test";
  r.run.network_model = "packet";
  SimTime t = 0;
  for (int k = 0; k < n; ++k) {
    const SimTime d = durations[static_cast<std::size_t>(k) % durations.size()];
    for (int npu = 0; npu < 2; ++npu) {
      CollectiveRecord c;
      c.npu = npu;
      c.collective = k % 2 == 0 ? 0 : 2;
      c.group_size = 2;
      c.bytes = 1024;
      c.start = t;
      c.end = t + d;
      r.records.collectives.push_back(c);
    }
    t += d;
  }
  for (int npu = 0; npu < 2; ++npu) r.records.npus.push_back(NpuSummary{npu, t});
  r.run.end_time = t;
  return r;
}

/// The index column of the collective table's rows, in print order.
std::vector<int> printed_indices(const std::string& text) {
  std::vector<int> out;
  std::size_t at = text.find("busbw GB/s\n");
  if (at == std::string::npos) return out;
  at = text.find('\n', at) + 1;
  while (at < text.size() && text.compare(at, 15, "  total by type") != 0) {
    const std::size_t eol = text.find('\n', at);
    out.push_back(std::stoi(text.substr(at, eol - at)));
    at = eol + 1;
  }
  return out;
}

TEST(SummaryText, AllCollectivesInStartOrderWhenTheyFit) {
  const std::string text = text_of(report_of_collectives(5, {3 * kMicrosecond, kMicrosecond}));
  EXPECT_NE(text.find("collectives: 5 (GB = 10^9 B, nccl-tests algbw/busbw); in start order\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(printed_indices(text), (std::vector<int>{0, 1, 2, 3, 4})) << text;
}

TEST(SummaryText, TheFortyLongestLongestFirst) {
  // 50 collectives whose durations cycle through 1..10 µs: the 40 shown are the 5 of each
  // duration from 10 µs down to 3 µs, longest first and, among equals, in start order.
  std::vector<SimTime> d;
  for (int i = 1; i <= 10; ++i) d.push_back(i * kMicrosecond);
  const std::string text = text_of(report_of_collectives(50, d));
  EXPECT_NE(
      text.find("collectives: 50 (GB = 10^9 B, nccl-tests algbw/busbw); the 40 longest, longest first\n"),
      std::string::npos)
      << text;
  std::vector<int> want;
  for (int dur = 10; dur >= 3; --dur)
    for (int k = dur - 1; k < 50; k += 10) want.push_back(k);
  EXPECT_EQ(printed_indices(text), want) << text;
}

TEST(SummaryText, TotalsPerTypeCoverEveryCollective) {
  // 50 collectives: 25 all-reduces of 1, 3, 5, 7, 9 µs (5 each) = 125 µs, 25 all-gathers of
  // 2, 4, ..., 10 µs = 150 µs; the totals count all 50, not the 40 shown.
  std::vector<SimTime> d;
  for (int i = 1; i <= 10; ++i) d.push_back(i * kMicrosecond);
  const std::string text = text_of(report_of_collectives(50, d));
  EXPECT_NE(text.find("  total by type         count        size     time (sum)\n"
                      "  all-reduce               25   25.00 KiB     125.000 µs\n"
                      "  all-gather               25   25.00 KiB     150.000 µs\n"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace tessera::output
