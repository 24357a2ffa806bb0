// Fuzz target: an ASTRA-sim analytical network YAML -> load_astra_network.
// tessera::Error is the only acceptable failure.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_input_file.hpp"
#include "tessera/config_load.hpp"
#include "tessera/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = tessera::fuzz::write_input(data, size, "network", ".yml");
  try {
    std::vector<tessera::Diagnostic> warnings;
    const tessera::NetworkConfig n = tessera::load_astra_network(path, warnings);
    (void)n.npu_count();
  } catch (const tessera::Error&) {
  }
  return 0;
}
