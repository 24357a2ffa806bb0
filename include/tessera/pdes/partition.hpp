// Placement of LPs on ranks and the lookahead that placement allows. Every rank computes the same
// partition from the same graph (all functions are deterministic and rank-independent).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "tessera/pdes/graph.hpp"

namespace tessera::pdes {

/// Which rank runs each LP, and the lookahead: the minimum latency over channels the partition
/// cuts (and the direct-send minimum delay when ranks > 1); kTimeInfinity when nothing crosses.
struct Partition {
  int num_ranks = 1;
  std::vector<int> rank_of;  ///< per LpId
  SimTime lookahead = kTimeInfinity;
  /// LPs placed on `rank`, ascending.
  std::vector<LpId> lps_of(int rank) const;
};

/// LP id modulo ranks; for tests.
Partition partition_round_robin(const Graph& g, int ranks);

/// Every LP named in `placement` (name -> rank). Throws InputError naming LPs that are missing,
/// unknown, or placed outside [0, ranks).
Partition partition_explicit(const Graph& g, int ranks,
                             const std::unordered_map<std::string, int>& placement);

struct AutoPartitionOptions {
  /// A coupled group may weigh at most this fraction of an even share (total weight / ranks).
  double max_group_share = 1.0;
  /// Locality-aware placement (default): groups with no channel to an earlier group (in LP id
  /// order, e.g. HGX boxes) are dealt out in contiguous blocks of equal weight, and every other
  /// group (switches) goes to the rank it has most channels to, as long as that rank stays within
  /// (1 + balance_slack) of an even share. false: the plain heaviest-first, least-loaded rule.
  bool locality = true;
  double balance_slack = 0.03;
};

/// Keeps tightly coupled LPs together and balances weight. LPs sharing a group hint and LPs joined
/// by zero-latency channels are always together. Then channels are merged in ascending latency
/// (whole latency classes at a time) for as long as every merged group still fits in
/// max_group_share of an even share and there are at least `ranks` groups, so only the slowest
/// links are cut (the NVLink inside a box stays inside, the network between boxes is cut).
/// Groups are then placed by locality (see AutoPartitionOptions::locality): consecutive boxes
/// share a rank, leaf switches follow their hosts, spines fill the lightest ranks, so the cut
/// carries as few channels (expected traffic) as balance allows.
Partition partition_auto(const Graph& g, int ranks, const AutoPartitionOptions& options = {});

/// The lookahead of a placement. Throws InputError naming every zero-latency channel that crosses
/// ranks, and a zero direct-send delay when ranks > 1.
SimTime compute_lookahead(const Graph& g, const std::vector<int>& rank_of, int ranks);

}  // namespace tessera::pdes
