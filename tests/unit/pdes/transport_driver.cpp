// The transport's typed collectives on real MPI ranks: `mpirun -np N transport_driver`. Prints
// "transport collectives ok on N ranks" from rank 0 when every rank's checks passed.
#include <cstdio>

#include "tessera/pdes/mpi_transport.hpp"
#include "transport_checks.hpp"

int main(int argc, char** argv) {
  tessera::pdes::MpiEnvironment env(argc, argv);
  tessera::pdes::MpiTransport t;
  const std::string err = tessera::pdes::testing::check_collectives(t);
  if (!err.empty()) std::fprintf(stderr, "%s\n", err.c_str());
  const bool io = t.parallel_io() != nullptr && t.parallel_io()->communicator != nullptr;
  if (!io) std::fprintf(stderr, "rank %d: no parallel I/O handle\n", t.rank());
  const std::int64_t failed = t.all_reduce_sum(std::int64_t{err.empty() && io ? 0 : 1});
  if (t.rank() == 0 && failed == 0) std::printf("transport collectives ok on %d ranks\n", t.size());
  return failed == 0 ? 0 : 1;
}
