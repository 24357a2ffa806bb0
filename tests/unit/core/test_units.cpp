#include <gtest/gtest.h>

#include "tessera/error.hpp"
#include "tessera/units.hpp"

namespace tessera {
namespace {

TEST(ParseTime, AcceptsEveryUnit) {
  EXPECT_EQ(parse_time("10ps"), 10);
  EXPECT_EQ(parse_time("936.25ns"), 936250);
  EXPECT_EQ(parse_time("1.5us"), 1500000);
  EXPECT_EQ(parse_time("1.5\xC2\xB5s"), 1500000);
  EXPECT_EQ(parse_time("2ms"), 2 * kMillisecond);
  EXPECT_EQ(parse_time("1s"), kSecond);
  EXPECT_EQ(parse_time(" 500 ns "), 500 * kNanosecond);
  EXPECT_EQ(parse_time("1e3ns"), kMicrosecond);
  EXPECT_EQ(parse_time("0ns"), 0);
}

TEST(ParseTime, RoundsToNearestPicosecond) {
  EXPECT_EQ(parse_time("0.0004ns"), 0);
  EXPECT_EQ(parse_time("0.0005ns"), 1);
  EXPECT_EQ(parse_time("1.2345678ns"), 1235);
}

TEST(ParseTime, RejectsMalformed) {
  for (const char* bad : {"", "ns", "10", "10 parsecs", "-5ns", "1..5ns", "abc", "5 n s", "10nss"}) {
    EXPECT_THROW(parse_time(bad), UnitError) << bad;
  }
}

TEST(ParseTime, RejectsOverflow) {
  EXPECT_THROW(parse_time("1e30s"), UnitError);
  EXPECT_THROW(parse_time("9223372036854775807s"), UnitError);
  EXPECT_THROW(parse_time("10000000s"), UnitError);  // 1e19 ps > int64
  EXPECT_EQ(parse_time("1000000s"), 1000000 * kSecond);
}

TEST(ParseBytes, DecimalAndBinaryPrefixes) {
  EXPECT_EQ(parse_bytes("1MiB"), 1048576);
  EXPECT_EQ(parse_bytes("1MB"), 1000000);
  EXPECT_EQ(parse_bytes("4096"), 4096);
  EXPECT_EQ(parse_bytes("1.5KiB"), 1536);
  EXPECT_EQ(parse_bytes("64KiB"), 65536);
  EXPECT_EQ(parse_bytes("2GiB"), 2147483648LL);
  EXPECT_EQ(parse_bytes("1TB"), 1000000000000LL);
  EXPECT_EQ(parse_bytes("37632B"), 37632);
}

TEST(ParseBytes, RejectsFractionsAndJunk) {
  for (const char* bad : {"1.5B", "0.0001KB", "1MiBs", "1 mb", "x", "-1", "1e30B", "1Mib"}) {
    EXPECT_THROW(parse_bytes(bad), UnitError) << bad;
  }
}

TEST(ParseBandwidth, BytesAndBits) {
  EXPECT_EQ(parse_bandwidth("400GB/s").bytes_per_second, 400'000'000'000LL);
  EXPECT_EQ(parse_bandwidth("3.2Tb/s").bytes_per_second, 400'000'000'000LL);
  EXPECT_EQ(parse_bandwidth("400Gb/s").bytes_per_second, 50'000'000'000LL);
  EXPECT_EQ(parse_bandwidth("400Gbps").bytes_per_second, 50'000'000'000LL);
  EXPECT_EQ(parse_bandwidth("50GiB/s").bytes_per_second, 50LL << 30);
  EXPECT_EQ(parse_bandwidth("1B/s").bytes_per_second, 1);
}

TEST(ParseBandwidth, RejectsMissingUnitAndZero) {
  for (const char* bad : {"400", "400GB", "0GB/s", "400 GB/h", "fast", "1e40GB/s"}) {
    EXPECT_THROW(parse_bandwidth(bad), UnitError) << bad;
  }
}

TEST(AstraGbps, UsesPowerOfTwoGigabytes) {
  EXPECT_EQ(astra_gbps(50.0).bytes_per_second, 50LL << 30);
  EXPECT_EQ(astra_gbps(400.0).bytes_per_second, 400LL << 30);
  EXPECT_THROW(astra_gbps(0.0), UnitError);
  EXPECT_THROW(astra_gbps(-1.0), UnitError);
}

TEST(TxTime, ExactAndRoundedUp) {
  const Bandwidth gbs{1'000'000'000};  // 1 GB/s: 1 byte per ns
  EXPECT_EQ(tx_time(1, gbs), kNanosecond);
  EXPECT_EQ(tx_time(0, gbs), 0);
  // ASTRA-sim rt_template: 32 KiB over 50 GB/s (2^30) = 610.3515625 ns.
  const Bandwidth astra50 = astra_gbps(50.0);
  EXPECT_EQ(tx_time_floor(32768, astra50), 610351);
  EXPECT_EQ(tx_time(32768, astra50), 610352);
  // No intermediate overflow: 1 TiB * 1e12 needs more than 64 bits.
  EXPECT_EQ(tx_time(1LL << 40, gbs), (1LL << 40) * kNanosecond);
  EXPECT_EQ(bytes_in(kSecond, gbs), 1'000'000'000);
}

TEST(Format, HumanReadable) {
  EXPECT_EQ(format_time(57426 * kNanosecond), "57.426 µs");
  EXPECT_EQ(format_time(500), "500 ps");
  EXPECT_EQ(format_bytes(1048576), "1.00 MiB");
  EXPECT_EQ(format_bandwidth(Bandwidth{400'000'000'000}), "400.00 GB/s");
}

TEST(Diagnostic, FormatsLocation) {
  Diagnostic d{"net.yml", 3, "bandwidth[0]", "must be positive", "use e.g. 50"};
  EXPECT_EQ(d.str(), "net.yml:3: bandwidth[0]: must be positive (fix: use e.g. 50)");
  InputError e({d, Diagnostic{"", 0, "", "second", ""}});
  EXPECT_EQ(e.diagnostics().size(), 2u);
  EXPECT_EQ(e.code(), ExitCode::kBadInput);
}

}  // namespace
}  // namespace tessera
