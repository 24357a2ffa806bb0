#include "tessera/pdes/loopback_transport.hpp"

#include <algorithm>
#include <exception>
#include <thread>

#include "tessera/error.hpp"

namespace tessera::pdes {

namespace {
/// Thrown in ranks released by LoopbackHub::abort(); never the error reported to the caller when
/// a real one exists.
class LoopbackAborted : public Error {
 public:
  LoopbackAborted() : Error("loopback rank released because another rank failed") {}
};
}  // namespace

LoopbackHub::LoopbackHub(int ranks)
    : ranks_(ranks),
      mail_(static_cast<std::size_t>(ranks),
            std::vector<std::vector<Event>>(static_cast<std::size_t>(ranks))),
      inputs_(static_cast<std::size_t>(ranks)),
      ints_(static_cast<std::size_t>(ranks)),
      doubles_(static_cast<std::size_t>(ranks)),
      strings_(static_cast<std::size_t>(ranks)),
      bytes_(static_cast<std::size_t>(ranks)),
      to_each_(static_cast<std::size_t>(ranks)) {}

void LoopbackHub::arrive_and_wait() {
  std::unique_lock lock(mutex_);
  if (aborted_) throw LoopbackAborted();
  const std::uint64_t gen = generation_;
  if (++arrived_ == ranks_) {
    arrived_ = 0;
    ++generation_;
    cv_.notify_all();
    return;
  }
  cv_.wait(lock, [&] { return generation_ != gen || aborted_; });
  if (generation_ == gen) throw LoopbackAborted();
}

void LoopbackHub::abort() {
  std::lock_guard lock(mutex_);
  aborted_ = true;
  cv_.notify_all();
}

SyncResult LoopbackTransport::exchange(std::vector<std::vector<Event>>& outboxes, const SyncInput& in,
                                       std::vector<Event>& inbox) {
  const auto me = static_cast<std::size_t>(rank_);
  auto& mine = hub_.mail_[me];
  for (std::size_t r = 0; r < outboxes.size(); ++r) mine[r].swap(outboxes[r]);
  hub_.inputs_[me] = in;
  hub_.arrive_and_wait();  // every rank's mail and input is posted
  SyncResult out;
  for (std::size_t r = 0; r < hub_.mail_.size(); ++r) {
    const auto& box = hub_.mail_[r][me];
    inbox.insert(inbox.end(), box.begin(), box.end());
    const SyncInput& i = hub_.inputs_[r];
    out.global_min = std::min(out.global_min, i.local_min);
    out.flags |= i.flags;
    out.events += i.events;
  }
  hub_.arrive_and_wait();  // every rank has read its mail; take ours back for reuse
  for (std::size_t r = 0; r < outboxes.size(); ++r) {
    mine[r].clear();
    mine[r].swap(outboxes[r]);
  }
  return out;
}

template <class T, class Op>
T LoopbackTransport::reduce(std::vector<T>& slots, T v, Op op) {
  slots[static_cast<std::size_t>(rank_)] = v;
  hub_.arrive_and_wait();
  T acc = slots[0];
  for (std::size_t r = 1; r < slots.size(); ++r) acc = op(acc, slots[r]);
  hub_.arrive_and_wait();
  return acc;
}

std::int64_t LoopbackTransport::all_reduce_sum(std::int64_t v) {
  return reduce(hub_.ints_, v, [](std::int64_t a, std::int64_t b) { return a + b; });
}
std::int64_t LoopbackTransport::all_reduce_min(std::int64_t v) {
  return reduce(hub_.ints_, v, [](std::int64_t a, std::int64_t b) { return std::min(a, b); });
}
std::int64_t LoopbackTransport::all_reduce_max(std::int64_t v) {
  return reduce(hub_.ints_, v, [](std::int64_t a, std::int64_t b) { return std::max(a, b); });
}
double LoopbackTransport::all_reduce_sum(double v) {
  return reduce(hub_.doubles_, v, [](double a, double b) { return a + b; });
}
double LoopbackTransport::all_reduce_max(double v) {
  return reduce(hub_.doubles_, v, [](double a, double b) { return std::max(a, b); });
}

std::vector<std::string> LoopbackTransport::all_gather(const std::string& s) {
  hub_.strings_[static_cast<std::size_t>(rank_)] = s;
  hub_.arrive_and_wait();
  std::vector<std::string> out = hub_.strings_;
  hub_.arrive_and_wait();
  return out;
}

// Each rank posts a view of its buffer and copies what it needs while every view is still
// valid (between the two barriers).
RankBytes LoopbackTransport::all_gather_bytes(std::span<const std::byte> mine) {
  return gather_bytes(mine, -1);
}

// root -1: every rank copies (the all-gather).
RankBytes LoopbackTransport::gather_bytes(std::span<const std::byte> mine, int root) {
  hub_.bytes_[static_cast<std::size_t>(rank_)] = mine;
  hub_.arrive_and_wait();
  RankBytes out;
  if (root < 0 || root == rank_) {
    out.offsets.push_back(0);
    for (const auto& b : hub_.bytes_) {
      out.data.insert(out.data.end(), b.begin(), b.end());
      out.offsets.push_back(out.data.size());
    }
  }
  hub_.arrive_and_wait();
  return out;
}

RankBytes LoopbackTransport::all_to_all(const std::vector<std::vector<std::byte>>& to_each) {
  if (to_each.size() != static_cast<std::size_t>(size())) throw Error("all_to_all needs one buffer per rank");
  hub_.to_each_[static_cast<std::size_t>(rank_)] = &to_each;
  hub_.arrive_and_wait();
  RankBytes out;
  out.offsets.push_back(0);
  for (const auto* from : hub_.to_each_) {
    const std::vector<std::byte>& b = (*from)[static_cast<std::size_t>(rank_)];
    out.data.insert(out.data.end(), b.begin(), b.end());
    out.offsets.push_back(out.data.size());
  }
  hub_.arrive_and_wait();
  return out;
}

void run_loopback(int ranks, const std::function<void(Transport&)>& body) {
  if (ranks < 1) throw Error("run_loopback needs at least one rank");
  LoopbackHub hub(ranks);
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(ranks));
  std::vector<char> aborted(static_cast<std::size_t>(ranks), 0);  // not vector<bool>: written by threads
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(ranks));
  for (int r = 0; r < ranks; ++r) {
    threads.emplace_back([&, r] {
      LoopbackTransport transport(hub, r);
      try {
        body(transport);
      } catch (const LoopbackAborted&) {
        errors[static_cast<std::size_t>(r)] = std::current_exception();
        aborted[static_cast<std::size_t>(r)] = 1;
      } catch (...) {
        errors[static_cast<std::size_t>(r)] = std::current_exception();
        hub.abort();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t r = 0; r < errors.size(); ++r) {
      if (errors[r] && (pass == 1 || !aborted[r])) std::rethrow_exception(errors[r]);
    }
  }
}

}  // namespace tessera::pdes
