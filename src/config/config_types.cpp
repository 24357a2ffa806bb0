// Helpers on the plain config structs: NPU counts, dimension sizes and names of enumerations.
#include "tessera/config.hpp"

#include "tessera/network/topology_type.hpp"

namespace tessera {

std::vector<int> NetworkConfig::dimension_sizes() const { return topology.dimension_sizes(); }

int NetworkConfig::npu_count() const {
  std::int64_t n = 1;
  for (int s : dimension_sizes()) n *= s;
  // Loaders bound every size, but a product of several can still exceed int: saturate rather than wrap.
  return n > INT32_MAX ? INT32_MAX : static_cast<int>(n);
}

// The one name table of each enumeration (params/names.hpp): inputs, outputs and messages read
// these; the first name of a value is the one printed.

const params::Names<SchedulingPolicy>& enum_names(SchedulingPolicy) {
  static const params::Names<SchedulingPolicy> kNames{{"LIFO", SchedulingPolicy::kLifo},
                                                      {"FIFO", SchedulingPolicy::kFifo},
                                                      {"EXPLICIT", SchedulingPolicy::kExplicit}};
  return kNames;
}

const params::Names<CollectiveLibrary>& enum_names(CollectiveLibrary) {
  static const params::Names<CollectiveLibrary> kNames{{"astra", CollectiveLibrary::kAstra},
                                                       {"nccl", CollectiveLibrary::kNccl}};
  return kNames;
}

const params::Names<NcclGpu>& enum_names(NcclGpu) {
  static const params::Names<NcclGpu> kNames{{"h100", NcclGpu::kH100}, {"a100", NcclGpu::kA100}};
  return kNames;
}

const params::Names<Decomposition>& enum_names(Decomposition) {
  static const params::Names<Decomposition> kNames{
      {"baseline", Decomposition::kBaseline},
      {"localBWAware", Decomposition::kLocalBwAware}};
  return kNames;
}

const params::Names<MemoryType>& enum_names(MemoryType) {
  static const params::Names<MemoryType> kNames{
      {"NO_MEMORY_EXPANSION", MemoryType::kNoMemoryExpansion},
      {"PER_NODE_MEMORY_EXPANSION", MemoryType::kPerNodeMemoryExpansion},
      {"PER_NPU_MEMORY_EXPANSION", MemoryType::kPerNpuMemoryExpansion},
      {"MEMORY_POOL", MemoryType::kMemoryPool}};
  return kNames;
}

const params::Names<WorkloadKind>& enum_names(WorkloadKind) {
  static const params::Names<WorkloadKind> kNames{{"chakra", WorkloadKind::kChakra},
                                                  {"astra-text", WorkloadKind::kAstraText},
                                                  {"llm", WorkloadKind::kLlm}};
  return kNames;
}

const params::Names<ControlDependencies>& enum_names(ControlDependencies) {
  static const params::Names<ControlDependencies> kNames{{"strict", ControlDependencies::kStrict},
                                                         {"data-only", ControlDependencies::kDataOnly},
                                                         {"lenient", ControlDependencies::kLenient}};
  return kNames;
}

const params::Names<LogFormat>& enum_names(LogFormat) {
  static const params::Names<LogFormat> kNames{{"tessera", LogFormat::kTessera},
                                               {"astra-sim", LogFormat::kAstraSim}};
  return kNames;
}

const params::Names<Placement>& enum_names(Placement) {
  static const params::Names<Placement> kNames{{"auto", Placement::kAuto},
                                               {"round_robin", Placement::kRoundRobin},
                                               {"explicit", Placement::kExplicit}};
  return kNames;
}

const char* to_string(SchedulingPolicy p) { return params::name_of(enum_names(p), p); }
const char* to_string(Decomposition o) { return params::name_of(enum_names(o), o); }
const char* to_string(MemoryType t) { return params::name_of(enum_names(t), t); }
const char* to_string(WorkloadKind k) { return params::name_of(enum_names(k), k); }
const char* to_string(ControlDependencies c) { return params::name_of(enum_names(c), c); }
const char* to_string(LogFormat f) { return params::name_of(enum_names(f), f); }
const char* to_string(Placement p) { return params::name_of(enum_names(p), p); }

}  // namespace tessera
