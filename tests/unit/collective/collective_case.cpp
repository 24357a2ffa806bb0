// Runs one collective case through the executors on the engine (congestion-unaware network) and
// prints "<max finish ns> <min finish ns>", with the same options as
// `tools/astra_reference_model.py --case` so the two can be compared line by line.
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "engine_harness.hpp"
#include "tessera/collective/algorithm.hpp"
#include "tessera/collective/registry.hpp"
#include "tessera/error.hpp"

using namespace tessera;
using namespace tessera::collective;

int main(int argc, char** argv) {
  CLI::App app{"one collective case on the congestion-unaware network"};
  std::vector<std::string> topology{"Ring"}, impl{"ring"};
  std::vector<int> npus{8};
  std::vector<double> bw{50}, lat{500};
  std::string collective = "AR", policy = "LIFO", optimization = "localBWAware";
  long long size = 1 << 20;
  int splits = 4, active = 1, queues = 1, ranks = 1;
  double e = 10, L = 1600, scale = 1;
  app.add_option("--topology", topology)->delimiter(',');
  app.add_option("--npus", npus)->delimiter(',');
  app.add_option("--bandwidth", bw)->delimiter(',');
  app.add_option("--latency", lat)->delimiter(',');
  app.add_option("--impl", impl)->delimiter(',');
  app.add_option("--collective", collective);
  app.add_option("--size", size);
  app.add_option("--splits", splits);
  app.add_option("--active", active);
  app.add_option("--queues", queues);
  app.add_option("--policy", policy);
  app.add_option("--optimization", optimization);
  app.add_option("--endpoint-delay", e);
  app.add_option("--injection-scale", scale);
  app.add_option("--local-mem-bw", L);
  app.add_option("--ranks", ranks);
  CLI11_PARSE(app, argc, argv);
  try {
    SystemConfig cfg;
    cfg.policy = policy == "FIFO" ? SchedulingPolicy::kFifo : policy == "EXPLICIT" ? SchedulingPolicy::kExplicit
                                                                                   : SchedulingPolicy::kLifo;
    cfg.decomposition = optimization == "baseline" ? Decomposition::kBaseline : Decomposition::kLocalBwAware;
    cfg.endpoint_delay = static_cast<SimTime>(e * kNanosecond);
    cfg.injection_scale = scale;
    cfg.active_chunks_per_dimension = active;
    cfg.preferred_dataset_splits = splits;
    cfg.num_queues_per_dim = queues;
    cfg.local_mem_bw_gbps = L;
    std::vector<AlgorithmSpec> list;
    for (std::size_t i = 0; i < impl.size(); ++i) list.push_back(parse_algorithm(impl[i], fmt::format("--impl[{}]", i)));
    cfg.set_all_implementations(list);
    for (CollectiveType t : {CollectiveType::kReduceScatter, CollectiveType::kAllGather, CollectiveType::kAllToAll}) {
      for (auto& a : cfg.implementation[static_cast<int>(t)]) {
        if (!a.kind->supports(t)) a = AlgorithmSpec{};  // all-reduce only
      }
    }
    const testing::UnawareNetwork net{topology, npus, bw, lat};
    validate(cfg, net.view());
    CollectiveRequest r;
    r.type = collective == "RS"    ? CollectiveType::kReduceScatter
             : collective == "AG"  ? CollectiveType::kAllGather
             : collective == "A2A" ? CollectiveType::kAllToAll
                                   : CollectiveType::kAllReduce;
    r.bytes = size;
    const auto out = testing::run_collectives(net, cfg, {r}, ranks);
    std::cout << testing::ns(out.max_finish) << " " << testing::ns(out.min_finish) << "\n";
  } catch (const Error& err) {
    std::cerr << "collective_case: " << err.what() << "\n";
    return static_cast<int>(err.code());
  }
  return 0;
}
