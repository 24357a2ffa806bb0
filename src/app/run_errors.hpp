// How the simulating commands (`tessera run`, `tessera nccl-tests`) end on an error: what every
// rank prints and returns, so that an error reads once and no rank waits forever.
#pragma once

#include "tessera/error.hpp"
#include "tessera/pdes/engine.hpp"
#include "tessera/pdes/transport.hpp"

namespace tessera::app {

/// A stall (thrown on every rank with the same content): rank 0 prints the stuck NPUs and what
/// each waits for. Returns the exit code.
int report_stall(const pdes::StallError& e, const pdes::Transport& transport);

/// An error of the run. An agreed one (pdes/agreement.hpp), or any on a single rank, is printed
/// once by rank 0 ("error: " added unless the text has it) and its code returned. Anything else
/// happened on this rank alone under several ranks: the others would wait forever, so it is
/// printed with the rank and the job is aborted (no return).
int report_run_error(const Error& e, const pdes::Transport& transport, bool multi_rank);

}  // namespace tessera::app
