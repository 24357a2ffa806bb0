// `tessera validate`: loads and checks a run's inputs exactly as `run` would (configuration, then
// every NPU's trace and the custom collective graphs, with the runtime's own loader, so the
// messages are run's), reports every problem at once (exit 2) or what would be simulated (exit 0).
// Runs nothing.
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "run_options.hpp"
#include "tessera/network/network.hpp"
#include "tessera/runtime/build.hpp"
#include "tessera/runtime/workload_inputs.hpp"

namespace tessera::app {
namespace {

/// The workload layer's warnings can number one per node (e.g. lenient drops): show the first few.
constexpr std::size_t kShownWarnings = 20;

}  // namespace

void add_validate_command(CLI::App& cli, Action& action) {
  auto* cmd = cli.add_subcommand(
      "validate",
      "Check a scenario or ASTRA-sim inputs and load every trace (same arguments as run); simulate nothing");
  auto opts = std::make_shared<RunOptions>();
  add_run_options(*cmd, *opts);
  cmd->footer("Examples:\n" + usual_invocations("validate") +
              "  tessera validate configs/scenarios/default.yaml --quiet   # only the one-line verdict");
  cmd->callback([opts, &action] {
    action = [opts] {
      if (const int rc = refuse_without_inputs(*opts, "validate")) return rc;
      const LoadResult r = load_and_warn(*opts);
      if (launcher_size() > 1) {
        // Under `mpirun -np N tessera validate`, the checks that depend on the rank count, as a
        // run on N ranks makes them.
        network::PacketSpec packet = runtime::packet_from_config(r.config.network);
        const network::Network net(runtime::from_config(r.config.network), r.config.simulation.network_model, packet);
        runtime::check_rank_lookahead(r.config, net, launcher_size());
      }
      const runtime::WorkloadCheck w = runtime::check_workloads(r.config);
      for (std::size_t i = 0; i < w.warnings.size() && i < kShownWarnings; ++i) {
        std::fprintf(stderr, "warning: %s\n", w.warnings[i].str().c_str());
      }
      if (w.warnings.size() > kShownWarnings) {
        std::fprintf(
            stderr,
            "warning: ... and %zu more workload warning(s) (`tessera trace inspect` lists them all)\n",
            w.warnings.size() - kShownWarnings);
      }
      std::printf(
          "valid: %d NPUs, %llu trace nodes (%llu collectives), %d custom collective graph(s), %zu "
          "warning(s)\n",
          r.config.network.npu_count(), static_cast<unsigned long long>(w.nodes),
          static_cast<unsigned long long>(w.collectives), w.custom_collectives,
          r.warnings.size() + w.warnings.size());
      if (!r.config.output.quiet) std::printf("%s\n", describe(r.config).c_str());
      return 0;
    };
  });
}

}  // namespace tessera::app
