// Where loaders put what they find: errors are collected (never thrown one by one) so a user sees
// every problem in one run; warnings are returned to the CLI, which prints them.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tessera/error.hpp"

namespace tessera::params {

struct Sink {
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;

  void error(Diagnostic d) { errors.push_back(std::move(d)); }
  void warn(Diagnostic d) { warnings.push_back(std::move(d)); }
  bool ok() const { return errors.empty(); }
  /// Throws InputError with every error collected so far (no-op when there are none).
  void throw_if_errors() const {
    if (!errors.empty()) throw InputError(errors);
  }
  /// Runs `f`, turning an InputError it throws (e.g. an unreadable file) into collected errors,
  /// so that the other inputs are still checked.
  template <class F>
  bool collect(F&& f) {
    try {
      f();
      return true;
    } catch (const InputError& e) {
      errors.insert(errors.end(), e.diagnostics().begin(), e.diagnostics().end());
      return false;
    }
  }
};

}  // namespace tessera::params
