// Loading a run's configuration: from a Tessera scenario YAML or from ASTRA-sim's command-line
// inputs (network YAML, system JSON, remote-memory JSON, comm-group JSON) as they are. Every input
// is checked in one pass; all errors come back together in one InputError, warnings in the result.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tessera/config.hpp"
#include "tessera/error.hpp"

namespace tessera {

/// ASTRA-sim's command-line flags, with ASTRA-sim's defaults. Empty strings mean "not given".
struct AstraArgs {
  std::string workload;              ///< --workload-configuration (ET prefix or .txt)
  std::string system;                ///< --system-configuration
  std::string network;               ///< --network-configuration
  std::string remote_memory;         ///< --remote-memory-configuration
  std::string comm_group = "empty";  ///< --comm-group-configuration; a path containing "empty" disables it
  std::string logging_configuration =
      "empty";                         ///< --logging-configuration (spdlog TOML; not used by Tessera)
  std::string logging_folder = "log";  ///< --logging-folder
  int num_queues_per_dim = 1;
  double compute_scale = 1.0;
  double comm_scale = 1.0;
  double injection_scale = 1.0;
  bool rendezvous_protocol = false;
  int num_passes = 1;  ///< ASTRA-sim 1.0's --num-passes (text workloads)
};

/// What ASTRA-sim inputs default to, so that results compare line by line with ASTRA-sim's: its
/// analytical congestion-aware backend and its console format (--network-model and --log-format
/// change them).
inline constexpr NetworkModel kAstraInputsNetworkModel = NetworkModel::kAstraCongestionAware;
inline constexpr LogFormat kAstraInputsLogFormat = LogFormat::kAstraSim;

/// Command-line settings that override the scenario (or the ASTRA defaults).
struct RunOverrides {
  std::optional<NetworkModel> network_model;
  std::optional<LogFormat> log_format;
  std::optional<std::string> summary_json;
  std::optional<std::string> hdf5_path;
  bool quiet = false;
  bool allow_extra_traces = false;       ///< --allow-extra-traces (workload.allow_extra_traces)
  std::optional<SimTime> max_sim_time;   ///< --max-sim-time (simulation.max_sim_time)
  std::optional<SimTime> max_wall_time;  ///< --max-wall-time (simulation.max_wall_time)
};

/// What `tessera run` / `validate` were asked to load: a scenario file or ASTRA-sim flags.
struct RunRequest {
  std::string scenario;            ///< "" when ASTRA flags are used
  std::optional<AstraArgs> astra;  ///< set when any ASTRA-sim flag was given
  RunOverrides overrides;
};

struct LoadResult {
  Config config;
  std::vector<Diagnostic> warnings;  ///< printed as "warning: ..." by the CLI
};

/// Loads, checks every input and cross-checks them (NPU counts, implementation lists against the
/// network dimensions, communicator groups, workload trace files). Throws InputError listing every
/// problem found.
LoadResult load_run_config(const RunRequest& request);

/// Loads a scenario YAML (sections inline, by {file: ...}, or as ASTRA-sim files) and cross-checks.
LoadResult load_scenario(const std::string& path, const RunOverrides& overrides = {});

/// Loads ASTRA-sim inputs given by their command-line flags and cross-checks.
LoadResult load_astra(const AstraArgs& args, const RunOverrides& overrides = {});

// The individual ASTRA-sim file loaders, for tools and tests. Each throws InputError on errors and
// appends warnings.
NetworkConfig load_astra_network(const std::string& path, std::vector<Diagnostic>& warnings);
SystemConfig load_astra_system(const std::string& path, std::vector<Diagnostic>& warnings);
RemoteMemoryConfig load_astra_remote_memory(const std::string& path, std::vector<Diagnostic>& warnings);
CommGroups load_astra_comm_groups(const std::string& path, std::vector<Diagnostic>& warnings);

/// A human-readable account of what a run would simulate: NPUs, topology, algorithms, workload,
/// network model, outputs. One item per line, no trailing newline.
std::string describe(const Config& config);

/// The resolved configuration as JSON (pretty-printed): keys as in the scenario schema, times in
/// ps (`*_ps`), bandwidths in bytes/s (`*_Bps`), sizes in bytes. Stored in HDF5 outputs.
std::string config_json(const Config& config);

}  // namespace tessera
