// make_stop_traces OUT_DIR: writes, with the workload layer's own Chakra writer, the 4-NPU trace
// sets the stop tests run (tests/integration/stops/CMakeLists.txt). Each is broken in exactly one
// way the loader cannot see, so the run itself must notice and end with a report:
//   unmatched/t      NPU 0 sends tag 7 to NPU 1, which waits for tag 8: neither ever completes
//   partial_group/t  NPUs 0-2 issue an all-reduce over all four NPUs; NPU 3 never does
//   never_resolves/t NPU 2's chain recv -> compute -> compute hangs on a RECV from NPU 3 that NPU 3
//                    never sends (it only computes): the two compute nodes never become ready
//   long/t           a healthy, long run (1024 chained 256 MiB all-reduces), for signals and limits
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "tessera/workload/et.hpp"
#include "tessera/workload/text_workload.hpp"

namespace {

using tessera::CollectiveType;
using tessera::workload::EtAttribute;
using tessera::workload::EtGlobalMetadata;
using tessera::workload::EtNode;
using tessera::workload::FileTraceSink;
using tessera::workload::NodeType;

constexpr int kNpus = 4;

EtNode node(std::uint64_t id, const std::string& name, NodeType type, std::vector<std::uint64_t> deps = {}) {
  EtNode n;
  n.id = id;
  n.name = name;
  n.type = type;
  n.data_deps = std::move(deps);
  n.attrs.push_back(EtAttribute::make_bool("is_cpu_op", false));
  return n;
}

EtNode compute(std::uint64_t id, const std::string& name, std::uint64_t micros, std::vector<std::uint64_t> deps = {}) {
  EtNode n = node(id, name, NodeType::kComp, std::move(deps));
  n.duration_micros = micros;
  return n;
}

EtNode p2p(std::uint64_t id, const std::string& name, NodeType type, int peer, int tag, std::vector<std::uint64_t> deps = {}) {
  EtNode n = node(id, name, type, std::move(deps));
  n.attrs.push_back(EtAttribute::make_int64(type == NodeType::kCommSend ? "comm_dst" : "comm_src", peer));
  n.attrs.push_back(EtAttribute::make_int64("comm_tag", tag));
  n.attrs.push_back(EtAttribute::make_int64("comm_size", 4096));
  return n;
}

EtNode all_reduce(std::uint64_t id, const std::string& name, std::int64_t bytes, std::vector<std::uint64_t> deps = {}) {
  EtNode n = node(id, name, NodeType::kCommColl, std::move(deps));
  n.attrs.push_back(EtAttribute::make_int64("comm_type", static_cast<std::int64_t>(CollectiveType::kAllReduce)));
  n.attrs.push_back(EtAttribute::make_int64("comm_size", bytes));
  return n;
}

/// Writes <dir>/<name>/t.<npu>.et for every NPU from `nodes_of(npu)`.
template <class F>
void write_set(const std::filesystem::path& dir, const std::string& name, F nodes_of) {
  std::filesystem::create_directories(dir / name);
  FileTraceSink sink((dir / name / "t").string());
  EtGlobalMetadata gm;
  gm.version = "0.0.4";
  for (int npu = 0; npu < kNpus; ++npu) {
    sink.begin_npu(npu, gm);
    for (const EtNode& n : nodes_of(npu)) sink.node(n);
    sink.end_npu(npu);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_stop_traces OUT_DIR\n");
    return 2;
  }
  const std::filesystem::path dir(argv[1]);
  write_set(dir, "unmatched", [](int npu) -> std::vector<EtNode> {
    if (npu == 0) return {p2p(1, "send_tag7", NodeType::kCommSend, 1, 7)};
    if (npu == 1) return {p2p(10, "recv_tag8", NodeType::kCommRecv, 0, 8)};
    return {compute(20, "idle_compute", 1)};
  });
  write_set(dir, "partial_group", [](int npu) -> std::vector<EtNode> {
    if (npu == 3) return {compute(1, "forgot_the_all_reduce", 5)};
    return {compute(1, "forward", 5), all_reduce(2, "grad_all_reduce", 1 << 20, {1})};
  });
  write_set(dir, "never_resolves", [](int npu) -> std::vector<EtNode> {
    if (npu == 2)
      return {p2p(1, "recv_from_3", NodeType::kCommRecv, 3, 5), compute(2, "uses_recv", 3, {1}),
              compute(3, "after_uses_recv", 3, {2})};
    return {compute(1, "work", 2)};
  });
  write_set(dir, "long", [](int) {
    std::vector<EtNode> v;
    for (std::uint64_t i = 1; i <= 1024; ++i)
      v.push_back(all_reduce(i, "step" + std::to_string(i), std::int64_t{256} << 20,
                             i > 1 ? std::vector<std::uint64_t>{i - 1} : std::vector<std::uint64_t>{}));
    return v;
  });
  std::printf("make_stop_traces: wrote 4 trace sets under %s\n", dir.c_str());
  return 0;
}
