#include "stop_signals.hpp"

#include <stdexcept>

namespace tessera::app {
namespace {

// Written only by the handler (first signal wins), read by StopSignals::received().
volatile std::sig_atomic_t g_received = 0;
volatile std::sig_atomic_t g_installed = 0;

extern "C" void on_stop_signal(int sig) {
  if (g_received == 0) g_received = sig;
  // SA_RESETHAND already restored the default action: a second signal ends the process.
}

void install(int sig, struct sigaction& old) {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  // SA_RESTART: MPI and file I/O calls in progress resume instead of failing with EINTR.
  sa.sa_flags = SA_RESETHAND | SA_RESTART;
  sigaction(sig, &sa, &old);
}

}  // namespace

StopSignals::StopSignals() {
  if (g_installed) throw std::logic_error("StopSignals: only one instance at a time");
  g_installed = 1;
  g_received = 0;
  install(SIGINT, old_int_);
  install(SIGTERM, old_term_);
}

StopSignals::~StopSignals() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
  g_installed = 0;
}

int StopSignals::received() const { return g_received; }

const char* signal_name(int sig) {
  switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    default: return "a signal";
  }
}

}  // namespace tessera::app
