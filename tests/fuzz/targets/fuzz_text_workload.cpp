// Fuzz target: ASTRA-sim 1.0 text workload -> parser -> Chakra converter (2 NPUs, 1 pass) into a
// sink that only counts. tessera::Error is the only acceptable failure.
#include <cstddef>
#include <cstdint>

#include "fuzz_input_file.hpp"
#include "tessera/error.hpp"
#include "tessera/workload/text_workload.hpp"

namespace {

class CountingSink : public tessera::workload::TraceSink {
 public:
  void begin_npu(int, const tessera::workload::EtGlobalMetadata&) override {}
  void node(const tessera::workload::EtNode&) override { ++nodes; }
  void end_npu(int) override {}
  std::uint64_t nodes = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tessera::workload;
  const std::string path = tessera::fuzz::write_input(data, size, "text", ".txt");
  try {
    const TextWorkload w = parse_text_workload(path);
    const std::uint64_t per_pass = text_nodes_per_pass(w);
    CountingSink sink;
    convert_text_workload(w, 2, 1, sink);
    // The converter promises exactly text_nodes_per_pass nodes per NPU per pass.
    if (sink.nodes != 2 * per_pass) __builtin_trap();
  } catch (const tessera::Error&) {
  }
  return 0;
}
