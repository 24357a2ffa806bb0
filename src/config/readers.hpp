// The two input formats read into the parameter tree (tessera/params/node.hpp): YAML scenarios
// and ASTRA-sim network files (yaml-cpp), ASTRA-sim JSON files (nlohmann). The only parsers.
#pragma once

#include <string>

#include "tessera/params/node.hpp"

namespace tessera::cfg {

using params::Node;

/// Reads a YAML file. `path_prefix` starts key paths ("network"). Throws InputError when the file
/// cannot be read or parsed (with the parser's line).
Node read_yaml_file(const std::string& file, const std::string& path_prefix = "");

/// Reads a JSON file; lines of object keys are recovered by a scan of the text. Throws InputError
/// when the file cannot be read or parsed.
Node read_json_file(const std::string& file, const std::string& path_prefix = "");

}  // namespace tessera::cfg
