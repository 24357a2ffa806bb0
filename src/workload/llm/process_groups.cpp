// Process groups as Megatron-Core's RankGenerator builds them: a group of some kinds holds the
// ranks that agree on every other coordinate. Ids are given in kind order, then by the group's
// smallest rank, so every MPI rank computes the same ids without talking to the others.
#include <algorithm>

#include <fmt/format.h>

#include "tessera/error.hpp"
#include "tessera/workload/llm/process_groups.hpp"

namespace tessera::llm {

workload::CommParallelism parallelism_of(GroupKind k) {
  using workload::CommParallelism;
  switch (k) {
    case GroupKind::kTp:
    case GroupKind::kEtp:
    case GroupKind::kTpEp:
      return CommParallelism::kTp;
    case GroupKind::kCp:
      return CommParallelism::kCp;
    case GroupKind::kPp:
      return CommParallelism::kPp;
    case GroupKind::kEp:
      return CommParallelism::kEp;
    case GroupKind::kDp:
    case GroupKind::kDpCp:
    case GroupKind::kEdp:
    case GroupKind::kEmbedding:
    case GroupKind::kMp:
    case GroupKind::kWorld:
      return CommParallelism::kDp;
  }
  return CommParallelism::kNone;
}

const char* to_string(GroupKind k) {
  switch (k) {
    case GroupKind::kTp:
      return "tp";
    case GroupKind::kCp:
      return "cp";
    case GroupKind::kDp:
      return "dp";
    case GroupKind::kDpCp:
      return "dp_cp";
    case GroupKind::kPp:
      return "pp";
    case GroupKind::kEp:
      return "ep";
    case GroupKind::kEtp:
      return "etp";
    case GroupKind::kEdp:
      return "edp";
    case GroupKind::kTpEp:
      return "tp_ep";
    case GroupKind::kEmbedding:
      return "embedding";
    case GroupKind::kMp:
      return "mp";
    case GroupKind::kWorld:
      return "world";
  }
  return "?";
}

ProcessGroups::ProcessGroups(int npus, int tp, int cp, int pp, int ep, int etp)
    : npus_(npus), tp_(tp), cp_(cp), pp_(pp), ep_(ep), etp_(etp) {
  if (npus < 1 || tp < 1 || cp < 1 || pp < 1 || ep < 1 || etp < 1 || npus % (tp * cp * pp) != 0 ||
      npus % (etp * ep * pp) != 0) {
    throw Error(fmt::format("process groups: tp {} cp {} pp {} / etp {} ep {} do not divide {} NPUs", tp, cp,
                            pp, etp, ep, npus));
  }
  dp_ = npus / (tp * cp * pp);
  edp_ = npus / (etp * ep * pp);
  ids_.assign(kGroupKinds, std::vector<int>(static_cast<std::size_t>(npus), 0));
  std::map<std::vector<int>, int> by_members;
  int next = 1;
  for (int k = 0; k < kGroupKinds; ++k) {
    const auto kind = static_cast<GroupKind>(k);
    if (size(kind) < 2) continue;
    std::vector<bool> seen(static_cast<std::size_t>(npus), false);
    for (int r = 0; r < npus; ++r) {
      if (seen[static_cast<std::size_t>(r)]) continue;
      std::vector<int> m = members(kind, r);
      for (int x : m) seen[static_cast<std::size_t>(x)] = true;
      if (m.size() < 2) continue;
      auto [it, fresh] = by_members.emplace(m, next);
      if (fresh) {
        groups_.emplace(next, m);
        ++next;
      }
      for (int x : m) ids_[static_cast<std::size_t>(k)][static_cast<std::size_t>(x)] = it->second;
    }
  }
}

int ProcessGroups::size(GroupKind k) const {
  switch (k) {
    case GroupKind::kTp:
      return tp_;
    case GroupKind::kCp:
      return cp_;
    case GroupKind::kDp:
      return dp_;
    case GroupKind::kDpCp:
      return dp_ * cp_;
    case GroupKind::kPp:
      return pp_;
    case GroupKind::kEp:
      return ep_;
    case GroupKind::kEtp:
      return etp_;
    case GroupKind::kEdp:
      return edp_;
    case GroupKind::kTpEp:
      return etp_ * ep_;
    case GroupKind::kEmbedding:
      return pp_ > 1 ? 2 : 1;
    case GroupKind::kMp:
      return tp_ * pp_;
    case GroupKind::kWorld:
      return npus_;
  }
  return 1;
}

RankCoords ProcessGroups::coords(int rank) const {
  RankCoords c;
  c.tp = rank % tp_;
  c.cp = rank / tp_ % cp_;
  c.dp = rank / (tp_ * cp_) % dp_;
  c.pp = rank / (tp_ * cp_ * dp_);
  c.etp = rank % etp_;
  c.ep = rank / etp_ % ep_;
  c.edp = rank / (etp_ * ep_) % edp_;
  return c;
}

int ProcessGroups::rank_of(int tp, int cp, int dp, int pp) const {
  return tp + tp_ * (cp + cp_ * (dp + dp_ * pp));
}

std::vector<int> ProcessGroups::members(GroupKind kind, int rank) const {
  const RankCoords c = coords(rank);
  std::vector<int> out;
  auto dense = [&](bool vary_tp, bool vary_cp, bool vary_dp, bool vary_pp) {
    for (int p = vary_pp ? 0 : c.pp; p < (vary_pp ? pp_ : c.pp + 1); ++p)
      for (int d = vary_dp ? 0 : c.dp; d < (vary_dp ? dp_ : c.dp + 1); ++d)
        for (int x = vary_cp ? 0 : c.cp; x < (vary_cp ? cp_ : c.cp + 1); ++x)
          for (int t = vary_tp ? 0 : c.tp; t < (vary_tp ? tp_ : c.tp + 1); ++t)
            out.push_back(rank_of(t, x, d, p));
  };
  auto expert = [&](bool vary_etp, bool vary_ep, bool vary_edp) {
    const int base = c.pp * etp_ * ep_ * edp_;
    for (int d = vary_edp ? 0 : c.edp; d < (vary_edp ? edp_ : c.edp + 1); ++d)
      for (int e = vary_ep ? 0 : c.ep; e < (vary_ep ? ep_ : c.ep + 1); ++e)
        for (int t = vary_etp ? 0 : c.etp; t < (vary_etp ? etp_ : c.etp + 1); ++t)
          out.push_back(base + t + etp_ * (e + ep_ * d));
  };
  switch (kind) {
    case GroupKind::kTp:
      dense(true, false, false, false);
      break;
    case GroupKind::kCp:
      dense(false, true, false, false);
      break;
    case GroupKind::kDp:
      dense(false, false, true, false);
      break;
    case GroupKind::kDpCp:
      dense(false, true, true, false);
      break;
    case GroupKind::kPp:
      dense(false, false, false, true);
      break;
    case GroupKind::kEp:
      expert(false, true, false);
      break;
    case GroupKind::kEtp:
      expert(true, false, false);
      break;
    case GroupKind::kEdp:
      expert(false, false, true);
      break;
    case GroupKind::kTpEp:
      expert(true, true, false);
      break;
    case GroupKind::kEmbedding:
      // Megatron's default_embedding_ranks: the first and the last stage of the pipeline.
      out.push_back(rank_of(c.tp, c.cp, c.dp, 0));
      if (pp_ > 1) out.push_back(rank_of(c.tp, c.cp, c.dp, pp_ - 1));
      break;
    case GroupKind::kMp:
      dense(true, false, false, true);
      break;
    case GroupKind::kWorld:
      for (int r = 0; r < npus_; ++r) out.push_back(r);
      break;
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string ProcessGroups::comm_group_json() const {
  std::string s = "{";
  bool first = true;
  for (const auto& [id, m] : groups_) {
    s += fmt::format("{}\n  \"{}\": [", first ? "" : ",", id);
    for (std::size_t i = 0; i < m.size(); ++i) s += fmt::format("{}{}", i ? ", " : "", m[i]);
    s += "]";
    first = false;
  }
  s += first ? "}\n" : "\n}\n";
  return s;
}

}  // namespace tessera::llm
