// The parallelism a communication node of a generated LLM step serves (docs/llm.md "Output"):
// the label the runtime's time breakdown sorts exposed communication by. Traces from files carry
// none (kNone), and their runs report no breakdown.
#pragma once

#include <cstdint>

namespace tessera::workload {

enum class CommParallelism : std::uint8_t { kNone = 0, kTp, kCp, kPp, kDp, kEp };
inline constexpr int kCommParallelisms = 5;  ///< kTp .. kEp

/// "tp", "cp", "pp", "dp", "ep" ("" for kNone).
constexpr const char* to_string(CommParallelism p) {
  switch (p) {
    case CommParallelism::kTp:
      return "tp";
    case CommParallelism::kCp:
      return "cp";
    case CommParallelism::kPp:
      return "pp";
    case CommParallelism::kDp:
      return "dp";
    case CommParallelism::kEp:
      return "ep";
    default:
      return "";
  }
}

}  // namespace tessera::workload
