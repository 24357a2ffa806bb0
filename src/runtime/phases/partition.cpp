// Phase "partition": everything every rank builds identically (so a problem here is the same on
// all ranks): the network, the collective layer's settings, the custom collectives, the LP graph
// and its placement on the ranks.
#include <algorithm>
#include <string>
#include <unordered_map>

#include <fmt/format.h>

#include "phases.hpp"
#include "tessera/error.hpp"
#include "tessera/pdes/agreement.hpp"
#include "tessera/runtime/build.hpp"

namespace tessera::runtime::phases {
namespace {

/// `simulation.rank_of_npu` as a partition; a switch goes with the first NPU attached to it.
pdes::Partition explicit_partition(const Config& c, const network::Network& net, const pdes::Graph& g, int ranks) {
  const auto& rank_of = c.simulation.rank_of_npu;
  if (static_cast<int>(rank_of.size()) != net.num_npus()) {
    throw InputError(Diagnostic{c.source, 0, "simulation.rank_of_npu",
                                fmt::format("lists {} NPUs but the network has {}", rank_of.size(), net.num_npus()),
                                "give one rank per NPU"});
  }
  std::vector<Diagnostic> bad;
  std::unordered_map<std::string, int> placement;
  const network::Topology& topo = net.topology();
  for (network::NodeId n = 0; n < static_cast<network::NodeId>(topo.num_nodes()); ++n) {
    int r = 0;
    if (topo.is_npu(n)) {
      r = rank_of[n];
      if (r < 0 || r >= ranks) {
        bad.push_back(Diagnostic{c.source, 0, fmt::format("simulation.rank_of_npu[{}]", n),
                                 fmt::format("rank {} is outside 0..{} (launched with {} ranks)", r, ranks - 1, ranks),
                                 "use a rank below the mpirun -np count"});
        r = 0;
      }
    } else {
      for (const network::PortInfo& p : topo.node(n).ports) {
        if (p.peer != network::kNoNode && topo.is_npu(p.peer)) {
          r = std::clamp(rank_of[p.peer], 0, ranks - 1);
          break;
        }
      }
    }
    placement[topo.node(n).name] = r;
  }
  if (!bad.empty()) throw InputError(bad);
  return pdes::partition_explicit(g, ranks, placement);
}

pdes::Partition make_partition(const Config& c, const network::Network& net, const pdes::Graph& g, int ranks) {
  switch (c.simulation.placement) {
    case Placement::kRoundRobin: return pdes::partition_round_robin(g, ranks);
    case Placement::kExplicit: return explicit_partition(c, net, g, ranks);
    case Placement::kAuto: break;
  }
  return pdes::partition_auto(g, ranks);
}

}  // namespace

void partition(const Config& config, pdes::Transport& transport, const SimulationOptions& options, RunState& s) {
  const NetworkModel model = config.simulation.network_model;
  s.link_stats = options.link_stats && model_info(model).has_links;
  s.link_opts.fixed = options.link_stats_interval > 0;
  s.link_opts.start_width = !s.link_stats ? 0 : s.link_opts.fixed ? options.link_stats_interval : kNanosecond;
  s.link_opts.max_bins = std::max(options.link_stats_bins, 2);
  pdes::agreed(transport, [&] {
    s.view = view_from_config(config.network);
    s.system = system_from_config(config.system, config.network);
    collective::validate(s.system, s.view);
    s.custom = load_custom_collectives(config);
    network::PacketSpec packet = packet_from_config(config.network);
    packet.stats_bin = s.link_opts.start_width;
    // Automatic: links coarsen their bins as the run goes on (the run's length is not known).
    // Fixed: the asked width, unless a link would need more than 2^20 bins (memory); then it
    // coarsens too and the file's link_bin_width_ps shows the width used.
    packet.stats_max_bins = s.link_opts.fixed ? (1 << 20) : s.link_opts.max_bins;
    s.net = std::make_unique<network::Network>(from_config(config.network), model, packet);
    s.multicast = declare_nvls_groups(config, *s.net);
    pdes::GraphBuilder b;
    s.net->add_to_graph(b);
    s.graph = std::make_unique<pdes::Graph>(std::move(b).build());
    s.net->bind(*s.graph);
    check_rank_lookahead(config, *s.net, transport.size());
    s.partition = make_partition(config, *s.net, *s.graph, transport.size());
    if (options.before_load) options.before_load(*s.net, *s.graph, s.partition);
  });
}

}  // namespace tessera::runtime::phases
