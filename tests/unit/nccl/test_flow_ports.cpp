// The flow model's port ledger (flow.hpp): shares add per port and direction, ended uses drop out,
// a new use is slowed by the most loaded port's demand.
#include <gtest/gtest.h>

#include "tessera/collective/nccl/flow.hpp"

namespace tessera::collective::nccl {
namespace {

TEST(FlowPorts, IdlePortsDoNotSlowAnything) {
  FlowPorts p;
  EXPECT_DOUBLE_EQ(p.slowdown({{FlowPort::kNicOut, 0.9}}, 0), 1.0);
  EXPECT_DOUBLE_EQ(p.slowdown({{FlowPort::kNicOut, 0.0}}, 0), 1.0);
}

TEST(FlowPorts, SharesAddOnOnePortAndDirection) {
  FlowPorts p;
  p.add(FlowPort::kNicOut, 0.8, 100);
  p.add(FlowPort::kNicIn, 0.5, 100);
  EXPECT_DOUBLE_EQ(p.load(FlowPort::kNicOut, 10), 0.8);
  EXPECT_DOUBLE_EQ(p.load(FlowPort::kNvlinkOut, 10), 0.0);
  // 0.8 + 0.7 on the NIC's egress: 1.5 times as long; its ingress (0.5 + 0.7) is less loaded.
  EXPECT_DOUBLE_EQ(p.slowdown({{FlowPort::kNicOut, 0.7}, {FlowPort::kNicIn, 0.7}}, 10), 1.5);
  // A use that fits beside the others is not slowed.
  EXPECT_DOUBLE_EQ(p.slowdown({{FlowPort::kNicOut, 0.2}}, 10), 1.0);
  // Another port's load does not count.
  EXPECT_DOUBLE_EQ(p.slowdown({{FlowPort::kNvlinkOut, 1.0}}, 10), 1.0);
}

TEST(FlowPorts, EndedUsesDropOutAndEndsMove) {
  FlowPorts p;
  const std::uint64_t a = p.add(FlowPort::kNvlinkOut, 1.0, 100);
  p.add(FlowPort::kNvlinkOut, 1.0, 50);
  EXPECT_DOUBLE_EQ(p.load(FlowPort::kNvlinkOut, 49), 2.0);
  EXPECT_DOUBLE_EQ(p.load(FlowPort::kNvlinkOut, 50), 1.0);  // the second ended at 50
  p.set_end(a, 60);
  EXPECT_DOUBLE_EQ(p.load(FlowPort::kNvlinkOut, 59), 1.0);
  EXPECT_DOUBLE_EQ(p.load(FlowPort::kNvlinkOut, 60), 0.0);
  EXPECT_DOUBLE_EQ(p.slowdown({{FlowPort::kNvlinkOut, 1.0}}, 60), 1.0);
}

}  // namespace
}  // namespace tessera::collective::nccl
