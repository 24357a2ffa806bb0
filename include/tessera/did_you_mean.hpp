// "Did you mean": the suggestion every unknown name gets (keys, values, topologies, models, queues).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace tessera {

/// The candidate closest to `key` (Levenshtein distance after ignoring case and '-'/'_'
/// differences), or "" when none is close enough to be a plausible typo.
std::string did_you_mean(const std::string& key, const std::vector<std::string>& candidates);

/// Levenshtein edit distance.
std::size_t edit_distance(const std::string& a, const std::string& b);

}  // namespace tessera
