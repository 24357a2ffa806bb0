#include "tessera/collective/nccl/options.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <span>

#include <fmt/format.h>

#include "tessera/collective/nccl/constants.hpp"
#include "tessera/collective/registry.hpp"
#include "tessera/error.hpp"

namespace tessera::collective::nccl {

namespace {

// src/init.cc ncclFuncStr, ncclAlgoStr, ncclProtoStr.
constexpr std::string_view kFuncNames[kNumFuncs] = {"Broadcast", "Reduce", "AllGather", "ReduceScatter",
                                                    "AllReduce"};
constexpr std::string_view kAlgoNames[kNumAlgos] = {
    "Tree", "Ring", "CollNetDirect", "CollNetChain", "NVLS", "NVLSTree", "PAT"};
constexpr std::string_view kProtoNames[kNumProtos] = {"LL", "LL128", "Simple"};

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// strtok semantics: split on `sep`, dropping empty pieces.
std::vector<std::string_view> tokens(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    const std::size_t end = std::min(s.find(sep, pos), s.size());
    if (end > pos) out.push_back(s.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

std::string joined(const std::vector<std::string_view>& names) {
  std::string out;
  for (auto n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

std::string guess(std::string_view word, const std::vector<std::string_view>& names) {
  std::vector<std::string> candidates(names.begin(), names.end());
  const std::string best = closest_name(word, candidates);
  return best.empty() ? std::string() : fmt::format("did you mean \"{}\"? ", best);
}

std::vector<std::string_view> to_views(std::span<const std::string_view> names) {
  return {names.begin(), names.end()};
}

struct IntRange {
  std::int64_t lo, hi;
};

std::int64_t parse_int(std::string_view name, std::string_view value, std::string_view where,
                       IntRange range) {
  std::int64_t v = 0;
  const char* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(value.data(), end, v);
  if (ec != std::errc() || ptr != end || v < range.lo || v > range.hi) {
    throw InputError(Diagnostic{"", 0, fmt::format("{}: {}", where, name),
                                fmt::format("invalid value \"{}\"", value),
                                fmt::format("use an integer from {} to {}", range.lo, range.hi)});
  }
  return v;
}

}  // namespace

std::string_view to_string(Func f) { return kFuncNames[static_cast<int>(f)]; }
std::string_view to_string(Algo a) { return kAlgoNames[static_cast<int>(a)]; }
std::string_view to_string(Proto p) { return kProtoNames[static_cast<int>(p)]; }

NcclOptions::NcclOptions() {
  for (auto& row : algo_enable) row.fill(1);
  for (auto& row : proto_enable) {
    row.fill(1);
    row[static_cast<int>(Proto::kLl128)] = 2;
  }
}

std::string parse_list(std::string_view text, const std::vector<std::string_view>& prefixes,
                       const std::vector<std::string_view>& elements, std::vector<std::vector<int>>& list) {
  const std::vector<std::string_view> entries = tokens(text, ';');
  if (entries.empty()) return "the list is empty";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::vector<std::string_view> parts = tokens(entries[i], ':');
    if (entries[i].back() == ':') return fmt::format("\"{}\" lists no element", entries[i]);
    if (parts.size() > 2) return fmt::format("\"{}\" has more than one ':'", entries[i]);
    std::string_view prefix, elems = parts.empty() ? std::string_view() : parts[0];
    if (parts.size() == 2) {
      prefix = parts[0];
      elems = parts[1];
    } else if (i > 0) {
      // Only the first entry may omit the prefix: later ones would overwrite every earlier prefix.
      return fmt::format("all entries except the first must have a prefix: \"{}\"", entries[i]);
    }
    if (elems.empty()) return fmt::format("\"{}\" lists no element", entries[i]);
    const bool exclude = elems.front() == '^';
    if (exclude) elems.remove_prefix(1);
    bool found_prefix = false;
    for (std::size_t p = 0; p < prefixes.size(); ++p) {
      if (!prefix.empty() && !iequal(prefix, prefixes[p])) continue;
      found_prefix = true;
      std::fill(list[p].begin(), list[p].end(), exclude ? 1 : 0);
      for (std::string_view e : tokens(elems, ',')) {
        const auto it = std::find_if(elements.begin(), elements.end(), [&](auto n) { return iequal(n, e); });
        if (it == elements.end())
          return fmt::format("unrecognized element \"{}\"; {}valid: {}", e, guess(e, elements),
                             joined(elements));
        list[p][it - elements.begin()] = exclude ? 0 : 1;
      }
    }
    if (!found_prefix)
      return fmt::format("unrecognized prefix \"{}\"; {}valid: {}", prefix, guess(prefix, prefixes),
                         joined(prefixes));
  }
  return "";
}

const std::vector<std::string>& option_names() {
  static const std::vector<std::string> names = {"NCCL_ALGO",
                                                 "NCCL_PROTO",
                                                 "NCCL_NVLS_ENABLE",
                                                 "NCCL_MIN_NCHANNELS",
                                                 "NCCL_MAX_NCHANNELS",
                                                 "NCCL_MIN_NRINGS",
                                                 "NCCL_MAX_NRINGS",
                                                 "NCCL_MIN_CTAS",
                                                 "NCCL_MAX_CTAS",
                                                 "NCCL_NVLS_NCHANNELS",
                                                 "NCCL_NVLS_CHUNKSIZE",
                                                 "NCCL_NVLSTREE_MAX_CHUNKSIZE",
                                                 "NCCL_BUFFSIZE",
                                                 "NCCL_LL_BUFFSIZE",
                                                 "NCCL_LL128_BUFFSIZE",
                                                 "NCCL_P2P_NET_CHUNKSIZE",
                                                 "NCCL_P2P_NVL_CHUNKSIZE",
                                                 "NCCL_P2P_PCI_CHUNKSIZE",
                                                 "NCCL_P2P_LL_THRESHOLD",
                                                 "NCCL_P2P_PXN_LEVEL",
                                                 "NCCL_PXN_DISABLE"};
  return names;
}

void set_option(NcclOptions& o, std::string_view name, std::string_view value, std::string_view where) {
  const auto funcs = to_views(kFuncNames);
  auto list_option = [&](auto& matrix, std::span<const std::string_view> names) {
    std::vector<std::vector<int>> list(kNumFuncs);
    for (int f = 0; f < kNumFuncs; ++f) list[f].assign(matrix[f].begin(), matrix[f].end());
    const auto elements = to_views(names);
    const std::string problem = parse_list(value, funcs, elements, list);
    if (!problem.empty()) {
      throw InputError(Diagnostic{
          "", 0, fmt::format("{}: {}", where, name), fmt::format("cannot parse \"{}\": {}", value, problem),
          fmt::format(
              "write a comma list with an optional ^ and optional function prefixes, "
              "e.g. \"{}\"",
              name == "NCCL_ALGO" ? "allreduce:tree,ring;broadcast:ring" : "^LL128;allreduce:LL128")});
    }
    for (int f = 0; f < kNumFuncs; ++f) std::copy(list[f].begin(), list[f].end(), matrix[f].begin());
  };
  const IntRange channels{0, kMaxChannels}, ctas{1, kMaxChannels};
  const IntRange bytes{1, std::int64_t{1} << 40};
  if (name == "NCCL_ALGO") {
    list_option(o.algo_enable, kAlgoNames);
  } else if (name == "NCCL_PROTO") {
    list_option(o.proto_enable, kProtoNames);
  } else if (name == "NCCL_NVLS_ENABLE") {
    o.nvls_enable = static_cast<int>(parse_int(name, value, where, {0, 2}));
  } else if (name == "NCCL_MIN_NCHANNELS" || name == "NCCL_MIN_NRINGS") {
    o.min_nchannels = static_cast<int>(parse_int(name, value, where, channels));
  } else if (name == "NCCL_MAX_NCHANNELS" || name == "NCCL_MAX_NRINGS") {
    o.max_nchannels = static_cast<int>(parse_int(name, value, where, {1, kMaxChannels}));
  } else if (name == "NCCL_MIN_CTAS") {
    o.min_ctas = static_cast<int>(parse_int(name, value, where, ctas));
  } else if (name == "NCCL_MAX_CTAS") {
    o.max_ctas = static_cast<int>(parse_int(name, value, where, ctas));
  } else if (name == "NCCL_NVLS_NCHANNELS") {
    o.nvls_nchannels = static_cast<int>(parse_int(name, value, where, ctas));
  } else if (name == "NCCL_NVLS_CHUNKSIZE") {
    o.nvls_chunk_bytes = parse_int(name, value, where, {512, std::int64_t{1} << 30});
  } else if (name == "NCCL_NVLSTREE_MAX_CHUNKSIZE") {
    o.nvlstree_max_chunk_bytes = parse_int(name, value, where, {512, std::int64_t{1} << 30});
  } else if (name == "NCCL_LL_BUFFSIZE") {
    o.buff_bytes[int(Proto::kLl)] = parse_int(name, value, where, bytes);
  } else if (name == "NCCL_LL128_BUFFSIZE") {
    o.buff_bytes[int(Proto::kLl128)] = parse_int(name, value, where, bytes);
  } else if (name == "NCCL_BUFFSIZE") {
    o.buff_bytes[int(Proto::kSimple)] = parse_int(name, value, where, bytes);
  } else if (name == "NCCL_P2P_NET_CHUNKSIZE") {
    o.p2p_net_chunk_bytes = parse_int(name, value, where, bytes);
  } else if (name == "NCCL_P2P_NVL_CHUNKSIZE") {
    o.p2p_nvl_chunk_bytes = parse_int(name, value, where, bytes);
  } else if (name == "NCCL_P2P_PCI_CHUNKSIZE") {
    o.p2p_pci_chunk_bytes = parse_int(name, value, where, bytes);
  } else if (name == "NCCL_P2P_LL_THRESHOLD") {
    o.p2p_ll_threshold_bytes = parse_int(name, value, where, {0, std::int64_t{1} << 40});
  } else if (name == "NCCL_P2P_PXN_LEVEL") {
    o.p2p_pxn_level = static_cast<int>(parse_int(name, value, where, {0, 2}));
  } else if (name == "NCCL_PXN_DISABLE") {
    o.pxn_disable = parse_int(name, value, where, {0, 1}) == 1;
  } else {
    const std::string best = closest_name(name, option_names());
    std::string names;
    for (const auto& n : option_names()) names += (names.empty() ? "" : ", ") + n;
    throw InputError(
        Diagnostic{"", 0, fmt::format("{}: {}", where, name), "unknown NCCL variable",
                   (best.empty() ? "" : fmt::format("did you mean \"{}\"? ", best)) + "known: " + names});
  }
}

NcclOptions options_from_environment(const std::map<std::string, std::string>& vars) {
  NcclOptions o;
  std::vector<Diagnostic> errors;
  // The legacy NCCL_MIN_NRINGS / NCCL_MAX_NRINGS go first: the NCHANNELS names override them
  // (src/graph/connect.cc ncclMinNchannels).
  auto is_legacy = [](const std::string& n) { return n == "NCCL_MIN_NRINGS" || n == "NCCL_MAX_NRINGS"; };
  for (bool legacy : {true, false}) {
    for (const auto& [name, value] : vars) {
      if (is_legacy(name) != legacy) continue;
      if (std::find(option_names().begin(), option_names().end(), name) == option_names().end()) continue;
      try {
        set_option(o, name, value, "environment");
      } catch (const InputError& e) {
        errors.insert(errors.end(), e.diagnostics().begin(), e.diagnostics().end());
      }
    }
  }
  if (!errors.empty()) throw InputError(std::move(errors));
  return o;
}

}  // namespace tessera::collective::nccl
