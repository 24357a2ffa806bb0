// ASTRA-sim 1.0 text workload -> Chakra, node for node as mlcommons/chakra's text converter
// (src/converter/text_converter.py) emits them. The per-layer state and where it is reset mirror
// that converter exactly, because later passes and NPUs depend on what earlier ones left behind.
#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "tessera/error.hpp"
#include "tessera/workload/et_io.hpp"
#include "tessera/workload/text_workload.hpp"

namespace tessera::workload {

// ------------------------------------------------------------------------------------------------
struct FileTraceSink::Impl {
  std::unique_ptr<EtWriter> writer;
};

FileTraceSink::FileTraceSink(std::string prefix) : prefix_(std::move(prefix)), impl_(std::make_unique<Impl>()) {}
FileTraceSink::~FileTraceSink() = default;

void FileTraceSink::begin_npu(int npu, const EtGlobalMetadata& metadata) {
  files_.push_back(fmt::format("{}.{}.et", prefix_, npu));
  impl_->writer = std::make_unique<EtWriter>(files_.back(), metadata);
}

void FileTraceSink::node(const EtNode& node) { impl_->writer->write(node); }

void FileTraceSink::end_npu(int) {
  impl_->writer->close();
  impl_->writer.reset();
}

// ------------------------------------------------------------------------------------------------
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
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw InputError(Diagnostic{path, 0, "", "text workload file does not exist or cannot be read",
                                "check the path given as the workload"});
  }
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string raw = ss.str();
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
    w.layers.push_back(std::move(l));
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

namespace {

std::int64_t comm_type_number(const std::string& type) {
  if (type == "ALLREDUCE") return 0;
  if (type == "ALLTOALL") return 6;
  if (type == "ALLGATHER") return 2;
  if (type == "REDUCESCATTER") return 7;
  return 0;  // Chakra maps every other string (NONE included) to ALL_REDUCE
}

/// The converter's per-layer node references (ids of the last node of each kind).
struct LayerState {
  std::optional<std::uint64_t> fwd_comp, fwd_comm, ig_comp, ig_comm, wg_comp, wg_comm;
};

class Converter {
 public:
  Converter(const TextWorkload& w, TraceSink& sink, std::string_view schema)
      : w_(w), sink_(sink), state_(w.layers.size()) {
    gm_.attrs.push_back(EtAttribute::make_string("schema", std::string(schema)));
    gm_.attrs.push_back(EtAttribute::make_string("input_file", w.text));
  }

  void run(int npus, int passes) {
    for (int npu = 0; npu < npus; ++npu) {
      sink_.begin_npu(npu, gm_);
      switch (w_.mode) {
        case Parallelism::kMicro: micro(passes); break;
        case Parallelism::kData: data(passes); break;
        case Parallelism::kModel: model(passes); break;
        case Parallelism::kHybridDataModel: hybrid(passes, true); break;
        case Parallelism::kHybridModelData: hybrid(passes, false); break;
        case Parallelism::kHybridDlrm: dlrm(passes); break;
      }
      sink_.end_npu(npu);
    }
  }

 private:
  const TextWorkload& w_;
  TraceSink& sink_;
  std::vector<LayerState> state_;
  EtGlobalMetadata gm_;
  std::uint64_t next_id_ = 0;
  EtNode node_;

  std::size_t n() const { return w_.layers.size(); }
  const TextLayer& L(std::size_t i) const { return w_.layers[i]; }

  EtNode& comp(const std::string& layer, const char* phase, std::int64_t time) {
    node_.clear();
    node_.id = next_id_++;
    node_.name = "COMP_NODE_" + layer + "_" + phase;
    node_.type = NodeType::kComp;
    node_.duration_micros = static_cast<std::uint64_t>(time);
    return node_;
  }

  EtNode& comm(const std::string& layer, const std::string& type, std::int64_t size) {
    node_.clear();
    node_.id = next_id_++;
    node_.name = "COMM_COLL_NODE_" + layer + "_" + type;
    node_.type = NodeType::kCommColl;
    node_.attrs.push_back(EtAttribute::make_int64("comm_type", comm_type_number(type)));
    node_.attrs.push_back(EtAttribute::make_int64("comm_size", size));
    return node_;
  }

  /// Chakra's add_parent; a missing parent is where the Python converter crashes.
  void parent(EtNode& child, const std::optional<std::uint64_t>& p, const TextLayer& layer, const char* what) {
    if (!p) {
      throw InputError(Diagnostic{
          w_.path, layer.line, layer.name,
          fmt::format("this workload cannot be converted: node '{}' needs the {} node, which the {} graph never "
                      "creates here (Chakra's converter crashes on it too)",
                      child.name, what, w_.keyword),
          w_.mode == Parallelism::kHybridDlrm
              ? "HYBRID_DLRM needs an ALLTOALL forward comm on layer 0"
              : "make line 2 (number of layers) equal to the number of layer lines"});
    }
    child.data_deps.push_back(*p);
  }

  std::uint64_t emit(EtNode& node) {
    sink_.node(node);
    return node.id;
  }

  void micro(int passes) {
    for (int p = 0; p < passes; ++p) {
      for (std::size_t i = 0; i < n(); ++i) emit(comm(L(i).name, L(i).wg_type, L(i).wg_size));
    }
  }

  void data(int passes) {
    for (int p = 0; p < passes; ++p) {
      std::optional<std::uint64_t> last_fwd;
      for (std::size_t i = 0; i < n(); ++i) {
        EtNode& f = comp(L(i).name, "FWD", L(i).fwd_time);
        if (i != 0) parent(f, state_[i - 1].fwd_comp, L(i), "previous layer's forward");
        if (state_[i].wg_comm) f.data_deps.push_back(*state_[i].wg_comm);
        last_fwd = state_[i].fwd_comp = emit(f);
      }
      for (std::size_t idx = 0; idx < n(); ++idx) {
        const std::size_t i = n() - 1 - idx;
        EtNode& wg = comp(L(i).name, "BWD_WG", L(i).wg_time);
        if (idx == 0) parent(wg, last_fwd, L(i), "last forward");
        else parent(wg, state_[i + 1].ig_comp, L(i), "next layer's input-gradient");
        const auto wg_id = emit(wg);
        EtNode& wc = comm(L(i).name, L(i).wg_type, L(i).wg_size);
        wc.data_deps.push_back(wg_id);
        state_[i].wg_comm = emit(wc);
        if (idx != n() - 1) {
          EtNode& ig = comp(L(i).name, "BWD_IG", L(i).ig_time);
          ig.data_deps.push_back(wg_id);
          state_[i].ig_comp = emit(ig);
        }
      }
    }
    for (auto& s : state_) s.wg_comm.reset();
  }

  void model(int passes) {
    for (int p = 0; p < passes; ++p) {
      std::optional<std::uint64_t> last_fwd_comm;
      for (std::size_t i = 0; i < n(); ++i) {
        EtNode& f = comp(L(i).name, "FWD", L(i).fwd_time);
        if (i != 0) parent(f, state_[i - 1].fwd_comm, L(i), "previous layer's forward comm");
        if (state_[i].wg_comp) f.data_deps.push_back(*state_[i].wg_comp);
        const auto f_id = state_[i].fwd_comp = emit(f);
        EtNode& fc = comm(L(i).name, L(i).fwd_type, L(i).fwd_size);
        fc.data_deps.push_back(*f_id);
        last_fwd_comm = state_[i].fwd_comm = emit(fc);
      }
      backward_ig_first(false, last_fwd_comm, false);
    }
    for (auto& s : state_) s.wg_comp.reset();
  }

  /// The MODEL / HYBRID backward pass: IG, IG comm (except layer num_layers-1 from the end), WG,
  /// and for the hybrids a WG comm.
  void backward_ig_first(bool hybrid, const std::optional<std::uint64_t>& last_fwd_comm, bool ig_comm_suffix) {
    for (std::size_t idx = 0; idx < n(); ++idx) {
      const std::size_t i = n() - 1 - idx;
      EtNode& ig = comp(L(i).name, "BWD_IG", L(i).ig_time);
      if (idx == 0) {
        parent(ig, last_fwd_comm, L(i), "last forward comm");
      } else {
        parent(ig, state_[i + 1].wg_comp, L(i), "next layer's weight-gradient");
        parent(ig, state_[i + 1].ig_comm, L(i), "next layer's input-gradient comm");
      }
      const auto ig_id = emit(ig);
      if (static_cast<std::int64_t>(idx) != static_cast<std::int64_t>(w_.num_layers) - 1) {
        EtNode& ic = comm(ig_comm_suffix ? L(i).name + "_IG_COMM_" : L(i).name, L(i).ig_type, L(i).ig_size);
        ic.data_deps.push_back(ig_id);
        state_[i].ig_comm = emit(ic);
      }
      EtNode& wg = comp(L(i).name, "BWD_WG", L(i).wg_time);
      wg.data_deps.push_back(ig_id);
      const auto wg_id = state_[i].wg_comp = emit(wg);
      if (hybrid) {
        EtNode& wc = comm(L(i).name, L(i).wg_type, L(i).wg_size);
        wc.data_deps.push_back(*wg_id);
        state_[i].wg_comm = emit(wc);
      }
    }
  }

  void hybrid(int passes, bool data_model) {
    for (int p = 0; p < passes; ++p) {
      std::optional<std::uint64_t> last_fwd_comm;
      for (std::size_t i = 0; i < n(); ++i) {
        EtNode& f = comp(L(i).name, "FWD", L(i).fwd_time);
        if (state_[i].wg_comm) f.data_deps.push_back(*state_[i].wg_comm);
        if (i != 0) parent(f, state_[i - 1].fwd_comm, L(i), "previous layer's forward comm");
        const auto f_id = emit(f);
        EtNode& fc = comm(L(i).name, L(i).fwd_type, L(i).fwd_size);
        fc.data_deps.push_back(f_id);
        last_fwd_comm = state_[i].fwd_comm = emit(fc);
      }
      backward_ig_first(true, last_fwd_comm, data_model);
    }
    for (auto& s : state_) s.wg_comm.reset();
  }

  void dlrm(int passes) {
    const std::size_t B = static_cast<std::size_t>(w_.last_bottom_layer);
    for (int p = 0; p < passes; ++p) {
      std::optional<std::uint64_t> last_fwd;
      for (std::size_t i = 0; i < n(); ++i) {
        EtNode& f = comp(L(i).name, "FWD", L(i).fwd_time);
        if (state_[i].wg_comm) f.data_deps.push_back(*state_[i].wg_comm);
        else if (state_[i].wg_comp) f.data_deps.push_back(*state_[i].wg_comp);
        if (i != 0) parent(f, state_[i - 1].fwd_comp, L(i), "previous layer's forward");
        if (i == B) parent(f, state_[0].fwd_comm, L(i), "layer 0's ALLTOALL forward comm");
        const auto f_id = state_[i].fwd_comp = emit(f);
        last_fwd = f_id;
        if (L(i).fwd_type == "ALLTOALL") {
          EtNode& fc = comm(L(i).name, L(i).fwd_type, L(i).fwd_size);
          fc.data_deps.push_back(*f_id);
          state_[i].fwd_comm = emit(fc);
        }
      }
      for (std::size_t idx = 0; idx < n(); ++idx) {
        const std::size_t i = n() - 1 - idx;
        EtNode& wg = comp(L(i).name, "BWD_WG", L(i).wg_time);
        if (idx == 0) {
          parent(wg, last_fwd, L(i), "last forward");
        } else {
          if (state_[i + 1].ig_comp) wg.data_deps.push_back(*state_[i + 1].ig_comp);
          if (state_[i].ig_comm) wg.data_deps.push_back(*state_[i].ig_comm);
        }
        const auto wg_id = state_[i].wg_comp = emit(wg);
        if (L(i).wg_type != "NONE") {
          EtNode& wc = comm(L(i).name, L(i).wg_type, L(i).wg_size);
          wc.data_deps.push_back(*wg_id);
          state_[i].wg_comm = emit(wc);
        }
        std::optional<std::uint64_t> ig_id;
        if (idx != n() - 1) {
          EtNode& ig = comp(L(i).name, "BWD_IG", L(i).ig_time);
          ig.data_deps.push_back(*wg_id);
          ig_id = state_[i].ig_comp = emit(ig);
        }
        if (i == B + 1) {
          EtNode& ic = comm(L(0).name, L(0).ig_type, L(0).ig_size);
          parent(ic, ig_id, L(i), "input-gradient");
          state_[0].ig_comm = emit(ic);
        }
      }
    }
    for (auto& s : state_) {
      s.wg_comm.reset();
      s.wg_comp.reset();
      s.ig_comm.reset();
      s.ig_comp.reset();
    }
  }
};

}  // namespace

std::uint64_t text_nodes_per_pass(const TextWorkload& w) {
  const std::uint64_t n = w.layers.size();
  const std::uint64_t skip_ig_comm = (w.num_layers >= 1 && static_cast<std::uint64_t>(w.num_layers) <= n) ? 1 : 0;
  switch (w.mode) {
    case Parallelism::kMicro: return n;
    case Parallelism::kData: return 4 * n - 1;
    case Parallelism::kModel: return 4 * n + (n - skip_ig_comm);
    case Parallelism::kHybridDataModel:
    case Parallelism::kHybridModelData: return 5 * n + (n - skip_ig_comm);
    case Parallelism::kHybridDlrm: {
      std::uint64_t c = 3 * n - 1;
      for (const auto& l : w.layers) {
        if (l.fwd_type == "ALLTOALL") ++c;
        if (l.wg_type != "NONE") ++c;
      }
      if (static_cast<std::uint64_t>(w.last_bottom_layer) + 1 < n) ++c;
      return c;
    }
  }
  return 0;
}

void convert_text_workload(const TextWorkload& workload, int npus, int passes, TraceSink& sink,
                           std::string_view schema) {
  if (npus < 1) throw InputError(Diagnostic{"", 0, "--npus", "the NPU count must be at least 1", ""});
  if (passes < 1) throw InputError(Diagnostic{"", 0, "--passes", "the number of passes must be at least 1", ""});
  Converter(workload, sink, schema).run(npus, passes);
}

}  // namespace tessera::workload
