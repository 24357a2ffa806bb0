// Shared helpers for the config tests: scratch files under the build tree, and catching the
// diagnostics of an InputError.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tessera/config.hpp"
#include "tessera/error.hpp"
#include "tessera/network/topologies/dimensions.hpp"

namespace tessera::test {

/// Writes `text` to a scratch file named after the running test and returns its path.
inline std::string scratch(const std::string& name, const std::string& text) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::filesystem::path dir = std::filesystem::path(TESSERA_BINARY_DIR) / "test_scratch" /
                                    (std::string(info->test_suite_name()) + "." + info->name());
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  std::ofstream(path) << text;
  return path.string();
}

/// The ASTRA dimensions of a network whose topology is "dimensions".
inline const std::vector<network::DimensionSpec>& dims_of(const NetworkConfig& n) {
  return n.topology.params<network::DimensionsSpec>().dims;
}

/// A path inside the repository.
inline std::string repo(const std::string& rel) { return std::string(TESSERA_SOURCE_DIR) + "/" + rel; }

/// Runs `f`, which must throw InputError, and returns its diagnostics (empty if it did not throw).
template <class F>
std::vector<Diagnostic> input_errors(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.diagnostics();
  }
  ADD_FAILURE() << "expected an InputError";
  return {};
}

/// True when some diagnostic's text contains `needle`.
inline bool mentions(const std::vector<Diagnostic>& ds, const std::string& needle) {
  for (const auto& d : ds) {
    if (d.str().find(needle) != std::string::npos) return true;
  }
  return false;
}

inline std::string dump(const std::vector<Diagnostic>& ds) {
  std::string out;
  for (const auto& d : ds) out += d.str() + "\n";
  return out;
}

}  // namespace tessera::test
