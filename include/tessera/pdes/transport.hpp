// How ranks talk. The engine uses only this interface; LoopbackTransport runs N virtual ranks as
// threads of one process (unit tests), MpiTransport (mpi_transport.hpp) runs real MPI ranks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tessera/pdes/event.hpp"

namespace tessera::pdes {

/// What one rank contributes to a synchronization round.
struct SyncInput {
  SimTime local_min = kTimeInfinity;  ///< earliest local event, including those in the outboxes
  std::uint32_t flags = 0;            ///< bits OR-ed across ranks (stop requests)
  std::uint64_t events = 0;           ///< events this rank processed so far (summed)
};

/// What every rank learns from the round (identical on all ranks).
struct SyncResult {
  SimTime global_min = kTimeInfinity;
  std::uint32_t flags = 0;
  std::uint64_t events = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;

  /// One synchronization round (collective): delivers outboxes[r] to rank r, appends what other
  /// ranks sent here to `inbox`, clears the outboxes (keeping capacity) and reduces the inputs.
  /// outboxes.size() == size(); outboxes[rank()] is empty.
  virtual SyncResult exchange(std::vector<std::vector<Event>>& outboxes, const SyncInput& in,
                              std::vector<Event>& inbox) = 0;

  // Collective helpers for the app (summaries, agreement). Every rank must call them in the same
  // order.
  virtual std::int64_t all_reduce_sum(std::int64_t v) = 0;
  virtual std::int64_t all_reduce_min(std::int64_t v) = 0;
  virtual std::int64_t all_reduce_max(std::int64_t v) = 0;
  virtual double all_reduce_sum(double v) = 0;
  virtual double all_reduce_max(double v) = 0;
  /// Every rank's string, indexed by rank, on every rank.
  virtual std::vector<std::string> all_gather(const std::string& s) = 0;
};

}  // namespace tessera::pdes
