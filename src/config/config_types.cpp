// Helpers on the plain config structs: NPU counts, dimension sizes and names of enumerations.
#include "tessera/config.hpp"

namespace tessera {

std::vector<int> NetworkConfig::dimension_sizes() const {
  switch (topology) {
    case TopologyKind::kDimensions: {
      std::vector<int> out;
      for (const auto& d : dimensions) out.push_back(d.npus);
      return out;
    }
    case TopologyKind::kFatTree:
      return {fat_tree.hosts};
    case TopologyKind::kTorus:
      return torus.dims;
    case TopologyKind::kHgxH100:
      if (hgx_h100.boxes > 1) return {hgx_h100.gpus_per_box, hgx_h100.boxes};
      return {hgx_h100.gpus_per_box};
  }
  return {};
}

int NetworkConfig::npu_count() const {
  std::int64_t n = 1;
  for (int s : dimension_sizes()) n *= s;
  // Loaders bound every size, but a product of several can still exceed int: saturate rather than wrap.
  return n > INT32_MAX ? INT32_MAX : static_cast<int>(n);
}

const char* to_string(SchedulingPolicy p) {
  switch (p) {
    case SchedulingPolicy::kLifo:
      return "LIFO";
    case SchedulingPolicy::kFifo:
      return "FIFO";
    case SchedulingPolicy::kExplicit:
      return "EXPLICIT";
  }
  return "?";
}

const char* to_string(CollectiveOptimization o) {
  return o == CollectiveOptimization::kBaseline ? "baseline" : "localBWAware";
}

const char* to_string(MemoryType t) {
  switch (t) {
    case MemoryType::kNoMemoryExpansion:
      return "NO_MEMORY_EXPANSION";
    case MemoryType::kPerNodeMemoryExpansion:
      return "PER_NODE_MEMORY_EXPANSION";
    case MemoryType::kPerNpuMemoryExpansion:
      return "PER_NPU_MEMORY_EXPANSION";
    case MemoryType::kMemoryPool:
      return "MEMORY_POOL";
  }
  return "?";
}

const char* to_string(WorkloadKind k) { return k == WorkloadKind::kChakra ? "chakra" : "astra-text"; }

const char* to_string(ControlDependencies c) {
  switch (c) {
    case ControlDependencies::kDataOnly:
      return "data-only";
    case ControlDependencies::kStrict:
      return "strict";
    case ControlDependencies::kLenient:
      return "lenient";
  }
  return "?";
}

const char* to_string(LogFormat f) { return f == LogFormat::kTessera ? "tessera" : "astra-sim"; }

const char* to_string(Placement p) {
  switch (p) {
    case Placement::kAuto:
      return "auto";
    case Placement::kRoundRobin:
      return "round_robin";
    case Placement::kExplicit:
      return "explicit";
  }
  return "?";
}

}  // namespace tessera
