// Proves the MPI plumbing: Boost.MPI point-to-point and a reduction across real mpirun ranks.
#include <cstdio>

#include <boost/mpi.hpp>

int main(int argc, char** argv) {
  boost::mpi::environment env(argc, argv);
  boost::mpi::communicator world;
  const int n = world.size();
  const int me = world.rank();
  // Ring exchange: each rank sends its id to the next and receives from the previous.
  int got = -1;
  if (n > 1) {
    auto req = world.isend((me + 1) % n, 7, me);
    world.recv((me + n - 1) % n, 7, got);
    req.wait();
  } else {
    got = 0;
  }
  const int expect = (me + n - 1) % n;
  long sum = 0;
  boost::mpi::all_reduce(world, static_cast<long>(me), sum, std::plus<long>());
  const bool ok = got == expect && sum == static_cast<long>(n) * (n - 1) / 2;
  int all_ok = 0;
  boost::mpi::all_reduce(world, ok ? 1 : 0, all_ok, boost::mpi::minimum<int>());
  if (me == 0) std::printf(all_ok ? "mpi_smoke: %d ranks ok\n" : "mpi_smoke: %d ranks FAILED\n", n);
  return all_ok ? 0 : 1;
}
