// Figures for the HDF5 writer at scale: `mpirun -np R bench_hdf5_write --npus 16384 --layers 20
// --out /tmp/b.h5` writes the sample step (tests/unit/output/sample_records.hpp) of N NPUs spread
// round robin over R ranks (the worst case for row selections) and prints rows, bytes and times.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include <CLI/CLI.hpp>

#include "sample_records.hpp"
#include "tessera/error.hpp"
#include "tessera/output/hdf5_writer.hpp"
#include "tessera/pdes/mpi_transport.hpp"

int main(int argc, char** argv) {
  tessera::pdes::MpiEnvironment env(argc, argv);
  CLI::App app("HDF5 writer benchmark");
  int npus = 1024, layers = 10;
  std::string out = "bench_hdf5.h5";
  app.add_option("--npus", npus, "NPUs")->check(CLI::PositiveNumber);
  app.add_option("--layers", layers, "layers per NPU (2 intervals each)")->check(CLI::PositiveNumber);
  app.add_option("--out", out, "file to write");
  CLI11_PARSE(app, argc, argv);

  tessera::pdes::MpiTransport transport;
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  const auto records = tessera::output::testing::sample_records(npus, transport.rank(), transport.size(), layers);
  const auto t1 = Clock::now();
  try {
    tessera::output::write_hdf5(out, records, {transport, npus});
  } catch (const tessera::Error& e) {
    std::fprintf(stderr, "rank %d: %s\n", transport.rank(), e.what());
    return 1;
  }
  const auto t2 = Clock::now();
  const std::int64_t rows = transport.all_reduce_sum(static_cast<std::int64_t>(records.intervals.size()));
  const std::int64_t bins = transport.all_reduce_sum(static_cast<std::int64_t>(records.link_bins.size()));
  if (transport.rank() == 0) {
    const double secs = std::chrono::duration<double>(t2 - t1).count();
    const double mb = static_cast<double>(std::filesystem::file_size(out)) / 1e6;
    std::printf("bench_hdf5_write: %d ranks, %d NPUs, %lld interval rows, %lld link bins; generate %.3f s, "
                "write %.3f s, file %.1f MB, %.1f MB/s, %.0f interval rows/s\n",
                transport.size(), npus, static_cast<long long>(rows), static_cast<long long>(bins),
                std::chrono::duration<double>(t1 - t0).count(), secs, mb, mb / secs,
                static_cast<double>(rows) / secs);
  }
  return 0;
}
