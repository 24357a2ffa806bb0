// Fuzz target: the unit parsers (time, size, bandwidth), then formatting and a transfer time of
// what they accept; then the input's first bytes as raw 64-bit values through format_time (any
// sign, INT64_MIN included) and the checked arithmetic. tessera::Error is the only acceptable
// failure; UBSan catches overflow.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "tessera/error.hpp"
#include "tessera/units.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const tessera::SimTime t = tessera::parse_time(text);
    (void)tessera::format_time(t);
  } catch (const tessera::Error&) {
  }
  try {
    const tessera::Bytes b = tessera::parse_bytes(text);
    (void)tessera::format_bytes(b);
  } catch (const tessera::Error&) {
  }
  try {
    const tessera::Bandwidth bw = tessera::parse_bandwidth(text);
    (void)tessera::format_bandwidth(bw);
    if (bw.bytes_per_second > 0) (void)tessera::tx_time(1 << 20, bw);
  } catch (const tessera::Error&) {
  }
  std::int64_t raw[3] = {0, 0, 0};
  std::memcpy(raw, data, size < sizeof(raw) ? size : sizeof(raw));
  (void)tessera::format_time(raw[0]);
  (void)tessera::checked_add(raw[0], raw[1]);
  (void)tessera::checked_mul(raw[0], raw[1]);
  double factor = 0;
  std::memcpy(&factor, &raw[2], sizeof(factor));
  (void)tessera::checked_scale(raw[0], factor);
  (void)tessera::checked_scale(raw[0], factor, true);
  if (raw[0] >= 0 && raw[1] > 0) (void)tessera::checked_tx_time(raw[0], tessera::Bandwidth{raw[1]});
  return 0;
}
