#include "tessera/collective_type.hpp"

#include <array>

namespace tessera {

namespace {
constexpr std::array<const char*, kNumCollectiveTypes> kChakraNames{
    "ALL_REDUCE", "REDUCE",         "ALL_GATHER",     "GATHER",               "SCATTER",
    "BROADCAST",  "ALL_TO_ALL",     "REDUCE_SCATTER", "REDUCE_SCATTER_BLOCK", "BARRIER"};
constexpr std::array<const char*, kNumCollectiveTypes> kAstraNames{
    "all-reduce", "reduce",         "all-gather",     "gather",               "scatter",
    "broadcast",  "all-to-all",     "reduce-scatter", "reduce-scatter-block", "barrier"};

bool known(CollectiveType type) {
  const auto v = static_cast<std::int32_t>(type);
  return v >= 0 && v < kNumCollectiveTypes;
}
}  // namespace

std::string collective_name(CollectiveType type) {
  if (known(type)) return kChakraNames[static_cast<std::size_t>(type)];
  return "COMM_TYPE_" + std::to_string(static_cast<std::int32_t>(type));
}

std::optional<CollectiveType> collective_from_name(std::string_view lower_name) {
  for (std::size_t i = 0; i < kChakraNames.size(); ++i) {
    std::string lower = kChakraNames[i];
    for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (lower == lower_name) return static_cast<CollectiveType>(i);
  }
  return std::nullopt;
}

std::string_view to_string(CollectiveType type) {
  return known(type) ? kAstraNames[static_cast<std::size_t>(type)] : "?";
}

}  // namespace tessera
