// Pipeline schedules against the reference's example tables (llm-training.md §2) and Megatron's
// rules, and the process groups against Megatron's rank layout (§1.1).
#include <gtest/gtest.h>

#include <set>

#include "tessera/workload/llm/process_groups.hpp"
#include "tessera/workload/llm/schedule.hpp"

namespace tessera::llm {
namespace {

TEST(LlmSchedule, InterleavedExampleTable) {
  const ScheduleParams p{4, 2, 8, 0};
  EXPECT_EQ(schedule_text(pipeline_schedule(p, 0)),
            "F0.0 F1.0 F2.0 F3.0 F0.1 F1.1 F2.1 F3.1 F4.0 F5.0 F6.0 B0.1 F7.0 B1.1 F4.1 B2.1 F5.1 B3.1 F6.1 "
            "B0.0 F7.1 "
            "B1.0 B2.0 B3.0 B4.1 B5.1 B6.1 B7.1 B4.0 B5.0 B6.0 B7.0");
  EXPECT_EQ(schedule_text(pipeline_schedule(p, 3)),
            "F0.0 F1.0 F2.0 F3.0 F0.1 B0.1 F1.1 B1.1 F2.1 B2.1 F3.1 B3.1 F4.0 B0.0 F5.0 B1.0 F6.0 B2.0 F7.0 "
            "B3.0 F4.1 "
            "B4.1 F5.1 B5.1 F6.1 B6.1 F7.1 B7.1 B4.0 B5.0 B6.0 B7.0");
  EXPECT_EQ(warmup_passes(p, 0), 10);
  EXPECT_EQ(warmup_passes(p, 3), 4);
}

TEST(LlmSchedule, OneFOneB) {
  const ScheduleParams p{4, 1, 8, 0};
  EXPECT_EQ(schedule_text(pipeline_schedule(p, 0)), "F0 F1 F2 F3 B0 F4 B1 F5 B2 F6 B3 F7 B4 B5 B6 B7");
  EXPECT_EQ(schedule_text(pipeline_schedule(p, 3)), "F0 B0 F1 B1 F2 B2 F3 B3 F4 B4 F5 B5 F6 B6 F7 B7");
  EXPECT_EQ(schedule_text(pipeline_schedule(ScheduleParams{1, 1, 3, 0}, 0)), "F0 B0 F1 B1 F2 B2");
  // Fewer micro-batches than warm-up slots: all forwards, then all backwards.
  EXPECT_EQ(schedule_text(pipeline_schedule(ScheduleParams{4, 1, 2, 0}, 0)), "F0 F1 B0 B1");
}

TEST(LlmSchedule, EveryPassOnceAndBackwardAfterItsForward) {
  for (int pp : {2, 4, 8}) {
    for (int vp : {1, 2, 3}) {
      for (int m : {pp, 2 * pp, 3 * pp}) {
        const ScheduleParams p{pp, vp, m, 0};
        for (int r = 0; r < pp; ++r) {
          const auto s = pipeline_schedule(p, r);
          ASSERT_EQ(static_cast<int>(s.size()), 2 * m * vp);
          std::set<std::tuple<bool, int, int>> seen;
          std::set<std::pair<int, int>> forwarded;
          for (const PipeOp& op : s) {
            EXPECT_TRUE(seen.emplace(op.forward, op.micro_batch, op.chunk).second);
            if (op.forward) {
              forwarded.emplace(op.micro_batch, op.chunk);
            } else {
              EXPECT_TRUE(forwarded.count({op.micro_batch, op.chunk})) << pp << vp << m << r;
            }
          }
        }
      }
    }
  }
}

TEST(LlmSchedule, AllWarmupWhenMicroBatchesEqualTheWarmupLimit) {
  // W = min(2·(p−1) + (v−1)·p, m·v): with p = 2, v = 2, m = 2 every pass is warm-up (GPipe-like).
  const ScheduleParams p{2, 2, 2, 0};
  EXPECT_EQ(warmup_passes(p, 0), 4);
  EXPECT_EQ(schedule_text(pipeline_schedule(p, 0)), "F0.0 F1.0 F0.1 F1.1 B0.1 B1.1 B0.0 B1.0");
}

TEST(LlmSchedule, ScheduleTableGroupsMicroBatches) {
  // PP2 with 5 micro-batches, VP2, group 3 (the example in Megatron's schedules.py).
  const auto t = schedule_table(ScheduleParams{2, 2, 5, 3});
  std::string s;
  for (const auto& op : t) s += std::to_string(op.micro_batch) + "." + std::to_string(op.chunk) + " ";
  EXPECT_EQ(s, "0.0 1.0 2.0 0.1 1.1 2.1 3.0 4.0 3.1 4.1 ");
}

TEST(LlmSchedule, InFlightMatchesMegatronsInterleavingPenalty) {
  // Stage 0 holds p·(1 + (p−1)/(p·v)) micro-batches' worth of its layers, i.e. (W + 1) passes of
  // L/(p·v) layers each equal L·(1 + (p−1)/(p·v)) layers (theoretical_memory_usage.py).
  for (int pp : {2, 4, 8}) {
    for (int vp : {1, 2, 4, 5}) {
      const int m = 4 * pp;
      const int layers = pp * vp * 4;
      const int passes = peak_in_flight(pipeline_schedule(ScheduleParams{pp, vp, m, 0}, 0));
      const double penalty = vp > 1 ? 1.0 + (pp - 1.0) / (pp * vp) : 1.0;
      EXPECT_DOUBLE_EQ(passes * (layers / (pp * vp)), layers * penalty) << pp << " " << vp;
    }
  }
  EXPECT_EQ(peak_in_flight(pipeline_schedule(ScheduleParams{4, 1, 8, 0}, 3)), 1);
}

TEST(LlmGroups, RankLayoutAndMembers) {
  // 16 NPUs: tp 2, cp 2, pp 2 -> dp 2. rank = tp + 2·(cp + 2·(dp + 2·pp)).
  const ProcessGroups g(16, 2, 2, 2, 1, 2);
  EXPECT_EQ(g.rank_of(1, 1, 1, 1), 1 + 2 * (1 + 2 * (1 + 2 * 1)));
  const RankCoords c = g.coords(13);
  EXPECT_EQ(c.tp, 1);
  EXPECT_EQ(c.cp, 0);
  EXPECT_EQ(c.dp, 1);
  EXPECT_EQ(c.pp, 1);
  EXPECT_EQ(g.members(GroupKind::kTp, 13), (std::vector<int>{12, 13}));
  EXPECT_EQ(g.members(GroupKind::kCp, 13), (std::vector<int>{13, 15}));
  EXPECT_EQ(g.members(GroupKind::kDp, 13), (std::vector<int>{9, 13}));
  EXPECT_EQ(g.members(GroupKind::kDpCp, 13), (std::vector<int>{9, 11, 13, 15}));
  EXPECT_EQ(g.members(GroupKind::kPp, 13), (std::vector<int>{5, 13}));
  EXPECT_EQ(g.members(GroupKind::kEmbedding, 13), (std::vector<int>{5, 13}));
  EXPECT_EQ(g.members(GroupKind::kWorld, 0).size(), 16u);
  EXPECT_EQ(g.size(GroupKind::kDpCp), 4);
}

TEST(LlmGroups, ExpertGridFoldsOverTheDenseOne) {
  // 16 NPUs, tp 2 pp 2 (dp 4), ep 4, etp 1: the expert grid etp x ep x edp x pp = 1 x 4 x 2 x 2.
  const ProcessGroups g(16, 2, 1, 2, 4, 1);
  EXPECT_EQ(g.members(GroupKind::kEp, 9), (std::vector<int>{8, 9, 10, 11}));
  EXPECT_EQ(g.members(GroupKind::kEdp, 9), (std::vector<int>{9, 13}));
  EXPECT_EQ(g.members(GroupKind::kTpEp, 9), (std::vector<int>{8, 9, 10, 11}));
  EXPECT_EQ(g.size(GroupKind::kEtp), 1);
  EXPECT_EQ(g.id(GroupKind::kEtp, 9), 0);  // a group of one never communicates
  // tp_ep here has the same members as ep: one id.
  EXPECT_EQ(g.id(GroupKind::kTpEp, 9), g.id(GroupKind::kEp, 9));
}

TEST(LlmGroups, IdsAreSharedByEqualMemberListsAndListedInJson) {
  const ProcessGroups g(8, 2, 1, 1, 1, 2);  // dp 4
  EXPECT_EQ(g.id(GroupKind::kDp, 0), g.id(GroupKind::kDpCp, 0));
  EXPECT_EQ(g.id(GroupKind::kTp, 0), g.id(GroupKind::kEtp, 0));
  EXPECT_EQ(g.id(GroupKind::kCp, 0), 0);
  EXPECT_EQ(g.id(GroupKind::kPp, 0), 0);
  // Distinct groups: 4 tp pairs, 2 dp quads, the world.
  EXPECT_EQ(g.groups().size(), 7u);
  EXPECT_EQ(g.groups().at(1), (std::vector<int>{0, 1}));
  const std::string json = g.comm_group_json();
  EXPECT_NE(json.find("\"1\": [0, 1]"), std::string::npos) << json;
  EXPECT_NE(json.find("[0, 2, 4, 6]"), std::string::npos) << json;
  for (int r = 0; r < 8; ++r) {
    for (int k = 0; k < kGroupKinds; ++k) {
      const auto kind = static_cast<GroupKind>(k);
      const int id = g.id(kind, r);
      if (id == 0) continue;
      EXPECT_EQ(g.groups().at(id), g.members(kind, r));
    }
  }
  EXPECT_EQ(ProcessGroups(1, 1, 1, 1, 1, 1).groups().size(), 0u);
}

}  // namespace
}  // namespace tessera::llm
