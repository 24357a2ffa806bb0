// Fuzz target: a Tessera scenario YAML -> load_scenario (all sections, cross-checks). Files the
// scenario names are resolved next to the scratch file and are normally missing, which is itself an
// error path worth exercising. tessera::Error is the only acceptable failure.
#include <cstddef>
#include <cstdint>

#include "fuzz_input_file.hpp"
#include "tessera/config_load.hpp"
#include "tessera/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = tessera::fuzz::write_input(data, size, "scenario", ".yaml");
  try {
    const tessera::LoadResult r = tessera::load_scenario(path);
    (void)tessera::describe(r.config);
  } catch (const tessera::Error&) {
  }
  return 0;
}
