// A link's time bins (LinkStats::add): packets inside the open bin are summed apart and settled
// into the series, with the same figures as adding each packet to the series directly.
#include <gtest/gtest.h>

#include "tessera/network/link_stats.hpp"

namespace tessera::network {
namespace {

TEST(LinkStats, OpenBinIsSettledIntoTheSeries) {
  LinkStats s;
  s.bin_width = 100;
  s.add(10, 20, 200, 0);   // bin 0
  s.add(40, 10, 100, 0);   // bin 0 again: kept in the open bin
  EXPECT_EQ(s.open_bin, 0);
  EXPECT_EQ(s.open_bytes, 100);
  s.add(90, 20, 400, 0);   // spans bins 0 and 1: settles first, then splits by time
  s.add(150, 0, 7, 0);     // bin 1, no serialization time
  s.settle();
  ASSERT_EQ(s.bins.size(), 2u);
  EXPECT_EQ(s.bins[0], 200 + 100 + 200);
  EXPECT_EQ(s.bins[1], 200 + 7);
  EXPECT_EQ(s.busy_bins[0], 20 + 10 + 10);
  EXPECT_EQ(s.busy_bins[1], 10);
  EXPECT_EQ(s.open_bytes, 0);
  s.settle();  // idempotent
  EXPECT_EQ(s.bins[0], 500);
}

TEST(LinkStats, CoarseningKeepsTheOpenBinsSums) {
  LinkStats s;
  s.bin_width = 10;
  s.add(0, 5, 50, 4);
  s.add(5, 5, 50, 4);    // open bin 0
  s.add(45, 5, 30, 4);   // past 4 bins of 10: coarsened to 20 (bins 0..2), the open sums kept
  s.settle();
  EXPECT_EQ(s.bin_width, 20);
  ASSERT_EQ(s.bins.size(), 3u);
  EXPECT_EQ(s.bins[0], 100);
  EXPECT_EQ(s.bins[2], 30);
  EXPECT_EQ(s.busy_bins[0], 10);
  s.rebin(40);
  EXPECT_EQ(s.bins[0], 100);
  EXPECT_EQ(s.bins[1], 30);
}

}  // namespace
}  // namespace tessera::network
