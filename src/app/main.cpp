// Entry point of the `tessera` command. The only place that turns errors into exit codes.
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "tessera/error.hpp"
#include "tessera/version.hpp"

int main(int argc, char** argv) {
  using tessera::ExitCode;
  CLI::App cli{"Tessera: a parallel discrete-event simulator of distributed AI training.\n"
               "Runs Chakra execution traces (or ASTRA-sim inputs, unchanged) on a modelled network\n"
               "and reports per-NPU timelines in real units.",
               "tessera"};
  cli.set_version_flag("--version", std::string("tessera ") + tessera::kVersion);
  cli.require_subcommand(1);
  cli.footer(
      "Examples:\n"
      "  tessera run configs/scenarios/default.yaml                  # ResNet-50 on one HGX-H100 box\n"
      "  mpirun -np 2 tessera run configs/scenarios/default.yaml --output run.h5\n"
      "  tessera validate configs/scenarios/default.yaml             # check the inputs, run nothing\n"
      "  tessera schema --grep bandwidth                             # parameters, units, defaults\n"
      "  tessera nccl-tests all_reduce_perf -b 8 -e 1G -f 2 --network configs/network/hgx-h100-1box.yaml\n"
      "`tessera SUBCOMMAND --help` for each; docs/running.md for the whole story.");

  tessera::app::Action action;
  // Subcommands (one cmd_<name>.cpp each) register themselves here.
  tessera::app::add_run_command(cli, action);
  tessera::app::add_validate_command(cli, action);
  tessera::app::add_schema_command(cli, action);
  tessera::app::add_trace_command(cli, action);
  tessera::app::add_plan_command(cli, action);
  tessera::app::add_nccl_tests_command(cli, action);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = cli.exit(e);
    return rc == 0 ? 0 : static_cast<int>(ExitCode::kBadInput);
  }
  // validate, schema and trace do the same work on every rank of an `mpirun -np N tessera ...`
  // launch; only the launcher's rank 0 prints, so an error reads once (every rank still exits
  // with its code, and mpirun ends the job on the first non-zero one). run and nccl-tests
  // simulate across the ranks and print from rank 0 themselves (a rank's own error included).
  if (!cli.got_subcommand("run") && !cli.got_subcommand("nccl-tests") && tessera::app::launcher_rank() > 0) {
    if (std::freopen("/dev/null", "w", stdout) == nullptr || std::freopen("/dev/null", "w", stderr) == nullptr)
      return static_cast<int>(ExitCode::kRuntime);
  }
  try {
    return action ? action() : 0;
  } catch (const tessera::Error& e) {
    std::fputs(e.what(), stderr);
    std::fputc('\n', stderr);
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "internal error: %s\n", e.what());
    return static_cast<int>(ExitCode::kRuntime);
  }
}
