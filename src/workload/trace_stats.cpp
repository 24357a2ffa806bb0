#include "tessera/workload/trace_stats.hpp"

#include <algorithm>

namespace tessera::workload {

WorkloadStats compute_stats(const Workload& w) {
  WorkloadStats s;
  s.npu = w.npu();
  s.nodes = w.size();
  for (NodeIndex i = 0; i < w.size(); ++i) {
    const Node& n = w.node(i);
    if (n.kind < s.by_type.size()) ++s.by_type[n.kind];
    s.edges += n.data_dep_count + n.ctrl_dep_count;
    switch (n.type()) {
      case NodeType::kComp: s.compute_total += n.duration; break;
      case NodeType::kCommColl:
        if (n.is_cpu_op()) {
          ++s.cpu_collectives;
        } else {
          auto& t = s.collectives[n.collective()];
          ++t.count;
          t.bytes += n.size;
        }
        break;
      case NodeType::kCommSend: ++s.sends.count; s.sends.bytes += n.size; break;
      case NodeType::kCommRecv: ++s.recvs.count; s.recvs.bytes += n.size; break;
      default: break;
    }
  }
  // Longest path, weighting only COMP nodes: what compute alone forces, with free communication.
  std::vector<SimTime> finish(w.size(), 0);
  for (NodeIndex i : w.topological_order()) {
    SimTime start = 0;
    for (NodeIndex d : w.deps(i)) start = std::max(start, finish[d]);
    finish[i] = start + (w.node(i).type() == NodeType::kComp ? w.node(i).duration : 0);
    s.critical_path_compute = std::max(s.critical_path_compute, finish[i]);
  }
  return s;
}

WorkloadStats total_stats(const std::vector<WorkloadStats>& per_npu) {
  WorkloadStats t;
  t.npu = -1;
  for (const auto& s : per_npu) {
    t.nodes += s.nodes;
    for (std::size_t k = 0; k < t.by_type.size(); ++k) t.by_type[k] += s.by_type[k];
    for (const auto& [type, c] : s.collectives) {
      t.collectives[type].count += c.count;
      t.collectives[type].bytes += c.bytes;
    }
    t.cpu_collectives += s.cpu_collectives;
    t.sends.count += s.sends.count;
    t.sends.bytes += s.sends.bytes;
    t.recvs.count += s.recvs.count;
    t.recvs.bytes += s.recvs.bytes;
    t.compute_total += s.compute_total;
    t.critical_path_compute = std::max(t.critical_path_compute, s.critical_path_compute);
    t.edges += s.edges;
  }
  return t;
}

}  // namespace tessera::workload
