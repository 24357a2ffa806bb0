#include "tessera/runtime/build.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tessera/collective/registry.hpp"
#include "tessera/error.hpp"
#include "tessera/network/network.hpp"
#include "tessera/network/topology_type.hpp"

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

void check_rank_lookahead(const Config& config, const network::Network& net, int ranks) {
  if (ranks <= 1 || net.min_direct_delay() > 0) return;
  const network::Topology& t = net.topology();
  std::string link;
  SimTime latency = 0;
  for (network::NodeId i = 0; i < t.num_nodes() && link.empty(); ++i) {
    for (const network::PortInfo& p : t.node(i).ports) {
      if (p.peer != network::kNoNode && p.latency < kNanosecond) {
        link = fmt::format("{} -> {}", t.node(i).name, t.node(p.peer).name);
        latency = p.latency;
        break;
      }
    }
  }
  std::vector<std::string> keys;
  for (const params::ParamDoc& d : config.network.topology.type().docs().params) {
    if (d.key.find("latency") != std::string::npos) keys.push_back(d.key);
  }
  throw InputError(Diagnostic{
      config.network.source, 0, keys.empty() ? std::string("latency") : fmt::format("{}", fmt::join(keys, ", ")),
      fmt::format("the link {} has a latency of {} ps, but on {} ranks every link needs at least 1 ns: the "
                  "smallest link latency in whole ns is the minimum direct-send delay, which bounds how far one "
                  "rank may run ahead of another (the endpoint delay does not count)",
                  link, latency, ranks),
      "give every link a latency of at least 1ns, or run on one rank"});
}

network::TopologySpec from_config(const NetworkConfig& c) { return c.topology; }

network::PacketSpec packet_from_config(const NetworkConfig& c) {
  network::PacketSpec p;
  static_cast<PacketParams&>(p) = c.packet;  // the configured part of both
  return p;
}

collective::SystemConfig system_from_config(const SystemConfig& c, const NetworkConfig& network) {
  collective::SystemConfig s;
  s.policy = c.scheduling_policy;
  s.decomposition = c.collective_optimization;
  s.endpoint_delay = c.endpoint_delay;
  if (c.injection_scale != 1.0) s.endpoint_delay = (s.endpoint_delay / kNanosecond) * kNanosecond;
  s.injection_scale = 1.0;  // already applied by the configuration layer
  s.active_chunks_per_dimension = c.active_chunks_per_dimension;
  s.preferred_dataset_splits = c.preferred_dataset_splits;
  s.num_queues_per_dim = c.num_queues_per_dim;
  s.local_mem_bw_gbps = static_cast<double>(c.local_mem_bw.bytes_per_second) / 1e9;
  const int dims = static_cast<int>(network.dimension_sizes().size());
  using T = CollectiveType;
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
