// Algorithms by name: the names ASTRA-sim's system JSON accepts, parsed into an AlgorithmSpec.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tessera/collective/types.hpp"

namespace tessera::collective {

/// The accepted names, with N standing for a window ("directN").
const std::vector<std::string>& algorithm_names();

/// Parses "ring", "oneRing", "direct", "direct8", "oneDirect", "oneDirect8", "halvingDoubling",
/// "oneHalvingDoubling", "doubleBinaryTree". Throws InputError naming `key` with the valid names
/// and the closest one ("did you mean") otherwise.
AlgorithmSpec parse_algorithm(std::string_view name, std::string_view key = "implementation");

/// The closest of `candidates` to `word` by edit distance, "" when none is reasonably close.
std::string closest_name(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace tessera::collective
