// `tessera schema`: every parameter Tessera reads, with type, unit, default and meaning, printed
// from the same tables the loaders use.
#include <cstdio>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "tessera/config_schema.hpp"

namespace tessera::app {

void add_schema_command(CLI::App& cli, Action& action) {
  auto* cmd =
      cli.add_subcommand("schema", "List every configuration parameter (scenario YAML and ASTRA-sim inputs)");
  auto format = std::make_shared<std::string>("text");
  cmd->add_option("--format", *format, "text | markdown | json")
      ->check(CLI::IsMember({"text", "markdown", "json"}));
  cmd->callback([format, &action] {
    action = [format] {
      std::fputs(format_schema(*format).c_str(), stdout);
      return 0;
    };
  });
}

}  // namespace tessera::app
