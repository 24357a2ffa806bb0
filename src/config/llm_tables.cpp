// The LLM training run of a scenario (`workload: llm:`, its `model:` and `moe:`) and the NPUs'
// compute model (`npu:`): the keys of llm::LlmRun, llm::ModelSpec and NpuConfig (docs/llm.md).
// Enumeration spellings are the llm and compute layers' own to_string names.
#include <array>

#include "tables.hpp"
#include "tessera/compute/gpu.hpp"
#include "tessera/workload/llm/model.hpp"

namespace tessera::cfg {
namespace {

/// The name table of an enumeration of another layer, from that layer's to_string.
template <class E, std::size_t N>
Names<E> names_from(const std::array<E, N>& values) {
  Names<E> out;
  for (E v : values) out.emplace_back(to_string(v), v);
  return out;
}

const Names<compute::Precision>& training_precisions() {
  static const auto n = names_from(std::array{compute::Precision::kBf16, compute::Precision::kFp8});
  return n;
}
const Names<compute::Precision>& reduce_precisions() {
  static const auto n = names_from(std::array{compute::Precision::kBf16, compute::Precision::kFp32});
  return n;
}

}  // namespace

Table<llm::MoeSpec> llm_moe_table() {
  using M = llm::MoeSpec;
  return {"workload.llm.model.moe",
          "Mixture-of-experts MLP of a custom model (experts 0: dense).",
          {
              p_int("experts", &M::experts, 0, INT32_MAX, "experts per MoE layer"),
              p_int("top_k", &M::top_k, 1, INT32_MAX, "experts each token is routed to"),
              p_int("ffn_hidden", &M::ffn_hidden, 0, INT32_MAX,
                    "FFN width of one expert; 0 = the model's ffn_hidden"),
              p_double("capacity_factor", &M::capacity_factor, 0.0, "",
                       "0 = dropless; > 0 = drop-and-pad to this capacity"),
          },
          {}};
}

Table<llm::ModelSpec> llm_model_table() {
  using M = llm::ModelSpec;
  return {
      "workload.llm.model",
      "The model: a preset name (model: llama2-7b), or a mapping of these keys, optionally starting from "
      "a preset (model: {preset: llama2-7b, layers: 4}). A mapping without preset needs layers, hidden, "
      "ffn_hidden, heads and vocab.",
      {
          {"preset", "enum", join_names(llm::model_preset_names()),
           "the preset the other keys change (applied first, wherever it is written)", false,
           [](const Node&, M&, Sink&) {},  // read by p_model before the other keys
           [](const M& m) { return m.name.empty() ? std::string("none") : m.name; }, "name",
           [](const M& m) { return Value::of(m.name); }},
          p_int("layers", &M::layers, 1, INT32_MAX, "transformer layers L"),
          p_int("hidden", &M::hidden, 1, INT32_MAX, "hidden size h"),
          p_int("ffn_hidden", &M::ffn_hidden, 1, INT32_MAX, "MLP width f"),
          p_int("heads", &M::heads, 1, INT32_MAX, "query heads a"),
          p_int("kv_heads", &M::kv_heads, 1, INT32_MAX, "KV heads g (query groups); default = heads (MHA)"),
          p_int("head_dim", &M::head_dim, 0, INT32_MAX, "head dimension d; 0 = hidden / heads"),
          p_int("vocab", &M::vocab, 1, INT32_MAX, "vocabulary V (padded to 128 x tp as Megatron does)"),
          p_enum("activation", &M::activation,
                 names_from(std::array{llm::Activation::kGelu, llm::Activation::kSquaredRelu,
                                       llm::Activation::kSwiglu, llm::Activation::kGeglu}),
                 "MLP non-linearity (gated ones fuse gate and up projections into FC1)"),
          p_enum("norm", &M::norm, names_from(std::array{llm::Norm::kLayerNorm, llm::Norm::kRmsNorm}),
                 "layer norm"),
          p_enum("position", &M::position,
                 names_from(std::array{llm::Position::kLearned, llm::Position::kRope}), "position embedding"),
          p_bool("tied_embeddings", &M::tied_embeddings, "the output layer shares the input embedding"),
          p_enum("flops_family", &M::flops_family,
                 names_from(std::array{llm::FlopsFamily::kGpt3, llm::FlopsFamily::kLlama,
                                       llm::FlopsFamily::kNemotron, llm::FlopsFamily::kMixtral}),
                 "NeMo's model-FLOPs formula the MFU uses"),
          {"moe", "section", "see workload.llm.model.moe", "mixture of experts", false,
           [](const Node& n, M& m, Sink& sink) { llm_moe_table().load(n, m.moe, sink); },
           [](const M& m) {
             return m.moe.experts == 0 ? std::string("dense") : fmt::format("{} experts", m.moe.experts);
           },
           "moe", [](const M& m) { return llm_moe_table().record(m.moe); }},
      },
      {}};
}

namespace {

/// `model:` as a preset name or a mapping (with an optional preset the other keys change).
Param<llm::LlmRun> p_model() {
  using R = llm::LlmRun;
  auto preset = [](const Node& n, Sink& sink) -> std::optional<llm::ModelSpec> {
    const auto name = get_choice(n, sink, llm::model_preset_names());
    if (!name) return std::nullopt;
    return llm::find_model_preset(*name);
  };
  return {"model",
          "preset or section",
          join_names(llm::model_preset_names()),
          "the model: a preset, or a mapping (see workload.llm.model)",
          true,
          [preset](const Node& n, R& r, Sink& sink) {
            if (!n.is_map()) {
              if (auto m = preset(n, sink)) r.model = *m;
              return;
            }
            llm::ModelSpec m;
            m.name = "custom";
            const Node* base_key = n.find("preset");
            if (base_key) {
              if (auto base = preset(*base_key, sink)) m = *base;
              // A changed preset is no longer the published model: say so wherever the name is shown.
              if (n.entries.size() > 1) m.name += " (modified)";
            }
            llm_model_table().load(n, m, sink);
            // A custom model without kv_heads has multi-head attention (g = a).
            if (!base_key && !n.find("kv_heads")) m.kv_heads = m.heads;
            r.model = std::move(m);
          },
          [](const R& r) { return r.model.name.empty() ? std::string("(required)") : r.model.name; },
          "model",
          [](const R& r) { return llm_model_table().record(r.model); }};
}

}  // namespace

Table<llm::LlmRun> llm_table() {
  using R = llm::LlmRun;
  return {
      "workload.llm",
      "A Megatron-Core training run: each NPU's step graph is generated (docs/llm.md). "
      "dp = NPUs / (tp x pp x cp). Needs npu: {preset: ...}.",
      {
          p_model(),
          p_int("seq_len", &R::seq_len, 0, INT64_MAX, "sequence length s; 0 = the model's"),
          required(p_int("global_batch", &R::global_batch, 1, INT64_MAX, "sequences per step")),
          p_int("micro_batch", &R::micro_batch, 1, INT32_MAX, "sequences per micro-batch"),
          p_enum("precision", &R::precision, training_precisions(),
                 "GEMM math (activations stay 16-bit; attention and logits run bf16)"),
          p_int("tp", &R::tp, 1, INT32_MAX, "tensor parallel size"),
          p_int("pp", &R::pp, 1, INT32_MAX, "pipeline parallel size"),
          p_int("vp", &R::vp, 1, INT32_MAX,
                "virtual stages per pipeline rank (interleaved 1F1B); 1 = plain 1F1B"),
          p_int("cp", &R::cp, 1, INT32_MAX, "context parallel size"),
          p_int("ep", &R::ep, 1, INT32_MAX, "expert parallel size (MoE models)"),
          p_int("expert_tp", &R::expert_tp, 0, INT32_MAX, "expert tensor parallel size; 0 = tp"),
          p_bool("sequence_parallel", &R::sequence_parallel,
                 "Megatron's sequence parallelism (no effect at tp 1)"),
          p_bool("distributed_optimizer", &R::distributed_optimizer,
                 "optimizer states sharded over data parallel ranks"),
          p_enum("activation_recompute", &R::recompute,
                 names_from(
                     std::array{llm::Recompute::kNone, llm::Recompute::kSelective, llm::Recompute::kFull}),
                 "selective: core attention; full: each layer"),
          p_int("steps", &R::steps, 1, INT32_MAX, "training steps in the graph"),
          p_bool("overlap_grad_reduce", &R::overlap_grad_reduce,
                 "DP gradient reduction in buckets under the backward"),
          p_bool("overlap_param_gather", &R::overlap_param_gather,
                 "distributed optimizer: parameter all-gather under the next forward"),
          p_bool("tp_comm_overlap", &R::tp_comm_overlap,
                 "TE userbuffers: TP collectives pipelined with GEMMs (needs sequence_parallel)"),
          p_enum("grad_reduce_dtype", &R::grad_reduce_dtype, reduce_precisions(),
                 "main-grad and gradient reduction type"),
          p_int("bucket_params", &R::bucket_params, 0, INT64_MAX,
                "DP bucket size in parameters; 0 = max(40M, 1M x dp)"),
          p_bool("param_remainders", &R::param_remainders,
                 "distributed optimizer keeps the low 16 bits of each fp32 master weight (10 instead of 12 "
                 "optimizer bytes per parameter)"),
          p_enum("cp_comm", &R::cp_comm,
                 names_from(
                     std::array{llm::CpCommType::kP2p, llm::CpCommType::kAllGather, llm::CpCommType::kA2a}),
                 "context-parallel key/value exchange"),
          {"attention_backend", "enum", "flash2, flash3, cudnn",
           "fused attention whose figures time attention; unset = cuDNN where the GPU has figures, else "
           "flash2",
           false,
           [](const Node& n, R& r, Sink& sink) {
             if (auto v = get_choice(n, sink, {"flash2", "flash3", "cudnn"}))
               r.attention_backend = compute::attention_backend_from_name(*v);
           },
           [](const R& r) {
             return r.attention_backend ? std::string(compute::to_string(*r.attention_backend))
                                        : std::string("unset");
           },
           "attention_backend",
           [](const R& r) {
             return r.attention_backend ? Value::of(compute::to_string(*r.attention_backend)) : Value::null();
           }},
          p_int("microbatch_group", &R::microbatch_group, 0, INT32_MAX,
                "interleaved schedule group size; 0 = pp"),
          p_bool("account_for_embedding_in_pipeline_split", &R::account_for_embedding,
                 "the embedding counts as one layer of the pipeline split (first chunk holds one layer fewer)"),
          p_bool("account_for_loss_in_pipeline_split", &R::account_for_loss,
                 "the output layer and loss count as one layer of the pipeline split (last chunk holds one "
                 "layer fewer)"),
          p_int("num_layers_in_first_pipeline_stage", &R::first_stage_layers, 0, INT32_MAX,
                "layers of the first pipeline stage; 0 = an even share"),
          p_int("num_layers_in_last_pipeline_stage", &R::last_stage_layers, 0, INT32_MAX,
                "layers of the last pipeline stage; 0 = an even share"),
          {"hidden_dropout", "number", "0 <= p < 1", "> 0 adds the dropout masks and kernels", false,
           [](const Node& n, R& r, Sink& sink) {
             if (auto v = get_double(n, sink, 0.0, 1.0)) {
               if (*v >= 1.0) {
                 sink.error(n.diag("a dropout probability must be below 1", "use e.g. 0.1, or 0 for none"));
               } else {
                 r.hidden_dropout = *v;
               }
             }
           },
           [](const R& r) { return format_number(r.hidden_dropout); }, "hidden_dropout",
           [](const R& r) { return Value::of(r.hidden_dropout); }},
      },
      {}};
}

Table<NpuConfig> npu_table() {
  using N = NpuConfig;
  return {
      "npu",
      "The NPUs' compute model: a GPU preset (docs/compute.md). It times the kernels of workload.llm and the "
      "COMP nodes of Chakra traces that describe their kernel (tessera_kernel, or num_ops / tensor_size).",
      {
          {"preset", "enum", join_names(compute::gpu_preset_names()), "the GPU", false,
           [](const Node& n, N& s, Sink& sink) {
             if (auto v = get_choice(n, sink, compute::gpu_preset_names())) s.preset = *v;
           },
           [](const N& s) { return s.preset.empty() ? std::string("none") : s.preset; }, "preset",
           [](const N& s) { return s.preset.empty() ? Value::null() : Value::of(s.preset); }},
      },
      {}};
}

}  // namespace tessera::cfg
