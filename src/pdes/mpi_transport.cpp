// The only file of the engine that uses MPI.
#include "tessera/pdes/mpi_transport.hpp"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <initializer_list>
#include <cstring>
#include <functional>

#include <time.h>

#include <mpi.h>
#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

#include "tessera/error.hpp"

namespace tessera::pdes {

struct MpiEnvironment::Impl {
  Impl(int& argc, char**& argv) : env(argc, argv) {}
  boost::mpi::environment env;
};

MpiEnvironment::MpiEnvironment(int& argc, char**& argv) : impl_(std::make_unique<Impl>(argc, argv)) {}
MpiEnvironment::~MpiEnvironment() = default;

void MpiEnvironment::abort(int code) {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::abort();  // MPI_Abort does not return; this satisfies [[noreturn]]
}

namespace {

/// The first of `names` set to a non-negative integer in the environment, or -1.
int first_env_int(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    const char* v = std::getenv(name);
    if (v != nullptr && *v != '\0') {
      char* end = nullptr;
      const long r = std::strtol(v, &end, 10);
      if (end != v && *end == '\0' && r >= 0) return static_cast<int>(r);
    }
  }
  return -1;
}

}  // namespace

LaunchInfo launch_info() {
  LaunchInfo l;
  // Open MPI's mpirun, PMIx launchers, MPICH/Hydra and Slurm's srun, in that order.
  const int r = first_env_int({"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"});
  l.rank = r < 0 ? 0 : r;
  // srun --mpi=pmix sets no *_SIZE variable before MPI_Init, only SLURM_STEP_NUM_TASKS.
  const int n = first_env_int(
      {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS", "SLURM_STEP_NUM_TASKS"});
  l.size = n < 1 ? 1 : n;
  // Open MPI, PMIx and MPICH/Hydra; Slurm has no plain per-node count, and guessing high would
  // refuse runs that fit, so unknown means 1.
  const int local = first_env_int({"OMPI_COMM_WORLD_LOCAL_SIZE", "PMIX_LOCAL_SIZE", "MPI_LOCALNRANKS"});
  l.local_size = local < 1 ? 1 : local;
  return l;
}

namespace {

/// Completes `req` without monopolising a core. It polls for a while first (on a machine with a
/// core per rank the peers arrive within microseconds), then sleeps between polls. On an
/// oversubscribed machine a rank that spins burns the time slice its peer needs and is then
/// descheduled for a long time, so every window costs whole scheduler slices; a rank that
/// sleeps leaves the core to the peer and, as a sleeper, gets it back promptly when it wakes.
void wait_for(MPI_Request& req) {
  int done = 0;
  MPI_Test(&req, &done, MPI_STATUS_IGNORE);
  if (done) return;
  constexpr auto kSpin = std::chrono::microseconds(50);
  const auto t0 = std::chrono::steady_clock::now();
  while (!done && std::chrono::steady_clock::now() - t0 < kSpin) MPI_Test(&req, &done, MPI_STATUS_IGNORE);
  while (!done) {
    const timespec pause{0, 20'000};  // 20 us (the kernel's timer slack rounds it up to ~50-70 us)
    nanosleep(&pause, nullptr);
    MPI_Test(&req, &done, MPI_STATUS_IGNORE);
  }
}

}  // namespace

struct MpiTransport::Impl {
  boost::mpi::communicator world;
  // Per-peer round header, sent with one MPI_Alltoall.
  struct Header {
    std::int64_t bytes;
    std::int64_t local_min;
    std::int64_t flags;
    std::int64_t events;
    std::int64_t total_out;  ///< bytes the sender sends to all peers this round
  };
  std::vector<Header> send_head, recv_head;
  std::vector<int> send_counts, send_displs, recv_counts, recv_displs;
  std::vector<Event> send_buf, recv_buf;
  // What parallel_io() points to: the world communicator and no hints.
  MPI_Comm comm = MPI_COMM_NULL;
  MPI_Info info = MPI_INFO_NULL;
  ParallelIo io;
};

MpiTransport::MpiTransport() : impl_(std::make_unique<Impl>()) {
  const auto n = static_cast<std::size_t>(impl_->world.size());
  impl_->send_head.resize(n);
  impl_->recv_head.resize(n);
  impl_->send_counts.resize(n);
  impl_->send_displs.resize(n);
  impl_->recv_counts.resize(n);
  impl_->recv_displs.resize(n);
  impl_->comm = static_cast<MPI_Comm>(impl_->world);
  impl_->io = {&impl_->comm, &impl_->info};
}
MpiTransport::~MpiTransport() = default;

int MpiTransport::rank() const { return impl_->world.rank(); }
int MpiTransport::size() const { return impl_->world.size(); }
const ParallelIo* MpiTransport::parallel_io() const { return &impl_->io; }

SyncResult MpiTransport::exchange(std::vector<std::vector<Event>>& outboxes, const SyncInput& in,
                                  std::vector<Event>& inbox) {
  Impl& m = *impl_;
  const std::size_t n = outboxes.size();
  std::int64_t total_out = 0;
  for (std::size_t r = 0; r < n; ++r)
    total_out += static_cast<std::int64_t>(outboxes[r].size() * sizeof(Event));
  for (std::size_t r = 0; r < n; ++r) {
    m.send_head[r] = {static_cast<std::int64_t>(outboxes[r].size() * sizeof(Event)), in.local_min,
                      static_cast<std::int64_t>(in.flags), static_cast<std::int64_t>(in.events), total_out};
  }
  // One nonblocking collective carries every rank's minimum time, flags, event count and
  // message sizes; the data phase below runs only when some rank has events to send.
  MPI_Request req;
  MPI_Ialltoall(m.send_head.data(), 5, MPI_INT64_T, m.recv_head.data(), 5, MPI_INT64_T, m.world, &req);
  wait_for(req);

  SyncResult out;
  std::int64_t anyone_sends = 0;
  for (std::size_t r = 0; r < n; ++r) {
    const Impl::Header& h = m.recv_head[r];
    out.global_min = std::min(out.global_min, h.local_min);
    out.flags |= static_cast<std::uint32_t>(h.flags);
    out.events += static_cast<std::uint64_t>(h.events);
    anyone_sends |= h.total_out;
  }
  // Every rank saw every rank's total, so all agree to skip the data phase of an idle round.
  if (anyone_sends == 0) return out;

  int send_total = 0, recv_total = 0;
  for (std::size_t r = 0; r < n; ++r) {
    const std::int64_t sb = m.send_head[r].bytes, rb = m.recv_head[r].bytes;
    if (sb > INT_MAX - send_total || rb > INT_MAX - recv_total) {
      throw Error(
          "more than 2 GiB of events cross ranks in one window; run more ranks or lower the lookahead");
    }
    m.send_counts[r] = static_cast<int>(sb);
    m.send_displs[r] = send_total;
    send_total += static_cast<int>(sb);
    m.recv_counts[r] = static_cast<int>(rb);
    m.recv_displs[r] = recv_total;
    recv_total += static_cast<int>(rb);
  }
  m.send_buf.clear();
  for (std::size_t r = 0; r < n; ++r) {
    m.send_buf.insert(m.send_buf.end(), outboxes[r].begin(), outboxes[r].end());
    outboxes[r].clear();
  }
  const std::size_t old = inbox.size();
  inbox.resize(old + static_cast<std::size_t>(recv_total) / sizeof(Event));
  MPI_Ialltoallv(m.send_buf.data(), m.send_counts.data(), m.send_displs.data(), MPI_BYTE, inbox.data() + old,
                 m.recv_counts.data(), m.recv_displs.data(), MPI_BYTE, m.world, &req);
  wait_for(req);
  return out;
}

std::int64_t MpiTransport::all_reduce_sum(std::int64_t v) {
  std::int64_t out = 0;
  boost::mpi::all_reduce(impl_->world, v, out, std::plus<std::int64_t>());
  return out;
}
std::int64_t MpiTransport::all_reduce_min(std::int64_t v) {
  std::int64_t out = 0;
  boost::mpi::all_reduce(impl_->world, v, out, boost::mpi::minimum<std::int64_t>());
  return out;
}
std::int64_t MpiTransport::all_reduce_max(std::int64_t v) {
  std::int64_t out = 0;
  boost::mpi::all_reduce(impl_->world, v, out, boost::mpi::maximum<std::int64_t>());
  return out;
}
double MpiTransport::all_reduce_sum(double v) {
  double out = 0;
  boost::mpi::all_reduce(impl_->world, v, out, std::plus<double>());
  return out;
}
double MpiTransport::all_reduce_max(double v) {
  double out = 0;
  boost::mpi::all_reduce(impl_->world, v, out, boost::mpi::maximum<double>());
  return out;
}
std::vector<std::string> MpiTransport::all_gather(const std::string& s) {
  std::vector<std::string> out;
  boost::mpi::all_gather(impl_->world, s, out);
  return out;
}

namespace {

/// Displacements for a v-collective from per-rank byte counts; MPI counts are int, so a side
/// over 2 GiB is refused with a message instead of overflowing.
std::vector<int> displacements(const std::vector<int>& counts, const char* what) {
  std::vector<int> displs(counts.size());
  long long total = 0;
  for (std::size_t r = 0; r < counts.size(); ++r) {
    displs[r] = static_cast<int>(total);
    total += counts[r];
    if (total > INT_MAX) throw Error(std::string("more than 2 GiB in one ") + what + "; run on more ranks");
  }
  return displs;
}

int byte_count(std::size_t n, const char* what) {
  if (n > static_cast<std::size_t>(INT_MAX))
    throw Error(std::string("more than 2 GiB from one rank in one ") + what + "; run on more ranks");
  return static_cast<int>(n);
}

RankBytes rank_bytes(std::vector<std::byte> data, const std::vector<int>& counts, const std::vector<int>& displs) {
  RankBytes out;
  out.data = std::move(data);
  out.offsets.reserve(counts.size() + 1);
  for (std::size_t r = 0; r < counts.size(); ++r) out.offsets.push_back(static_cast<std::size_t>(displs[r]));
  out.offsets.push_back(out.data.size());
  return out;
}

}  // namespace

RankBytes MpiTransport::all_gather_bytes(std::span<const std::byte> mine) {
  const MPI_Comm comm = impl_->comm;
  const int n = size();
  const int count = byte_count(mine.size(), "all-gather");
  std::vector<int> counts(static_cast<std::size_t>(n));
  MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, comm);
  const std::vector<int> displs = displacements(counts, "all-gather");
  std::vector<std::byte> data(static_cast<std::size_t>(displs.back()) + static_cast<std::size_t>(counts.back()));
  MPI_Allgatherv(mine.data(), count, MPI_BYTE, data.data(), counts.data(), displs.data(), MPI_BYTE, comm);
  return rank_bytes(std::move(data), counts, displs);
}

RankBytes MpiTransport::gather_bytes(std::span<const std::byte> mine, int root) {
  const MPI_Comm comm = impl_->comm;
  const int count = byte_count(mine.size(), "gather");
  // Every rank learns every count, so a total over 2 GiB is refused on all ranks alike.
  std::vector<int> counts(static_cast<std::size_t>(size()));
  MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, comm);
  const std::vector<int> displs = displacements(counts, "gather");
  if (rank() != root) {
    MPI_Gatherv(mine.data(), count, MPI_BYTE, nullptr, nullptr, nullptr, MPI_BYTE, root, comm);
    return {};
  }
  std::vector<std::byte> data(static_cast<std::size_t>(displs.back()) + static_cast<std::size_t>(counts.back()));
  MPI_Gatherv(mine.data(), count, MPI_BYTE, data.data(), counts.data(), displs.data(), MPI_BYTE, root, comm);
  return rank_bytes(std::move(data), counts, displs);
}

RankBytes MpiTransport::all_to_all(const std::vector<std::vector<std::byte>>& to_each) {
  const MPI_Comm comm = impl_->comm;
  const auto n = static_cast<std::size_t>(size());
  if (to_each.size() != n) throw Error("all_to_all needs one buffer per rank");
  std::vector<int> send_counts(n), recv_counts(n);
  for (std::size_t q = 0; q < n; ++q) send_counts[q] = byte_count(to_each[q].size(), "all-to-all");
  const std::vector<int> send_displs = displacements(send_counts, "all-to-all");
  std::vector<std::byte> send(static_cast<std::size_t>(send_displs.back()) + to_each.back().size());
  for (std::size_t q = 0; q < n; ++q)
    if (!to_each[q].empty())
      std::memcpy(send.data() + send_displs[q], to_each[q].data(), to_each[q].size());
  MPI_Alltoall(send_counts.data(), 1, MPI_INT, recv_counts.data(), 1, MPI_INT, comm);
  const std::vector<int> recv_displs = displacements(recv_counts, "all-to-all");
  std::vector<std::byte> recv(static_cast<std::size_t>(recv_displs.back()) + static_cast<std::size_t>(recv_counts.back()));
  MPI_Alltoallv(send.data(), send_counts.data(), send_displs.data(), MPI_BYTE, recv.data(), recv_counts.data(),
                recv_displs.data(), MPI_BYTE, comm);
  return rank_bytes(std::move(recv), recv_counts, recv_displs);
}

}  // namespace tessera::pdes
