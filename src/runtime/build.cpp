#include "tessera/runtime/build.hpp"

#include <fmt/format.h>

#include "tessera/collective/registry.hpp"
#include "tessera/error.hpp"

namespace tessera::runtime {
namespace {

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

network::TopologySpec from_config(const NetworkConfig& c) { return c.topology; }

network::PacketSpec packet_from_config(const NetworkConfig& c) {
  network::PacketSpec p;
  static_cast<PacketParams&>(p) = c.packet;  // the configured part of both
  return p;
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
