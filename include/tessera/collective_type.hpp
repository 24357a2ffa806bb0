// The one collective-type vocabulary of every layer: Chakra's CollectiveCommType, so a trace's
// integer `comm_type` attribute is the enum value as read and no layer maps between two enums.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tessera {

/// Chakra CollectiveCommType (et_def.proto); the values are the file's integers. Values outside
/// 0..9 (unmerged schema proposals) are kept as read, so a reader can name them in a message.
enum class CollectiveType : std::int32_t {
  kAllReduce = 0,
  kReduce = 1,
  kAllGather = 2,
  kGather = 3,
  kScatter = 4,
  kBroadcast = 5,
  kAllToAll = 6,
  kReduceScatter = 7,
  kReduceScatterBlock = 8,
  kBarrier = 9,
};
/// Arrays indexed by CollectiveType have this many slots (the schema's types 0..9).
inline constexpr int kNumCollectiveTypes = 10;

/// "ALL_REDUCE", ... (the schema's names); "COMM_TYPE_<n>" when unknown.
std::string collective_name(CollectiveType type);
/// "all_reduce" etc. (lower case, as in file names and CLI options); nullopt when unknown.
std::optional<CollectiveType> collective_from_name(std::string_view lower_name);
/// "all-reduce", "reduce-scatter", ... (the spelling of ASTRA-sim's system JSON keys); "?" when
/// unknown.
std::string_view to_string(CollectiveType type);

}  // namespace tessera
