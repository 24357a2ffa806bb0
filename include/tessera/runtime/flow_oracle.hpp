// The flow network model's oracle (collective/nccl/flow.hpp): a collective's idle-network timing,
// measured by a packet-model simulation of that one call on the run's own network and NCCL
// settings, once per distinct call. Calls that differ only by where the group sits (which box of
// a leaf, which pod, which GPUs of a box, in the same pattern) run alike on HGX boxes and a
// fat-tree, so they share one measurement: the members are first moved to the lowest pods,
// leaves, boxes and GPU indices in the same order (docs/network.md, "The flow model").
#pragma once

#include <map>
#include <tuple>
#include <vector>

#include "tessera/collective/nccl/flow.hpp"
#include "tessera/config.hpp"

namespace tessera::network {
class Topology;
}

namespace tessera::runtime {

class PacketFlowOracle final : public collective::nccl::FlowOracle {
 public:
  /// `config` is the run's (topology hgx_h100, collective_library nccl), copied; `topology` is
  /// its built network, whose fat-tree shape the relabelling follows.
  PacketFlowOracle(const Config& config, const network::Topology& topology);
  const collective::nccl::FlowTiming& time(const collective::nccl::FlowCall& call) override;
  /// The members as the oracle measures them (exposed for tests).
  std::vector<int> canonical(const std::vector<int>& members) const;
  /// Packet simulations run so far (distinct calls).
  std::size_t measured() const { return cache_.size(); }

 private:
  void read_fat_tree(const network::Topology& t);
  collective::nccl::FlowTiming measure(CollectiveType type, Bytes bytes,
                                       const std::vector<int>& members) const;

  Config base_;
  int gpus_per_box_ = 1;
  int hosts_per_leaf_ = 0;                 // 0: one box, or boxes straddle leaves (no relabelling of boxes)
  int hosts_per_pod_ = 0;                  // 0: a two-level fabric
  double nvlink_rate_ = 0, nic_rate_ = 0;  // bytes per ps
  std::map<std::tuple<int, Bytes, std::vector<int>>, collective::nccl::FlowTiming> cache_;
  std::map<std::tuple<int, Bytes, const std::vector<int>*>, const collective::nccl::FlowTiming*> by_group_;
};

}  // namespace tessera::runtime
