// Failing together. An error that one rank finds while the others go on would leave them waiting
// forever in the next collective (an exchange, a gather). So every phase that can fail on some
// ranks only ends in an agreement: each rank hands in its failures (usually none), they are
// gathered, and every rank throws the same error, which carries every failure of every rank, once
// each, in the order of their keys (NPU or LP ids), whatever the rank count.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tessera/error.hpp"
#include "tessera/pdes/transport.hpp"

namespace tessera::pdes {

/// One failure of a phase on this rank.
struct Failure {
  /// Its place among the failures of all ranks: an NPU or LP id; -1 (the default) for a failure
  /// tied to no one item, which goes first. Equal keys keep rank order.
  std::int64_t order = -1;
  ExitCode code = ExitCode::kRuntime;
  std::string message;                  ///< the error's text (when it has no diagnostics)
  std::vector<Diagnostic> diagnostics;  ///< an input error's problems
};

/// The failure the exception being handled stands for; call it inside a `catch (...)` block.
Failure current_failure(std::int64_t order = -1);

/// Marks an error thrown alike on every rank (by agree()): the caller prints it once and every
/// rank exits with its code. An error without this mark, under several ranks, happened on some
/// ranks only, and the job must be ended (MPI abort) or the others wait forever.
class Agreed {
 public:
  virtual ~Agreed() = default;
};

class AgreedError : public Error, public Agreed {
 public:
  using Error::Error;
};

class AgreedInputError : public InputError, public Agreed {
 public:
  using InputError::InputError;
};

/// Whether `e` was thrown alike on every rank.
bool is_agreed(const std::exception& e);

/// Collective: returns when no rank hands in a failure. Otherwise every rank throws the same
/// error: an AgreedInputError with every diagnostic when every failure is an input error, else an
/// AgreedError with every message and the exit code of the first failure. Identical failures (the
/// same input error found by every rank) appear once.
void agree(Transport& transport, const std::vector<Failure>& mine);

/// Runs `body` on this rank and agrees on what it threw (collective). `body` must call no
/// collective itself: a rank that threw before it would meet the others in the wrong one.
template <class F>
void agreed(Transport& transport, F&& body, std::int64_t order = -1) {
  std::vector<Failure> failures;
  try {
    body();
  } catch (...) {
    failures.push_back(current_failure(order));
  }
  agree(transport, failures);
}

}  // namespace tessera::pdes
