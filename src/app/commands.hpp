// The `tessera` subcommands. Each add_*_command registers one subcommand on the CLI11 app and
// stores the action to run when it is selected; main() runs it and maps errors to exit codes.
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace tessera::app {

/// The action of the selected subcommand; returns the process exit code.
using Action = std::function<int()>;

// One declaration per subcommand, each defined in its own cmd_<name>.cpp:
// void add_<name>_command(CLI::App& cli, Action& action);
void add_trace_command(CLI::App& cli, Action& action);

}  // namespace tessera::app
