// The transport's typed collectives on real MPI ranks: `mpirun -np N transport_driver`. Prints
// "transport collectives ok on N ranks" from rank 0 when every rank's checks passed.
#include <cstdio>
#include <string>
#include <vector>

#include "tessera/pdes/mpi_transport.hpp"
#include "transport_checks.hpp"

namespace {

using tessera::pdes::Event;

/// Rank `me` sends (me + 1) * (q + 1) * 7 events to rank q, each naming its source, target and
/// index, so a misplaced or lost byte shows.
std::vector<std::vector<Event>> outboxes_of(int me, int n) {
  std::vector<std::vector<Event>> out(static_cast<std::size_t>(n));
  for (int q = 0; q < n; ++q)
    for (int k = 0; k < (me + 1) * (q + 1) * 7; ++k) {
      Event e;
      e.time = 1000 * me + k;
      e.order = static_cast<std::uint64_t>(q);
      e.seq = static_cast<std::uint64_t>(k);
      out[static_cast<std::size_t>(q)].push_back(e);
    }
  return out;
}

/// The data phase split into many all-to-alls (a round limit of 100 bytes, smaller than one
/// event) delivers exactly what one all-to-all delivers, and every rank agrees on the round.
std::string check_rounds(tessera::pdes::MpiTransport& one, tessera::pdes::MpiTransport& many) {
  const int me = one.rank(), n = one.size();
  tessera::pdes::SyncInput in;
  in.local_min = 5 + me;
  std::vector<Event> a, b;
  auto oa = outboxes_of(me, n), ob = outboxes_of(me, n);
  const auto ra = one.exchange(oa, in, a);
  const auto rb = many.exchange(ob, in, b);
  std::string err;
  if (ra.global_min != 5 || rb.global_min != 5) err += "rounds: global minimum; ";
  if (a.size() != b.size()) err += "rounds: " + std::to_string(b.size()) + " events, expected " + std::to_string(a.size()) + "; ";
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
    if (a[i].time != b[i].time || a[i].order != b[i].order || a[i].seq != b[i].seq) {
      err += "rounds: event " + std::to_string(i) + " differs; ";
      break;
    }
  std::size_t expected = 0;
  for (int r = 0; r < n; ++r) expected += static_cast<std::size_t>((r + 1) * (me + 1) * 7);
  if (a.size() != expected) err += "one round: event count; ";
  return err.empty() ? "" : "rank " + std::to_string(me) + ": " + err;
}

/// A gather split into rounds (100 bytes of each rank's part per round) delivers what one gather
/// delivers: parts of different lengths, longer than a round, in rank order.
std::string check_gather_rounds(tessera::pdes::MpiTransport& one, tessera::pdes::MpiTransport& many) {
  const int me = one.rank(), n = one.size();
  std::vector<std::int64_t> mine(static_cast<std::size_t>(40 * (me + 1)));
  for (std::size_t k = 0; k < mine.size(); ++k) mine[k] = 1000 * me + static_cast<std::int64_t>(k);
  const auto a = one.gather_records(mine, 0);
  const auto b = many.gather_records(mine, 0);
  if (me != 0) return a.empty() && b.empty() ? "" : "rank " + std::to_string(me) + ": gather rounds: non-root got data; ";
  if (static_cast<int>(b.size()) != n || a != b) return "rank 0: gather rounds: parts differ; ";
  for (int r = 0; r < n; ++r)
    if (b[static_cast<std::size_t>(r)].size() != static_cast<std::size_t>(40 * (r + 1)) ||
        b[static_cast<std::size_t>(r)].back() != 1000 * r + 40 * (r + 1) - 1)
      return "rank 0: gather rounds: part " + std::to_string(r) + " wrong; ";
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  tessera::pdes::MpiEnvironment env(argc, argv);
  tessera::pdes::MpiTransport t;
  std::string err = tessera::pdes::testing::check_collectives(t);
  tessera::pdes::MpiTransport small_rounds(100);
  err += check_rounds(t, small_rounds);
  err += check_gather_rounds(t, small_rounds);
  if (!err.empty()) std::fprintf(stderr, "%s\n", err.c_str());
  const bool io = t.parallel_io() != nullptr && t.parallel_io()->communicator != nullptr;
  if (!io) std::fprintf(stderr, "rank %d: no parallel I/O handle\n", t.rank());
  const std::int64_t failed = t.all_reduce_sum(std::int64_t{err.empty() && io ? 0 : 1});
  if (t.rank() == 0 && failed == 0) std::printf("transport collectives ok on %d ranks\n", t.size());
  return failed == 0 ? 0 : 1;
}
