// The options `tessera run` and `tessera validate` share: a scenario file or ASTRA-sim's flags,
// plus overrides. Both subcommands accept exactly the same arguments, so a command line that
// validates is a command line that runs.
#pragma once

#include <string>

#include "tessera/config_load.hpp"

namespace CLI {
class App;
}

namespace tessera::app {

/// Raw values bound to CLI11 options; to_request() turns them into a RunRequest after parsing.
struct RunOptions {
  std::string scenario;
  AstraArgs astra;
  bool any_astra_flag = false;  ///< set by to_request from the option counts
  std::string network_model;
  std::string log_format;
  std::string summary_json;
  std::string hdf5_path;
  bool quiet = false;
  bool allow_extra_traces = false;  ///< --allow-extra-traces
  std::string event_queue;  ///< engine queue kind ("" = default); for diagnosis and benchmarks
  /// --link-stats-interval: width of the HDF5 link time bins ("" = automatic, ~1/200 of the run).
  std::string link_stats_interval;
  /// --progress-interval: wall seconds between progress lines on rank 0.
  double progress_interval = 2.0;
  std::string max_sim_time;   ///< --max-sim-time ("" = the scenario's simulation.max_sim_time)
  std::string max_wall_time;  ///< --max-wall-time ("" = the scenario's simulation.max_wall_time)
  std::string memory_limit;   ///< --memory-limit: "" = the node's available memory, "none" = no check
  CLI::App* command = nullptr;
};

/// Declares the shared options on `cmd`, bound to `opts` (which must outlive parsing).
void add_run_options(CLI::App& cmd, RunOptions& opts);

/// The load request described by the parsed options.
RunRequest to_request(RunOptions& opts);

/// The two usual command lines of `tessera <command>` (run or validate): a scenario, and
/// ASTRA-sim's inputs by its own flags; indented, one per paragraph, paths that exist in the repo.
std::string usual_invocations(const std::string& command);

/// For `tessera <command>` given neither a scenario nor an ASTRA-sim flag: prints the usual
/// invocations to stderr (launcher rank 0 only) and returns exit code 2. Returns 0 when the
/// options name inputs (nothing printed).
int refuse_without_inputs(RunOptions& opts, const std::string& command);

/// Loads and checks; prints warnings to stderr. Throws InputError as the loader does.
LoadResult load_and_warn(RunOptions& opts);

}  // namespace tessera::app
