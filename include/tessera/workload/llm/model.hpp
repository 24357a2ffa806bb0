// Transformer model dimensions for LLM training workloads, and the built-in presets with their
// sources (docs/llm.md). Plain data: no parallelism here (run.hpp adds it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::llm {

/// MLP non-linearity. Gated ones (SwiGLU, GeGLU) fuse gate and up projections into FC1.
enum class Activation : std::uint8_t { kGelu, kSquaredRelu, kSwiglu, kGeglu };
enum class Norm : std::uint8_t { kLayerNorm, kRmsNorm };
enum class Position : std::uint8_t { kLearned, kRope };
/// NeMo's / DGX Cloud's "model FLOPs per sample" formula family, used for MFU (flops.hpp).
enum class FlopsFamily : std::uint8_t {
  kGpt3,      ///< GPT-3 and the DGXC v24.11 Nemotron-4 runs: MHA, f = 4h assumed
  kLlama,     ///< Llama 2/3: GQA, gated MLP (18·f/h)
  kNemotron,  ///< NeMo's nemotron(): GQA, 2-matrix MLP (12·f/h)
  kMixtral,   ///< NeMo's mixtral(): GQA, gated experts (18·k·f/h)
};

const char* to_string(Activation a);
const char* to_string(Norm n);
const char* to_string(Position p);
const char* to_string(FlopsFamily f);
std::optional<Activation> activation_from_name(std::string_view name);
std::optional<Norm> norm_from_name(std::string_view name);
std::optional<Position> position_from_name(std::string_view name);
std::optional<FlopsFamily> flops_family_from_name(std::string_view name);

/// Mixture-of-experts MLP (experts == 0: dense).
struct MoeSpec {
  int experts = 0;
  int top_k = 2;
  std::int64_t ffn_hidden = 0;  ///< per expert; 0 = the model's ffn_hidden
  double capacity_factor = 0;   ///< 0 = dropless; > 0 = drop-and-pad to this capacity
};

struct ModelSpec {
  std::string name;              ///< preset name or "custom"
  int layers = 0;                ///< L
  std::int64_t hidden = 0;       ///< h
  std::int64_t ffn_hidden = 0;   ///< f
  int heads = 0;                 ///< a (query heads)
  int kv_heads = 0;              ///< g (num_query_groups); == heads for MHA
  int head_dim = 0;              ///< d (kv_channels); 0 = hidden / heads
  std::int64_t vocab = 0;        ///< V as the model's tokenizer has it (padded later per TP)
  std::int64_t default_seq = 0;  ///< the sequence length the model was trained at
  Activation activation = Activation::kGelu;
  Norm norm = Norm::kLayerNorm;
  Position position = Position::kLearned;
  bool tied_embeddings = false;  ///< output layer shares the input embedding
  MoeSpec moe;
  FlopsFamily flops_family = FlopsFamily::kLlama;
  std::string source;  ///< where the dimensions come from

  bool gated() const { return activation == Activation::kSwiglu || activation == Activation::kGeglu; }
  /// γ: FC1 width multiplier, 2 for gated MLPs, else 1.
  int fc1_multiplier() const { return gated() ? 2 : 1; }
  bool is_moe() const { return moe.experts > 0; }
  std::int64_t expert_ffn_hidden() const { return moe.ffn_hidden > 0 ? moe.ffn_hidden : ffn_hidden; }
  /// d, defaulted.
  int kv_channels() const { return head_dim > 0 ? head_dim : static_cast<int>(hidden / heads); }
  /// Vocabulary padded as Megatron pads it: to a multiple of 128 x tensor-parallel size.
  std::int64_t padded_vocab(int tp) const;

  /// Parameters of one transformer layer without norms and biases: attention (QKV + output
  /// projection) and MLP (all experts for MoE, router included).
  std::int64_t attention_params() const;
  std::int64_t mlp_params() const;             ///< dense MLP, or all experts + router
  std::int64_t active_mlp_params() const;      ///< dense MLP, or top_k experts + router
  std::int64_t norm_params_per_layer() const;  ///< two norms: h (RMSNorm) or 2h (LayerNorm) each
  std::int64_t embedding_params() const;       ///< V x h (unpadded), plus learned positions
  /// Total parameters (norms, biases excluded; output layer counted once when tied).
  std::int64_t params() const;
  /// Parameters a token passes through (MoE: top_k experts).
  std::int64_t active_params() const;
};

/// The built-in presets by name (e.g. "gpt3-175b", "llama3.1-70b"); nullopt when unknown.
std::optional<ModelSpec> find_model_preset(std::string_view name);
/// All preset names, in table order.
std::vector<std::string> model_preset_names();

}  // namespace tessera::llm
