// Fuzz target: one JSON document through each ASTRA-sim JSON loader (system, remote memory,
// communicator groups); the three share the one JSON front end but check different keys. The
// groups then go through the workload layer's check of ids and members (`trace inspect
// --comm-groups`). tessera::Error is the only acceptable failure.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_input_file.hpp"
#include "tessera/config_load.hpp"
#include "tessera/error.hpp"
#include "tessera/workload/trace_set.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = tessera::fuzz::write_input(data, size, "config", ".json");
  std::vector<tessera::Diagnostic> warnings;
  try {
    (void)tessera::load_astra_system(path, warnings);
  } catch (const tessera::Error&) {
  }
  try {
    (void)tessera::load_astra_remote_memory(path, warnings);
  } catch (const tessera::Error&) {
  }
  try {
    const tessera::CommGroups groups = tessera::load_astra_comm_groups(path, warnings);
    (void)tessera::workload::CommGroups::from_members(groups.groups, 16, groups.source);
  } catch (const tessera::Error&) {
  }
  return 0;
}
