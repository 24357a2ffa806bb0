// Algorithms by name: the registered algorithms' names (algorithm.hpp), parsed into an
// AlgorithmSpec.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tessera/collective/types.hpp"

namespace tessera::collective {

/// The accepted names in registry order, with N standing for a window ("directN"): ring, oneRing,
/// direct, directN, oneDirect, oneDirectN, halvingDoubling, oneHalvingDoubling, doubleBinaryTree,
/// allBroadcast.
const std::vector<std::string>& algorithm_names();

/// The names of the algorithms that plan `type`, the window optional, for the schema: "ring",
/// "oneRing", "direct[N]", ...
std::vector<std::string> algorithm_forms(CollectiveType type);

/// Parses a registered name: "ring", "oneRing", "direct", "direct8", "oneDirect8", ... Throws
/// InputError naming `key` with the valid names and the closest one ("did you mean") otherwise,
/// and for a window outside 1..999999 ("direct0").
AlgorithmSpec parse_algorithm(std::string_view name, std::string_view key = "implementation");

/// The closest of `candidates` to `word` by edit distance, "" when none is reasonably close.
std::string closest_name(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace tessera::collective
