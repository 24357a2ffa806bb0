// The flow model's oracle: one packet-model simulation per distinct call (flow_oracle.hpp).
#include "tessera/runtime/flow_oracle.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "tessera/network/topologies/hgx_h100.hpp"
#include "tessera/network/topology.hpp"
#include "tessera/pdes/loopback_transport.hpp"
#include "tessera/runtime/simulation.hpp"
#include "tessera/runtime/workload_inputs.hpp"
#include "tessera/workload/workload.hpp"

namespace tessera::runtime {

namespace nc = collective::nccl;

namespace {
constexpr const char* kGroup = "1";

// Relabels `keys` (one per member) to 0, 1, ... in ascending order of the distinct values.
std::vector<int> dense(const std::vector<std::int64_t>& keys) {
  std::vector<std::int64_t> sorted(keys);
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::vector<int> out;
  out.reserve(keys.size());
  for (std::int64_t k : keys)
    out.push_back(static_cast<int>(std::lower_bound(sorted.begin(), sorted.end(), k) - sorted.begin()));
  return out;
}
}  // namespace

PacketFlowOracle::PacketFlowOracle(const Config& config, const network::Topology& topology) : base_(config) {
  base_.simulation.network_model = NetworkModel::kPacket;
  // A measurement runs on one rank of its own: the run's placement over its ranks does not apply.
  base_.simulation.placement = Placement::kAuto;
  base_.simulation.rank_of_npu.clear();
  base_.comm_groups = CommGroups{};
  base_.comm_groups.source = "flow model";
  const auto& h = base_.network.topology.params<network::HgxH100Spec>();
  gpus_per_box_ = h.gpus_per_box;
  nvlink_rate_ = static_cast<double>(h.nvlink_bandwidth.bytes_per_second) / 1e12;
  nic_rate_ = static_cast<double>(h.nic_bandwidth.bytes_per_second) / 1e12;
  read_fat_tree(topology);
}

void PacketFlowOracle::read_fat_tree(const network::Topology& t) {
  // The fabric as built: a GPU's leaf is the switch on its NIC, the one of its switches that links
  // to other switches; a leaf's pod is the lowest switch its uplinks reach (every spine in a
  // leaf-spine fabric, the pod's aggregation switches in a three-level one). The builder fills
  // leaves with GPUs in id order, and pods with leaves.
  using network::NodeId;
  const auto uplinks_of = [&](NodeId sw) {
    NodeId lowest = network::kNoNode;
    for (const network::PortInfo& p : t.node(sw).ports)
      if (p.peer != network::kNoNode && !t.is_npu(p.peer)) lowest = std::min(lowest, p.peer);
    return lowest;  // kNoNode: no switch neighbour (an NVSwitch)
  };
  const int gpus = t.num_npus();
  std::vector<NodeId> leaf(static_cast<std::size_t>(gpus), network::kNoNode);
  for (int g = 0; g < gpus; ++g) {
    for (const network::PortInfo& p : t.node(static_cast<NodeId>(g)).ports)
      if (p.peer != network::kNoNode && !t.is_npu(p.peer) && uplinks_of(p.peer) != network::kNoNode)
        leaf[g] = p.peer;
  }
  if (gpus == 0 || leaf[0] == network::kNoNode) return;  // one box: no fabric
  const int per_leaf = static_cast<int>(std::count(leaf.begin(), leaf.end(), leaf[0]));
  const int leaves = (gpus + per_leaf - 1) / per_leaf;
  std::vector<NodeId> pod(static_cast<std::size_t>(leaves));
  for (int l = 0; l < leaves; ++l) pod[l] = uplinks_of(leaf[static_cast<std::size_t>(l) * per_leaf]);
  const int per_pod = static_cast<int>(std::count(pod.begin(), pod.end(), pod[0]));
  // Relabel boxes only where the fabric has that regular shape; otherwise members keep their boxes.
  if (per_leaf % gpus_per_box_ != 0) return;
  for (int g = 0; g < gpus; ++g) {
    const int l = g / per_leaf;
    if (leaf[g] != leaf[static_cast<std::size_t>(l) * per_leaf] || pod[l] != pod[(l / per_pod) * per_pod])
      return;
  }
  hosts_per_leaf_ = per_leaf;
  hosts_per_pod_ = per_pod < leaves ? per_pod * per_leaf : 0;
}

std::vector<int> PacketFlowOracle::canonical(const std::vector<int>& members) const {
  const std::size_t n = members.size();
  std::vector<std::int64_t> pod(n), leaf(n), box(n), local(n);
  for (std::size_t k = 0; k < n; ++k) {
    const int m = members[k];
    local[k] = m % gpus_per_box_;
    if (hosts_per_leaf_ == 0) {
      box[k] = m / gpus_per_box_;
      continue;
    }
    pod[k] = hosts_per_pod_ > 0 ? m / hosts_per_pod_ : 0;
    leaf[k] = m / hosts_per_leaf_;
    box[k] = m / gpus_per_box_;
  }
  // GPU indices: one relabelling for the whole group, so members that share an index (a rail)
  // still share one.
  const std::vector<int> l = dense(local);
  std::vector<int> out(n);
  if (hosts_per_leaf_ == 0) {
    const std::vector<int> b = dense(box);
    const bool one_box = std::all_of(b.begin(), b.end(), [](int x) { return x == 0; });
    // Several boxes without a regular leaf shape keep their boxes.
    for (std::size_t k = 0; k < n; ++k)
      out[k] = (one_box ? 0 : static_cast<int>(box[k])) * gpus_per_box_ + l[k];
    return out;
  }
  // Pods, then leaves within their pod, then boxes within their leaf, each in order.
  const std::vector<int> p = dense(pod);
  std::map<std::int64_t, std::vector<std::int64_t>> leaves_of_pod, boxes_of_leaf;
  for (std::size_t k = 0; k < n; ++k) {
    leaves_of_pod[pod[k]].push_back(leaf[k]);
    boxes_of_leaf[leaf[k]].push_back(box[k]);
  }
  for (auto* m : {&leaves_of_pod, &boxes_of_leaf}) {
    for (auto& [_, v] : *m) {
      std::sort(v.begin(), v.end());
      v.erase(std::unique(v.begin(), v.end()), v.end());
    }
  }
  const auto rank_in = [](const std::vector<std::int64_t>& v, std::int64_t x) {
    return static_cast<int>(std::lower_bound(v.begin(), v.end(), x) - v.begin());
  };
  for (std::size_t k = 0; k < n; ++k) {
    out[k] = p[k] * hosts_per_pod_ + rank_in(leaves_of_pod[pod[k]], leaf[k]) * hosts_per_leaf_ +
             rank_in(boxes_of_leaf[leaf[k]], box[k]) * gpus_per_box_ + l[k];
  }
  return out;
}

const nc::FlowTiming& PacketFlowOracle::time(const nc::FlowCall& call) {
  // Every member of a call asks: the group's member list is one object for the whole run.
  const auto fast = std::make_tuple(static_cast<int>(call.type), call.bytes, call.members);
  if (const auto f = by_group_.find(fast); f != by_group_.end()) return *f->second;
  std::vector<int> members(call.members->begin(), call.members->end());
  std::vector<int> key = canonical(members);
  auto k = std::make_tuple(static_cast<int>(call.type), call.bytes, std::move(key));
  const auto it = cache_.find(k);
  const nc::FlowTiming* t = nullptr;
  if (it != cache_.end()) {
    t = &it->second;
  } else {
    nc::FlowTiming measured = measure(call.type, call.bytes, std::get<2>(k));
    t = &cache_.emplace(std::move(k), std::move(measured)).first->second;
  }
  by_group_.emplace(fast, t);
  return *t;
}

nc::FlowTiming PacketFlowOracle::measure(CollectiveType type, Bytes bytes,
                                         const std::vector<int>& members) const {
  Config sub = base_;
  sub.comm_groups.groups[kGroup] = members;
  const int npus = sub.network.npu_count();
  std::vector<int> position(static_cast<std::size_t>(npus), -1);
  for (std::size_t k = 0; k < members.size(); ++k)
    position[static_cast<std::size_t>(members[k])] = static_cast<int>(k);

  SimulationOptions opts;
  opts.link_stats = true;
  const workload::LoadOptions load = load_options(sub);
  opts.workloads = [&](int npu) {
    workload::WorkloadBuilder b(npu, "flow model", load);
    workload::EtGlobalMetadata gm;
    gm.version = "0.0.4";
    b.set_metadata(gm);
    if (position[static_cast<std::size_t>(npu)] >= 0) {
      workload::EtNode node;
      node.id = 0;
      node.name = "flow";
      node.type = workload::NodeType::kCommColl;
      node.attrs.push_back(workload::EtAttribute::make_bool("is_cpu_op", false));
      node.attrs.push_back(workload::EtAttribute::make_int64("comm_type", static_cast<std::int64_t>(type)));
      node.attrs.push_back(workload::EtAttribute::make_int64("comm_size", bytes));
      node.attrs.push_back(workload::EtAttribute::make_string("pg_name", kGroup));
      b.add(node);
    }
    return b.finish();
  };
  pdes::LoopbackHub hub(1);
  pdes::LoopbackTransport transport(hub, 0);
  const SimulationResult res = simulate(sub, transport, opts);

  nc::FlowTiming t;
  const std::size_t n = members.size();
  t.finish.assign(n, 0);
  t.nvlink_share.assign(n, 0.0);
  t.nic_share.assign(n, 0.0);
  for (const output::CollectiveRecord& c : res.records.collectives) {
    const int k = position[static_cast<std::size_t>(c.npu)];
    if (k >= 0) t.finish[static_cast<std::size_t>(k)] = c.end;
  }
  // Egress bytes per member and port, from the link records ("npu/000003:0 -> sw/nvswitch/...").
  for (const output::LinkTotals& l : res.records.links) {
    const std::string& name = res.records.strings[l.name];
    int npu = -1;
    if (std::sscanf(name.c_str(), "npu/%d:", &npu) != 1 || npu < 0 || npu >= npus) continue;
    const int k = position[static_cast<std::size_t>(npu)];
    if (k < 0) continue;
    const auto ks = static_cast<std::size_t>(k);
    const double span = static_cast<double>(std::max<SimTime>(t.finish[ks], 1));
    const bool nvlink = name.find("-> sw/nvswitch/") != std::string::npos;
    const double share = static_cast<double>(l.bytes) / (span * (nvlink ? nvlink_rate_ : nic_rate_));
    (nvlink ? t.nvlink_share[ks] : t.nic_share[ks]) += share;
  }
  for (std::size_t k = 0; k < n; ++k) {
    if (t.finish[k] <= 0)
      throw Error(
          fmt::format("flow model: the packet measurement of a {} of {} bytes on {} NPUs did not finish",
                      collective_name(type), bytes, n));
  }
  return t;
}

}  // namespace tessera::runtime
