// Fuzz target: the unit parsers (time, size, bandwidth), then formatting and a transfer time of
// what they accept. tessera::Error is the only acceptable failure; UBSan catches overflow.
#include <cstddef>
#include <cstdint>
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
  return 0;
}
