// The parameter tables of every input section, and the loaders built on them. Internal to the
// config layer; the public API is config_load.hpp and config_schema.hpp.
#pragma once

#include <string>
#include <vector>

#include "readers.hpp"
#include "tessera/config.hpp"
#include "tessera/params/table.hpp"

namespace tessera::cfg {

// The generic parameter machinery (core), used unqualified by the tables of this layer.
using namespace tessera::params;

// Scenario YAML sections (snake_case keys, values with units).
// (The topologies' own sections are declared by the topologies: network::topology_types().)
Table<NetworkConfig> network_table();
Table<PacketConfig> packet_table();
Table<SystemConfig> system_table();
Table<RemoteMemoryConfig> remote_memory_table();
Table<WorkloadConfig> workload_table();
Table<llm::LlmRun> llm_table();  // llm_tables.cpp
Table<llm::ModelSpec> llm_model_table();
Table<llm::MoeSpec> llm_moe_table();
Table<NpuConfig> npu_table();
Table<OutputConfig> output_table();
Table<SimulationConfig> simulation_table();

/// ASTRA-sim's network YAML as written: four parallel lists, one entry per dimension.
struct AstraNetworkLists {
  std::vector<std::string> topology;
  std::vector<int> npus_count;
  std::vector<double> bandwidth;   ///< GB/s, GB = 2^30 bytes
  std::vector<double> latency;     ///< ns
  std::vector<const Node*> nodes;  ///< the four list nodes (for per-entry diagnostics)
};

// ASTRA-sim input files (their own key names and bare-number units).
Table<AstraNetworkLists> astra_network_table();
Table<SystemConfig> astra_system_table();
Table<RemoteMemoryConfig> astra_remote_memory_table();

/// Checks one implementation list (registered algorithm names, collective/registry.hpp) and stores it.
void load_implementation_list(const Node& n, CollectiveImplementation& impl, Sink& sink);

/// Makes a path from an input file relative to that file's folder (absolute paths unchanged).
std::string resolve_relative_to(const Node& n, const std::string& path);

// Network loading shared by the scenario and ASTRA readers.
/// Reads a scenario `network:` mapping (inline keys) into `out`.
void load_network_section(const Node& map, NetworkConfig& out, Sink& sink,
                          const std::vector<std::string>& also_allowed);
/// Reads an ASTRA-sim network YAML file.
NetworkConfig read_astra_network(const std::string& path, Sink& sink);
SystemConfig read_astra_system(const std::string& path, Sink& sink, double injection_scale);
RemoteMemoryConfig read_astra_remote_memory(const std::string& path, Sink& sink);
CommGroups read_astra_comm_groups(const std::string& path, Sink& sink);
/// Reads a comm-group mapping {id: [npus]} (from JSON or a scenario section).
void load_comm_groups(const Node& map, CommGroups& out, Sink& sink);

/// Cross-checks a complete configuration (NPU counts, implementation lists against dimensions,
/// groups, workload files, model/topology compatibility).
void cross_check(Config& config, Sink& sink);

/// Fills implementation lists the input left out with "ring" per dimension, warning once per
/// collective when `warn` (ASTRA-sim inputs, where ASTRA-sim itself would fail).
void default_implementations(SystemConfig& system, const std::string& where, int dims, Sink& sink, bool warn);
void load_remote_memory_section(const Node& map, RemoteMemoryConfig& out, Sink& sink,
                                const std::vector<std::string>& also_allowed);

}  // namespace tessera::cfg
