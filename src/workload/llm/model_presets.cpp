// Model presets (reference llm-training.md §6, every row with its source) and the parameter
// counts derived from the dimensions.
#include <array>

#include "tessera/workload/llm/model.hpp"

namespace tessera::llm {

namespace {

template <typename E, std::size_t N>
std::optional<E> from_name(std::string_view name, const std::array<E, N>& all) {
  for (E e : all) {
    if (name == to_string(e)) return e;
  }
  return std::nullopt;
}

ModelSpec make(const char* name, int L, std::int64_t h, std::int64_t f, int a, int g, int d, std::int64_t V,
               std::int64_t seq, Activation act, Norm norm, Position pos, bool tied, FlopsFamily fam,
               const char* source) {
  ModelSpec m;
  m.name = name;
  m.layers = L;
  m.hidden = h;
  m.ffn_hidden = f;
  m.heads = a;
  m.kv_heads = g;
  m.head_dim = d;
  m.vocab = V;
  m.default_seq = seq;
  m.activation = act;
  m.norm = norm;
  m.position = pos;
  m.tied_embeddings = tied;
  m.flops_family = fam;
  m.source = source;
  return m;
}

// Source keys of the reference: nanoGPT model.py from_pretrained; NeMo gpt/model/base.py,
// llama.py, mixtral.py, nemotron.py; DGXC v24.11 recipes; xai-org/grok-1 README/run.py.
constexpr Activation kGelu = Activation::kGelu, kSwiglu = Activation::kSwiglu, kGeglu = Activation::kGeglu,
                     kSqRelu = Activation::kSquaredRelu;
constexpr Norm kLN = Norm::kLayerNorm, kRMS = Norm::kRmsNorm;
constexpr Position kLearned = Position::kLearned, kRope = Position::kRope;

std::vector<ModelSpec> presets() {
  std::vector<ModelSpec> p;
  p.push_back(make("gpt2-xl", 48, 1600, 6400, 25, 25, 64, 50257, 1024, kGelu, kLN, kLearned, true,
                   FlopsFamily::kGpt3, "karpathy/nanoGPT model.py from_pretrained"));
  // V = 51200: the GPT-2 BPE vocabulary padded as NeMo and the DGXC 175B recipe run it.
  p.push_back(make("gpt3-175b", 96, 12288, 49152, 96, 96, 128, 51200, 2048, kGelu, kLN, kLearned, true,
                   FlopsFamily::kGpt3,
                   "NeMo gpt/model/base.py GPTConfig175B; DGXC nemo_megatron README_175b.md"));
  p.push_back(make("llama2-7b", 32, 4096, 11008, 32, 32, 128, 32000, 4096, kSwiglu, kRMS, kRope, false,
                   FlopsFamily::kLlama, "NeMo gpt/model/llama.py Llama2Config7B"));
  p.push_back(make("llama2-13b", 40, 5120, 13824, 40, 40, 128, 32000, 4096, kSwiglu, kRMS, kRope, false,
                   FlopsFamily::kLlama, "NeMo gpt/model/llama.py Llama2Config13B"));
  p.push_back(make("llama2-70b", 80, 8192, 28672, 64, 8, 128, 32000, 4096, kSwiglu, kRMS, kRope, false,
                   FlopsFamily::kLlama, "NeMo gpt/model/llama.py Llama2Config70B"));
  p.push_back(make("llama3.1-8b", 32, 4096, 14336, 32, 8, 128, 128256, 8192, kSwiglu, kRMS, kRope, false,
                   FlopsFamily::kLlama,
                   "NeMo gpt/model/llama.py Llama31Config8B; DGXC llama3.1/llama3.1_8b.yaml"));
  p.push_back(make("llama3.1-70b", 80, 8192, 28672, 64, 8, 128, 128256, 8192, kSwiglu, kRMS, kRope, false,
                   FlopsFamily::kLlama,
                   "NeMo gpt/model/llama.py Llama31Config70B; DGXC llama3.1/llama3.1_70b.yaml"));
  // The model has 8 KV heads; the DGXC v24.11 405B run used 16 (set kv_heads: 16 to match it).
  p.push_back(make("llama3.1-405b", 126, 16384, 53248, 128, 8, 128, 128256, 8192, kSwiglu, kRMS, kRope, false,
                   FlopsFamily::kLlama,
                   "NeMo gpt/model/llama.py Llama31Config405B; DGXC llama3.1/llama3.1_405b.yaml"));
  {
    ModelSpec m = make("mixtral-8x7b", 32, 4096, 14336, 32, 8, 128, 32000, 4096, kSwiglu, kRMS, kRope, false,
                       FlopsFamily::kMixtral, "NeMo gpt/model/mixtral.py MixtralConfig8x7B");
    m.moe.experts = 8;
    m.moe.top_k = 2;
    p.push_back(m);
  }
  // DGXC v24.11 reports Nemotron-4 MFU with the GPT-3 (MHA, f = 4h) formula, hence kGpt3.
  p.push_back(make("nemotron4-15b", 32, 6144, 24576, 48, 8, 128, 256000, 4096, kSqRelu, kLN, kRope, false,
                   FlopsFamily::kGpt3, "NeMo gpt/model/nemotron.py Nemotron4Config15B; DGXC nemotron4-15b"));
  p.push_back(make("nemotron4-340b", 96, 18432, 73728, 96, 8, 192, 256000, 4096, kSqRelu, kLN, kRope, false,
                   FlopsFamily::kGpt3,
                   "NeMo gpt/model/nemotron.py Nemotron4Config340B; DGXC nemotron4-340b"));
  {
    ModelSpec m = make("grok1-314b", 64, 6144, 32768, 48, 8, 128, 131072, 8192, kGeglu, kRMS, kRope, false,
                       FlopsFamily::kMixtral, "xai-org/grok-1 README.md, run.py; DGXC grok1/grok1_314b.yaml");
    m.moe.experts = 8;
    m.moe.top_k = 2;
    m.moe.capacity_factor = 1.0;  // DGXC recipe: drop-and-pad at capacity factor 1.0
    p.push_back(m);
  }
  return p;
}

}  // namespace

const char* to_string(Activation a) {
  switch (a) {
    case Activation::kGelu:
      return "gelu";
    case Activation::kSquaredRelu:
      return "squared-relu";
    case Activation::kSwiglu:
      return "swiglu";
    case Activation::kGeglu:
      return "geglu";
  }
  return "?";
}
const char* to_string(Norm n) { return n == Norm::kLayerNorm ? "layernorm" : "rmsnorm"; }
const char* to_string(Position p) { return p == Position::kLearned ? "learned" : "rope"; }
const char* to_string(FlopsFamily f) {
  switch (f) {
    case FlopsFamily::kGpt3:
      return "gpt3";
    case FlopsFamily::kLlama:
      return "llama";
    case FlopsFamily::kNemotron:
      return "nemotron";
    case FlopsFamily::kMixtral:
      return "mixtral";
  }
  return "?";
}
std::optional<Activation> activation_from_name(std::string_view name) {
  return from_name(
      name, std::array{Activation::kGelu, Activation::kSquaredRelu, Activation::kSwiglu, Activation::kGeglu});
}
std::optional<Norm> norm_from_name(std::string_view name) {
  return from_name(name, std::array{Norm::kLayerNorm, Norm::kRmsNorm});
}
std::optional<Position> position_from_name(std::string_view name) {
  return from_name(name, std::array{Position::kLearned, Position::kRope});
}
std::optional<FlopsFamily> flops_family_from_name(std::string_view name) {
  return from_name(name, std::array{FlopsFamily::kGpt3, FlopsFamily::kLlama, FlopsFamily::kNemotron,
                                    FlopsFamily::kMixtral});
}

std::int64_t ModelSpec::padded_vocab(int tp) const {
  // Megatron's --make-vocab-size-divisible-by 128, times the TP size (megatron/training/tokenizer).
  const std::int64_t multiple = 128 * static_cast<std::int64_t>(tp);
  return (vocab + multiple - 1) / multiple * multiple;
}

std::int64_t ModelSpec::attention_params() const {
  const std::int64_t d = kv_channels();
  return hidden * (heads + 2 * static_cast<std::int64_t>(kv_heads)) * d +
         static_cast<std::int64_t>(heads) * d * hidden;
}

std::int64_t ModelSpec::mlp_params() const {
  if (!is_moe()) return (fc1_multiplier() + 1) * hidden * ffn_hidden;
  return moe.experts * (fc1_multiplier() + 1) * hidden * expert_ffn_hidden() + hidden * moe.experts;
}

std::int64_t ModelSpec::active_mlp_params() const {
  if (!is_moe()) return mlp_params();
  return moe.top_k * (fc1_multiplier() + 1) * hidden * expert_ffn_hidden() + hidden * moe.experts;
}

std::int64_t ModelSpec::norm_params_per_layer() const {
  return 2 * hidden * (norm == Norm::kLayerNorm ? 2 : 1);
}

std::int64_t ModelSpec::embedding_params() const {
  return vocab * hidden + (position == Position::kLearned ? default_seq * hidden : 0);
}

std::int64_t ModelSpec::params() const {
  return layers * (attention_params() + mlp_params()) + embedding_params() +
         (tied_embeddings ? 0 : vocab * hidden);
}

std::int64_t ModelSpec::active_params() const {
  return layers * (attention_params() + active_mlp_params()) + embedding_params() +
         (tied_embeddings ? 0 : vocab * hidden);
}

std::optional<ModelSpec> find_model_preset(std::string_view name) {
  for (ModelSpec& m : presets()) {
    if (m.name == name) return std::move(m);
  }
  return std::nullopt;
}

std::vector<std::string> model_preset_names() {
  std::vector<std::string> names;
  for (const ModelSpec& m : presets()) names.push_back(m.name);
  return names;
}

}  // namespace tessera::llm
