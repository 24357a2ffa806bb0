// Custom collectives given as per-position send/recv/compute graphs (ASTRA-sim's
// `*-implementation-custom` Chakra ETs, e.g. the MSCCL ring all-reduce fixture). The workload
// layer's reader fills these plain structs; the collective layer only runs them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tessera/collective/types.hpp"

namespace tessera::collective {

struct CustomStep {
  enum class Kind : std::uint8_t { kSend, kRecv, kCompute };
  std::int64_t id = 0;          ///< node id, unique within one position's program
  Kind kind = Kind::kCompute;
  int peer = -1;                ///< send: destination, recv: source; a position in the group
  Bytes bytes = 0;              ///< send/recv message size (the ET's comm_size)
  std::int32_t tag = 0;         ///< comm_tag
  SimTime duration = 0;         ///< compute: replayed time (ASTRA: duration_micros*1000 ns, 0 ⇒ 1 ns)
  std::vector<std::int64_t> deps;  ///< ids that must complete first
};

/// One program per group position (`<prefix>.<position>.et`).
struct CustomCollective {
  std::string name;  ///< for messages, e.g. the ET prefix
  std::vector<std::vector<CustomStep>> programs;
};

/// Checks ids, dependencies (unknown ids, cycles), peers and sizes, and that every send has a
/// matching receive (same tag and size) on its peer. Throws InputError listing every problem.
void validate(const CustomCollective& custom);

}  // namespace tessera::collective
