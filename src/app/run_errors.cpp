#include "run_errors.hpp"

#include <cstdio>
#include <string>

#include "tessera/pdes/agreement.hpp"
#include "tessera/pdes/mpi_transport.hpp"

namespace tessera::app {

int report_stall(const pdes::StallError& e, const pdes::Transport& transport) {
  if (transport.rank() == 0) {
    std::fprintf(
        stderr,
        "error: the simulation stalled: %llu NPU(s) or switches still wait for work that never comes\n",
        static_cast<unsigned long long>(e.stuck()));
    for (const std::string& line : e.lines()) std::fprintf(stderr, "  %s\n", line.c_str());
    std::fprintf(stderr, "  (check the traces' dependencies and matching SEND/RECV pairs)\n");
  }
  return static_cast<int>(ExitCode::kRuntime);
}

int report_run_error(const Error& e, const pdes::Transport& transport, bool multi_rank) {
  if (pdes::is_agreed(e) || !multi_rank) {
    if (transport.rank() == 0) {
      // Input errors' lines read "error: ..." already; a model or output error gets the prefix.
      const std::string text = e.what();
      const bool labelled = text.rfind("error: ", 0) == 0 || text.rfind("internal error: ", 0) == 0;
      std::fprintf(stderr, "%s%s\n", labelled ? "" : "error: ", text.c_str());
    }
    return static_cast<int>(e.code());
  }
  std::fprintf(stderr, "error (rank %d): %s\n", transport.rank(), e.what());
  std::fflush(stderr);
  pdes::MpiEnvironment::abort(static_cast<int>(e.code()));
}

}  // namespace tessera::app
