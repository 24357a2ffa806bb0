// algorithm_label() and chunk_count(): the algorithm name and chunk count output files give a
// collective (executor.hpp). They read the same settings CollectiveExecutor::start and
// chunk_phases split and decompose a collective with, without their side effects (queue rotation,
// tree alternation), so the runtime can label a collective as it starts.
#include "tessera/collective/executor.hpp"
#include "tessera/error.hpp"

namespace tessera::collective {

std::string algorithm_label(const SystemConfig& config, const TopologyView& topo,
                            const CollectiveRequest& req) {
  if (req.custom) return "custom";
  const int group_size =
      req.group != nullptr ? static_cast<int>(req.group->members->size()) : topo.total_npus();
  if (req.type == CollectiveType::kBroadcast || req.type == CollectiveType::kReduce) {
    return group_size > 1 ? "tree" : "none";
  }
  if (req.type == CollectiveType::kBarrier) return group_size > 1 ? "dissemination" : "none";
  const auto& impl = config.algorithms(req.type);
  if (impl.empty()) return "none";
  if (req.group != nullptr) return group_size > 1 ? impl.front().name() : "none";
  std::string label;
  for (std::size_t d = 0; d < impl.size(); ++d) {
    const int size = impl[d].flat ? topo.total_npus() : (d < topo.dims.size() ? topo.dims[d] : 1);
    const bool involved = d >= req.involved_dims.size() || req.involved_dims[d];
    if (size == 1 || !involved) continue;
    label += (label.empty() ? "" : "/") + impl[d].name();
  }
  return label.empty() ? "none" : label;
}

int chunk_count(const SystemConfig& config, const CollectiveRequest& req) {
  return req.type == CollectiveType::kBarrier || req.custom ? 1 : config.preferred_dataset_splits;
}

}  // namespace tessera::collective

namespace tessera::collective {

RunLabel CollectiveExecutor::describe(const CollectiveRequest& request) const {
  RunLabel l;
  l.algorithm = algorithm_label(config_, topo_, request);
  l.chunks = chunk_count(config_, request);
  return l;
}

void CollectiveHost::multicast(std::uint32_t, Bytes, const MessageTag&) {
  throw Error("this host has no NVSwitch multicast (NVLS needs the packet network model)");
}

void CollectiveHost::switch_reduce(std::uint32_t, Bytes, const MessageTag&) {
  throw Error("this host has no NVSwitch reduction (NVLS needs the packet network model)");
}

SimTime CollectiveHost::control_delay(NpuId, NpuId) const {
  throw Error("this host has no flow-model control messages (they need the flow network model)");
}

void CollectiveHost::send_control(NpuId, const MessageTag&) {
  throw Error("this host has no flow-model control messages (they need the flow network model)");
}

}  // namespace tessera::collective
