// The typed configuration of one Tessera run. Every later layer reads these plain structs; none of
// them sees YAML or JSON. Loaders (config_load.hpp) fill them from a scenario YAML or from ASTRA-sim's
// input files, converting every unit at that boundary: times are SimTime (ps), sizes Bytes,
// bandwidths Bandwidth (bytes/s). Defaults here are the documented defaults; `tessera schema` prints
// them from a default-constructed struct, so they cannot drift from the docs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tessera/collective/types.hpp"
#include "tessera/network/topologies/hgx_h100.hpp"
#include "tessera/network/topology_spec.hpp"
#include "tessera/network_params.hpp"
#include "tessera/params/names.hpp"
#include "tessera/units.hpp"
#include "tessera/workload/llm/run.hpp"

namespace tessera {

// ---------------------------------------------------------------------------------------------
// Network: the topology (one of the registered topologies, each declared by its own file under
// src/network/topologies/, with its parameters) and the packet parameters every topology shares.

/// network.packet (network_params.hpp): the packet model's sizes and the ASTRA Switch dimensions'
/// forwarding latency.
using PacketConfig = PacketParams;

struct NetworkConfig {
  network::TopologySpec topology = network::TopologySpec::of(network::HgxH100Spec{});
  PacketConfig packet;
  std::string source;  ///< the file it was read from ("" when inline in a scenario)

  /// Total NPUs (the product of the dimension sizes).
  int npu_count() const;
  /// Sizes of the logical dimensions collectives are decomposed over (innermost first): the
  /// topology's (the ASTRA dimensions; {hosts} for a fat-tree; the torus sizes; {gpus, boxes} for
  /// HGX, just {gpus} with one box).
  std::vector<int> dimension_sizes() const;
};

// ---------------------------------------------------------------------------------------------
// System (collective scheduling and compute model, ASTRA-sim's system JSON)

// The collective layer's enums (its vocabulary, declared once there).
using collective::Decomposition;     // ASTRA `collective-optimization`
using collective::CollectiveLibrary;  // which executor runs collectives
using collective::NcclGpu;
using collective::SchedulingPolicy;  // ASTRA `scheduling-policy`

/// How one collective type is implemented: one algorithm name per logical dimension, validated
/// against the collective layer's algorithm registry (collective/registry.hpp), or a custom
/// Chakra ET prefix.
struct CollectiveImplementation {
  std::vector<std::string> per_dimension;
  std::string custom_prefix;  ///< from "*-implementation-custom"; wins over per_dimension
  bool defaulted = false;     ///< true when the input gave neither and "ring" was assumed
  std::string file;           ///< where the list was written, for messages of later layers
  int line = 0;
};

struct SystemConfig {
  SchedulingPolicy scheduling_policy = SchedulingPolicy::kLifo;
  Decomposition collective_optimization = Decomposition::kLocalBwAware;
  int active_chunks_per_dimension = 1;
  int preferred_dataset_splits = 1;           ///< chunks per collective (required in ASTRA files)
  SimTime endpoint_delay = 10 * kNanosecond;  ///< fixed cost per message (0 allowed)
  Bandwidth local_mem_bw{0};                  ///< 0 = no reduction cost and no roofline memory roof
  double peak_perf_flops = 0;                 ///< FLOP/s; 0 = unset
  bool roofline_enabled = false;
  bool replay_only = false;
  bool trace_enabled = false;
  bool track_local_mem = false;
  std::string local_mem_trace_filename = "local_mem_trace";
  CollectiveImplementation all_reduce;
  CollectiveImplementation reduce_scatter;
  CollectiveImplementation all_gather;
  CollectiveImplementation all_to_all;
  std::string per_node_custom_implementation;  ///< YAML {node id: ET prefix}; "" = none
  // ASTRA-sim's LogGP shared-bus model, used only when model_shared_bus is true.
  bool model_shared_bus = false;
  SimTime local_reduction_delay = 1 * kNanosecond;
  double loggp_L = 0, loggp_o = 0, loggp_g = 0, loggp_G = 0;
  // Command-line knobs of ASTRA-sim's analytical binaries.
  int num_queues_per_dim = 1;
  double injection_scale = 1.0;  ///< multiplies endpoint_delay (already applied to endpoint_delay)
  double compute_scale = 1.0;    ///< accepted for parity; ASTRA-sim 2.x ignores it, so does Tessera
  double comm_scale = 1.0;       ///< accepted for parity; ASTRA-sim 2.x ignores it, so does Tessera
  bool rendezvous_protocol = false;
  /// `collective_library`, `nccl_gpu`, `nccl` (docs/nccl.md "Configuration"): NCCL's model instead of
  /// ASTRA-sim's system layer; the NCCL_* settings in file order.
  CollectiveLibrary collective_library = CollectiveLibrary::kAstra;
  NcclGpu nccl_gpu = NcclGpu::kH100;
  std::vector<std::pair<std::string, std::string>> nccl;
  std::string source;  ///< the file it was read from
};

// ---------------------------------------------------------------------------------------------
// Remote memory, communicator groups

enum class MemoryType { kNoMemoryExpansion, kPerNodeMemoryExpansion, kPerNpuMemoryExpansion, kMemoryPool };

struct RemoteMemoryConfig {
  MemoryType memory_type = MemoryType::kNoMemoryExpansion;
  int num_nodes = 0;          ///< PER_NODE_MEMORY_EXPANSION only
  int num_npus_per_node = 0;  ///< PER_NODE_MEMORY_EXPANSION only
  SimTime latency = 0;        ///< per transaction
  Bandwidth bandwidth{0};     ///< 0 = unset
  std::string source;
};

/// Communicator groups: id (the COLL node's pg_name) -> NPU ids. "" and "0" mean all NPUs.
struct CommGroups {
  std::map<std::string, std::vector<int>> groups;
  std::string source;
};

// ---------------------------------------------------------------------------------------------
// Workload, output, simulation

enum class WorkloadKind { kChakra, kAstraText, kLlm };
/// How ctrl_deps of Chakra nodes are treated (see docs/configuration.md).
enum class ControlDependencies { kDataOnly, kStrict, kLenient };

/// Most NPUs of a network (the product of its dimensions), and of a trace set the `trace`
/// commands write or read (--npus): 2^24.
inline constexpr std::int64_t kMaxNetworkNpus = std::int64_t{1} << 24;

/// Most passes over a text workload (workload.passes, --num-passes, trace --passes): each pass
/// is unrolled into the graph, and the up-front memory check counts them.
inline constexpr int kMaxTextPasses = 1'000'000;

struct WorkloadConfig {
  WorkloadKind kind = WorkloadKind::kChakra;
  std::string chakra_prefix;  ///< files <prefix>.<npu>.et
  std::string text_path;      ///< ASTRA-sim 1.0 text workload
  int passes = 1;             ///< training passes (text workloads), 1..kMaxTextPasses
  ControlDependencies control_dependencies = ControlDependencies::kStrict;
  /// More trace files than the network has NPUs run on the first ones (else an error: a "16-GPU"
  /// trace set on an 8-NPU network is almost always the wrong network).
  bool allow_extra_traces = false;
  /// An LLM training run (`workload: llm:`): each NPU's graph is generated, not read (docs/llm.md).
  std::optional<llm::LlmRun> llm;
};

/// The NPUs' compute model (`npu:`): a GPU preset (compute/gpu.hpp) that times generated LLM
/// kernels and Chakra COMP nodes that describe their kernel. "" = none (traces keep their
/// durations or the roofline of the system section).
struct NpuConfig {
  std::string preset;
};

enum class LogFormat { kTessera, kAstraSim };

struct OutputConfig {
  std::string hdf5_path;     ///< "" = no HDF5 timeline
  std::string summary_json;  ///< "" = no JSON summary
  /// Where each path came from, for messages: the scenario key or the command-line flag.
  std::string hdf5_from = "output.hdf5";
  std::string summary_json_from = "output.summary_json";
  LogFormat log_format = LogFormat::kTessera;
  bool quiet = false;
  std::string logging_folder;  ///< ASTRA-sim's --logging-folder; "" = none
};

enum class Placement { kAuto, kRoundRobin, kExplicit };

struct SimulationConfig {
  NetworkModel network_model = NetworkModel::kPacket;
  Placement placement = Placement::kAuto;
  std::vector<int> rank_of_npu;           ///< kExplicit only: the MPI rank of each NPU
  SimTime max_sim_time = kTimeInfinity;   ///< stop (exit 1) past this simulated time
  SimTime max_wall_time = kTimeInfinity;  ///< stop (exit 1) past this wall-clock time
};

/// Everything one run needs.
struct Config {
  NetworkConfig network;
  SystemConfig system;
  RemoteMemoryConfig remote_memory;
  CommGroups comm_groups;
  NpuConfig npu;
  WorkloadConfig workload;
  OutputConfig output;
  SimulationConfig simulation;
  std::string source;  ///< the scenario file, or "ASTRA-sim command line"
};

// The one name table of each enumeration (params/names.hpp), as it appears in inputs and output
// ("LIFO", "astra-text" ...); those of the network enumerations are in network_params.hpp. The
// argument only selects the table.
const params::Names<SchedulingPolicy>& enum_names(SchedulingPolicy);
const params::Names<Decomposition>& enum_names(Decomposition);
const params::Names<CollectiveLibrary>& enum_names(CollectiveLibrary);
const params::Names<NcclGpu>& enum_names(NcclGpu);
const params::Names<MemoryType>& enum_names(MemoryType);
const params::Names<WorkloadKind>& enum_names(WorkloadKind);
const params::Names<ControlDependencies>& enum_names(ControlDependencies);
const params::Names<LogFormat>& enum_names(LogFormat);
const params::Names<Placement>& enum_names(Placement);

// The name of a value (from its table).
const char* to_string(SchedulingPolicy p);
const char* to_string(Decomposition o);
const char* to_string(MemoryType t);
const char* to_string(WorkloadKind k);
const char* to_string(ControlDependencies c);
const char* to_string(LogFormat f);
const char* to_string(Placement p);

}  // namespace tessera
