#include "tessera/collective/types.hpp"

#include <fmt/format.h>

#include "tessera/collective/algorithm.hpp"
#include "tessera/error.hpp"

namespace tessera::collective {

bool executes(CollectiveType t) {
  switch (t) {
    case CollectiveType::kAllReduce: case CollectiveType::kReduceScatter: case CollectiveType::kAllGather:
    case CollectiveType::kAllToAll: case CollectiveType::kBroadcast: case CollectiveType::kReduce:
    case CollectiveType::kBarrier: return true;
    default: return false;
  }
}

bool is_implemented_per_dimension(CollectiveType t) {
  return std::find(std::begin(kImplementedTypes), std::end(kImplementedTypes), t) != std::end(kImplementedTypes);
}

void SystemConfig::set_all_implementations(const std::vector<AlgorithmSpec>& list) {
  for (CollectiveType t : kImplementedTypes) implementation[static_cast<int>(t)] = list;
}

int TopologyView::total_npus() const {
  int total = 1;
  for (int d : dims) total *= d;
  return total;
}

int TopologyView::coordinate(NpuId npu, int d) const {
  for (int i = 0; i < d; ++i) npu /= dims[static_cast<std::size_t>(i)];
  return npu % dims[static_cast<std::size_t>(d)];
}

void validate(const SystemConfig& c, const TopologyView& topo) {
  std::vector<Diagnostic> problems;
  auto bad = [&](std::string key, std::string message, std::string fix) {
    problems.push_back(Diagnostic{"", 0, std::move(key), std::move(message), std::move(fix)});
  };
  if (topo.dims.empty()) bad("npus_count", "the network has no dimension", "give at least one dimension");
  for (std::size_t d = 0; d < topo.dims.size(); ++d) {
    if (topo.dims[d] < 1) {
      bad(fmt::format("npus_count[{}]", d), fmt::format("{} NPUs", topo.dims[d]), "use a positive count");
    }
  }
  if (c.preferred_dataset_splits < 1) {
    bad("preferred-dataset-splits", fmt::format("must be >= 1, got {}", c.preferred_dataset_splits),
        "set it to the number of chunks per collective, e.g. 4");
  }
  if (c.active_chunks_per_dimension < 1) {
    bad("active-chunks-per-dimension", fmt::format("must be >= 1, got {}", c.active_chunks_per_dimension), "use 1 or more");
  }
  if (c.num_queues_per_dim < 1) {
    bad("num-queues-per-dim", fmt::format("must be >= 1, got {}", c.num_queues_per_dim), "use 1 (the default) or more");
  }
  if (c.endpoint_delay < 0) bad("endpoint-delay", "must not be negative", "use e.g. 10 (ns)");
  if (!(c.injection_scale > 0)) bad("injection-scale", "must be positive", "use 1");
  if (c.local_mem_bw_gbps < 0) bad("local-mem-bw", "must not be negative", "use the memory bandwidth in GB/s, e.g. 1600");
  const bool dims_ok = !topo.dims.empty();
  for (CollectiveType t : kImplementedTypes) {
    const auto& list = c.algorithms(t);
    const std::string key = fmt::format("{}-implementation", to_string(t));
    if (list.empty()) {
      bad(key, "no algorithm given", "list one algorithm per dimension, e.g. [\"ring\"]");
      continue;
    }
    if (dims_ok && list.size() > topo.dims.size()) {
      bad(key, fmt::format("{} entries but the network has {} dimension(s)", list.size(), topo.dims.size()),
          "give at most one algorithm per network dimension");
      continue;
    }
    for (std::size_t d = 0; d < list.size(); ++d) {
      const AlgorithmSpec& a = list[d];
      const int n = !dims_ok ? 1 : (a.flat ? topo.total_npus() : topo.dims[d]);
      const bool splits = t == CollectiveType::kAllReduce && c.decomposition == Decomposition::kLocalBwAware &&
                          d + 1 < list.size();
      for (AlgorithmProblem& p : algorithm_problems(a, t, n, a.flat ? "the whole network" : fmt::format("dimension {}", d),
                                                    splits)) {
        bad(fmt::format("{}[{}]", key, d), std::move(p.message), std::move(p.fix));
      }
    }
  }
  if (!problems.empty()) throw InputError(std::move(problems));
}

}  // namespace tessera::collective
