// The workload half of a run's inputs, loaded the same way by `tessera run` (each rank its own
// NPUs) and `tessera validate` (every NPU, one at a time), so both report the same problems with
// the same messages: trace count against the network, truncated or garbled files, dangling or
// cyclic dependencies, missing attributes, memory nodes without a memory model.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "tessera/config.hpp"
#include "tessera/workload/workload.hpp"

namespace tessera::runtime {

/// The message for node `k` of `wl` when it is a collective the collective layer does not run
/// (GATHER, SCATTER, REDUCE_SCATTER_BLOCK, unknown types); nullopt otherwise.
std::optional<Diagnostic> unsupported_collective(const workload::Workload& wl, workload::NodeIndex k);

/// The workload layer's options for `config` (dependency policy, compute model).
workload::LoadOptions load_options(const Config& config);

/// What load_workloads throws: an InputError whose every diagnostic comes with the NPU it belongs
/// to (-1: the workload as a whole, e.g. a missing trace file), so that the problems found by
/// several ranks merge in NPU order.
class WorkloadError : public InputError {
 public:
  WorkloadError(std::vector<Diagnostic> diagnostics, std::vector<std::int64_t> npus)
      : InputError(std::move(diagnostics)), npus_(std::move(npus)) {}
  /// One per diagnostic.
  const std::vector<std::int64_t>& npus() const { return npus_; }

 private:
  std::vector<std::int64_t> npus_;
};

/// Loads and validates the workloads of `npus` (NPU ids, ascending) and hands each to `take`
/// (a text workload is converted in memory as a whole first; an LLM run's graphs are generated,
/// each NPU's on its own, so a rank builds only its NPUs). Checks the trace files against
/// the network's NPU count first. Throws WorkloadError listing the problems of every NPU.
/// `warnings` (optional) receives the workload layer's warnings: those of the loaded NPUs, or for
/// a text workload those of the file (e.g. unknown collective names) and of every NPU.
void load_workloads(const Config& config, const std::vector<int>& npus,
                    const std::function<void(int npu, workload::Workload&& wl)>& take,
                    std::vector<Diagnostic>* warnings = nullptr);

/// What `tessera validate` found in the workload and the custom collectives of a valid input.
struct WorkloadCheck {
  std::uint64_t nodes = 0;           ///< all NPUs' nodes
  std::uint64_t collectives = 0;     ///< COLL nodes
  int custom_collectives = 0;        ///< distinct custom collective graphs selected by the system
  std::vector<Diagnostic> warnings;  ///< the workload layer's warnings (e.g. lenient drops)
};

/// Loads every NPU's workload (one at a time, so memory stays that of one NPU) and the custom
/// collective graphs, exactly as a run would. Throws InputError as a run would.
WorkloadCheck check_workloads(const Config& config);

}  // namespace tessera::runtime
