// Fuzz target: Chakra .et bytes -> EtReader (framing, protobuf, gzip) -> the per-NPU dependency
// graph under every dependency policy. tessera::Error is the only acceptable failure; anything
// else (another exception, a sanitizer report, a hang, an allocation beyond -rss_limit_mb) is a bug.
#include <cstddef>
#include <cstdint>

#include "fuzz_input_file.hpp"
#include "tessera/error.hpp"
#include "tessera/workload/et_io.hpp"
#include "tessera/workload/workload.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tessera::workload;
  const std::string path = tessera::fuzz::write_input(data, size, "et", ".0.et");
  try {
    EtReader reader(path);
    EtNode node;
    while (reader.next(node)) {
    }
  } catch (const tessera::Error&) {
  }
  for (DepPolicy policy : {DepPolicy::kStrict, DepPolicy::kLenient, DepPolicy::kDataOnly}) {
    try {
      LoadOptions options;
      options.deps = policy;
      const Workload w = load_workload_file(path, 0, options);
      // Walk what the engine would walk: the topological order must cover every node once.
      std::size_t seen = 0;
      for (NodeIndex i : w.topological_order()) {
        if (i >= w.size()) __builtin_trap();
        ++seen;
      }
      if (seen != w.size()) __builtin_trap();
    } catch (const tessera::Error&) {
    }
  }
  return 0;
}
