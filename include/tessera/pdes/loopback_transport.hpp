// N virtual ranks in one process, one thread each, for tests: the same engine code path as MPI
// without mpirun.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "tessera/pdes/transport.hpp"

namespace tessera::pdes {

/// The shared state of N loopback ranks: mailboxes and a barrier that breaks (throws in every
/// waiting rank) when one rank fails, so a failing test ends instead of hanging.
class LoopbackHub {
 public:
  explicit LoopbackHub(int ranks);
  int size() const { return ranks_; }

  /// Waits until all ranks arrive. Throws LoopbackAborted once abort() was called.
  void arrive_and_wait();
  /// Breaks the barrier for every rank (called when a rank throws).
  void abort();

 private:
  friend class LoopbackTransport;
  int ranks_;
  std::mutex mutex_;
  std::condition_variable cv_;
  int arrived_ = 0;
  std::uint64_t generation_ = 0;
  bool aborted_ = false;
  std::vector<std::vector<std::vector<Event>>> mail_;  // [from][to]
  std::vector<SyncInput> inputs_;
  std::vector<std::int64_t> ints_;
  std::vector<double> doubles_;
  std::vector<std::string> strings_;
  std::vector<std::span<const std::byte>> bytes_;                       // all_gather_bytes, by rank
  std::vector<const std::vector<std::vector<std::byte>>*> to_each_;   // all_to_all, by rank
};

class LoopbackTransport final : public Transport {
 public:
  LoopbackTransport(LoopbackHub& hub, int rank) : hub_(hub), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return hub_.size(); }
  SyncResult exchange(std::vector<std::vector<Event>>& outboxes, const SyncInput& in,
                      std::vector<Event>& inbox) override;
  std::int64_t all_reduce_sum(std::int64_t v) override;
  std::int64_t all_reduce_min(std::int64_t v) override;
  std::int64_t all_reduce_max(std::int64_t v) override;
  double all_reduce_sum(double v) override;
  double all_reduce_max(double v) override;
  std::vector<std::string> all_gather(const std::string& s) override;
  RankBytes all_to_all(const std::vector<std::vector<std::byte>>& to_each) override;

 protected:
  RankBytes all_gather_bytes(std::span<const std::byte> mine) override;
  RankBytes gather_bytes(std::span<const std::byte> mine, int root) override;

 private:
  template <class T, class Op>
  T reduce(std::vector<T>& slots, T v, Op op);
  LoopbackHub& hub_;
  int rank_;
};

/// Runs body(transport) on `ranks` threads, one LoopbackTransport each, and waits for all. If any
/// rank throws, the others are released and the exception of the lowest failing rank is rethrown
/// (a real error is preferred over the "aborted" errors it caused elsewhere).
void run_loopback(int ranks, const std::function<void(Transport&)>& body);

}  // namespace tessera::pdes
