// ASTRA-sim 1.0 text workloads (DATA, MODEL, HYBRID_*, MICRO, HYBRID_DLRM) and their conversion to
// Chakra with the same nodes, ids and edges as Chakra's text converter (docs/workload.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/error.hpp"
#include "tessera/workload/et.hpp"

namespace tessera::workload {

/// Receives a converted or generated trace set, NPU by NPU.
class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void begin_npu(int npu, const EtGlobalMetadata& metadata) = 0;
  virtual void node(const EtNode& node) = 0;
  virtual void end_npu(int npu) = 0;
};

/// Writes <prefix>.<npu>.et files.
class FileTraceSink : public TraceSink {
 public:
  explicit FileTraceSink(std::string prefix);
  ~FileTraceSink() override;
  void begin_npu(int npu, const EtGlobalMetadata& metadata) override;
  void node(const EtNode& node) override;
  void end_npu(int npu) override;
  /// Paths written so far.
  const std::vector<std::string>& files() const { return files_; }

 private:
  struct Impl;
  std::string prefix_;
  std::vector<std::string> files_;
  std::unique_ptr<Impl> impl_;
};

enum class Parallelism { kMicro, kData, kModel, kHybridDataModel, kHybridModelData, kHybridDlrm };

/// One layer line (columns 0 and 2..11).
struct TextLayer {
  std::string name;
  std::int64_t fwd_time = 0;
  std::string fwd_type;
  std::int64_t fwd_size = 0;
  std::int64_t ig_time = 0;
  std::string ig_type;
  std::int64_t ig_size = 0;
  std::int64_t wg_time = 0;
  std::string wg_type;
  std::int64_t wg_size = 0;
  std::string wg_update;  ///< column 11, unused (as in Chakra)
  int line = 0;           ///< 1-based line in the file
};

struct TextWorkload {
  std::string path;
  std::string keyword;                ///< the first word, e.g. "DATA", "HYBRID_DLRM_ENHANCED"
  Parallelism mode = Parallelism::kData;
  int num_layers = 0;                 ///< line 2 (Chakra uses it only to skip layer 0's IG comm)
  int last_bottom_layer = 0;          ///< HYBRID_DLRM: token 2 of line 1
  std::vector<TextLayer> layers;      ///< every line from line 3 on
  std::string text;                   ///< the whole file with CRLF/CR turned into LF
  /// One per distinct unknown collective name (not ALLREDUCE, ALLTOALL, ALLGATHER, REDUCESCATTER
  /// or NONE) with its first line: the converter turns it into ALL_REDUCE, as Chakra's does.
  std::vector<Diagnostic> warnings;
};

/// Parses a text workload. Throws InputError with file:line for an unsupported parallelism
/// (HYBRID_TRANSFORMER, HYBRID_CUSTOMIZED, ...), a short or blank layer line, or a bad number.
/// Unknown collective names are kept (converted to ALL_REDUCE) and reported in `warnings`.
TextWorkload parse_text_workload(const std::string& path);

/// Chakra's GM "schema" attribute: mlcommons/chakra main (default) and astra-sim/chakra.
inline constexpr std::string_view kTextSchemaChakraMain = "1.0.2-chakra.1.0.0";
inline constexpr std::string_view kTextSchemaAstraSim = "1.0.2-chakra.0.0.4";

/// Nodes per NPU per pass that convert_text_workload emits.
std::uint64_t text_nodes_per_pass(const TextWorkload& workload);

/// Emits `npus` traces with `passes` passes each, exactly as Chakra's text converter: one id
/// counter across all NPUs, the same node names, emission order and data_deps.
void convert_text_workload(const TextWorkload& workload, int npus, int passes, TraceSink& sink,
                           std::string_view schema = kTextSchemaChakraMain);

/// The file stem used by convert-text: "Resnet50_DataParallel" for ".../Resnet50_DataParallel.txt".
std::string text_workload_stem(const std::string& path);

}  // namespace tessera::workload
