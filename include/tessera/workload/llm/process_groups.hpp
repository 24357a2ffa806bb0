// Megatron-Core's process groups for one run: the dense grid in `tp-cp-ep-dp-pp` order
// (rank = tp + t·(cp + c·(dp + D·pp))) and the expert grid ETP x EP x EDP x PP, with a
// communicator-group id for every group that communicates (MLM megatron/core/parallel_state.py).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tessera/workload/comm_parallelism.hpp"

namespace tessera::llm {

enum class GroupKind : std::uint8_t {
  kTp,         ///< tensor parallel
  kCp,         ///< context parallel
  kDp,         ///< data parallel (without CP)
  kDpCp,       ///< data x context parallel: dense gradient reduction
  kPp,         ///< pipeline (point-to-point only)
  kEp,         ///< expert parallel (expert grid)
  kEtp,        ///< expert tensor parallel (expert grid)
  kEdp,        ///< expert data parallel: expert gradient reduction
  kTpEp,       ///< expert tensor x expert parallel: MoE token-count exchange
  kEmbedding,  ///< first and last pipeline stage: tied-embedding gradient
  kMp,         ///< model parallel (tp x pp): gradient norm without the distributed optimizer
  kWorld,      ///< every NPU: gradient norm with the distributed optimizer
};
inline constexpr int kGroupKinds = 12;
/// "tp", "cp", "dp", "dp_cp", "pp", "ep", "etp", "edp", "tp_ep", "embedding", "mp", "world".
const char* to_string(GroupKind k);
/// The parallelism whose time a group's communication counts as (docs/llm.md "Output"): tp, etp
/// and tp_ep -> tp; cp -> cp; pp -> pp; ep -> ep; dp, dp_cp, edp, embedding, mp and world -> dp
/// (gradient and optimizer synchronization).
workload::CommParallelism parallelism_of(GroupKind k);

/// A rank's coordinates in both grids.
struct RankCoords {
  int tp = 0, cp = 0, dp = 0, pp = 0;  ///< dense grid
  int etp = 0, ep = 0, edp = 0;        ///< expert grid (pp shared)
};

class ProcessGroups {
 public:
  /// Throws Error if the sizes do not divide `npus` (validate the run first).
  ProcessGroups(int npus, int tp, int cp, int pp, int ep, int etp);

  int npus() const { return npus_; }
  int size(GroupKind k) const;
  RankCoords coords(int rank) const;
  /// The dense-grid rank with these coordinates.
  int rank_of(int tp, int cp, int dp, int pp) const;

  /// Members of the `kind` group that contains `rank`, ascending (the NCCL rank order).
  std::vector<int> members(GroupKind kind, int rank) const;
  /// The communicator-group id of that group (the trace's pg_name): 1, 2, ... for groups of two
  /// or more NPUs, shared by every kind with the same members; 0 for a group of one, which never
  /// communicates. The world group has an id like any other.
  int id(GroupKind kind, int rank) const {
    return ids_[static_cast<std::size_t>(kind)][static_cast<std::size_t>(rank)];
  }
  /// Every group with an id: id -> members (the comm-group JSON).
  const std::map<int, std::vector<int>>& groups() const { return groups_; }
  /// {"1": [0, 1], ...}: ASTRA-sim's --comm-group-configuration format.
  std::string comm_group_json() const;

 private:
  int npus_, tp_, cp_, pp_, ep_, etp_, dp_, edp_;
  std::vector<std::vector<int>> ids_;  // per kind, per rank
  std::map<int, std::vector<int>> groups_;
};

}  // namespace tessera::llm
