// The `tessera` subcommands. Each add_*_command registers one subcommand on the CLI11 app and
// stores the action to run when it is selected; main() runs it and maps errors to exit codes.
#pragma once

#include <functional>

#include "tessera/pdes/mpi_transport.hpp"

namespace CLI {
class App;
}

namespace tessera::app {

/// The action of the selected subcommand; returns the process exit code.
using Action = std::function<int()>;

// One declaration per subcommand, each defined in its own cmd_<name>.cpp:
// void add_<name>_command(CLI::App& cli, Action& action);
void add_run_command(CLI::App& cli, Action& action);       // cmd_run.cpp
void add_validate_command(CLI::App& cli, Action& action);  // cmd_validate.cpp
void add_schema_command(CLI::App& cli, Action& action);    // cmd_schema.cpp
void add_trace_command(CLI::App& cli, Action& action);
void add_plan_command(CLI::App& cli, Action& action);  // cmd_plan.cpp
void add_nccl_tests_command(CLI::App& cli, Action& action);  // cmd_nccl_tests.cpp

/// The rank an MPI launcher (mpirun, srun) gave this process, from its environment; 0 when run
/// alone. Lets commands that never initialise MPI print from one rank only (pdes::launch_info).
inline int launcher_rank() { return pdes::launch_info().rank; }
/// Ranks of the job that launched this process (1 when run alone), from the same environment.
inline int launcher_size() { return pdes::launch_info().size; }
/// Ranks of the job on this node (1 when unknown or run alone), from the same environment.
inline int launcher_local_size() { return pdes::launch_info().local_size; }

}  // namespace tessera::app
