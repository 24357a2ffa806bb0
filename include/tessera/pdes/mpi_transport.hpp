// Real MPI ranks. This header names no MPI type; everything MPI lives in mpi_transport.cpp.
#pragma once

#include <cstdint>
#include <memory>

#include "tessera/pdes/transport.hpp"

namespace tessera::pdes {

/// Initializes MPI for the life of the object (Boost.MPI environment). Create one in main()
/// before any MpiTransport.
class MpiEnvironment {
 public:
  MpiEnvironment(int& argc, char**& argv);
  ~MpiEnvironment();
  MpiEnvironment(const MpiEnvironment&) = delete;
  MpiEnvironment& operator=(const MpiEnvironment&) = delete;
  /// Ends every rank with `code` (MPI_Abort); for main() when one rank fails alone.
  [[noreturn]] static void abort(int code);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// What an MPI launcher (mpirun, srun) told this process through its environment, readable
/// before and without initialising MPI: commands that never initialise it print from one rank
/// only, and `run` initialises it only when the job has more than one rank.
struct LaunchInfo {
  int rank = 0;        ///< 0 when run alone
  int size = 1;        ///< ranks of the job
  int local_size = 1;  ///< ranks of the job on this node (1 when unknown or run alone)
};
LaunchInfo launch_info();

/// Transport over MPI_COMM_WORLD. One round is one MPI_Alltoall of a 48-byte header per peer
/// (bytes for that peer, local minimum time, flags, event count, total bytes out, largest
/// message) plus, only when some rank has events to send, one MPI_Alltoallv of raw event bytes.
/// MPI counts are int, so when some message is larger than `round_limit` bytes (at most, and by
/// default, INT_MAX / ranks) every rank moves the data in as many all-to-alls as the largest
/// message needs; the result is the same.
class MpiTransport final : public Transport {
 public:
  explicit MpiTransport(std::int64_t round_limit = 0);
  ~MpiTransport() override;
  int rank() const override;
  int size() const override;
  SyncResult exchange(std::vector<std::vector<Event>>& outboxes, const SyncInput& in,
                      std::vector<Event>& inbox) override;
  std::int64_t all_reduce_sum(std::int64_t v) override;
  std::int64_t all_reduce_min(std::int64_t v) override;
  std::int64_t all_reduce_max(std::int64_t v) override;
  double all_reduce_sum(double v) override;
  double all_reduce_max(double v) override;
  std::vector<std::string> all_gather(const std::string& s) override;
  RankBytes all_to_all(const std::vector<std::vector<std::byte>>& to_each) override;
  /// The world communicator for MPI-IO (parallel HDF5 opens its one file with it).
  const ParallelIo* parallel_io() const override;

 protected:
  RankBytes all_gather_bytes(std::span<const std::byte> mine) override;
  RankBytes gather_bytes(std::span<const std::byte> mine, int root) override;

 private:
  void exchange_in_rounds(std::int64_t largest, std::vector<Event>& inbox);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tessera::pdes
