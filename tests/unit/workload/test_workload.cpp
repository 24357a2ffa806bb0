// The per-NPU workload model: id remapping, dependency spans and children, node semantics
// (replay, roofline, attributes), the three ctrl_deps policies, and the message of every
// validation error.
#include "tessera/workload/et_io.hpp"
#include "tessera/workload/workload.hpp"
#include "test_util.hpp"

namespace tessera::workload {
namespace {
using namespace test;

EtNode comp(std::uint64_t id, std::uint64_t dur, std::vector<std::uint64_t> data = {},
            std::vector<std::uint64_t> ctrl = {}) {
  EtNode n;
  n.id = id;
  n.name = "comp" + std::to_string(id);
  n.type = NodeType::kComp;
  n.duration_micros = dur;
  n.data_deps = std::move(data);
  n.ctrl_deps = std::move(ctrl);
  return n;
}

EtNode coll(std::uint64_t id, CollectiveType t, std::int64_t size, std::vector<std::uint64_t> data = {}) {
  EtNode n;
  n.id = id;
  n.name = "coll" + std::to_string(id);
  n.type = NodeType::kCommColl;
  n.attrs = {EtAttribute::make_bool("is_cpu_op", false), EtAttribute::make_int64("comm_type", static_cast<int>(t)),
             EtAttribute::make_int64("comm_size", size)};
  n.data_deps = std::move(data);
  return n;
}

Workload build(const std::vector<EtNode>& nodes, LoadOptions options = {}) {
  WorkloadBuilder b(0, "test.0.et", options);
  for (const auto& n : nodes) b.add(n);
  return b.finish();
}

void expect_build_error(const std::vector<EtNode>& nodes, const std::vector<std::string>& needles,
                        LoadOptions options = {}) {
  expect_input_error([&] { build(nodes, options); }, needles);
}

TEST(Workload, RemapsIdsAndBuildsDependencySpans) {
  // File order 50, 10, 30; forward references; 50 waits on 30 (data) and 10 (ctrl).
  const auto w = build({comp(50, 1, {30}, {10}), comp(10, 2), comp(30, 3, {10, 10})});
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w.node(0).id, 10u);
  EXPECT_EQ(w.node(1).id, 30u);
  EXPECT_EQ(w.node(2).id, 50u);
  EXPECT_EQ(w.name(2), "comp50");
  EXPECT_EQ(w.find(30), 1u);
  EXPECT_FALSE(w.find(31).has_value());
  EXPECT_EQ(std::vector<NodeIndex>(w.data_deps(2).begin(), w.data_deps(2).end()), (std::vector<NodeIndex>{1}));
  EXPECT_EQ(std::vector<NodeIndex>(w.ctrl_deps(2).begin(), w.ctrl_deps(2).end()), (std::vector<NodeIndex>{0}));
  EXPECT_EQ(w.deps(1).size(), 2u);       // the duplicate data dep is kept in the list ...
  EXPECT_EQ(w.parent_count(1), 1u);      // ... but counted once for readiness
  EXPECT_EQ(std::vector<NodeIndex>(w.children(0).begin(), w.children(0).end()), (std::vector<NodeIndex>{1, 2}));
  EXPECT_EQ(w.roots(), (std::vector<NodeIndex>{0}));
  EXPECT_EQ(w.topological_order(), (std::vector<NodeIndex>{0, 1, 2}));
  EXPECT_EQ(w.node(0).duration, 2 * kMicrosecond);
  EXPECT_EQ(sizeof(Node), 72u);  // the runtime holds 10^5..10^7 of these per rank
}

TEST(Workload, ReplaysComputeLikeAstraSim) {
  const auto w = build({comp(0, 0), comp(1, 7)});
  EXPECT_EQ(w.node(0).duration, kNanosecond);  // duration_micros 0 runs for 1 ns
  EXPECT_EQ(w.node(1).duration, 7 * kMicrosecond);
  EXPECT_EQ(w.report().zero_duration_comp, 1u);
}

TEST(Workload, RooflineCompute) {
  EtNode n = comp(0, 99);
  n.attrs = {EtAttribute::make_int64("num_ops", 1'000'000'000), EtAttribute::make_uint64("tensor_size", 1'000'000)};
  EtNode cpu = n;
  cpu.id = 1;
  cpu.attrs.push_back(EtAttribute::make_bool("is_cpu_op", true));
  LoadOptions o;
  o.compute.mode = ComputeModel::Mode::kRoofline;
  o.compute.peak_perf_tflops = 500;
  o.compute.local_mem_bw_gbps = 1000;
  const auto w = build({n, cpu}, o);
  // OI = 1000 FLOP/B; min(1000 GB/s * 1000, 500 TFLOP/s) = 5e14 FLOP/s; 1e9 FLOP -> 2000 ns.
  EXPECT_EQ(w.node(0).duration, 2000 * kNanosecond);
  EXPECT_EQ(w.node(0).size, 1'000'000);
  EXPECT_EQ(w.node(1).duration, 99 * kMicrosecond);  // CPU ops are always replayed
  EXPECT_TRUE(w.node(1).is_cpu_op());

  expect_build_error({comp(0, 1)}, {"node 0 'comp0'", "roofline", "num_ops", "tensor_size"}, o);
}

TEST(Workload, ReplayOnlyReplaysEveryNode) {
  EtNode send;
  send.id = 1;
  send.name = "send";
  send.type = NodeType::kCommSend;
  send.duration_micros = 3;
  send.attrs = {EtAttribute::make_int64("comm_size", 64)};  // no dst/tag: fine when replayed
  EtNode c = coll(2, CollectiveType::kAllGather, 128);
  LoadOptions o;
  o.compute.replay_only = true;
  const auto w = build({send, c, comp(3, 0)}, o);
  EXPECT_TRUE(w.node(0).has(Node::kReplayed));
  EXPECT_EQ(w.node(0).duration, 3 * kMicrosecond);
  EXPECT_EQ(w.node(0).size, 64);
  EXPECT_TRUE(w.node(1).has(Node::kReplayed));
  EXPECT_EQ(w.node(1).duration, kNanosecond);
  EXPECT_EQ(w.node(1).collective(), CollectiveType::kAllGather);
  EXPECT_EQ(w.node(2).duration, kNanosecond);
  EXPECT_FALSE(w.node(2).has(Node::kReplayed));
}

TEST(Workload, ReadsCommunicationAttributes) {
  EtNode send;
  send.id = 1;
  send.name = "send";
  send.type = NodeType::kCommSend;
  send.attrs = {EtAttribute::make_int32("comm_src", 0), EtAttribute::make_int32("comm_dst", 3),
                EtAttribute::make_int32("comm_tag", 9), EtAttribute::make_int64("comm_size", 4096)};
  EtNode c = coll(2, CollectiveType::kAllGather, 1 << 20, {1});
  c.attrs.push_back(EtAttribute::make_int32("comm_priority", 4));
  c.attrs.push_back(EtAttribute::make_string("pg_name", "3"));
  c.attrs.push_back(EtAttribute::make_bool_list("involved_dim", {true, false, true}));
  EtNode b = coll(3, CollectiveType::kBroadcast, 100);
  b.duration_micros = 5;
  const auto w = build({send, c, b, coll(4, CollectiveType::kAllReduce, 8)});
  const Node& s = w.node(0);
  EXPECT_EQ(s.type(), NodeType::kCommSend);
  EXPECT_TRUE(s.has(Node::kHasDst) && s.has(Node::kHasTag) && s.has(Node::kHasSrc));
  EXPECT_EQ(s.dst, 3);
  EXPECT_EQ(s.tag, 9);
  EXPECT_EQ(s.size, 4096);
  const Node& g = w.node(1);
  EXPECT_EQ(g.collective(), CollectiveType::kAllGather);
  EXPECT_EQ(g.size, 1 << 20);
  EXPECT_EQ(g.priority, 4);
  EXPECT_EQ(w.pg_name(1), "3");
  EXPECT_EQ(g.involved_dim_count, 3);
  EXPECT_EQ(g.involved_dim, 0b101);
  EXPECT_TRUE(w.node(2).has(Node::kReplayed));  // BROADCAST is replayed, as in ASTRA-sim
  EXPECT_EQ(w.node(2).duration, 5 * kMicrosecond);
  EXPECT_EQ(w.node(3).involved_dim_count, 4);  // absent: four dimensions, all used
  EXPECT_EQ(w.node(3).involved_dim, 0xF);
  EXPECT_EQ(w.pg_name(3), "");
}

TEST(Workload, BroadcastIsSimulatedWhenAskedTo) {
  // NCCL's model runs broadcasts (collective_library: nccl sets simulate_broadcast).
  EtNode b = coll(1, CollectiveType::kBroadcast, 100);
  b.duration_micros = 5;
  LoadOptions o;
  o.simulate_broadcast = true;
  const auto w = build({b}, o);
  EXPECT_FALSE(w.node(0).has(Node::kReplayed));
  EXPECT_EQ(w.node(0).collective(), CollectiveType::kBroadcast);
  EXPECT_EQ(w.node(0).size, 100);
}

TEST(Workload, ParsesPyTorchProcessGroupMetadata) {
  EtNode m;
  m.id = 0;
  m.name = "## process_group:init ##";
  m.type = NodeType::kMetadata;
  m.inputs = EtIOInfo{"['[{\"pg_name\": \"0\", \"ranks\": []}, {\"pg_name\": \"2\", \"ranks\": [0, 1]}]']", "", ""};
  const auto w = build({m});
  ASSERT_EQ(w.pg_declarations().size(), 2u);
  EXPECT_EQ(w.pg_declarations()[1].pg_name, "2");
  EXPECT_EQ(w.pg_declarations()[1].ranks, (std::vector<int>{0, 1}));

  m.inputs->values = "['[{\"ranks\": [0, 1]}]']";
  expect_build_error({m}, {"process-group metadata", "pg_name"});
}

// ---- dependency policies ----

TEST(DepPolicy, StrictRejectsDanglingCtrlDepsAndSelfLoops) {
  expect_build_error({comp(1, 1, {}, {77}), comp(2, 1, {1}, {2})},
                     {"test.0.et", "ctrl_deps name 1 node id(s) that are not in the file", "node 1 'comp1' -> id 77",
                      "lenient", "1 node(s) list themselves in ctrl_deps", "node 2 'comp2'"});
}

TEST(DepPolicy, LenientDropsThemWithWarnings) {
  LoadOptions o;
  o.deps = DepPolicy::kLenient;
  const auto w = build({comp(1, 1, {}, {77, 78, 77}), comp(2, 1, {1}, {2, 1})}, o);
  EXPECT_EQ(w.report().dangling_ctrl_refs, 3u);
  EXPECT_EQ(w.report().dangling_ctrl_ids, 2u);
  EXPECT_EQ(w.report().ctrl_self_loops, 1u);
  EXPECT_EQ(w.ctrl_deps(1).size(), 1u);  // the valid ctrl dep 2 -> 1 stays
  ASSERT_EQ(w.warnings().size(), 2u);
  EXPECT_NE(w.warnings()[0].str().find("dropped (lenient)"), std::string::npos);
}

TEST(DepPolicy, LenientBreaksCtrlCyclesAgainstDataOrder) {
  // 2 waits on 1 by data; 1 names 2 as its ctrl parent (as PyTorch traces do): a cycle.
  LoadOptions o;
  o.deps = DepPolicy::kLenient;
  const auto w = build({comp(1, 1, {}, {2}), comp(2, 1, {1}), comp(3, 1, {}, {2})}, o);
  EXPECT_EQ(w.report().ctrl_cycle_edges, 1u);
  EXPECT_TRUE(w.ctrl_deps(0).empty());
  EXPECT_EQ(w.ctrl_deps(2).size(), 1u);  // 3 -> 2 is not on a cycle and is kept
  EXPECT_EQ(w.topological_order().size(), 3u);
  expect_build_error({comp(1, 1, {}, {2}), comp(2, 1, {1})}, {"dependency cycle", "lenient"});
}

TEST(DepPolicy, DataOnlyIgnoresCtrlDeps) {
  LoadOptions o;
  o.deps = DepPolicy::kDataOnly;
  const auto w = build({comp(1, 1, {}, {77}), comp(2, 1, {1}, {2})}, o);
  EXPECT_TRUE(w.ctrl_deps(1).empty());
  EXPECT_EQ(w.data_deps(1).size(), 1u);
  EXPECT_TRUE(w.warnings().empty());
  EXPECT_EQ(dep_policy_from_name("data-only"), DepPolicy::kDataOnly);
  EXPECT_EQ(dep_policy_name(DepPolicy::kLenient), "lenient");
  EXPECT_FALSE(dep_policy_from_name("loose").has_value());
}

// ---- validation errors, one message each ----

TEST(WorkloadErrors, DanglingDataDependency) {
  expect_build_error({comp(1, 1), comp(2, 1, {9})},
                     {"test.0.et", "node 2 'comp2'", "data dependency on node id 9, which is not in this file"});
}

TEST(WorkloadErrors, DataSelfLoop) {
  expect_build_error({comp(1, 1, {1})}, {"node 1 'comp1'", "lists itself in data_deps"});
}

TEST(WorkloadErrors, DependencyCycle) {
  expect_build_error({comp(0, 1), comp(1, 1, {0, 3}), comp(2, 1, {1}), comp(3, 1, {2})},
                     {"dependency cycle (3 nodes never become ready", "node 2 'comp2' -> node 3 'comp3' -> node 1 'comp1' -> node 2 'comp2'"});
}

TEST(WorkloadErrors, CollectiveWithoutCommSize) {
  EtNode c = coll(4, CollectiveType::kAllReduce, 0);
  c.attrs.pop_back();
  expect_build_error({c}, {"test.0.et", "node 4 'coll4'", "collective without 'comm_size'", "fix: add the int64 attribute comm_size"});
}

TEST(WorkloadErrors, CollectiveWithoutCommType) {
  EtNode c = coll(4, CollectiveType::kAllReduce, 0);
  c.attrs.erase(c.attrs.begin() + 1);
  expect_build_error({c}, {"node 4 'coll4'", "collective without 'comm_type'"});
}

TEST(WorkloadErrors, SendWithoutDestinationOrTag) {
  EtNode s;
  s.id = 6;
  s.name = "send";
  s.type = NodeType::kCommSend;
  s.attrs = {EtAttribute::make_int64("comm_size", 8), EtAttribute::make_int32("comm_tag", 1)};
  expect_build_error({s}, {"node 6 'send'", "send without 'comm_dst'", "PyTorch-converted traces omit them"});
  s.attrs = {EtAttribute::make_int64("comm_size", 8), EtAttribute::make_int32("comm_dst", 1)};
  expect_build_error({s}, {"node 6 'send'", "send without 'comm_tag'"});
  s.attrs = {EtAttribute::make_int64("comm_size", 8)};
  expect_build_error({s}, {"send without 'comm_dst' and 'comm_tag'"});
}

TEST(WorkloadErrors, RecvWithoutSourceOrTag) {
  EtNode r;
  r.id = 6;
  r.name = "recv";
  r.type = NodeType::kCommRecv;
  r.attrs = {EtAttribute::make_int64("comm_size", 8), EtAttribute::make_int32("comm_dst", 0)};
  expect_build_error({r}, {"node 6 'recv'", "receive without 'comm_src' and 'comm_tag'"});
}

TEST(WorkloadErrors, DuplicateIds) {
  expect_build_error({comp(3, 1), comp(3, 2)}, {"duplicate node id 3", "unique"});
}

TEST(WorkloadErrors, UnknownNodeType) {
  EtNode n = comp(1, 1);
  n.type = static_cast<NodeType>(9);
  expect_build_error({n}, {"node 1 'comp1'", "unsupported node type 9 (BATCH_NODE)", "0..7"});
}

TEST(WorkloadErrors, FloatingPointSize) {
  EtNode c = coll(1, CollectiveType::kAllReduce, 0);
  c.attrs[2].kind = AttrKind::kDouble;
  c.attrs[2].real = 1.5;
  expect_build_error({c}, {"attribute 'comm_size' must hold an integer, but it holds double_val"});
}

TEST(WorkloadErrors, InvolvedDimMustBeABoolList) {
  EtNode c = coll(1, CollectiveType::kAllReduce, 8);
  c.attrs.push_back(EtAttribute::make_int64("involved_dim", 1));
  expect_build_error({c}, {"'involved_dim' must be a bool_list"});
}

TEST(WorkloadErrors, MemoryNodeWithoutTensorSize) {
  EtNode m = comp(1, 1);
  m.type = NodeType::kMemLoad;
  expect_build_error({m}, {"memory node without 'tensor_size'"});
}

TEST(WorkloadErrors, CommNodeOnCpu) {
  EtNode s;
  s.id = 1;
  s.name = "s";
  s.type = NodeType::kCommSend;
  s.attrs = {EtAttribute::make_bool("is_cpu_op", true), EtAttribute::make_int64("comm_size", 1),
             EtAttribute::make_int32("comm_dst", 1), EtAttribute::make_int32("comm_tag", 1)};
  expect_build_error({s}, {"cannot be a CPU op"});
}

TEST(WorkloadErrors, ReportsEveryProblemAtOnce) {
  EtNode c = coll(4, CollectiveType::kAllReduce, 0);
  c.attrs.pop_back();
  try {
    build({c, comp(5, 1, {99})});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.diagnostics().size(), 2u) << e.what();
  }
}

TEST(WorkloadErrors, TraceWithoutNodes) {
  const auto dir = scratch_dir();
  write_bytes(dir + "/t.0.et", Wire::record(Wire().bytes(1, "1.0.0")));
  expect_input_error([&] { load_workload_file(dir + "/t.0.et", 0, {}); }, {"t.0.et", "the trace has no nodes"});
}

// ---- the real PyTorch-converted trace ----

TEST(PyTorchTrace, LoadsUnderLenientWithWarnings) {
  LoadOptions o;
  o.deps = DepPolicy::kLenient;
  const auto w = load_workload_file(fixture("chakra/pytorch_feeder_tests.0.et"), 0, o);
  EXPECT_EQ(w.size(), 3664u);
  EXPECT_EQ(w.node(0).id, 216u);
  EXPECT_EQ(w.node(w.size() - 1).id, 7022u);
  EXPECT_EQ(w.report().dangling_ctrl_ids, 210u);
  EXPECT_EQ(w.report().dangling_ctrl_refs, 1277u);
  EXPECT_EQ(w.report().ctrl_self_loops, 383u);
  EXPECT_EQ(w.report().cpu_collectives, 14u);
  EXPECT_EQ(w.report().zero_duration_comp, 157u);
  EXPECT_GT(w.report().ctrl_cycle_edges, 0u);
  EXPECT_EQ(w.topological_order().size(), w.size());
  std::size_t gpu_colls = 0;
  for (const Node& n : w.nodes()) {
    if (n.type() == NodeType::kCommColl && !n.is_cpu_op()) {
      ++gpu_colls;
      EXPECT_EQ(n.involved_dim_count, 1);  // the trace carries [true]
    }
  }
  EXPECT_EQ(gpu_colls, 7u);
  EXPECT_EQ(w.metadata().find("schema")->text, "1.0.1");
}

TEST(PyTorchTrace, StrictRejectsItLikeAstraSimMaster) {
  expect_input_error(
      [] { load_workload_file(fixture("chakra/pytorch_feeder_tests.0.et"), 0, {}); },
      {"pytorch_feeder_tests.0.et", "210 node id(s) that are not in the file (1277 reference(s)", "383 node(s)",
       "lenient"});
}

TEST(PyTorchTrace, DataOnlyLoadsSilentlyAboutCtrlDeps) {
  LoadOptions o;
  o.deps = DepPolicy::kDataOnly;
  o.keep_names = false;
  const auto w = load_workload_file(fixture("chakra/pytorch_feeder_tests.0.et"), 0, o);
  EXPECT_EQ(w.size(), 3664u);
  EXPECT_EQ(w.report().dangling_ctrl_refs, 0u);
  EXPECT_EQ(w.name(0), "");
}

}  // namespace
}  // namespace tessera::workload
