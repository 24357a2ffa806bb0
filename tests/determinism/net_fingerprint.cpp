// Network determinism driver: packet-level all-to-all on two HGX-H100 boxes (auto placement and
// round-robin placement, which splits the NVSwitch boxes across ranks), a congested torus and the
// ASTRA congestion-aware model, under real MPI. Rank 0 writes the fingerprints (every message's
// arrival, injection and acknowledgement time, every link's statistics) to argv[1]; CTest
// compares -np 1, 2 and 4.
#include <cstdio>
#include <fstream>

#include "net_traffic.hpp"
#include "tessera/network/topologies/dimensions.hpp"
#include "tessera/network/topologies/hgx_h100.hpp"
#include "tessera/network/topologies/torus.hpp"
#include "tessera/pdes/mpi_transport.hpp"

using namespace tessera;

namespace {
bench::TrafficSpec all_to_all(network::TopologySpec topo, int n, Bytes bytes) {
  bench::TrafficSpec s;
  s.topology = std::move(topo);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      if (i != j)
        s.messages.push_back({i, j, bytes, (i % 3) * 100 * kNanosecond, static_cast<std::uint64_t>(j)});
    }
  }
  return s;
}
}  // namespace

int main(int argc, char** argv) {
  pdes::MpiEnvironment env(argc, argv);
  if (argc != 2) {
    std::fprintf(stderr, "usage: net_fingerprint OUTPUT_FILE\n");
    return 2;
  }
  try {
    pdes::MpiTransport transport;
    network::HgxH100Spec h;
    h.boxes = 2;
    h.gpus_per_box = 4;
    h.nics_per_box = 4;
    h.ib_switch_radix = 4;  // 2 GPUs per leaf: 4 leaves, 2 spines
    const auto hgx = network::TopologySpec::of(h);
    network::TorusSpec t;
    t.dims = {4, 3};
    const auto torus = network::TopologySpec::of(t);
    const auto sw = network::TopologySpec::of(
        network::DimensionsSpec{{{network::DimensionKind::kSwitch, 8, astra_gbps(400), 936'250}}});

    std::vector<bench::TrafficSpec> specs;
    specs.push_back(all_to_all(hgx, 8, 4096 * 2 + 9));
    specs.back().packet.buffer_per_port = 4096;
    specs.push_back(specs.back());
    specs.back().placement = "round-robin";
    specs.push_back(all_to_all(torus, 12, 9000));
    specs.back().packet.buffer_per_port = 4096;
    specs.push_back(all_to_all(sw, 8, 1 << 16));
    specs.back().model = network::NetworkModel::kAstraCongestionAware;
    specs.back().placement = "round-robin";

    std::string out;
    for (std::size_t i = 0; i < specs.size(); ++i) {
      const bench::TrafficResult r = bench::run_traffic(specs[i], transport);
      out += "# case " + std::to_string(i) + "\n" + r.fingerprint();
      if (transport.rank() == 0) {
        std::printf("case %zu: %lu events, %lu windows, lookahead %ld ps\n", i,
                    static_cast<unsigned long>(r.run.global_events),
                    static_cast<unsigned long>(r.run.stats.windows), static_cast<long>(r.lookahead));
      }
    }
    if (transport.rank() == 0) {
      std::ofstream f(argv[1], std::ios::binary);
      f << out;
      if (!f) {
        std::fprintf(stderr, "net_fingerprint: cannot write %s\n", argv[1]);
        return 1;
      }
      std::printf("net_fingerprint: %d ranks, %zu cases, %zu bytes\n", transport.size(), specs.size(),
                  out.size());
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "net_fingerprint: %s\n", e.what());
    pdes::MpiEnvironment::abort(static_cast<int>(e.code()));
  }
  return 0;
}
