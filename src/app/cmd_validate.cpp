// `tessera validate`: loads and checks a run's inputs exactly as `run` would, reports every problem
// at once (exit 2) or what would be simulated (exit 0). Runs nothing.
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "run_options.hpp"

namespace tessera::app {

void add_validate_command(CLI::App& cli, Action& action) {
  auto* cmd = cli.add_subcommand(
      "validate", "Check a scenario or ASTRA-sim inputs (same arguments as run); simulate nothing");
  auto opts = std::make_shared<RunOptions>();
  add_run_options(*cmd, *opts);
  cmd->callback([opts, &action] {
    action = [opts] {
      const LoadResult r = load_and_warn(*opts);
      std::printf("valid: %d NPUs, %zu warning(s)\n", r.config.network.npu_count(), r.warnings.size());
      if (!r.config.output.quiet) std::printf("%s\n", describe(r.config).c_str());
      return 0;
    };
  });
}

}  // namespace tessera::app
