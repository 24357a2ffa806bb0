// `tessera run SCENARIO.yaml` or `tessera run --workload-configuration=... (ASTRA-sim flags)`:
// loads and checks the inputs, simulates (under mpirun on every rank, single-rank otherwise) and
// prints the report once, on rank 0.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "memory_estimate.hpp"
#include "run_options.hpp"
#include "stop_signals.hpp"
#include "tessera/output/hdf5_writer.hpp"
#include "tessera/output/summary.hpp"
#include "tessera/pdes/loopback_transport.hpp"
#include "tessera/pdes/mpi_transport.hpp"
#include "tessera/network/network.hpp"
#include "tessera/runtime/simulation.hpp"

namespace tessera::app {
namespace {

/// Rank 0's progress line on stderr, about every 2 s of wall time: `\r` on a terminal, plain
/// lines otherwise.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool enabled) : enabled_(enabled), tty_(isatty(STDERR_FILENO) != 0) {}
  void operator()(const pdes::Progress& p) {
    if (!enabled_ || p.wall_seconds < next_) return;
    next_ = p.wall_seconds + 2.0;
    const double rate = p.wall_seconds > 0 ? static_cast<double>(p.events) / p.wall_seconds : 0.0;
    const std::string line = fmt::format("tessera: simulated {} | {} events | {:.3g} events/s | wall {:.1f} s",
                                         output::format_time(p.sim_time), p.events, rate, p.wall_seconds);
    std::fprintf(stderr, tty_ ? "\r%s\033[K" : "%s\n", line.c_str());
    std::fflush(stderr);
    printed_ = true;
  }
  void finish() {
    if (printed_ && tty_) std::fputc('\n', stderr);
  }

 private:
  bool enabled_;
  bool tty_;
  bool printed_ = false;
  double next_ = 2.0;
};

std::string topology_text(const Config& c) {
  const auto dims = c.network.dimension_sizes();
  std::string d;
  for (std::size_t i = 0; i < dims.size(); ++i) d += fmt::format("{}{}", i ? "x" : "", dims[i]);
  return fmt::format("{} [{}]", to_string(c.network.topology), d);
}

/// The HDF5 timeline (docs/hdf5-layout.md): every rank hands in its own NPUs' intervals, rank 0
/// the gathered summaries and collective records. Collective over the transport's ranks.
void write_timeline(const Config& config, const runtime::SimulationResult& res, const std::string& partial,
                    pdes::Transport& transport, int mpi_comm) {
  output::RunRecords rec;
  rec.strings = res.local_strings;
  rec.intervals = res.local_intervals;
  if (transport.rank() == 0) {
    rec.npus = res.npus;
    rec.collectives = res.collectives;
  }
  rec.attributes = {{"config", describe(config)},
                    {"source", config.source},
                    {"network_model", to_string(config.simulation.network_model)},
                    {"topology", topology_text(config)},
                    {"events", std::to_string(res.events)},
                    {"stop_reason", partial.empty() ? pdes::to_string(res.reason) : partial}};
  rec.partial = !partial.empty();
  rec.reached = res.reached;
  output::write_hdf5(config.output.hdf5_path, rec,
                     {transport, mpi_comm, static_cast<std::int32_t>(res.npus.size())});
}

/// Why the run stopped before the end ("" when it completed), identical on every rank: the
/// signal number is agreed over the transport (only the rank that got it knows it).
std::string stop_text(const runtime::SimulationResult& res, const Config& config, int signal) {
  switch (res.reason) {
    case pdes::StopReason::kCompleted: return "";
    case pdes::StopReason::kStopRequested: return fmt::format("stopped by {}", signal_name(signal));
    case pdes::StopReason::kEndTime:
      return fmt::format("stopped at the simulated-time limit {} (--max-sim-time / simulation.max_sim_time)",
                         output::format_time(config.simulation.max_sim_time));
    case pdes::StopReason::kWallLimit:
      return fmt::format("stopped at the wall-time limit of {} (--max-wall-time / simulation.max_wall_time)",
                         output::format_time(config.simulation.max_wall_time));
  }
  return "stopped early";
}

/// The up-front memory check (called by simulate() once the graph and partition exist): this
/// rank's estimate, as `tessera plan` computes it, times the ranks sharing this node, against
/// --memory-limit or what the node can give.
void check_run_memory(const RunOptions& opts, const Config& config, const network::Network& net,
                      const pdes::Graph& graph, const pdes::Partition& partition, int rank) {
  if (opts.memory_limit == "none") return;
  std::optional<MemoryAvailable> limit;
  if (!opts.memory_limit.empty()) {
    limit = MemoryAvailable{parse_bytes(opts.memory_limit), "--memory-limit"};
  } else {
    limit = available_memory();
  }
  if (!limit) return;  // nothing to compare with (no /proc): run as before
  // The graph is built: what this process holds now stands for the shared part of the model.
  const double shared = std::max(0.0, static_cast<double>(rss_bytes()) - MemoryModel::kProcessBase);
  const Planner planner(config, net, graph, shared);
  const PlanResult r = planner.evaluate(partition);
  const int ranks_here = std::min(launcher_local_size(), partition.num_ranks);
  check_memory(r.ranks[static_cast<std::size_t>(rank)].memory, ranks_here, *limit);
}

int run_simulation(RunOptions& opts, pdes::Transport& transport, bool multi_rank, int mpi_comm) {
  const bool root = transport.rank() == 0;
  // From before loading: a signal during the build phase stops the run at its first window.
  const StopSignals signals;
  try {
    const LoadResult loaded = root ? load_and_warn(opts) : load_run_config(to_request(opts));
    const Config& config = loaded.config;
    const bool quiet = config.output.quiet;
    ProgressPrinter progress(root && !quiet);
    runtime::SimulationOptions so;
    so.progress = [&progress](const pdes::Progress& p) { progress(p); };
    so.keep_intervals = !config.output.hdf5_path.empty();
    if (!opts.event_queue.empty()) so.queue = opts.event_queue;
    so.stop_requested = [&signals] { return signals.received() != 0; };
    so.before_load = [&](const network::Network& net, const pdes::Graph& graph, const pdes::Partition& partition) {
      check_run_memory(opts, config, net, graph, partition, transport.rank());
    };
    const runtime::SimulationResult res = runtime::simulate(config, transport, so);
    progress.finish();
    const int signal = static_cast<int>(transport.all_reduce_max(std::int64_t{signals.received()}));
    const std::string partial = stop_text(res, config, signal);
    const int exit_code = partial.empty() ? 0
                          : res.reason == pdes::StopReason::kStopRequested
                              ? static_cast<int>(ExitCode::kInterrupted)
                              : static_cast<int>(ExitCode::kRuntime);
    if (!config.output.hdf5_path.empty()) {
      write_timeline(config, res, partial, transport, mpi_comm);
      if (root && !quiet)
        std::fprintf(stderr, "tessera: wrote %s%s\n", config.output.hdf5_path.c_str(),
                     partial.empty() ? "" : " (marked partial: attribute partial=1)");
    }
    if (!root) return exit_code;

    output::RunReport report;
    report.source = config.source;
    report.network_model = to_string(config.simulation.network_model);
    report.topology = topology_text(config);
    report.npus = res.npus;
    report.collectives = res.collectives;
    report.end_time = res.end_time;
    report.events = res.events;
    report.partial = partial;
    report.reached = res.reached;
    if (config.output.log_format == LogFormat::kAstraSim) {
      std::fputs(output::format_astra_log(report).c_str(), stdout);
    } else {
      std::fputs(output::format_summary(report).c_str(), stdout);
    }
    std::fflush(stdout);
    if (!config.output.summary_json.empty()) {
      // Written aside and renamed, so a run killed while writing leaves no truncated file behind.
      const std::string tmp = config.output.summary_json + ".partial";
      std::ofstream f(tmp, std::ios::binary);
      f << output::summary_json(report);
      f.close();
      if (!f || std::rename(tmp.c_str(), config.output.summary_json.c_str()) != 0) {
        std::remove(tmp.c_str());
        std::fprintf(stderr, "error: cannot write the summary JSON to %s (check the folder exists and is writable)\n",
                     config.output.summary_json.c_str());
        return static_cast<int>(ExitCode::kRuntime);
      }
    }
    if (!quiet) {
      std::fprintf(stderr, "tessera: %llu events in %.2f s on %d rank(s) (build %.2f s)\n",
                   static_cast<unsigned long long>(res.events), res.stats.run_seconds, res.ranks, res.build_seconds);
    }
    if (!partial.empty()) {
      std::fprintf(stderr,
                   "%s: the simulation %s at simulated time %s; the results above are PARTIAL (exit code %d)\n",
                   exit_code == static_cast<int>(ExitCode::kInterrupted) ? "tessera" : "error", partial.c_str(),
                   output::format_time(res.reached).c_str(), exit_code);
    }
    return exit_code;
  } catch (const pdes::StallError& e) {
    // Thrown on every rank with the same content.
    if (root) {
      std::fprintf(stderr, "error: the simulation stalled: %llu NPU(s) or switches still wait for work that never comes\n",
                   static_cast<unsigned long long>(e.stuck()));
      for (const std::string& line : e.lines()) std::fprintf(stderr, "  %s\n", line.c_str());
      std::fprintf(stderr, "  (check the traces' dependencies and matching SEND/RECV pairs)\n");
    }
    return static_cast<int>(ExitCode::kRuntime);
  } catch (const Error& e) {
    // Input errors are found identically on every rank; print once. Anything else may have
    // happened on this rank alone: the others would wait forever, so end them all.
    if (e.code() == ExitCode::kBadInput || !multi_rank) {
      if (root) std::fprintf(stderr, "%s\n", e.what());
      return static_cast<int>(e.code());
    }
    std::fprintf(stderr, "error (rank %d): %s\n", transport.rank(), e.what());
    std::fflush(stderr);
    pdes::MpiEnvironment::abort(static_cast<int>(e.code()));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "internal error (rank %d): %s\n", transport.rank(), e.what());
    std::fflush(stderr);
    if (multi_rank) pdes::MpiEnvironment::abort(static_cast<int>(ExitCode::kRuntime));
    return static_cast<int>(ExitCode::kRuntime);
  }
}

}  // namespace

void add_run_command(CLI::App& cli, Action& action) {
  auto* cmd = cli.add_subcommand(
      "run", "Simulate a scenario YAML, or ASTRA-sim inputs given by ASTRA-sim's own flags");
  auto opts = std::make_shared<RunOptions>();
  add_run_options(*cmd, *opts);
  cmd->footer(
      "Examples:\n"
      "  tessera run configs/scenarios/default.yaml\n"
      "  mpirun -np 2 tessera run configs/scenarios/default.yaml --summary-json out.json\n"
      "  tessera run "
      "--workload-configuration=configs/astra-sim/examples/workload/microbenchmarks/all_reduce/8npus_1MB/"
      "all_reduce \\\n"
      "      --system-configuration=configs/astra-sim/tests/rt_template/inputs/system_cfg.json \\\n"
      "      --network-configuration=configs/astra-sim/tests/rt_template/inputs/network_cfg.yml \\\n"
      "      "
      "--remote-memory-configuration=configs/astra-sim/tests/rt_template/inputs/remote_memory_cfg.json");
  cmd->callback([opts, &action] {
    action = [opts] {
      if (launcher_size() > 1) {
        int argc = 0;
        char** argv = nullptr;
        pdes::MpiEnvironment env(argc, argv);
        pdes::MpiTransport transport;
        return run_simulation(*opts, transport, transport.size() > 1, transport.native_comm_handle());
      }
      pdes::LoopbackHub hub(1);
      pdes::LoopbackTransport transport(hub, 0);
      return run_simulation(*opts, transport, false, output::Hdf5Context::kNoMpi);
    };
  });
}

}  // namespace tessera::app
