// Writes the sample records (sample_records.hpp) into one HDF5 file from however many ranks
// mpirun starts: `hdf5_write_driver OUT.h5 [NPUS]`. The rank-count tests run it on 1, 2 and 4
// ranks and compare the files (tests/tools/test_rank_counts.py). With a third argument
// `duplicate`, every rank also claims NPU 0's summary, which the writer must reject on all ranks.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "sample_records.hpp"
#include "tessera/error.hpp"
#include "tessera/output/hdf5_writer.hpp"
#include "tessera/pdes/mpi_transport.hpp"

int main(int argc, char** argv) {
  tessera::pdes::MpiEnvironment env(argc, argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: hdf5_write_driver OUT.h5 [NPUS]\n");
    return 2;
  }
  const int npus = argc > 2 ? std::atoi(argv[2]) : 8;
  tessera::pdes::MpiTransport transport;
  auto records = tessera::output::testing::sample_records(npus, transport.rank(), transport.size());
  if (argc > 3 && std::string(argv[3]) == "duplicate" && transport.rank() != 0) {
    tessera::output::NpuSummary s;
    s.npu = 0;
    records.npus.push_back(s);
  }
  try {
    tessera::output::write_hdf5(argv[1], records, {transport, npus});
  } catch (const tessera::Error& e) {
    std::fprintf(stderr, "rank %d: %s\n", transport.rank(), e.what());
    return static_cast<int>(e.code());
  }
  if (transport.rank() == 0) std::printf("hdf5_write_driver: wrote %s on %d ranks\n", argv[1], transport.size());
  return 0;
}
