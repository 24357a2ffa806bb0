// What Megatron-Core refuses, refused here first with the key and the fix: parallel sizes that do
// not divide the NPUs, batches that do not divide into micro-batches, pipelines that never fill,
// layer and head counts that do not split (MLM megatron/training/arguments.py,
// transformer_config.py, parallel_state.py; docs/llm.md lists every rule).
#include <algorithm>

#include <fmt/format.h>

#include "divisors.hpp"
#include "tessera/workload/llm/run.hpp"

namespace tessera::llm {

const char* to_string(Recompute r) {
  switch (r) {
    case Recompute::kNone:
      return "none";
    case Recompute::kSelective:
      return "selective";
    case Recompute::kFull:
      return "full";
  }
  return "?";
}

const char* to_string(CpCommType c) {
  switch (c) {
    case CpCommType::kP2p:
      return "p2p";
    case CpCommType::kAllGather:
      return "all_gather";
    case CpCommType::kA2a:
      return "a2a";
  }
  return "?";
}

std::optional<Recompute> recompute_from_name(std::string_view name) {
  for (Recompute r : {Recompute::kNone, Recompute::kSelective, Recompute::kFull}) {
    if (name == to_string(r)) return r;
  }
  return std::nullopt;
}

std::optional<CpCommType> cp_comm_type_from_name(std::string_view name) {
  for (CpCommType c : {CpCommType::kP2p, CpCommType::kAllGather, CpCommType::kA2a}) {
    if (name == to_string(c)) return c;
  }
  return std::nullopt;
}

namespace {

/// Collects diagnostics with one file and key prefix.
struct Problems {
  const std::string& file;
  const std::string& prefix;
  std::vector<Diagnostic> list;

  void add(const std::string& key, std::string message, std::string fix) {
    list.push_back(
        Diagnostic{file, 0, prefix.empty() ? key : prefix + "." + key, std::move(message), std::move(fix)});
  }
};

using detail::divisors_text;

void check_model(const ModelSpec& m, Problems& p) {
  auto positive = [&](const char* key, std::int64_t v) {
    if (v <= 0) p.add(fmt::format("model.{}", key), fmt::format("must be at least 1 (it is {})", v), "");
  };
  positive("layers", m.layers);
  positive("hidden", m.hidden);
  positive("ffn_hidden", m.ffn_hidden);
  positive("heads", m.heads);
  positive("kv_heads", m.kv_heads);
  positive("vocab", m.vocab);
  if (m.head_dim < 0) p.add("model.head_dim", "must not be negative", "leave it out to use hidden / heads");
  if (m.heads > 0 && m.kv_heads > 0 && m.heads % m.kv_heads != 0) {
    p.add("model.kv_heads",
          fmt::format(
              "{} KV heads do not divide the {} query heads (each KV head serves a whole group of query "
              "heads)",
              m.kv_heads, m.heads),
          fmt::format("use a divisor of {}: {}", m.heads, divisors_text(m.heads)));
  }
  if (m.head_dim == 0 && m.heads > 0 && m.hidden % m.heads != 0) {
    p.add("model.head_dim", fmt::format("hidden {} is not a multiple of heads {}", m.hidden, m.heads),
          "set head_dim explicitly");
  }
  if (m.is_moe()) {
    if (m.moe.top_k < 1 || m.moe.top_k > m.moe.experts) {
      p.add("model.moe.top_k",
            fmt::format("top_k {} must be between 1 and the {} experts", m.moe.top_k, m.moe.experts), "");
    }
    if (m.moe.capacity_factor < 0)
      p.add("model.moe.capacity_factor", "must not be negative", "0 means dropless");
  } else if (m.moe.experts < 0) {
    p.add("model.moe.experts", "must not be negative", "");
  }
}

}  // namespace

std::vector<Diagnostic> validate_run(const LlmRun& r, int npus, const std::string& file,
                                     const std::string& prefix) {
  Problems p{file, prefix, {}};
  const ModelSpec& m = r.model;
  check_model(m, p);
  const std::int64_t s = r.seq();
  if (s <= 0) p.add("seq_len", "must be at least 1", "set seq_len (the model has no default)");
  if (r.global_batch <= 0) p.add("global_batch", "must be at least 1", "");
  if (r.micro_batch <= 0) p.add("micro_batch", "must be at least 1", "");
  if (r.steps <= 0) p.add("steps", "must be at least 1", "");
  if (r.precision != compute::Precision::kBf16 && r.precision != compute::Precision::kFp8) {
    p.add("precision", fmt::format("'{}' is not a training precision", compute::to_string(r.precision)),
          "use bf16 or fp8");
  }
  if (r.grad_reduce_dtype != compute::Precision::kBf16 && r.grad_reduce_dtype != compute::Precision::kFp32) {
    p.add("grad_reduce_dtype", "gradients are reduced in bf16 or fp32", "use bf16 or fp32");
  }
  bool sizes_ok = true;
  for (auto [key, v] : {std::pair{"tp", r.tp}, {"pp", r.pp}, {"vp", r.vp}, {"cp", r.cp}, {"ep", r.ep}}) {
    if (v < 1) {
      p.add(key, fmt::format("must be at least 1 (it is {})", v), "1 means no parallelism of this kind");
      sizes_ok = false;
    }
  }
  if (r.expert_tp < 0) {
    p.add("expert_tp", "must not be negative", "leave it out to use tp");
    sizes_ok = false;
  }
  if (npus < 1) {
    p.add("", fmt::format("the run needs at least one NPU (the network has {})", npus), "");
    sizes_ok = false;
  }
  if (!sizes_ok || !p.list.empty()) return p.list;

  // Dense grid tp x cp x dp x pp.
  const std::int64_t model_parallel = static_cast<std::int64_t>(r.tp) * r.pp * r.cp;
  int dp = 0;
  if (npus % model_parallel != 0) {
    p.add(
        "tp",
        fmt::format("tp·pp·cp = {}·{}·{} = {} does not divide the {} NPUs, so the data-parallel size {} / {} "
                    "is not whole",
                    r.tp, r.pp, r.cp, model_parallel, npus, npus, model_parallel),
        fmt::format("choose tp, pp and cp whose product divides {} (divisors: {}), or change the NPU count",
                    npus, divisors_text(npus)));
  } else {
    dp = static_cast<int>(npus / model_parallel);
  }

  // Batch: global_batch = micro_batch x dp x m.
  if (dp > 0) {
    const std::int64_t per_step = static_cast<std::int64_t>(r.micro_batch) * dp;
    if (r.global_batch % per_step != 0) {
      const std::int64_t lo = std::max<std::int64_t>(per_step, r.global_batch / per_step * per_step);
      p.add(
          "global_batch",
          fmt::format("global_batch {} is not a multiple of micro_batch·dp = {}·{} = {} (dp = {} NPUs / {})",
                      r.global_batch, r.micro_batch, dp, per_step, npus, model_parallel),
          fmt::format("use a multiple of {} such as {} or {}, or change micro_batch", per_step, lo,
                      lo + per_step));
    } else {
      const std::int64_t mb = r.global_batch / per_step;
      if (r.pp > 1 && mb < r.pp) {
        p.add("global_batch",
              fmt::format("{} micro-batches per step do not fill the {}-stage pipeline (global_batch {} / "
                          "(micro_batch {} · dp {}))",
                          mb, r.pp, r.global_batch, r.micro_batch, dp),
              fmt::format("raise global_batch to at least {} or lower micro_batch or pp", per_step * r.pp));
      }
      if (r.interleaved()) {
        const int group = r.microbatch_group > 0 ? r.microbatch_group : r.pp;
        if (r.microbatch_group > 0 && (group < r.pp || group > mb)) {
          p.add("microbatch_group",
                fmt::format(
                    "the interleaved schedule needs pp <= microbatch_group <= micro-batches ({} <= {} <= {})",
                    r.pp, group, mb),
                "leave it out to use pp");
        } else if (r.microbatch_group == 0 && mb % r.pp != 0) {
          p.add("vp",
                fmt::format(
                    "the interleaved schedule (vp {}) needs the micro-batches per step ({}) to be a multiple "
                    "of pp ({}), as Megatron-Core 0.8 requires",
                    r.vp, mb, r.pp),
                fmt::format("make global_batch a multiple of micro_batch·dp·pp = {}, or set vp: 1",
                            per_step * r.pp));
        }
      }
    }
  }

  // Pipeline split.
  if (r.vp > 1 && r.pp < 2) {
    p.add("vp", fmt::format("virtual stages (vp {}) need pipeline parallelism (pp is {})", r.vp, r.pp),
          "set pp >= 2 or vp: 1");
  }
  if (m.layers > 0 && r.pp > 0 && r.vp > 0) {
    const PipelineSplit split = split_pipeline(r);
    if (split.layers.empty()) p.add(split.key, split.problem, split.fix);
  }

  // Tensor parallel: heads, KV heads, sequence shards.
  if (m.heads % r.tp != 0) {
    p.add("tp", fmt::format("tp {} does not divide the {} attention heads", r.tp, m.heads),
          fmt::format("use a divisor of {}: {}", m.heads, divisors_text(m.heads)));
  }
  if (m.heads % r.tp == 0 && m.kv_heads % r.tp != 0 && r.tp % m.kv_heads != 0) {
    p.add("tp",
          fmt::format(
              "tp {} and the {} KV heads do not fit: each TP rank needs whole KV heads (kv_heads % tp == 0) "
              "or one replicated KV head (tp % kv_heads == 0)",
              r.tp, m.kv_heads),
          fmt::format("use a tp that divides or is a multiple of {}", m.kv_heads));
  }
  if (s > 0 && r.cp > 1 && s % (2 * r.cp) != 0) {
    p.add("cp",
          fmt::format(
              "seq_len {} is not a multiple of 2·cp = {}: context parallelism splits each sequence into 2·cp "
              "chunks to balance causal attention",
              s, 2 * r.cp),
          fmt::format("use a seq_len divisible by {}", 2 * r.cp));
  }
  if (r.cp > 1 && r.cp_comm == CpCommType::kA2a && (m.heads / r.tp) % r.cp != 0) {
    p.add("cp",
          fmt::format("cp_comm_type a2a scatters the {} heads per TP rank over cp {}", m.heads / r.tp, r.cp),
          "use cp dividing heads / tp, or cp_comm_type p2p");
  }
  if (r.sp() && s > 0 && (static_cast<std::int64_t>(r.micro_batch) * s / r.cp) % r.tp != 0) {
    p.add("sequence_parallel",
          fmt::format("micro_batch·seq_len/cp = {} tokens do not shard over tp {}",
                      static_cast<std::int64_t>(r.micro_batch) * s / r.cp, r.tp),
          "use a seq_len divisible by cp·tp");
  }
  if (r.tp_comm_overlap && !r.sp()) {
    p.add("tp_comm_overlap", "TP communication overlap needs tp >= 2 and sequence_parallel: true",
          "turn on sequence_parallel or turn off tp_comm_overlap");
  }

  // Experts.
  if (!m.is_moe()) {
    if (r.ep > 1) {
      p.add("ep", fmt::format("ep {} needs a mixture-of-experts model ({} is dense)", r.ep, m.name),
            "set ep: 1, or give the model moe: {experts, top_k}");
    }
  } else {
    if (m.moe.experts % r.ep != 0) {
      p.add("ep", fmt::format("ep {} does not divide the {} experts", r.ep, m.moe.experts),
            fmt::format("use a divisor of {}: {}", m.moe.experts, divisors_text(m.moe.experts)));
    }
    const std::int64_t expert_grid = static_cast<std::int64_t>(r.etp()) * r.ep * r.pp;
    if (npus % expert_grid != 0) {
      p.add("ep",
            fmt::format(
                "expert_tp·ep·pp = {}·{}·{} = {} does not divide the {} NPUs (the expert grid needs a whole "
                "expert data-parallel size)",
                r.etp(), r.ep, r.pp, expert_grid, npus),
            "choose ep and expert_tp so that their product with pp divides the NPU count");
    }
    if (r.tp > 1 && !r.sequence_parallel) {
      p.add("sequence_parallel", "Megatron-Core requires sequence parallelism for MoE with tp > 1",
            "set sequence_parallel: true");
    }
    if (m.expert_ffn_hidden() % r.etp() != 0) {
      p.add(
          "expert_tp",
          fmt::format("expert_tp {} does not divide the expert FFN width {}", r.etp(), m.expert_ffn_hidden()),
          "");
    }
  }
  if (m.ffn_hidden % r.tp != 0) {
    p.add("tp", fmt::format("tp {} does not divide ffn_hidden {}", r.tp, m.ffn_hidden), "");
  }
  if (r.bucket_params < 0) p.add("bucket_params", "must not be negative", "0 selects Megatron's default");
  if (r.hidden_dropout < 0 || r.hidden_dropout >= 1) p.add("hidden_dropout", "must be in [0, 1)", "");
  return p.list;
}

std::vector<Diagnostic> validate_run_on_gpu(const LlmRun& r, const compute::GpuSpec& gpu,
                                            const std::string& file, const std::string& prefix) {
  Problems p{file, prefix, {}};
  if (gpu.peak_tflops(r.precision) <= 0) {
    p.add("precision", fmt::format("{} has no {} tensor cores", gpu.title, compute::to_string(r.precision)),
          "use precision: bf16");
  }
  const compute::AttentionBackend b = attention_backend_for(r, gpu);
  if (!gpu.find_attention(b)) {
    std::string have;
    for (const auto& f : gpu.attention)
      have += (have.empty() ? "" : ", ") + std::string(compute::to_string(f.backend));
    p.add("attention_backend",
          fmt::format("{} has no published {} attention figures to time attention with", gpu.title,
                      compute::to_string(b)),
          fmt::format("use one of: {}", have));
  }
  return p.list;
}

compute::AttentionBackend attention_backend_for(const LlmRun& r, const compute::GpuSpec& gpu) {
  if (r.attention_backend) return *r.attention_backend;
  // TE picks cuDNN fused attention where it is available (the DGXC Llama recipes force it);
  // A100's published figures are FlashAttention-2's.
  return gpu.find_attention(compute::AttentionBackend::kCudnn) ? compute::AttentionBackend::kCudnn
                                                               : compute::AttentionBackend::kFlash2;
}

Layout make_layout(const LlmRun& r, int npus, const std::string& file, const std::string& prefix) {
  auto problems = validate_run(r, npus, file, prefix);
  if (!problems.empty()) throw InputError(std::move(problems));
  Layout l;
  l.npus = npus;
  l.dp = npus / (r.tp * r.pp * r.cp);
  l.edp = npus / (r.etp() * r.ep * r.pp);
  l.micro_batches = static_cast<int>(r.global_batch / (static_cast<std::int64_t>(r.micro_batch) * l.dp));
  l.set_split(split_pipeline(r).layers, r.pp, r.vp);
  l.group_size = r.microbatch_group > 0 ? r.microbatch_group : r.pp;
  l.seq = r.seq();
  l.tokens = static_cast<std::int64_t>(r.micro_batch) * l.seq / r.cp;
  l.vocab = r.model.padded_vocab(r.tp);
  // MCore DistributedDataParallel: max(40M, 1M x dp) parameters (distributed_data_parallel.py).
  l.bucket_params =
      r.bucket_params > 0 ? r.bucket_params : std::max<std::int64_t>(40'000'000, 1'000'000LL * l.dp);
  return l;
}

}  // namespace tessera::llm
