#include "tessera/runtime/build.hpp"

#include <fmt/format.h>

#include "tessera/collective/registry.hpp"
#include "tessera/error.hpp"

namespace tessera::runtime {
namespace {

network::DimensionKind dimension_kind(DimensionKind k) {
  switch (k) {
    case DimensionKind::kRing: return network::DimensionKind::kRing;
    case DimensionKind::kFullyConnected: return network::DimensionKind::kFullyConnected;
    case DimensionKind::kSwitch: return network::DimensionKind::kSwitch;
  }
  return network::DimensionKind::kRing;
}

std::vector<collective::AlgorithmSpec> algorithms(const CollectiveImplementation& impl, const char* key,
                                                  int logical_dims) {
  // A custom ET prefix (custom_collectives.hpp) wins at run time; the native list stays the
  // fallback for collectives it does not cover (ASTRA-sim's lookup order).
  std::vector<collective::AlgorithmSpec> out;
  for (const std::string& name : impl.per_dimension) out.push_back(collective::parse_algorithm(name, key));
  // An input that named no algorithm gets ASTRA-sim's default: ring on every logical dimension.
  if (out.empty()) out.assign(static_cast<std::size_t>(logical_dims), collective::AlgorithmSpec{});
  return out;
}

}  // namespace

network::TopologySpec from_config(const NetworkConfig& c) {
  network::TopologySpec s;
  switch (c.topology) {
    case TopologyKind::kDimensions:
      s.kind = network::TopologyKind::kDimensions;
      for (const NetworkDimension& d : c.dimensions) {
        s.dimensions.dims.push_back({dimension_kind(d.kind), d.npus, d.bandwidth, d.latency});
      }
      s.dimensions.switch_latency = c.packet.switch_latency;
      break;
    case TopologyKind::kFatTree:
      s.kind = network::TopologyKind::kFatTree;
      s.fat_tree = {c.fat_tree.radix,          c.fat_tree.hosts,        c.fat_tree.oversubscription,
                    c.fat_tree.link_bandwidth, c.fat_tree.link_latency, c.fat_tree.switch_latency};
      break;
    case TopologyKind::kTorus:
      s.kind = network::TopologyKind::kTorus;
      s.torus = {c.torus.dims, c.torus.bandwidth, c.torus.latency};
      break;
    case TopologyKind::kHgxH100: {
      s.kind = network::TopologyKind::kHgxH100;
      const HgxH100Config& h = c.hgx_h100;
      s.hgx_h100 = {h.boxes,          h.gpus_per_box,     h.nvlink_bandwidth,   h.nvlink_latency,
                    h.nvswitch_latency, h.nics_per_box,   h.nic_bandwidth,      h.ib_link_latency,
                    h.ib_switch_latency, h.ib_oversubscription, h.ib_switch_radix};
      break;
    }
  }
  return s;
}

network::PacketSpec packet_from_config(const NetworkConfig& c) {
  network::PacketSpec p;
  p.packet_size = c.packet.packet_size;
  p.buffer_per_port = c.packet.buffer_per_port;
  return p;
}

network::NetworkModel model_from_config(NetworkModel m) {
  switch (m) {
    case NetworkModel::kAstraCongestionAware: return network::NetworkModel::kAstraCongestionAware;
    case NetworkModel::kAstraCongestionUnaware: return network::NetworkModel::kAstraCongestionUnaware;
    case NetworkModel::kPacket: return network::NetworkModel::kPacket;
  }
  return network::NetworkModel::kPacket;
}

collective::SystemConfig system_from_config(const SystemConfig& c, const NetworkConfig& network) {
  collective::SystemConfig s;
  s.policy = c.scheduling_policy == SchedulingPolicy::kLifo   ? collective::SchedulingPolicy::kLifo
             : c.scheduling_policy == SchedulingPolicy::kFifo ? collective::SchedulingPolicy::kFifo
                                                               : collective::SchedulingPolicy::kExplicit;
  s.decomposition = c.collective_optimization == CollectiveOptimization::kBaseline
                        ? collective::Decomposition::kBaseline
                        : collective::Decomposition::kLocalBwAware;
  s.endpoint_delay = c.endpoint_delay;
  if (c.injection_scale != 1.0) s.endpoint_delay = (s.endpoint_delay / kNanosecond) * kNanosecond;
  s.injection_scale = 1.0;  // already applied by the configuration layer
  s.active_chunks_per_dimension = c.active_chunks_per_dimension;
  s.preferred_dataset_splits = c.preferred_dataset_splits;
  s.num_queues_per_dim = c.num_queues_per_dim;
  s.local_mem_bw_gbps = static_cast<double>(c.local_mem_bw.bytes_per_second) / 1e9;
  const int dims = static_cast<int>(network.dimension_sizes().size());
  using T = collective::CollectiveType;
  s.implementation[static_cast<int>(T::kAllReduce)] = algorithms(c.all_reduce, "all-reduce-implementation", dims);
  s.implementation[static_cast<int>(T::kReduceScatter)] =
      algorithms(c.reduce_scatter, "reduce-scatter-implementation", dims);
  s.implementation[static_cast<int>(T::kAllGather)] = algorithms(c.all_gather, "all-gather-implementation", dims);
  s.implementation[static_cast<int>(T::kAllToAll)] = algorithms(c.all_to_all, "all-to-all-implementation", dims);
  return s;
}

collective::TopologyView view_from_config(const NetworkConfig& network) {
  return collective::TopologyView{network.dimension_sizes()};
}

}  // namespace tessera::runtime
