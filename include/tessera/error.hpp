// Typed errors. Library code throws these; only main() turns them into exit codes
// (and aborts every rank when more than one runs).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace tessera {

/// Process exit codes, documented in the README.
enum class ExitCode : int {
  kOk = 0,
  kRuntime = 1,    ///< the simulation itself failed (stall, limit reached, internal error)
  kBadInput = 2,   ///< configuration, trace or command-line input is wrong
  kInterrupted = 3 ///< stopped by SIGINT/SIGTERM; partial output is marked partial
};

/// One problem found in an input, located as precisely as the input allows.
struct Diagnostic {
  std::string file;     ///< path of the input file ("" for the command line)
  int line = 0;         ///< 1-based line, 0 when unknown
  std::string key;      ///< key path such as "network.topology[1]" or a node name
  std::string message;  ///< what is wrong
  std::string fix;      ///< how to fix it ("" when obvious)

  /// "file:line: key: message (fix)"
  std::string str() const;
};

/// Base of all Tessera errors.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what, ExitCode code = ExitCode::kRuntime)
      : std::runtime_error(what), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

/// A malformed unit string ("400GB", "1.5 parsecs").
class UnitError : public Error {
 public:
  explicit UnitError(const std::string& what) : Error(what, ExitCode::kBadInput) {}
};

/// Bad user input: every problem found, reported together.
class InputError : public Error {
 public:
  explicit InputError(std::vector<Diagnostic> diagnostics);
  explicit InputError(Diagnostic diagnostic) : InputError(std::vector<Diagnostic>{std::move(diagnostic)}) {}
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace tessera
