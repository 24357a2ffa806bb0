// SIGINT/SIGTERM handling of `tessera run`: the first signal only sets the flag the engine polls;
// the previous handlers come back when the run ends.
#include <gtest/gtest.h>

#include <csignal>

#include "stop_signals.hpp"

namespace tessera::app {
namespace {

volatile std::sig_atomic_t g_previous_handler_ran = 0;
extern "C" void previous_handler(int) { g_previous_handler_ran = 1; }

TEST(StopSignals, FirstSignalSetsTheFlagAndTheOldHandlerReturnsAfterwards) {
  struct sigaction mine {}, saved {};
  mine.sa_handler = previous_handler;
  sigemptyset(&mine.sa_mask);
  ASSERT_EQ(sigaction(SIGTERM, &mine, &saved), 0);
  {
    const StopSignals signals;
    EXPECT_EQ(signals.received(), 0);
    std::raise(SIGTERM);
    EXPECT_EQ(signals.received(), SIGTERM);
    EXPECT_EQ(g_previous_handler_ran, 0);
    std::raise(SIGINT);  // the first signal is the one reported
    EXPECT_EQ(signals.received(), SIGTERM);
  }
  std::raise(SIGTERM);
  EXPECT_EQ(g_previous_handler_ran, 1);
  sigaction(SIGTERM, &saved, nullptr);
}

TEST(StopSignals, SigintIsReportedByName) {
  // SIGINT's default action would end the test binary if the handler were not installed.
  const StopSignals signals;
  std::raise(SIGINT);
  EXPECT_EQ(signals.received(), SIGINT);
  EXPECT_STREQ(signal_name(SIGINT), "SIGINT");
  EXPECT_STREQ(signal_name(SIGTERM), "SIGTERM");
}

}  // namespace
}  // namespace tessera::app
