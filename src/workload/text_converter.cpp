// ASTRA-sim 1.0 text workload -> Chakra, node for node as mlcommons/chakra's text converter
// (src/converter/text_converter.py) emits them. The per-layer state and where it is reset mirror
// that converter exactly, because later passes and NPUs depend on what earlier ones left behind.
#include <optional>

#include <fmt/format.h>

#include "tessera/error.hpp"
#include "tessera/workload/text_workload.hpp"

namespace tessera::workload {

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
