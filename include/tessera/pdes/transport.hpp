// How ranks talk. The engine uses only this interface; LoopbackTransport runs N virtual ranks as
// threads of one process (unit tests), MpiTransport (mpi_transport.hpp) runs real MPI ranks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>
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

/// Bytes from every rank, in rank order, in one buffer: rank r's are of(r).
struct RankBytes {
  std::vector<std::byte> data;
  std::vector<std::size_t> offsets;  ///< size() + 1 entries; rank r's bytes are [offsets[r], offsets[r+1])
  int size() const { return offsets.empty() ? 0 : static_cast<int>(offsets.size() - 1); }
  std::span<const std::byte> of(int r) const {
    const auto i = static_cast<std::size_t>(r);
    return {data.data() + offsets[i], offsets[i + 1] - offsets[i]};
  }
};

/// What parallel file I/O (MPI-IO under parallel HDF5) needs to open one file on every rank of a
/// transport: the MPI communicator and info object, as opaque pointers so that no header names
/// an MPI type. Only the HDF5 writer's file-access call reads them (src/output/hdf5_writer.cpp
/// hands them to H5Pset_fapl_mpio with the types that call declares); they live as long as the
/// transport.
struct ParallelIo {
  const void* communicator = nullptr;  ///< points to MPI's communicator handle
  const void* info = nullptr;          ///< points to MPI's info handle (hints)
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

  // ---- Typed collectives. Every rank calls them in the same order; results are identical on
  // every rank (all-gathers) and indexed by rank. Records are trivially copyable structs that
  // travel as their bytes (ranks run the same binary), so no format is written by hand.

  /// Every rank's records, indexed by rank.
  template <class T>
    requires std::is_trivially_copyable_v<T>
  std::vector<std::vector<T>> all_gather_records(const std::vector<T>& mine) {
    const RankBytes all = all_gather_bytes(std::as_bytes(std::span<const T>(mine)));
    std::vector<std::vector<T>> out(static_cast<std::size_t>(all.size()));
    for (int r = 0; r < all.size(); ++r) out[static_cast<std::size_t>(r)] = records_of<T>(all.of(r));
    return out;
  }
  /// Every rank's records, concatenated in rank order.
  template <class T>
    requires std::is_trivially_copyable_v<T>
  std::vector<T> all_gather_joined(const std::vector<T>& mine) {
    return records_of<T>(all_gather_bytes(std::as_bytes(std::span<const T>(mine))).data);
  }
  /// One value per rank, indexed by rank.
  template <class T>
    requires std::is_trivially_copyable_v<T>
  std::vector<T> all_gather_value(const T& mine) {
    return records_of<T>(all_gather_bytes(std::as_bytes(std::span<const T>(&mine, 1))).data);
  }
  /// Every rank's list of strings, indexed by rank.
  std::vector<std::vector<std::string>> all_gather_strings(const std::vector<std::string>& mine);

  /// Every rank's records on `root`, indexed by rank; empty on the other ranks.
  template <class T>
    requires std::is_trivially_copyable_v<T>
  std::vector<std::vector<T>> gather_records(const std::vector<T>& mine, int root) {
    const RankBytes all = gather_bytes(std::as_bytes(std::span<const T>(mine)), root);
    std::vector<std::vector<T>> out(static_cast<std::size_t>(all.size()));
    for (int r = 0; r < all.size(); ++r) out[static_cast<std::size_t>(r)] = records_of<T>(all.of(r));
    return out;
  }
  /// Every rank's list of strings on `root`, indexed by rank; empty on the other ranks.
  std::vector<std::vector<std::string>> gather_strings(const std::vector<std::string>& mine, int root);

  /// Personalized exchange: to_each[q] goes to rank q (to_each.size() == size()); the result
  /// holds what every rank sent to this one, by source rank.
  virtual RankBytes all_to_all(const std::vector<std::vector<std::byte>>& to_each) = 0;

  /// The handle parallel I/O opens a shared file with; nullptr when this transport's ranks
  /// cannot share one (in-process loopback ranks: a single one writes serially).
  virtual const ParallelIo* parallel_io() const { return nullptr; }

 protected:
  /// The primitive under the typed all-gathers: every rank's bytes, in rank order.
  virtual RankBytes all_gather_bytes(std::span<const std::byte> mine) = 0;
  /// The same on `root` only; the other ranks get an empty RankBytes (size() == 0).
  virtual RankBytes gather_bytes(std::span<const std::byte> mine, int root) = 0;

 private:
  template <class T>
  static std::vector<T> records_of(std::span<const std::byte> bytes) {
    std::vector<T> v(bytes.size() / sizeof(T));
    if (!v.empty()) std::memcpy(v.data(), bytes.data(), v.size() * sizeof(T));
    return v;
  }
};

}  // namespace tessera::pdes
