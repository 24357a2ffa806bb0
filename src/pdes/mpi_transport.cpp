// The only file of the engine that uses MPI.
#include "tessera/pdes/mpi_transport.hpp"

#include <algorithm>
#include <cstdio>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <initializer_list>
#include <cstring>
#include <functional>

#include <sched.h>
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

/// int64 words of the per-peer round header (MpiTransport::Impl::Header).
constexpr int kHeaderWords = 6;

/// Completes `req`. With a core for every rank of the node it polls until done: the peers arrive
/// within microseconds, and a sleep would cost a whole timer slice (50-70 us) per window, which
/// dominates runs whose windows hold a few events each (the flow model's). On an oversubscribed
/// node it polls for a while, then sleeps between polls: a rank that spins there burns the time
/// slice its peer needs and is then descheduled for a long time, while a rank that sleeps leaves
/// the core to the peer and, as a sleeper, gets it back promptly when it wakes.
void wait_for(MPI_Request& req, bool spin) {
  int done = 0;
  MPI_Test(&req, &done, MPI_STATUS_IGNORE);
  if (done) return;
  if (spin) {
    while (!done) MPI_Test(&req, &done, MPI_STATUS_IGNORE);
    return;
  }
  constexpr auto kSpin = std::chrono::microseconds(50);
  const auto t0 = std::chrono::steady_clock::now();
  while (!done && std::chrono::steady_clock::now() - t0 < kSpin) MPI_Test(&req, &done, MPI_STATUS_IGNORE);
  while (!done) {
    const timespec pause{0, 20'000};  // 20 us (the kernel's timer slack rounds it up to ~50-70 us)
    nanosleep(&pause, nullptr);
    MPI_Test(&req, &done, MPI_STATUS_IGNORE);
  }
}

/// CPUs the cgroup grants (cgroup v2 cpu.max "quota period", rounded up), or INT_MAX without a
/// limit.
int cgroup_cpus() {
  std::FILE* f = std::fopen("/sys/fs/cgroup/cpu.max", "r");
  if (f == nullptr) return INT_MAX;
  char quota[32] = {0};
  long period = 0;
  const int got = std::fscanf(f, "%31s %ld", quota, &period);
  std::fclose(f);
  if (got != 2 || period <= 0 || std::strcmp(quota, "max") == 0) return INT_MAX;
  const long q = std::strtol(quota, nullptr, 10);
  return q > 0 ? static_cast<int>((q + period - 1) / period) : INT_MAX;
}

/// Whether every rank on this node has a core of its own: the node's ranks are no more than the
/// CPUs any of them may run on (the union of their affinity masks, since mpirun may bind each rank
/// to one core) and than the cgroup's CPU quota.
bool core_per_rank(MPI_Comm world) {
  MPI_Comm node;
  MPI_Comm_split_type(world, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  int local = 1;
  MPI_Comm_size(node, &local);
  cpu_set_t mine;
  CPU_ZERO(&mine);
  if (sched_getaffinity(0, sizeof(mine), &mine) != 0) CPU_SET(0, &mine);
  cpu_set_t all;
  CPU_ZERO(&all);
  MPI_Allreduce(&mine, &all, static_cast<int>(sizeof(cpu_set_t)), MPI_BYTE, MPI_BOR, node);
  MPI_Comm_free(&node);
  const int cpus = std::min(CPU_COUNT(&all), cgroup_cpus());
  // Every rank of the world takes the same branch only if every node agrees; a node that is
  // oversubscribed makes the whole run sleep, since its windows set the pace anyway.
  int ok = local <= cpus ? 1 : 0, all_ok = 0;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, world);
  return all_ok == 1;
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
    std::int64_t max_out;    ///< the sender's largest message to one peer this round
  };
  static_assert(sizeof(Header) == kHeaderWords * sizeof(std::int64_t));
  /// Bytes of one message moved in one all-to-all: n peers times this fits MPI's int counts.
  std::int64_t round_limit = INT_MAX;
  std::vector<Header> send_head, recv_head;
  std::vector<int> send_counts, send_displs, recv_counts, recv_displs;
  std::vector<Event> send_buf, recv_buf;
  // What parallel_io() points to: the world communicator and no hints.
  MPI_Comm comm = MPI_COMM_NULL;
  MPI_Info info = MPI_INFO_NULL;
  ParallelIo io;
  bool spin = false;  ///< wait by polling only (a core per rank on every node)
};

MpiTransport::MpiTransport(std::int64_t round_limit) : impl_(std::make_unique<Impl>()) {
  const auto n = static_cast<std::size_t>(impl_->world.size());
  const std::int64_t most = INT_MAX / static_cast<std::int64_t>(n);
  impl_->round_limit = round_limit > 0 ? std::min(round_limit, most) : most;
  impl_->send_head.resize(n);
  impl_->recv_head.resize(n);
  impl_->send_counts.resize(n);
  impl_->send_displs.resize(n);
  impl_->recv_counts.resize(n);
  impl_->recv_displs.resize(n);
  impl_->comm = static_cast<MPI_Comm>(impl_->world);
  impl_->io = {&impl_->comm, &impl_->info};
  impl_->spin = core_per_rank(impl_->comm);
}
MpiTransport::~MpiTransport() = default;

int MpiTransport::rank() const { return impl_->world.rank(); }
int MpiTransport::size() const { return impl_->world.size(); }
const ParallelIo* MpiTransport::parallel_io() const { return &impl_->io; }

SyncResult MpiTransport::exchange(std::vector<std::vector<Event>>& outboxes, const SyncInput& in,
                                  std::vector<Event>& inbox) {
  Impl& m = *impl_;
  const std::size_t n = outboxes.size();
  std::int64_t total_out = 0, max_out = 0;
  for (std::size_t r = 0; r < n; ++r) {
    const auto b = static_cast<std::int64_t>(outboxes[r].size() * sizeof(Event));
    total_out += b;
    max_out = std::max(max_out, b);
  }
  for (std::size_t r = 0; r < n; ++r) {
    m.send_head[r] = {static_cast<std::int64_t>(outboxes[r].size() * sizeof(Event)), in.local_min,
                      static_cast<std::int64_t>(in.flags), static_cast<std::int64_t>(in.events), total_out,
                      max_out};
  }
  // One nonblocking collective carries every rank's minimum time, flags, event count and
  // message sizes; the data phase below runs only when some rank has events to send.
  MPI_Request req;
  MPI_Ialltoall(m.send_head.data(), kHeaderWords, MPI_INT64_T, m.recv_head.data(), kHeaderWords, MPI_INT64_T,
                m.world, &req);
  wait_for(req, m.spin);

  SyncResult out;
  std::int64_t anyone_sends = 0, largest = 0;
  for (std::size_t r = 0; r < n; ++r) {
    const Impl::Header& h = m.recv_head[r];
    out.global_min = std::min(out.global_min, h.local_min);
    out.flags |= static_cast<std::uint32_t>(h.flags);
    out.events += static_cast<std::uint64_t>(h.events);
    anyone_sends |= h.total_out;
    largest = std::max(largest, h.max_out);
  }
  // Every rank saw every rank's total, so all agree to skip the data phase of an idle round.
  if (anyone_sends == 0) return out;

  m.send_buf.clear();
  for (std::size_t r = 0; r < n; ++r) {
    m.send_buf.insert(m.send_buf.end(), outboxes[r].begin(), outboxes[r].end());
    outboxes[r].clear();
  }
  // Every rank saw the largest message of the round, so all take the same branch: no message
  // over the per-peer limit means no side of the all-to-all exceeds MPI's int counts.
  if (largest <= m.round_limit) {
    int send_total = 0, recv_total = 0;
    for (std::size_t r = 0; r < n; ++r) {
      m.send_counts[r] = static_cast<int>(m.send_head[r].bytes);
      m.send_displs[r] = send_total;
      send_total += m.send_counts[r];
      m.recv_counts[r] = static_cast<int>(m.recv_head[r].bytes);
      m.recv_displs[r] = recv_total;
      recv_total += m.recv_counts[r];
    }
    const std::size_t old = inbox.size();
    inbox.resize(old + static_cast<std::size_t>(recv_total) / sizeof(Event));
    MPI_Ialltoallv(m.send_buf.data(), m.send_counts.data(), m.send_displs.data(), MPI_BYTE, inbox.data() + old,
                   m.recv_counts.data(), m.recv_displs.data(), MPI_BYTE, m.world, &req);
    wait_for(req, m.spin);
    return out;
  }
  exchange_in_rounds(largest, inbox);
  return out;
}

void MpiTransport::exchange_in_rounds(std::int64_t largest, std::vector<Event>& inbox) {
  Impl& m = *impl_;
  const std::size_t n = m.send_head.size();
  const std::int64_t limit = m.round_limit;
  // Where each peer's bytes start in the packed send buffer and in this rank's inbox (sources in
  // rank order, as the one-round path places them).
  std::vector<std::int64_t> send_at(n), recv_at(n);
  std::int64_t send_total = 0, recv_total = 0;
  for (std::size_t r = 0; r < n; ++r) {
    send_at[r] = send_total;
    send_total += m.send_head[r].bytes;
    recv_at[r] = recv_total;
    recv_total += m.recv_head[r].bytes;
  }
  const std::size_t old = inbox.size();
  inbox.resize(old + static_cast<std::size_t>(recv_total) / sizeof(Event));
  auto* const in_bytes = reinterpret_cast<std::byte*>(inbox.data() + old);
  const auto* const out_bytes = reinterpret_cast<const std::byte*>(m.send_buf.data());
  // Round k moves bytes [k * limit, (k + 1) * limit) of every message, so each side of one round
  // holds at most n * limit <= INT_MAX bytes. The round count depends only on `largest`, which
  // every rank knows alike.
  const std::int64_t rounds = (largest + limit - 1) / limit;
  std::vector<std::byte> send_round, recv_round;
  for (std::int64_t k = 0; k < rounds; ++k) {
    const std::int64_t from = k * limit;
    int st = 0, rt = 0;
    for (std::size_t r = 0; r < n; ++r) {
      m.send_counts[r] = static_cast<int>(std::clamp<std::int64_t>(m.send_head[r].bytes - from, 0, limit));
      m.send_displs[r] = st;
      st += m.send_counts[r];
      m.recv_counts[r] = static_cast<int>(std::clamp<std::int64_t>(m.recv_head[r].bytes - from, 0, limit));
      m.recv_displs[r] = rt;
      rt += m.recv_counts[r];
    }
    send_round.resize(static_cast<std::size_t>(st));
    recv_round.resize(static_cast<std::size_t>(rt));
    for (std::size_t r = 0; r < n; ++r)
      if (m.send_counts[r] > 0)
        std::memcpy(send_round.data() + m.send_displs[r], out_bytes + send_at[r] + from,
                    static_cast<std::size_t>(m.send_counts[r]));
    MPI_Request req;
    MPI_Ialltoallv(send_round.data(), m.send_counts.data(), m.send_displs.data(), MPI_BYTE, recv_round.data(),
                   m.recv_counts.data(), m.recv_displs.data(), MPI_BYTE, m.world, &req);
    wait_for(req, m.spin);
    for (std::size_t r = 0; r < n; ++r)
      if (m.recv_counts[r] > 0)
        std::memcpy(in_bytes + recv_at[r] + from, recv_round.data() + m.recv_displs[r],
                    static_cast<std::size_t>(m.recv_counts[r]));
  }
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

/// Displacements and int counts for a v-collective from per-rank byte counts. MPI counts are
/// int, so a side over 2 GiB is refused; callers pass counts every rank knows alike (or agree on
/// the outcome first), so the refusal is raised on every rank, never on one alone.
struct VCounts {
  std::vector<int> counts, displs;
  std::size_t total = 0;
};
std::int64_t total_of(const std::vector<std::int64_t>& counts) {
  std::int64_t total = 0;
  for (const std::int64_t c : counts) total = c > INT_MAX - total ? std::int64_t{INT_MAX} + 1 : total + c;
  return total;
}
VCounts v_counts(const std::vector<std::int64_t>& counts) {
  VCounts v;
  v.counts.resize(counts.size());
  v.displs.resize(counts.size());
  for (std::size_t r = 0; r < counts.size(); ++r) {
    v.displs[r] = static_cast<int>(v.total);
    v.counts[r] = static_cast<int>(counts[r]);
    v.total += static_cast<std::size_t>(counts[r]);
  }
  return v;
}
[[noreturn]] void too_large(const char* what) {
  throw Error(std::string("more than 2 GiB in one ") + what + " between ranks; run on more ranks");
}

RankBytes rank_bytes(std::vector<std::byte> data, const VCounts& v) {
  RankBytes out;
  out.data = std::move(data);
  out.offsets.reserve(v.counts.size() + 1);
  for (std::size_t r = 0; r < v.counts.size(); ++r) out.offsets.push_back(static_cast<std::size_t>(v.displs[r]));
  out.offsets.push_back(out.data.size());
  return out;
}

}  // namespace

RankBytes MpiTransport::all_gather_bytes(std::span<const std::byte> mine) {
  const MPI_Comm comm = impl_->comm;
  const auto mine_count = static_cast<std::int64_t>(mine.size());
  std::vector<std::int64_t> counts(static_cast<std::size_t>(size()));
  MPI_Allgather(&mine_count, 1, MPI_INT64_T, counts.data(), 1, MPI_INT64_T, comm);
  if (total_of(counts) > INT_MAX) too_large("all-gather");  // every rank sees the same counts
  const VCounts v = v_counts(counts);
  std::vector<std::byte> data(v.total);
  MPI_Allgatherv(mine.data(), static_cast<int>(mine_count), MPI_BYTE, data.data(), v.counts.data(), v.displs.data(),
                 MPI_BYTE, comm);
  return rank_bytes(std::move(data), v);
}

RankBytes MpiTransport::gather_bytes(std::span<const std::byte> mine, int root) {
  const MPI_Comm comm = impl_->comm;
  const auto n = static_cast<std::size_t>(size());
  const auto mine_count = static_cast<std::int64_t>(mine.size());
  // Every rank learns every count, so all take the same branch and the same rounds.
  std::vector<std::int64_t> counts(n);
  MPI_Allgather(&mine_count, 1, MPI_INT64_T, counts.data(), 1, MPI_INT64_T, comm);
  RankBytes out;
  out.offsets.assign(n + 1, 0);
  for (std::size_t r = 0; r < n; ++r) out.offsets[r + 1] = out.offsets[r] + static_cast<std::size_t>(counts[r]);
  if (rank() == root) out.data.resize(out.offsets[n]);
  // MPI counts are int: round k moves bytes [k·limit, (k+1)·limit) of every rank's part, so one
  // round's receive side holds at most n·limit <= INT_MAX bytes (one round for all but huge
  // gathers, such as the collective records of a 2048-GPU LLM step).
  const std::int64_t limit = impl_->round_limit;  // INT_MAX / n unless a test asks for less
  const std::int64_t largest = *std::max_element(counts.begin(), counts.end());
  const std::int64_t rounds = std::max<std::int64_t>(1, (largest + limit - 1) / limit);
  std::vector<int> round_counts(n), round_displs(n);
  std::vector<std::byte> buf;
  for (std::int64_t k = 0; k < rounds; ++k) {
    const std::int64_t from = k * limit;
    int total = 0;
    for (std::size_t r = 0; r < n; ++r) {
      round_counts[r] = static_cast<int>(std::clamp<std::int64_t>(counts[r] - from, 0, limit));
      round_displs[r] = total;
      total += round_counts[r];
    }
    const int send = round_counts[static_cast<std::size_t>(rank())];
    const std::byte* at = send > 0 ? mine.data() + from : mine.data();
    if (rank() != root) {
      MPI_Gatherv(at, send, MPI_BYTE, nullptr, nullptr, nullptr, MPI_BYTE, root, comm);
      continue;
    }
    if (rounds == 1) {  // straight into place
      MPI_Gatherv(at, send, MPI_BYTE, out.data.data(), round_counts.data(), round_displs.data(), MPI_BYTE, root,
                  comm);
      continue;
    }
    buf.resize(static_cast<std::size_t>(total));
    MPI_Gatherv(at, send, MPI_BYTE, buf.data(), round_counts.data(), round_displs.data(), MPI_BYTE, root, comm);
    for (std::size_t r = 0; r < n; ++r)
      if (round_counts[r] > 0)
        std::memcpy(out.data.data() + out.offsets[r] + static_cast<std::size_t>(from), buf.data() + round_displs[r],
                    static_cast<std::size_t>(round_counts[r]));
  }
  if (rank() != root) return {};
  return out;
}

RankBytes MpiTransport::all_to_all(const std::vector<std::vector<std::byte>>& to_each) {
  const MPI_Comm comm = impl_->comm;
  const auto n = static_cast<std::size_t>(size());
  if (to_each.size() != n) throw Error("all_to_all needs one buffer per rank");
  std::vector<std::int64_t> send_counts(n), recv_counts(n);
  for (std::size_t q = 0; q < n; ++q) send_counts[q] = static_cast<std::int64_t>(to_each[q].size());
  MPI_Alltoall(send_counts.data(), 1, MPI_INT64_T, recv_counts.data(), 1, MPI_INT64_T, comm);
  // Each rank sees only its own two sides, so the ranks agree on the refusal before any throws.
  const int mine_too_large = total_of(send_counts) > INT_MAX || total_of(recv_counts) > INT_MAX ? 1 : 0;
  int any_too_large = 0;
  MPI_Allreduce(&mine_too_large, &any_too_large, 1, MPI_INT, MPI_MAX, comm);
  if (any_too_large != 0) too_large("all-to-all");
  const VCounts sv = v_counts(send_counts), rv = v_counts(recv_counts);
  std::vector<std::byte> send(sv.total);
  for (std::size_t q = 0; q < n; ++q)
    if (!to_each[q].empty()) std::memcpy(send.data() + sv.displs[q], to_each[q].data(), to_each[q].size());
  std::vector<std::byte> recv(rv.total);
  MPI_Alltoallv(send.data(), sv.counts.data(), sv.displs.data(), MPI_BYTE, recv.data(), rv.counts.data(),
                rv.displs.data(), MPI_BYTE, comm);
  return rank_bytes(std::move(recv), rv);
}

}  // namespace tessera::pdes
