// `tessera run SCENARIO.yaml` or `tessera run --workload-configuration=... (ASTRA-sim flags)`:
// loads and checks the inputs, simulates (under mpirun on every rank, single-rank otherwise) and
// prints the report once, on rank 0.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "llm_figures.hpp"
#include "memory_estimate.hpp"
#include "run_errors.hpp"
#include "run_options.hpp"
#include "stop_signals.hpp"
#include "tessera/output/sink.hpp"
#include "tessera/output/summary.hpp"
#include "tessera/output_file.hpp"
#include "tessera/pdes/agreement.hpp"
#include "tessera/pdes/loopback_transport.hpp"
#include "tessera/pdes/mpi_transport.hpp"
#include "tessera/network/network.hpp"
#include "tessera/runtime/simulation.hpp"

namespace tessera::app {
namespace {

/// Rank 0's progress on stderr, one report per --progress-interval of wall time: a bar redrawn
/// with `\r` on a terminal, plain lines in batch logs. The ETA is an extrapolation from the share
/// of rank 0's trace nodes completed, assuming the rest take as long per node as those done;
/// nodes differ in cost (a collective vs. a metadata node), so it is a rough guide, labelled so.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool enabled) : enabled_(enabled), tty_(isatty(STDERR_FILENO) != 0) {}
  void operator()(const runtime::RunProgress& p) {
    if (!enabled_) return;
    const pdes::Progress& e = p.engine;
    const double dt = e.wall_seconds - last_wall_;
    const double rate = dt > 0 ? static_cast<double>(e.events - last_events_) / dt : 0.0;
    last_wall_ = e.wall_seconds;
    last_events_ = e.events;
    const double done =
        p.nodes_total > 0 ? static_cast<double>(p.nodes_done) / static_cast<double>(p.nodes_total) : 0.0;
    std::string eta = "ETA unknown";
    if (done > 0 && done < 1) {
      eta = fmt::format("ETA ~{:.0f} s", e.wall_seconds * (1 - done) / done);
    } else if (done >= 1) {
      eta = "ETA: finishing";
    }
    std::string line;
    if (tty_) {
      constexpr int kWidth = 20;
      const int filled = static_cast<int>(done * kWidth);
      line = fmt::format("[{}{}] {:5.1f}% ", std::string(static_cast<std::size_t>(filled), '#'),
                         std::string(static_cast<std::size_t>(kWidth - filled), '-'), 100 * done);
    }
    line += fmt::format(
        "tessera: simulated {} | {} events | {:.3g} events/s | rank 0 nodes {}/{} ({:.1f}%) | {} | wall "
        "{:.1f} s",
        format_time(e.sim_time), e.events, rate, p.nodes_done, p.nodes_total, 100 * done, eta,
        e.wall_seconds);
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
  double last_wall_ = 0;
  std::uint64_t last_events_ = 0;
};

/// Called after flushing stdout and before a closing line on stderr, so that line comes after the
/// report. When stdout and stderr are one file (a terminal, `2>&1`) the flush was enough. When
/// they differ, as under mpirun (stdout a pty, stderr a pipe, each copied by mpirun in 4 KiB
/// pieces as its event loop gets to them), nothing tells this process when mpirun has written the
/// report out: a short pause, longer for a longer report, lets it catch up. Without it the line
/// landed inside the ResNet-50 summary (6 KiB) in most runs on a loaded 2-core machine; with it,
/// in none of the runs tried (tests/tools/test_console.py).
void wait_for_stdout_copy(std::size_t report_bytes) {
  struct stat out = {};
  struct stat err = {};
  if (fstat(STDOUT_FILENO, &out) != 0 || fstat(STDERR_FILENO, &err) != 0) return;
  if (out.st_dev == err.st_dev && out.st_ino == err.st_ino) return;
  if (!S_ISFIFO(out.st_mode) && !S_ISCHR(out.st_mode) && !S_ISSOCK(out.st_mode)) return;  // a file
  constexpr std::size_t kPiece = 4096;
  const std::size_t pieces = report_bytes / kPiece + 1;
  usleep(static_cast<useconds_t>(std::min<std::size_t>(20'000 + 5'000 * pieces, 200'000)));
}

std::string topology_text(const Config& c);

/// The run's attributes of the HDF5 file: the resolved configuration as JSON plus its plain-text
/// account, and where the link figures come from (the writer adds the versions).
std::vector<std::pair<std::string, std::string>> timeline_attributes(const Config& config,
                                                                     const runtime::SimulationResult& res,
                                                                     const std::string& partial) {
  return {{"config", config_json(config)},
          {"config_text", describe(config)},
          {"source", config.source},
          {"network_model", to_string(config.simulation.network_model)},
          {"topology", topology_text(config)},
          {"events", std::to_string(res.events)},
          {"stop_reason", partial.empty() ? pdes::to_string(res.reason) : partial},
          {"link_stats", res.link_stats_source.empty() ? "not recorded" : res.link_stats_source}};
}

std::string topology_text(const Config& c) {
  const auto dims = c.network.dimension_sizes();
  std::string d;
  for (std::size_t i = 0; i < dims.size(); ++i) d += fmt::format("{}{}", i ? "x" : "", dims[i]);
  return fmt::format("{} [{}]", c.network.topology.name(), d);
}

/// The run's facts the reports print next to the records.
output::RunReport run_report(const Config& config, const runtime::SimulationResult& res, const std::string& partial) {
  output::RunReport r;
  r.source = config.source;
  r.network_model = to_string(config.simulation.network_model);
  r.topology = topology_text(config);
  r.end_time = res.end_time;
  r.events = res.events;
  r.partial = partial;
  r.reached = res.reached;
  r.llm = llm_figures(config, res.end_time, !partial.empty());
  return r;
}

/// The workload layer's warnings (e.g. a text workload's unknown collective names); the first
/// few, since lenient loading of a PyTorch trace can warn once per node.
void print_workload_warnings(const std::vector<Diagnostic>& warnings) {
  constexpr std::size_t kShown = 20;
  for (std::size_t i = 0; i < warnings.size() && i < kShown; ++i) {
    std::fprintf(stderr, "warning: %s\n", warnings[i].str().c_str());
  }
  if (warnings.size() > kShown) {
    std::fprintf(stderr, "warning: ... and %zu more workload warning(s) (`tessera trace inspect` lists them all)\n",
                 warnings.size() - kShown);
  }
}

/// Why the run stopped before the end ("" when it completed), identical on every rank: the
/// signal number is agreed over the transport (only the rank that got it knows it).
std::string stop_text(const runtime::SimulationResult& res, const Config& config, int signal) {
  switch (res.reason) {
    case pdes::StopReason::kCompleted: return "";
    case pdes::StopReason::kStopRequested: return fmt::format("stopped by {}", signal_name(signal));
    case pdes::StopReason::kEndTime:
      return fmt::format("stopped at the simulated-time limit {} (--max-sim-time / simulation.max_sim_time)",
                         format_time(config.simulation.max_sim_time));
    case pdes::StopReason::kWallLimit:
      return fmt::format("stopped at the wall-time limit of {} (--max-wall-time / simulation.max_wall_time)",
                         format_time(config.simulation.max_wall_time));
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

int run_simulation(RunOptions& opts, pdes::Transport& transport, bool multi_rank) {
  const bool root = transport.rank() == 0;
  // From before loading: a signal during the build phase stops the run at its first window.
  const StopSignals signals;
  try {
    // Every rank reads the inputs; one that cannot (a file visible on some nodes only) must not
    // leave the others waiting in the first exchange.
    LoadResult loaded;
    pdes::agreed(transport, [&] { loaded = root ? load_and_warn(opts) : load_run_config(to_request(opts)); });
    const Config& config = loaded.config;
    const bool quiet = config.output.quiet;
    ProgressPrinter progress(root && !quiet);
    runtime::SimulationOptions so;
    if (root && !quiet) {
      so.progress = [&progress](const runtime::RunProgress& p) { progress(p); };
      so.progress_seconds = opts.progress_interval;
    }
    so.keep_intervals = !config.output.hdf5_path.empty();
    so.link_stats = so.keep_intervals;
    if (!opts.link_stats_interval.empty()) so.link_stats_interval = parse_time(opts.link_stats_interval);
    if (!opts.event_queue.empty()) so.queue = opts.event_queue;
    so.stop_requested = [&signals] { return signals.received() != 0; };
    so.before_load = [&](const network::Network& net, const pdes::Graph& graph, const pdes::Partition& partition) {
      check_run_memory(opts, config, net, graph, partition, transport.rank());
    };
    runtime::SimulationResult res = runtime::simulate(config, transport, so);
    progress.finish();
    if (root) print_workload_warnings(res.warnings);
    const int signal = static_cast<int>(transport.all_reduce_max(std::int64_t{signals.received()}));
    const std::string partial = stop_text(res, config, signal);
    const int exit_code = partial.empty() ? 0
                          : res.reason == pdes::StopReason::kStopRequested
                              ? static_cast<int>(ExitCode::kInterrupted)
                              : static_cast<int>(ExitCode::kRuntime);
    // One set of records feeds every sink; the HDF5 file also stores the run's attributes.
    output::RunRecords& records = res.records;
    const output::RunReport run = run_report(config, res, partial);
    if (!config.output.hdf5_path.empty()) {
      records.attributes = timeline_attributes(config, res, partial);
      records.partial = !partial.empty();
      records.reached = res.reached;
      try {
        output::Hdf5Sink(config.output.hdf5_path, {transport, config.network.npu_count()}).write(records, run);
      } catch (const output::Hdf5AbandonedError& e) {
        // Every rank is here with the same message, but HDF5 holds the abandoned file's
        // collective state: finalizing MPI would wait in it forever. Print once, then end the job.
        if (root) std::fprintf(stderr, "error: %s\n", e.what());
        std::fflush(stderr);
        (void)transport.all_reduce_sum(std::int64_t{0});  // rank 0 has printed before anyone aborts
        pdes::MpiEnvironment::abort(static_cast<int>(e.code()));
      } catch (const Error& e) {
        // write_hdf5 agrees on its failures: every rank throws this same error.
        throw pdes::AgreedError(e.what(), e.code());
      }
      if (root && !quiet)
        std::fprintf(stderr, "tessera: wrote %s%s\n", config.output.hdf5_path.c_str(),
                     partial.empty() ? "" : " (marked partial: attribute partial=1)");
    }
    if (!root) return exit_code;

    output::TextReportSink text(stdout,
                                config.output.log_format == LogFormat::kAstraSim
                                    ? output::TextReportSink::Format::kAstraSim
                                    : output::TextReportSink::Format::kSummary,
                                transport.rank());
    text.write(records, run);
    if (!quiet || !partial.empty()) wait_for_stdout_copy(text.bytes_written());
    if (!config.output.summary_json.empty()) {
      // By the output-file rules (tessera/output_file.hpp): a regular file atomically, a device
      // or stream in place; the path was checked before the run, and is resolved again now.
      try {
        output::SummaryJsonSink(resolve_output(config.output.summary_json, config.output.summary_json_from),
                                transport.rank())
            .write(records, run);
      } catch (const InputError& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return static_cast<int>(ExitCode::kRuntime);
      } catch (const Error& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return static_cast<int>(ExitCode::kRuntime);
      }
    }
    if (!quiet) {
      std::fprintf(stderr, "tessera: %llu events in %.2f s on %d rank(s) (build %.2f s; rank 0: %llu windows, %.2f s in sync)\n",
                   static_cast<unsigned long long>(res.events), res.stats.run_seconds, res.ranks, res.build_seconds,
                   static_cast<unsigned long long>(res.stats.windows), res.stats.sync_seconds);
    }
    if (!partial.empty()) {
      std::fprintf(stderr,
                   "%s: the simulation %s at simulated time %s; the results above are PARTIAL (exit code %d)\n",
                   exit_code == static_cast<int>(ExitCode::kInterrupted) ? "tessera" : "error", partial.c_str(),
                   format_time(res.reached).c_str(), exit_code);
    }
    return exit_code;
  } catch (const pdes::StallError& e) {
    return report_stall(e, transport);  // thrown on every rank with the same content
  } catch (const Error& e) {
    // An agreed error was thrown alike on every rank (each phase ends in an agreement, see
    // pdes/agreement.hpp): printed once. Anything else happened on this rank alone: the others
    // would wait forever, so report_run_error ends them all.
    return report_run_error(e, transport, multi_rank);
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
      "Examples:\n" + usual_invocations("run") +
      "  mpirun -np 2 tessera run configs/scenarios/default.yaml --output run.h5 --summary-json run.json\n"
      "  tessera run configs/scenarios/ring-8-inline.yaml --network-model astra-congestion-aware");
  cmd->callback([opts, &action] {
    action = [opts] {
      if (const int rc = refuse_without_inputs(*opts, "run")) return rc;
      if (launcher_size() > 1) {
        int argc = 0;
        char** argv = nullptr;
        pdes::MpiEnvironment env(argc, argv);
        pdes::MpiTransport transport;
        return run_simulation(*opts, transport, transport.size() > 1);
      }
      pdes::LoopbackHub hub(1);
      pdes::LoopbackTransport transport(hub, 0);
      return run_simulation(*opts, transport, false);
    };
  });
}

}  // namespace tessera::app
