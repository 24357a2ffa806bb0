// How Megatron-Core splits the transformer layers into the pp·vp virtual stages
// (megatron/core/transformer/transformer_block.py, get_num_layers_to_build, and the layer offset
// beside it; reference llm-training.md §1.4 "Layer counts that do not divide p·v"):
// - evenly, L / (pp·vp) each, when nothing else is set;
// - with account_for_embedding_in_pipeline_split / account_for_loss_in_pipeline_split, as if the
//   embedding and the output layer + loss were one layer each: (L + e + l) / (pp·vp) per virtual
//   stage, one fewer on the first (embedding) and the last (loss) virtual stage;
// - with num_layers_in_first/last_pipeline_stage, the end ranks hold those counts and the middle
//   ranks share the rest evenly; each rank's layers are split evenly over its vp chunks.
// Virtual stage q = chunk·pp + rank runs layers in model order, so layer offsets are prefix sums.
#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "divisors.hpp"
#include "tessera/workload/llm/run.hpp"

namespace tessera::llm {

namespace {

PipelineSplit refuse(std::string key, std::string problem, std::string fix) {
  PipelineSplit s;
  s.key = std::move(key);
  s.problem = std::move(problem);
  s.fix = std::move(fix);
  return s;
}

/// Per-rank counts into per-virtual-stage counts (each rank's layers over its vp chunks).
PipelineSplit from_ranks(const std::vector<int>& per_rank, int vp) {
  const int pp = static_cast<int>(per_rank.size());
  PipelineSplit s;
  s.layers.assign(static_cast<std::size_t>(pp * vp), 0);
  for (int r = 0; r < pp; ++r) {
    for (int c = 0; c < vp; ++c) s.layers[static_cast<std::size_t>(c * pp + r)] = per_rank[r] / vp;
  }
  return s;
}

PipelineSplit explicit_ends(const LlmRun& r) {
  const int L = r.model.layers;
  const bool first = r.first_stage_layers > 0, last = r.last_stage_layers > 0;
  const int ends = (first ? 1 : 0) + (last ? 1 : 0);
  const int middle_ranks = r.pp - ends;
  const int rest = L - (first ? r.first_stage_layers : 0) - (last ? r.last_stage_layers : 0);
  const std::string key = first ? "num_layers_in_first_pipeline_stage" : "num_layers_in_last_pipeline_stage";
  if (rest < 0 || (middle_ranks == 0 && rest != 0)) {
    return refuse(
        key,
        fmt::format("the end stages' layers ({} first, {} last) do not add up with the model's {} layers "
                    "over pp {}",
                    r.first_stage_layers, r.last_stage_layers, L, r.pp),
        "make the end counts leave the middle stages an equal share of the rest");
  }
  const int middle = middle_ranks > 0 ? rest / middle_ranks : 0;
  if (middle_ranks > 0 && (rest % middle_ranks != 0 || middle == 0)) {
    return refuse(
        key,
        fmt::format("the {} layers left after the end stages do not split evenly into the {} middle "
                    "pipeline stage(s), at least one each",
                    rest, middle_ranks),
        "choose end counts that leave a positive multiple of the middle stages");
  }
  std::vector<int> per_rank(static_cast<std::size_t>(r.pp), middle);
  if (first) per_rank.front() = r.first_stage_layers;
  if (last) per_rank.back() = r.last_stage_layers;
  for (int rank = 0; rank < r.pp; ++rank) {
    if (per_rank[static_cast<std::size_t>(rank)] % r.vp != 0) {
      return refuse(
          rank == 0 && first         ? "num_layers_in_first_pipeline_stage"
          : rank == r.pp - 1 && last ? "num_layers_in_last_pipeline_stage"
                                     : "vp",
          fmt::format("pipeline stage {} holds {} layers, which its vp {} chunks cannot share evenly", rank,
                      per_rank[static_cast<std::size_t>(rank)], r.vp),
          fmt::format("make every stage's layer count a multiple of vp {}", r.vp));
    }
  }
  return from_ranks(per_rank, r.vp);
}

PipelineSplit with_embedding_and_loss(const LlmRun& r) {
  const int L = r.model.layers;
  const int e = r.account_for_embedding ? 1 : 0, l = r.account_for_loss ? 1 : 0;
  const int chunks = r.pp * r.vp;
  const int counted = L + e + l;
  if (counted % chunks != 0) {
    return refuse(
        r.vp > 1 ? "vp" : "pp",
        fmt::format("{} layers + {} for the embedding and loss = {} do not split evenly into pp·vp = "
                    "{}·{} = {} model chunks",
                    L, e + l, counted, r.pp, r.vp, chunks),
        fmt::format("choose pp·vp dividing {}", counted));
  }
  PipelineSplit s;
  s.layers.assign(static_cast<std::size_t>(chunks), counted / chunks);
  s.layers.front() -= e;
  s.layers.back() -= l;
  if (s.layers.front() < 0 || s.layers.back() < 0) {
    return refuse(
        "account_for_embedding_in_pipeline_split",
        fmt::format("one layer per model chunk leaves no room for both the embedding and the loss in "
                    "the one chunk of pp·vp = {}",
                    chunks),
        "use more layers per chunk (a smaller pp·vp)");
  }
  return s;
}

}  // namespace

PipelineSplit split_pipeline(const LlmRun& r) {
  const bool accounted = r.account_for_embedding || r.account_for_loss;
  const bool ends = r.first_stage_layers > 0 || r.last_stage_layers > 0;
  if ((accounted || ends) && r.pp < 2) {
    return refuse(accounted ? (r.account_for_embedding ? "account_for_embedding_in_pipeline_split"
                                                       : "account_for_loss_in_pipeline_split")
                            : (r.first_stage_layers > 0 ? "num_layers_in_first_pipeline_stage"
                                                        : "num_layers_in_last_pipeline_stage"),
                  "an uneven pipeline split needs pipeline parallelism (pp is 1)",
                  "set pp >= 2, or remove the key");
  }
  if (accounted && ends) {
    return refuse("num_layers_in_first_pipeline_stage",
                  "explicit end-stage layer counts and account_for_*_in_pipeline_split cannot be combined "
                  "(Megatron-Core refuses both)",
                  "keep one of the two ways to split unevenly");
  }
  if (ends) return explicit_ends(r);
  if (accounted) return with_embedding_and_loss(r);
  const int L = r.model.layers, chunks = r.pp * r.vp;
  if (L % chunks != 0) {
    return refuse(r.vp > 1 ? "vp" : "pp",
                  fmt::format("{} layers do not split evenly into pp·vp = {}·{} = {} model chunks", L, r.pp,
                              r.vp, chunks),
                  fmt::format("choose pp·vp dividing {} (divisors: {}), or split unevenly as Megatron-Core "
                              "can: account_for_embedding_in_pipeline_split and "
                              "account_for_loss_in_pipeline_split count the embedding and the loss as one "
                              "layer each ({} + 2 = {}), or set num_layers_in_first_pipeline_stage / "
                              "num_layers_in_last_pipeline_stage",
                              L, detail::divisors_text(L), L, L + 2));
  }
  PipelineSplit s;
  s.layers.assign(static_cast<std::size_t>(chunks), L / chunks);
  return s;
}

void Layout::set_split(std::vector<int> layers, int pp, int vp) {
  pp_ = pp;
  vp_ = vp;
  chunk_layers = std::move(layers);
  chunk_first_layer.assign(chunk_layers.size(), 0);
  std::exclusive_scan(chunk_layers.begin(), chunk_layers.end(), chunk_first_layer.begin(), 0);
}

int Layout::rank_layers(int rank) const {
  int n = 0;
  for (int c = 0; c < vp_; ++c) n += layers_in(c, rank);
  return n;
}

int Layout::max_chunk_layers() const {
  return chunk_layers.empty() ? 0 : *std::max_element(chunk_layers.begin(), chunk_layers.end());
}

}  // namespace tessera::llm
