// Parses ASTRA-sim 1.0 text workloads the way Chakra's text converter reads them (Python text
// mode, str.split() columns, int() numbers), reporting problems with file:line.
#include <algorithm>
#include <fstream>
#include <map>
#include <tuple>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "tessera/error.hpp"
#include "tessera/input_file.hpp"
#include "tessera/workload/text_workload.hpp"

namespace tessera::workload {

namespace {

/// Python's str.split() whitespace (ASCII part).
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || (c >= 0x1c && c <= 0x1f);
}

std::vector<std::string> split_words(std::string_view line) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    std::size_t j = i;
    while (j < line.size() && !is_space(line[j])) ++j;
    if (j > i) out.emplace_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

/// Python int(): optional sign, decimal digits (underscores between digits allowed).
std::optional<std::int64_t> parse_int(const std::string& s) {
  std::size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  if (i == s.size()) return std::nullopt;
  // Magnitude in uint64: up to 2^63 fits, which covers INT64_MIN.
  constexpr std::uint64_t kMax = static_cast<std::uint64_t>(INT64_MAX) + 1;
  std::uint64_t v = 0;
  bool prev_digit = false;
  for (; i < s.size(); ++i) {
    if (s[i] >= '0' && s[i] <= '9') {
      const auto digit = static_cast<std::uint64_t>(s[i] - '0');
      if (v > (kMax - digit) / 10) return std::nullopt;
      v = v * 10 + digit;
      prev_digit = true;
    } else if (s[i] == '_' && prev_digit && i + 1 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '9') {
      prev_digit = false;
    } else {
      return std::nullopt;
    }
  }
  if (!neg && v == kMax) return std::nullopt;
  return neg ? static_cast<std::int64_t>(0 - v) : static_cast<std::int64_t>(v);
}

/// Splits text into lines as Python's universal-newline mode does (\n, \r\n, \r).
std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::string cur;
  for (char c : text) {
    cur += c;
    if (c == '\n') {
      lines.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) lines.push_back(std::move(cur));
  return lines;
}

}  // namespace

TextWorkload parse_text_workload(const std::string& path) {
  const std::string raw = read_input_file(path, "text workload file does not exist or cannot be read",
                                          "check the path given as the workload");
  TextWorkload w;
  w.path = path;
  // Python text mode: \r\n and lone \r become \n.
  w.text.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r') {
      w.text += '\n';
      if (i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
    } else {
      w.text += raw[i];
    }
  }
  const auto lines = split_lines(w.text);
  const auto fail = [&](int line, std::string msg, std::string fix) {
    throw InputError(Diagnostic{path, line, "", std::move(msg), std::move(fix)});
  };
  if (lines.empty()) fail(1, "the text workload is empty", "line 1 names the parallelism, e.g. DATA");
  const auto first = split_words(lines[0]);
  if (first.empty()) fail(1, "line 1 must name the parallelism (DATA, MODEL, ...)", "");
  w.keyword = first[0];
  const std::string& k = w.keyword;
  if (k == "MICRO") w.mode = Parallelism::kMicro;
  else if (k == "DATA") w.mode = Parallelism::kData;
  else if (k == "MODEL") w.mode = Parallelism::kModel;
  else if (k == "HYBRID_DATA_MODEL") w.mode = Parallelism::kHybridDataModel;
  else if (k == "HYBRID_MODEL_DATA") w.mode = Parallelism::kHybridModelData;
  else if (k == "HYBRID_DLRM" || k == "HYBRID_DLRM_ENHANCED") w.mode = Parallelism::kHybridDlrm;
  else {
    fail(1, fmt::format("unsupported parallelism type '{}'", k),
         "Chakra's text converter (and so ASTRA-sim 2.x) supports MICRO, DATA, MODEL, HYBRID_DATA_MODEL, "
         "HYBRID_MODEL_DATA, HYBRID_DLRM and HYBRID_DLRM_ENHANCED; HYBRID_TRANSFORMER*, HYBRID_CUSTOMIZED and "
         "DISTRIBUTED_INFERENCE ran only on ASTRA-sim 1.0");
  }
  if (w.mode == Parallelism::kHybridDlrm) {
    std::optional<std::int64_t> b = first.size() > 1 ? parse_int(first[1]) : std::nullopt;
    if (!b || *b < 0 || *b > INT32_MAX) {
      fail(1, "HYBRID_DLRM needs the last bottom layer as the second word of line 1", "e.g. 'HYBRID_DLRM 4'");
    }
    w.last_bottom_layer = static_cast<int>(*b);
  }
  if (lines.size() < 2) fail(2, "line 2 must hold the number of layers", "");
  {
    const auto words = split_words(lines[1]);
    std::optional<std::int64_t> n = words.size() == 1 ? parse_int(words[0]) : std::nullopt;
    if (!n || *n < INT32_MIN || *n > INT32_MAX) fail(2, "line 2 must hold the number of layers (one integer)", "");
    w.num_layers = static_cast<int>(*n);
  }
  // Collective names the converter turns into ALL_REDUCE without a word (Chakra's mapping, kept
  // for compatibility): unknown names, and NONE where the mode emits a collective for the column.
  // Reported once per name: first line, column and number of uses. Columns the mode never
  // converts are not looked at (DLRM: forward only for ALLTOALL, weight-gradient NONE skipped,
  // input-gradient of layer 0 only).
  const bool emits_fwd = w.mode == Parallelism::kModel || w.mode == Parallelism::kHybridDataModel ||
                         w.mode == Parallelism::kHybridModelData;
  const bool emits_ig = emits_fwd;
  const bool emits_wg = w.mode != Parallelism::kModel;
  std::map<std::string, std::tuple<int, int, int>> unknown;
  const auto note_collective_name = [&](const std::string& name, int column, int line_no, bool emitted) {
    static constexpr std::string_view kKnown[] = {"ALLREDUCE", "ALLTOALL", "ALLGATHER", "REDUCESCATTER"};
    if (!emitted || std::find(std::begin(kKnown), std::end(kKnown), name) != std::end(kKnown)) return;
    if (name == "NONE" && w.mode == Parallelism::kHybridDlrm && column == 10) return;  // skipped there
    auto [it, fresh] = unknown.try_emplace(name, line_no, column, 0);
    ++std::get<2>(it->second);
  };
  for (std::size_t li = 2; li < lines.size(); ++li) {
    const int line_no = static_cast<int>(li + 1);
    const auto col = split_words(lines[li]);
    const std::string fix =
        "a layer line has 12 whitespace-separated columns: name reserved fwd_time fwd_type fwd_size ig_time "
        "ig_type ig_size wg_time wg_type wg_size wg_update (blank lines are not allowed)";
    if (col.size() < 12) fail(line_no, fmt::format("cannot parse the layer: {} column(s), need 12", col.size()), fix);
    TextLayer l;
    l.line = line_no;
    l.name = col[0];
    const auto num = [&](int c, const char* what) {
      auto v = parse_int(col[c]);
      if (!v) fail(line_no, fmt::format("column {} ({}) is '{}', not an integer", c + 1, what, col[c]), fix);
      return *v;
    };
    l.fwd_time = num(2, "fwd_time");
    l.fwd_type = col[3];
    l.fwd_size = num(4, "fwd_size");
    l.ig_time = num(5, "ig_time");
    l.ig_type = col[6];
    l.ig_size = num(7, "ig_size");
    l.wg_time = num(8, "wg_time");
    l.wg_type = col[9];
    l.wg_size = num(10, "wg_size");
    l.wg_update = col[11];
    for (auto [t, what] : {std::pair{l.fwd_time, "fwd_time"}, {l.ig_time, "ig_time"}, {l.wg_time, "wg_time"}}) {
      if (t < 0) fail(line_no, fmt::format("{} is negative", what), "compute times must be >= 0");
    }
    const bool first_layer = w.layers.empty();
    note_collective_name(l.fwd_type, 4, line_no, emits_fwd);
    note_collective_name(l.ig_type, 7, line_no, emits_ig || (w.mode == Parallelism::kHybridDlrm && first_layer));
    note_collective_name(l.wg_type, 10, line_no, emits_wg);
    w.layers.push_back(std::move(l));
  }
  for (const auto& [name, first] : unknown) {
    const auto& [line, column, count] = first;
    const std::string more = count > 1 ? fmt::format("; {} more use(s) on later lines", count - 1) : "";
    w.warnings.push_back(
        name == "NONE"
            ? Diagnostic{path, line, name,
                         fmt::format("collective NONE (column {}) is simulated as an ALLREDUCE of the given size in {} "
                                     "mode, as Chakra's converter does (ASTRA-sim 1.0 sent nothing){}",
                                     column, w.keyword, more),
                         "set the size to 0 or name the collective"}
            : Diagnostic{path, line, name,
                         fmt::format("unknown collective '{}' (column {}) is simulated as ALLREDUCE, as Chakra's "
                                     "converter does{}",
                                     name, column, more),
                         "use ALLREDUCE, ALLTOALL, ALLGATHER, REDUCESCATTER or NONE"});
  }
  if (w.layers.empty()) fail(static_cast<int>(lines.size()) + 1, "the text workload has no layers", "");
  return w;
}

std::string text_workload_stem(const std::string& path) {
  std::string base = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  const auto dot = base.find_last_of('.');
  if (dot != std::string::npos && dot > 0) base.resize(dot);
  return base;
}

}  // namespace tessera::workload
