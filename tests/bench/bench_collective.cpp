// Collective-layer benchmark: every NPU runs one collective through its CollectiveExecutor on the
// engine (loopback ranks, congestion-unaware network). Prints figures only; never fails on time.
//   bench_collective --topology Ring,Ring --npus 64,64 --impl ring,ring --collective AR --size 64MiB
#include <sys/resource.h>

#include <chrono>
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "engine_harness.hpp"
#include "tessera/collective/registry.hpp"
#include "tessera/error.hpp"

using namespace tessera;
using namespace tessera::collective;

int main(int argc, char** argv) {
  CLI::App app{"collective executor benchmark"};
  std::vector<std::string> topology{"Ring", "Ring"}, impl{"ring", "ring"};
  std::vector<int> npus{32, 32};
  std::vector<double> bw{50, 50}, lat{500, 500};
  std::string collective = "AR", size_text = "64MiB";
  int splits = 4, active = 1, ranks = 1;
  app.add_option("--topology", topology)->delimiter(',');
  app.add_option("--npus", npus)->delimiter(',');
  app.add_option("--bandwidth", bw)->delimiter(',');
  app.add_option("--latency", lat)->delimiter(',');
  app.add_option("--impl", impl)->delimiter(',');
  app.add_option("--collective", collective, "AR, RS, AG or A2A");
  app.add_option("--size", size_text);
  app.add_option("--splits", splits);
  app.add_option("--active", active);
  app.add_option("--ranks", ranks, "loopback ranks (threads)");
  std::string queue;
  app.add_option("--queue", queue, "engine event queue kind (default: the engine's)");
  CLI11_PARSE(app, argc, argv);
  try {
    SystemConfig cfg;
    cfg.preferred_dataset_splits = splits;
    cfg.active_chunks_per_dimension = active;
    cfg.local_mem_bw_gbps = 1600;
    std::vector<AlgorithmSpec> list;
    for (const auto& a : impl) list.push_back(parse_algorithm(a, "--impl"));
    cfg.set_all_implementations(list);
    const testing::UnawareNetwork net{topology, npus, bw, lat};
    validate(cfg, net.view());
    CollectiveRequest r;
    r.type = collective == "RS"    ? CollectiveType::kReduceScatter
             : collective == "AG"  ? CollectiveType::kAllGather
             : collective == "A2A" ? CollectiveType::kAllToAll
                                   : CollectiveType::kAllReduce;
    r.bytes = parse_bytes(size_text);
    rusage before{};
    getrusage(RUSAGE_SELF, &before);
    const auto t0 = std::chrono::steady_clock::now();
    const auto out = testing::run_collectives_per_npu(
        net, cfg, std::vector<std::vector<CollectiveRequest>>(static_cast<std::size_t>(net.view().total_npus()), {r}),
        ranks, false, queue);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rusage after{};
    getrusage(RUSAGE_SELF, &after);
    const int n = net.view().total_npus();
    std::cout << fmt::format("npus {}  collective {} {}  impl {}  ranks {}  queue {}\n", n, collective, size_text,
                             fmt::join(impl, ","), ranks, queue.empty() ? "default" : queue)
              << fmt::format("simulated {}  (max {} ns, min {} ns)\n", format_time(out.max_finish),
                             out.max_finish / kNanosecond, out.min_finish / kNanosecond)
              << fmt::format("messages {}  wall {:.3f} s  messages/s {:.3g}\n", out.messages, wall,
                             static_cast<double>(out.messages) / wall)
              << fmt::format("max RSS {:.1f} MiB (growth {:.1f} MiB, {:.2f} KiB per NPU)\n", after.ru_maxrss / 1024.0,
                             (after.ru_maxrss - before.ru_maxrss) / 1024.0,
                             static_cast<double>(after.ru_maxrss - before.ru_maxrss) / n);
  } catch (const Error& e) {
    std::cerr << "bench_collective: " << e.what() << "\n";
    return static_cast<int>(e.code());
  }
  return 0;
}
