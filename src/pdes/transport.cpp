// The typed collectives of Transport that are not templates, built on its byte primitives.
#include "tessera/pdes/transport.hpp"

namespace tessera::pdes {

namespace {

/// A list of strings as two buffers: their lengths (records) and their characters back to back.
struct PackedStrings {
  std::vector<std::uint64_t> lengths;
  std::string chars;
  explicit PackedStrings(const std::vector<std::string>& v) {
    lengths.reserve(v.size());
    for (const std::string& s : v) {
      lengths.push_back(s.size());
      chars += s;
    }
  }
  std::span<const std::byte> char_bytes() const { return std::as_bytes(std::span<const char>(chars)); }
};

std::vector<std::vector<std::string>> unpack(const std::vector<std::vector<std::uint64_t>>& lengths,
                                             const RankBytes& chars) {
  std::vector<std::vector<std::string>> out(lengths.size());
  for (std::size_t r = 0; r < out.size(); ++r) {
    const char* at = reinterpret_cast<const char*>(chars.of(static_cast<int>(r)).data());
    out[r].reserve(lengths[r].size());
    for (const std::uint64_t n : lengths[r]) {
      out[r].emplace_back(at, static_cast<std::size_t>(n));
      at += n;
    }
  }
  return out;
}

}  // namespace

std::vector<std::vector<std::string>> Transport::all_gather_strings(const std::vector<std::string>& mine) {
  const PackedStrings p(mine);
  const auto lengths = all_gather_records(p.lengths);
  return unpack(lengths, all_gather_bytes(p.char_bytes()));
}

std::vector<std::vector<std::string>> Transport::gather_strings(const std::vector<std::string>& mine, int root) {
  const PackedStrings p(mine);
  const auto lengths = gather_records(p.lengths, root);
  return unpack(lengths, gather_bytes(p.char_bytes(), root));
}

}  // namespace tessera::pdes
