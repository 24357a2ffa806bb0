// Determinism driver: runs the engine's ordering-heavy "mix" model and a PHOLD model under the MPI
// transport and writes their event fingerprints (time, LP, kind, payload hash per event) to the
// file given as argv[1] (rank 0 writes). CTest compares the files of -np 1, 2, 3, 4 and 8.
#include <cstdio>
#include <fstream>

#include "phold.hpp"
#include "tessera/pdes/mpi_transport.hpp"

using namespace tessera;

int main(int argc, char** argv) {
  pdes::MpiEnvironment env(argc, argv);
  if (argc != 2) {
    std::fprintf(stderr, "usage: pdes_fingerprint OUTPUT_FILE\n");
    return 2;
  }
  try {
    pdes::MpiTransport transport;
    bench::PholdConfig mix;
    mix.model = "mix";
    mix.lps = 48;
    mix.population = 300;
    mix.end_time = 4 * kMicrosecond;
    mix.seed = 7;
    mix.record = true;
    mix.placement = "round-robin";
    const bench::PholdRun a = bench::run_model(mix, transport);

    bench::PholdConfig phold;
    phold.lps = 120;
    phold.groups = 6;
    phold.population = 600;
    phold.remote_fraction = 0.3;
    phold.lookahead = 100 * kNanosecond;
    phold.mean_delay = 200 * kNanosecond;
    phold.end_time = 4 * kMicrosecond;
    phold.seed = 11;
    phold.record = true;
    const bench::PholdRun b = bench::run_model(phold, transport);

    if (transport.rank() == 0) {
      std::ofstream out(argv[1], std::ios::binary);
      out << "# mix model\n" << a.fingerprint << "# phold model\n" << b.fingerprint;
      if (!out) {
        std::fprintf(stderr, "pdes_fingerprint: cannot write %s\n", argv[1]);
        return 1;
      }
      std::printf("pdes_fingerprint: %d ranks, mix %lu events (lookahead %ld ps), phold %lu events\n",
                  transport.size(), static_cast<unsigned long>(a.result.global_events),
                  static_cast<long>(a.lookahead), static_cast<unsigned long>(b.result.global_events));
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "pdes_fingerprint: %s\n", e.what());
    pdes::MpiEnvironment::abort(static_cast<int>(e.code()));
  }
  return 0;
}
