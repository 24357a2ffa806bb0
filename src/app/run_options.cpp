#include "run_options.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "tessera/error.hpp"
#include "tessera/pdes/event_queue.hpp"
#include "tessera/units.hpp"

namespace tessera::app {
namespace {

// ASTRA-sim's flags, in ASTRA-sim's spelling; the group name shows them together in --help.
constexpr const char* kAstraGroup =
    "ASTRA-sim inputs (instead of SCENARIO; same flags as ASTRA-sim's analytical binaries)";

const char* const kAstraFlags[] = {"--workload-configuration",
                                   "--system-configuration",
                                   "--network-configuration",
                                   "--remote-memory-configuration",
                                   "--comm-group-configuration",
                                   "--logging-configuration",
                                   "--logging-folder",
                                   "--num-queues-per-dim",
                                   "--compute-scale",
                                   "--comm-scale",
                                   "--injection-scale",
                                   "--rendezvous-protocol",
                                   "--num-passes"};

/// CLI11 validator: a positive time ("10ms", "2h") as the unit parser reads it.
std::string positive_time(const std::string& v) {
  try {
    return parse_time(v) > 0 ? std::string() : std::string("must be more than 0");
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
}

/// CLI11 validator of an output file: `--output ""` would otherwise write nothing and exit 0, as if
/// the flag had not been given.
std::string non_empty_path(const std::string& v) {
  return v.empty() ? std::string("an empty path names no file (give a file name, or leave the option out to write none)")
                   : std::string();
}

}  // namespace

void add_run_options(CLI::App& cmd, RunOptions& o) {
  o.command = &cmd;
  cmd.add_option("scenario", o.scenario,
                 "Tessera scenario YAML (see configs/scenarios/ and `tessera schema`)");
  AstraArgs& a = o.astra;
  cmd.add_option("--workload-configuration", a.workload,
                 "Chakra ET prefix (<prefix>.<npu>.et) or ASTRA-sim 1.0 text workload (.txt)")
      ->group(kAstraGroup);
  cmd.add_option("--system-configuration", a.system, "ASTRA-sim system JSON")->group(kAstraGroup);
  cmd.add_option("--network-configuration", a.network, "ASTRA-sim analytical network YAML")
      ->group(kAstraGroup);
  cmd.add_option("--remote-memory-configuration", a.remote_memory, "ASTRA-sim remote-memory JSON")
      ->group(kAstraGroup);
  cmd.add_option("--comm-group-configuration", a.comm_group,
                 "communicator-group JSON; a path containing \"empty\" disables it (default: empty)")
      ->group(kAstraGroup);
  cmd.add_option("--logging-configuration", a.logging_configuration,
                 "ASTRA-sim spdlog TOML (accepted, not used)")
      ->group(kAstraGroup);
  cmd.add_option("--logging-folder", a.logging_folder, "folder for log.log / err.log (default: log)")
      ->group(kAstraGroup);
  cmd.add_option("--num-queues-per-dim", a.num_queues_per_dim,
                 "system-layer queues per dimension (default: 1)")
      ->group(kAstraGroup);
  cmd.add_option("--compute-scale", a.compute_scale, "accepted for parity; no effect, as in ASTRA-sim 2.x")
      ->group(kAstraGroup);
  cmd.add_option("--comm-scale", a.comm_scale, "accepted for parity; no effect, as in ASTRA-sim 2.x")
      ->group(kAstraGroup);
  cmd.add_option("--injection-scale", a.injection_scale, "multiplies endpoint-delay (default: 1)")
      ->group(kAstraGroup);
  cmd.add_flag("--rendezvous-protocol", a.rendezvous_protocol,
               "8,192-byte handshake before each send (--rendezvous-protocol[=true|false])")
      ->group(kAstraGroup);
  cmd.add_option("--num-passes", a.num_passes, "passes over an ASTRA-sim 1.0 text workload (default: 1)")
      ->group(kAstraGroup);
  // The last of a repeated flag wins, so scripts can append overrides to a base command line.
  for (const char* flag : kAstraFlags) {
    if (flag != std::string("--rendezvous-protocol"))
      cmd.get_option(flag)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  }

  // The choices are the name tables' (params/names.hpp); the defaults are the loaders' own.
  const std::vector<std::string> models = params::names_only(enum_names(NetworkModel{}));
  cmd.add_option(
         "--network-model", o.network_model,
         fmt::format("{} (default: {} with ASTRA-sim flags, else the scenario's simulation.network_model, "
                     "else {} for LLM runs with NCCL on HGX boxes, else {})",
                     params::join_names(models, " | "), to_string(kAstraInputsNetworkModel),
                     to_string(NetworkModel::kFlow), to_string(SimulationConfig{}.network_model)))
      ->check(CLI::IsMember(models));
  const std::vector<std::string> formats = params::names_only(enum_names(LogFormat{}));
  cmd.add_option("--log-format", o.log_format,
                 fmt::format("{}: console report format (default: {} with ASTRA-sim flags, else {})",
                             params::join_names(formats, " | "), to_string(kAstraInputsLogFormat),
                             to_string(OutputConfig{}.log_format)))
      ->check(CLI::IsMember(formats));
  cmd.add_option("--summary-json", o.summary_json, "write the run summary as JSON to FILE")->check(non_empty_path);
  cmd.add_option("--output", o.hdf5_path, "write per-NPU timelines to FILE.h5")->check(non_empty_path);
  cmd.add_flag("--quiet,-q", o.quiet, "print only errors and the final summary");
  cmd.add_flag("--allow-extra-traces", o.allow_extra_traces,
               "run on the first N traces when the workload has more trace files than the network's N NPUs "
               "(an error otherwise; workload.allow_extra_traces)");
  const std::vector<std::string> queues = pdes::event_queue_names();
  std::string queue_text = queues.front() + " (default)";
  for (std::size_t i = 1; i < queues.size(); ++i)
    queue_text += (i + 1 == queues.size() ? " or " : ", ") + queues[i];
  cmd.add_option("--event-queue", o.event_queue, "engine event queue: " + queue_text)
      ->check(CLI::IsMember(queues));
  cmd.add_option("--link-stats-interval", o.link_stats_interval,
                 "width of the per-link time bins in --output, e.g. 1us (default: automatic, a power-of-two "
                 "multiple of 1 ns giving at most 200 bins over the run)")
      ->check(positive_time);
  cmd.add_option("--progress-interval", o.progress_interval,
                 "wall-clock seconds between progress lines on stderr (default: 2; --quiet turns them off)")
      ->check([](const std::string& v) {
        // CLI::PositiveNumber lets "nan" through (nan <= 0 is false); a number of seconds is finite.
        char* end = nullptr;
        const double x = std::strtod(v.c_str(), &end);
        return end != v.c_str() && *end == '\0' && std::isfinite(x) && x > 0 && x <= 86400
                   ? std::string()
                   : "expected a number of seconds between 0 and 86400 (exclusive of 0), got " + v;
      });
  cmd.add_option("--max-sim-time", o.max_sim_time,
                 "stop once the simulation reaches this simulated time, e.g. 10ms (partial output, exit 1)")
      ->check(positive_time);
  cmd.add_option("--max-wall-time", o.max_wall_time,
                 "stop after this much wall-clock time, e.g. 30min (partial output, exit 1)")
      ->check(positive_time);
  cmd.add_option("--memory-limit", o.memory_limit,
                 "refuse to start when the estimated memory of this node's ranks exceeds this, e.g. 64GiB "
                 "(default: MemAvailable or the cgroup limit; none: no check)")
      ->check([](const std::string& v) {
        if (v == "none") return std::string();
        try {
          return parse_bytes(v) > 0 ? std::string() : std::string("must be more than 0 bytes");
        } catch (const std::exception& e) {
          return std::string(e.what());
        }
      });
}

RunRequest to_request(RunOptions& o) {
  RunRequest r;
  r.scenario = o.scenario;
  for (const char* flag : kAstraFlags) {
    if (o.command->count(flag) > 0) o.any_astra_flag = true;
  }
  if (o.any_astra_flag) r.astra = o.astra;
  // CLI11 checked the names against the same tables.
  if (!o.network_model.empty()) r.overrides.network_model = parse_network_model(o.network_model);
  if (!o.log_format.empty())
    r.overrides.log_format = params::value_named(enum_names(LogFormat{}), o.log_format);
  if (!o.summary_json.empty()) r.overrides.summary_json = o.summary_json;
  if (!o.hdf5_path.empty()) r.overrides.hdf5_path = o.hdf5_path;
  r.overrides.quiet = o.quiet;
  r.overrides.allow_extra_traces = o.allow_extra_traces;
  if (!o.max_sim_time.empty()) r.overrides.max_sim_time = parse_time(o.max_sim_time);
  if (!o.max_wall_time.empty()) r.overrides.max_wall_time = parse_time(o.max_wall_time);
  return r;
}

std::string usual_invocations(const std::string& command) {
  const std::string astra = "configs/astra-sim/tests/rt_template/inputs/";
  return "  tessera " + command + " configs/scenarios/default.yaml\n" +  //
         "  tessera " + command +
         " --workload-configuration=configs/astra-sim/examples/workload/microbenchmarks/all_reduce/8npus_1MB/"
         "all_reduce \\\n"
         "      --system-configuration=" +
         astra + "system_cfg.json \\\n      --network-configuration=" + astra +
         "network_cfg.yml \\\n      --remote-memory-configuration=" + astra + "remote_memory_cfg.json\n";
}

int refuse_without_inputs(RunOptions& o, const std::string& command) {
  if (!to_request(o).scenario.empty() || o.any_astra_flag) return 0;
  if (launcher_rank() == 0) {
    std::fprintf(
        stderr,
        "error: nothing to load: tessera %s takes a scenario YAML or ASTRA-sim's input flags, e.g.\n%s"
        "(`tessera %s --help` lists every option; scenarios are in configs/scenarios/)\n",
        command.c_str(), usual_invocations(command).c_str(), command.c_str());
  }
  return static_cast<int>(ExitCode::kBadInput);
}

LoadResult load_and_warn(RunOptions& o) {
  LoadResult result = load_run_config(to_request(o));
  for (const auto& w : result.warnings) std::fprintf(stderr, "warning: %s\n", w.str().c_str());
  return result;
}

}  // namespace tessera::app
