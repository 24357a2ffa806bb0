// The transport's typed collectives on in-process ranks (the same checks run under mpirun on
// MpiTransport: transport_driver.cpp).
#include <gtest/gtest.h>

#include <mutex>

#include "tessera/pdes/loopback_transport.hpp"
#include "transport_checks.hpp"

namespace tessera::pdes {
namespace {

TEST(Transport, TypedCollectivesOnLoopbackRanks) {
  for (int ranks : {1, 2, 3}) {
    std::mutex mu;
    std::string errors;
    run_loopback(ranks, [&](Transport& t) {
      const std::string e = testing::check_collectives(t);
      std::lock_guard lock(mu);
      errors += e;
    });
    EXPECT_EQ(errors, "") << ranks << " ranks";
  }
}

TEST(Transport, LoopbackHasNoParallelIo) {
  LoopbackHub hub(1);
  LoopbackTransport t(hub, 0);
  EXPECT_EQ(t.parallel_io(), nullptr);
}

}  // namespace
}  // namespace tessera::pdes
