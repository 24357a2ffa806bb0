// One LLM training run as a user describes it (the `workload: llm:` block of a scenario): the
// model, the batch, the parallel sizes and the Megatron-Core settings that change timing, plus the
// sizes derived from them and the checks that refuse what Megatron would refuse (docs/llm.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tessera/compute/gpu.hpp"
#include "tessera/error.hpp"
#include "tessera/workload/llm/model.hpp"

namespace tessera::llm {

enum class Recompute : std::uint8_t { kNone, kSelective, kFull };
/// How context-parallel attention exchanges keys and values (Megatron's --cp-comm-type).
enum class CpCommType : std::uint8_t { kP2p, kAllGather, kA2a };

const char* to_string(Recompute r);
const char* to_string(CpCommType c);
std::optional<Recompute> recompute_from_name(std::string_view name);
std::optional<CpCommType> cp_comm_type_from_name(std::string_view name);

struct LlmRun {
  ModelSpec model;
  std::int64_t seq_len = 0;       ///< 0 = the model's default
  std::int64_t global_batch = 0;  ///< sequences per step
  int micro_batch = 1;
  compute::Precision precision = compute::Precision::kBf16;  ///< GEMM math: bf16 or fp8
  int tp = 1, pp = 1, vp = 1, cp = 1, ep = 1;
  int expert_tp = 0;               ///< expert tensor parallel size; 0 = tp (Megatron's default)
  bool sequence_parallel = false;  ///< no effect when tp == 1 (Megatron turns it off)
  bool distributed_optimizer = false;
  Recompute recompute = Recompute::kNone;
  int steps = 1;

  // Settings that change timing (reference llm-training.md §7). Defaults are NeMo 2.0's, which
  // the published DGX Cloud runs use.
  bool overlap_grad_reduce = true;   ///< bucketed gradient reduction during the last backward
  bool overlap_param_gather = true;  ///< distributed optimizer: all-gather under the next forward
  bool tp_comm_overlap = false;      ///< TE userbuffers: TP collectives pipelined with GEMMs
  compute::Precision grad_reduce_dtype = compute::Precision::kBf16;  ///< main-grad and reduction type
  std::int64_t bucket_params = 0;  ///< DP bucket size in parameters; 0 = max(40M, 1M x dp)
  /// The distributed optimizer keeps only the 16 bits of each fp32 master weight that the bf16
  /// parameter lacks (NeMo 1.0's Apex DistributedFusedAdam with bf16 parameters, as the DGXC
  /// v24.11 runs use): 10 instead of 12 optimizer bytes per parameter. No effect for fp8 runs.
  bool param_remainders = false;
  CpCommType cp_comm = CpCommType::kP2p;
  std::optional<compute::AttentionBackend> attention_backend;  ///< nullopt: cuDNN where published
  int microbatch_group = 0;                                    ///< interleaved schedule group size; 0 = pp
  double hidden_dropout = 0;  ///< > 0 adds the dropout masks (DGXC GPT-3: 0.1)
  // Megatron-Core's uneven pipeline split (transformer_block.py, get_num_layers_to_build): the
  // embedding and the output layer + loss each count as one layer of the split, or the end stages
  // get explicit layer counts and the middle stages share the rest.
  bool account_for_embedding = false;  ///< account_for_embedding_in_pipeline_split
  bool account_for_loss = false;       ///< account_for_loss_in_pipeline_split
  int first_stage_layers = 0;          ///< num_layers_in_first_pipeline_stage; 0 = not set
  int last_stage_layers = 0;           ///< num_layers_in_last_pipeline_stage; 0 = not set

  std::int64_t seq() const { return seq_len > 0 ? seq_len : model.default_seq; }
  int etp() const { return expert_tp > 0 ? expert_tp : tp; }
  bool sp() const { return sequence_parallel && tp > 1; }
  bool interleaved() const { return vp > 1; }
  /// Optimizer-state bytes per parameter before sharding: the fp32 master weight (or its 16-bit
  /// remainder) and two fp32 Adam moments.
  int optimizer_state_bytes() const {
    return (param_remainders && distributed_optimizer && precision == compute::Precision::kBf16 ? 2 : 4) + 8;
  }
};

/// Sizes that follow from a run and an NPU count (valid only for a run that validate_run accepts).
struct Layout {
  int npus = 0;
  int dp = 0;                      ///< npus / (tp·pp·cp)
  int edp = 0;                     ///< expert data parallel: npus / (etp·ep·pp)
  int micro_batches = 0;           ///< m = global_batch / (micro_batch · dp), per DP replica per step
  /// Transformer layers of each virtual stage q = chunk·pp + pipeline rank (L / (pp·vp) each
  /// unless the run splits unevenly), and the global index of each one's first layer.
  std::vector<int> chunk_layers;
  std::vector<int> chunk_first_layer;
  int group_size = 0;              ///< interleaved schedule: micro-batches per group (microbatch_group or pp)
  std::int64_t seq = 0;            ///< s
  std::int64_t tokens = 0;         ///< n = micro_batch · s / cp: tokens per CP rank per micro-batch
  std::int64_t vocab = 0;          ///< V padded for tp
  std::int64_t bucket_params = 0;  ///< resolved DP bucket size (parameters)

  int pp() const { return pp_; }
  int vp() const { return vp_; }
  /// Layers of virtual stage q, and of pipeline rank `rank`'s chunk `chunk`.
  int layers_in(int q) const { return chunk_layers[static_cast<std::size_t>(q)]; }
  int layers_in(int chunk, int rank) const { return layers_in(chunk * pp_ + rank); }
  int first_layer(int q) const { return chunk_first_layer[static_cast<std::size_t>(q)]; }
  /// Layers pipeline rank `rank` holds over all its chunks.
  int rank_layers(int rank) const;
  /// The most layers any virtual stage holds.
  int max_chunk_layers() const;
  /// Sets chunk_layers and chunk_first_layer from per-virtual-stage counts.
  void set_split(std::vector<int> layers, int pp, int vp);

 private:
  int pp_ = 1, vp_ = 1;
};

/// Megatron-Core's split of the run's layers into its pp·vp virtual stages, or the reason it
/// refuses the split: `key` (under the run's prefix), `problem` and `fix` set and `layers` empty.
struct PipelineSplit {
  std::vector<int> layers;  ///< per virtual stage q = chunk·pp + rank
  std::string key, problem, fix;
};
PipelineSplit split_pipeline(const LlmRun& run);

/// Checks a run for `npus` NPUs: every problem, each naming the key under `key_prefix` (e.g.
/// "workload.llm") and how to fix it. Empty when Megatron-Core would run it.
std::vector<Diagnostic> validate_run(const LlmRun& run, int npus, const std::string& file = "",
                                     const std::string& key_prefix = "workload.llm");
/// Checks that `gpu` can run `run` (fp8 tensor cores, attention figures for the backend).
std::vector<Diagnostic> validate_run_on_gpu(const LlmRun& run, const compute::GpuSpec& gpu,
                                            const std::string& file = "",
                                            const std::string& key_prefix = "workload.llm");
/// The derived sizes; throws InputError with validate_run's diagnostics when the run is invalid.
Layout make_layout(const LlmRun& run, int npus, const std::string& file = "",
                   const std::string& key_prefix = "workload.llm");
/// The attention backend the run's kernels use on `gpu`.
compute::AttentionBackend attention_backend_for(const LlmRun& run, const compute::GpuSpec& gpu);

}  // namespace tessera::llm
