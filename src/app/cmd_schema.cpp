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
  auto grep = std::make_shared<std::string>();
  cmd->add_option("--grep", *grep,
                  "only the parameters whose section, key, unit or meaning contains WORD (any case)")
      ->type_name("WORD");
  cmd->footer(
      "Examples:\n"
      "  tessera schema --grep bandwidth      # every bandwidth parameter, with its unit and default\n"
      "  tessera schema --grep hgx_h100       # one section\n"
      "  tessera schema --format markdown     # the tables of docs/configuration.md");
  cmd->callback([format, grep, &action] {
    action = [format, grep] {
      std::fputs(format_schema(*format, *grep).c_str(), stdout);
      return 0;
    };
  });
}

}  // namespace tessera::app
