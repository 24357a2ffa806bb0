// The typed collectives of pdes::Transport, checked on any transport: every rank contributes
// values that depend on its rank (different sizes, empty ones included) and checks what it gets
// back. Used by test_transport.cpp (loopback threads) and transport_driver.cpp (mpirun).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tessera/pdes/transport.hpp"

namespace tessera::pdes::testing {

struct Row {
  std::int32_t rank;
  double value;
  std::uint64_t wide;
};

/// "" when every collective returned what it should on this rank, else what went wrong.
inline std::string check_collectives(Transport& t) {
  const int me = t.rank(), n = t.size();
  std::string err;
  const auto expect = [&](bool ok, const std::string& what) {
    if (!ok) err += "rank " + std::to_string(me) + ": " + what + "; ";
  };
  // Rank r sends r rows (rank 0 sends none).
  std::vector<Row> mine;
  for (int k = 0; k < me; ++k) mine.push_back({me, me + 0.5 * k, (std::uint64_t{1} << 40) + static_cast<std::uint64_t>(k)});
  const auto per_rank = t.all_gather_records(mine);
  expect(per_rank.size() == static_cast<std::size_t>(n), "all_gather_records: one entry per rank");
  for (int r = 0; r < n && r < static_cast<int>(per_rank.size()); ++r) {
    const auto& v = per_rank[static_cast<std::size_t>(r)];
    expect(v.size() == static_cast<std::size_t>(r), "all_gather_records: rank " + std::to_string(r) + "'s count");
    for (std::size_t k = 0; k < v.size(); ++k)
      expect(v[k].rank == r && v[k].value == r + 0.5 * static_cast<double>(k) &&
                 v[k].wide == (std::uint64_t{1} << 40) + k,
             "all_gather_records: a row's content");
  }
  const auto joined = t.all_gather_joined(mine);
  expect(joined.size() == static_cast<std::size_t>(n * (n - 1) / 2), "all_gather_joined: total rows");
  const auto values = t.all_gather_value(static_cast<std::int64_t>(10 * me));
  for (int r = 0; r < n; ++r) expect(values.at(static_cast<std::size_t>(r)) == 10 * r, "all_gather_value");

  // Strings with an empty one and a NUL inside, so no separator could carry them.
  std::vector<std::string> words{"rank" + std::to_string(me), "", std::string("a\0b", 3)};
  if (me % 2 == 1) words.clear();
  const auto all_words = t.all_gather_strings(words);
  for (int r = 0; r < n; ++r) {
    const auto& w = all_words.at(static_cast<std::size_t>(r));
    if (r % 2 == 1) {
      expect(w.empty(), "all_gather_strings: an empty list");
    } else {
      expect(w.size() == 3 && w[0] == "rank" + std::to_string(r) && w[1].empty() && w[2] == std::string("a\0b", 3),
             "all_gather_strings: rank " + std::to_string(r) + "'s list");
    }
  }

  // Gathers: everything on the root, nothing elsewhere.
  const int root = n - 1;
  const auto gathered = t.gather_records(mine, root);
  const auto gathered_words = t.gather_strings(words, root);
  if (me == root) {
    expect(gathered.size() == static_cast<std::size_t>(n) && gathered_words.size() == static_cast<std::size_t>(n),
           "gather: one entry per rank on the root");
    for (int r = 0; r < n && r < static_cast<int>(gathered.size()); ++r)
      expect(gathered[static_cast<std::size_t>(r)] .size() == static_cast<std::size_t>(r), "gather_records: a count");
    expect(gathered_words.at(0).size() == 3 && gathered_words.at(0)[0] == "rank0", "gather_strings: rank 0's list");
  } else {
    expect(gathered.empty() && gathered_words.empty(), "gather: nothing off the root");
  }

  // All-to-all: rank r sends q+1 bytes of value 16r+q to rank q.
  std::vector<std::vector<std::byte>> to_each(static_cast<std::size_t>(n));
  for (int q = 0; q < n; ++q)
    to_each[static_cast<std::size_t>(q)].assign(static_cast<std::size_t>(q + 1), static_cast<std::byte>(16 * me + q));
  const RankBytes got = t.all_to_all(to_each);
  expect(got.size() == n, "all_to_all: one buffer per source");
  for (int r = 0; r < got.size(); ++r) {
    const auto b = got.of(r);
    bool ok = b.size() == static_cast<std::size_t>(me + 1);
    for (const std::byte x : b) ok = ok && x == static_cast<std::byte>(16 * r + me);
    expect(ok, "all_to_all: the buffer from rank " + std::to_string(r));
  }
  return err;
}

}  // namespace tessera::pdes::testing
