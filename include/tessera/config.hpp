// The typed configuration of one Tessera run. Every later layer reads these plain structs; none of
// them sees YAML or JSON. Loaders (config_load.hpp) fill them from a scenario YAML or from ASTRA-sim's
// input files, converting every unit at that boundary: times are SimTime (ps), sizes Bytes,
// bandwidths Bandwidth (bytes/s). Defaults here are the documented defaults; `tessera schema` prints
// them from a default-constructed struct, so they cannot drift from the docs.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tessera/units.hpp"

namespace tessera {

// ---------------------------------------------------------------------------------------------
// Network

/// One dimension of an ASTRA-sim style multi-dimensional network (dimension 0 is innermost).
enum class DimensionKind { kRing, kFullyConnected, kSwitch };

struct NetworkDimension {
  DimensionKind kind = DimensionKind::kRing;
  int npus = 2;           ///< NPUs along this dimension (> 1)
  Bandwidth bandwidth{};  ///< per link and direction
  SimTime latency = 0;    ///< per link traversal
};

/// Which network the network layer builds.
enum class TopologyKind {
  kDimensions,  ///< ASTRA-sim Ring / FullyConnected / Switch per dimension
  kFatTree,     ///< k-ary fat-tree of switches (InfiniBand-style), hosts at the leaves
  kTorus,       ///< 2-D or 3-D torus with wrap-around links
  kHgxH100,     ///< HGX-H100 boxes: 8 GPUs on NVSwitch each, NICs into a leaf-spine IB fat-tree
};

/// A k-ary fat-tree: switches of `radix` ports; two levels (leaf-spine) while hosts <= k^2/2,
/// three levels up to k^3/4 hosts.
struct FatTreeConfig {
  int radix = 8;                               ///< k, ports per switch (even, >= 4)
  int hosts = 16;                              ///< NPUs attached to leaves
  double oversubscription = 1.0;               ///< leaf downlink:uplink bandwidth ratio (>= 1)
  Bandwidth link_bandwidth{50'000'000'000};    ///< per link and direction (400 Gb/s)
  SimTime link_latency = 100 * kNanosecond;    ///< per link (cable + SerDes)
  SimTime switch_latency = 200 * kNanosecond;  ///< port to port forwarding
};

/// A torus with wrap-around in every dimension.
struct TorusConfig {
  std::vector<int> dims{4, 4};          ///< 2 or 3 sizes, each >= 2
  Bandwidth bandwidth{50'000'000'000};  ///< per link and direction
  SimTime latency = 100 * kNanosecond;  ///< per link
};

/// HGX-H100 boxes. Inside a box every GPU has `nvlink_bandwidth` per direction into the NVSwitch
/// fabric; every GPU also owns one NIC into a leaf-spine InfiniBand fat-tree.
struct HgxH100Config {
  int boxes = 1;
  int gpus_per_box = 8;                           ///< 1..8
  Bandwidth nvlink_bandwidth{450'000'000'000};    ///< per GPU per direction (18 links x 25 GB/s)
  SimTime nvlink_latency = 936'250;               ///< GPU<->NVSwitch link (ASTRA-sim HGX calibration)
  SimTime nvswitch_latency = 0;                   ///< extra NVSwitch traversal (included above by default)
  int nics_per_box = 8;                           ///< one ConnectX-7 per GPU
  Bandwidth nic_bandwidth{50'000'000'000};        ///< per NIC per direction (NDR 400 Gb/s)
  SimTime ib_link_latency = 100 * kNanosecond;    ///< per IB link
  SimTime ib_switch_latency = 200 * kNanosecond;  ///< per IB switch traversal
  double ib_oversubscription = 1.0;               ///< leaf downlink:uplink ratio (>= 1)
  int ib_switch_radix = 64;                       ///< ports per IB switch (Quantum-2: 64 x NDR)
};

/// Parameters of the packet-level network model (unused by the ASTRA analytical models).
struct PacketConfig {
  Bytes packet_size = 4096;            ///< max payload per packet (IB MTU)
  Bytes buffer_per_port = 0;           ///< input buffer per link end and VC (credits); 0 = automatic
  SimTime switch_latency = 0;          ///< forwarding latency of ASTRA-style Switch dimensions
};

struct NetworkConfig {
  TopologyKind topology = TopologyKind::kHgxH100;
  std::vector<NetworkDimension> dimensions;  ///< kDimensions only
  FatTreeConfig fat_tree;                    ///< kFatTree only
  TorusConfig torus;                         ///< kTorus only
  HgxH100Config hgx_h100;                    ///< kHgxH100 only
  PacketConfig packet;
  std::string source;  ///< the file it was read from ("" when inline in a scenario)

  /// Total NPUs (the product of dimension sizes, hosts, torus sizes or boxes x GPUs).
  int npu_count() const;
  /// Sizes of the logical dimensions collectives are decomposed over (innermost first):
  /// the ASTRA dimensions; {hosts} for a fat-tree; the torus sizes; {gpus, boxes} for HGX
  /// (just {gpus} with one box).
  std::vector<int> dimension_sizes() const;
};

// ---------------------------------------------------------------------------------------------
// System (collective scheduling and compute model, ASTRA-sim's system JSON)

enum class SchedulingPolicy { kLifo, kFifo, kExplicit };
enum class CollectiveOptimization { kBaseline, kLocalBwAware };

/// How one collective type is implemented: one algorithm name per logical dimension, validated
/// against the names ASTRA-sim accepts (ring, oneRing, direct, directN, oneDirect, oneDirectN,
/// halvingDoubling, oneHalvingDoubling, doubleBinaryTree), or a custom Chakra ET prefix.
struct CollectiveImplementation {
  std::vector<std::string> per_dimension;
  std::string custom_prefix;  ///< from "*-implementation-custom"; wins over per_dimension
  bool defaulted = false;     ///< true when the input gave neither and "ring" was assumed
  std::string file;           ///< where the list was written, for messages of later layers
  int line = 0;
};

struct SystemConfig {
  SchedulingPolicy scheduling_policy = SchedulingPolicy::kLifo;
  CollectiveOptimization collective_optimization = CollectiveOptimization::kLocalBwAware;
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

enum class WorkloadKind { kChakra, kAstraText };
/// How ctrl_deps of Chakra nodes are treated (see docs/configuration.md).
enum class ControlDependencies { kDataOnly, kStrict, kLenient };

struct WorkloadConfig {
  WorkloadKind kind = WorkloadKind::kChakra;
  std::string chakra_prefix;  ///< files <prefix>.<npu>.et
  std::string text_path;      ///< ASTRA-sim 1.0 text workload
  int passes = 1;             ///< training passes (text workloads)
  ControlDependencies control_dependencies = ControlDependencies::kStrict;
};

enum class LogFormat { kTessera, kAstraSim };

struct OutputConfig {
  std::string hdf5_path;     ///< "" = no HDF5 timeline
  std::string summary_json;  ///< "" = no JSON summary
  LogFormat log_format = LogFormat::kTessera;
  bool quiet = false;
  std::string logging_folder;  ///< ASTRA-sim's --logging-folder; "" = none
};

enum class NetworkModel { kAstraCongestionAware, kAstraCongestionUnaware, kPacket };
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
  WorkloadConfig workload;
  OutputConfig output;
  SimulationConfig simulation;
  std::string source;  ///< the scenario file, or "ASTRA-sim command line"
};

// Names as they appear in inputs and output ("Ring", "hgx_h100", "astra-congestion-aware" ...).
const char* to_string(DimensionKind k);
const char* to_string(TopologyKind k);
const char* to_string(SchedulingPolicy p);
const char* to_string(CollectiveOptimization o);
const char* to_string(MemoryType t);
const char* to_string(WorkloadKind k);
const char* to_string(ControlDependencies c);
const char* to_string(LogFormat f);
const char* to_string(NetworkModel m);
const char* to_string(Placement p);

}  // namespace tessera
