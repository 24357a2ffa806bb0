#include "tessera/workload/microbench.hpp"

#include <fmt/format.h>

#include "tessera/error.hpp"

namespace tessera::workload {

std::string microbench_node_name(CollectiveType type, int npus, Bytes size) {
  auto coll = collective_name(type);
  for (char& c : coll) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  constexpr Bytes kMiB = 1024 * 1024;
  if (size > 0 && size % kMiB == 0) return fmt::format("{}_{}npus_{}MB", coll, npus, size / kMiB);
  return fmt::format("{}_{}npus_{}B", coll, npus, size);
}

void generate_microbenchmark(CollectiveType type, int npus, Bytes size, TraceSink& sink) {
  switch (type) {
    case CollectiveType::kAllReduce:
    case CollectiveType::kAllGather:
    case CollectiveType::kReduceScatter:
    case CollectiveType::kAllToAll:
    case CollectiveType::kBroadcast:  // not in ASTRA-sim's scripts; the same node, rooted at NPU 0
    case CollectiveType::kReduce:
      break;
    default:
      throw InputError(Diagnostic{"", 0, "--collective",
                                  fmt::format("no microbenchmark for {}", collective_name(type)),
                                  "choose all_reduce, all_gather, reduce_scatter, all_to_all, broadcast or reduce"});
  }
  if (npus < 1) throw InputError(Diagnostic{"", 0, "--npus", "the NPU count must be at least 1", ""});
  if (size < 0) throw InputError(Diagnostic{"", 0, "--size", "the size must not be negative", ""});
  EtGlobalMetadata gm;
  gm.version = "0.0.4";
  EtNode node;
  node.name = microbench_node_name(type, npus, size);
  node.type = NodeType::kCommColl;
  node.attrs.push_back(EtAttribute::make_bool("is_cpu_op", false));
  node.attrs.push_back(EtAttribute::make_int64("comm_type", static_cast<std::int64_t>(type)));
  node.attrs.push_back(EtAttribute::make_int64("comm_size", size));
  for (int npu = 0; npu < npus; ++npu) {
    sink.begin_npu(npu, gm);
    node.id = static_cast<std::uint64_t>(npu);
    sink.node(node);
    sink.end_npu(npu);
  }
}

}  // namespace tessera::workload
