// SIGINT and SIGTERM during `tessera run`: the first one asks the engine to stop at the next window
// boundary (the run then writes its partial output, marked partial, and exits 3); a second one
// kills the process as usual, for a user who does not want to wait. Slurm sends SIGTERM to every
// process at the time limit (then SIGKILL after KillWait); Open MPI's mpirun answers SIGTERM or
// SIGINT with SIGTERM to every rank (docs/hardening.md, "Signals").
#pragma once

#include <csignal>

namespace tessera::app {

/// Installs the handlers for its lifetime and restores the previous ones on destruction. One at a
/// time: the handler can only reach process-wide state, so the flag is a file-scope
/// `volatile sig_atomic_t` (stop_signals.cpp), the one global the POSIX signal API forces on us.
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  /// The first signal received since construction (SIGINT, SIGTERM), or 0. Async-signal-safe to set,
  /// cheap to poll.
  int received() const;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

/// "SIGTERM", "SIGINT", or "signal N".
const char* signal_name(int sig);

}  // namespace tessera::app
