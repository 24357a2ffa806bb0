// The LLM step generator: each NPU's execution graph for `steps` training steps as Megatron-Core
// runs them (docs/llm.md): per layer the compute kernels and every parallelism's communication
// with its real size and communicator group, ordered by the pipeline schedule, with recompute,
// gradient buckets and the optimizer. The graph is emitted as Chakra nodes, so the same code
// writes .et files (`tessera trace llm`) and builds the in-memory Workload a run executes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tessera/compute/gpu.hpp"
#include "tessera/workload/llm/process_groups.hpp"
#include "tessera/workload/llm/run.hpp"
#include "tessera/workload/text_workload.hpp"
#include "tessera/workload/workload.hpp"

namespace tessera::llm {

/// Settings of TE's userbuffer TP overlap (NeMo/DGXC userbuffer configurations): SMs the
/// communication kernels take from concurrent GEMMs, and the splits of a pipelined GEMM.
struct TpOverlapSettings {
  int pipeline_splits = 4;    ///< proj/fc2 fprop: GEMM + reduce-scatter in 4 chunks
  int pipeline_sms = 24;      ///< SMs the chunked reduce-scatter uses
  int ring_exchange_sms = 1;  ///< qkv/fc1 fprop, proj/fc2 dgrad: p2p all-gather ring
  int bulk_dgrad_sms = 2;     ///< input re-gather under the dgrad GEMM
  int bulk_wgrad_sms = 4;     ///< dgrad reduce-scatter under the wgrad GEMM
};

/// Everything needed to build any NPU's graph. Construct once per process: O(NPUs) work (the
/// process groups), then generate NPUs independently (each MPI rank builds only its own).
class StepGenerator {
 public:
  /// Validates the run for `npus` NPUs on `gpu` (validate_run, validate_run_on_gpu); throws
  /// InputError listing every problem under `key_prefix` in `file`.
  StepGenerator(LlmRun run, int npus, compute::GpuSpec gpu, const std::string& file = "",
                const std::string& key_prefix = "workload.llm");

  const LlmRun& run() const { return run_; }
  const Layout& layout() const { return layout_; }
  const ProcessGroups& groups() const { return groups_; }
  const compute::GpuModel& gpu() const { return gpu_; }
  const TpOverlapSettings& tp_overlap() const { return overlap_; }

  /// Emits NPU `npu`'s graph into `sink` (begin_npu, nodes in id order, end_npu). COMP nodes carry
  /// their kernel (kernel_attrs.hpp) and the model's duration rounded to a microsecond for tools
  /// that replay durations.
  void generate(int npu, workload::TraceSink& sink) const;

  /// NPU `npu`'s Workload, built in memory from the same nodes. Its compute nodes are timed by this
  /// generator's GPU model (options.gpu is set to it).
  workload::Workload build(int npu, workload::LoadOptions options) const;

  /// The communicator groups NPU `npu` belongs to, as its graph's METADATA node declares them:
  /// one per distinct id, in GroupKind order.
  std::vector<workload::PgDeclaration> declarations(int npu) const;

  /// Writes <prefix>.<npu>.et for every NPU and <prefix>.comm_groups.json; returns the paths.
  std::vector<std::string> write_files(const std::string& prefix) const;

 private:
  LlmRun run_;
  Layout layout_;
  ProcessGroups groups_;
  compute::GpuModel gpu_;
  TpOverlapSettings overlap_;
};

/// Builds the in-memory workloads of many NPUs, one graph per distinct shape. Ranks with the same
/// pipeline stage and context-parallel rank run the same graph (the schedule, the embedding and
/// loss, the layers and the causal ring's kernels depend on those two coordinates only); they
/// differ in their peers, which sit at the same offsets in the other coordinates, and in their
/// communicator groups, of the same kinds. So the first such NPU's graph is built and the others
/// are rebound to it (Workload::rebound): a 2048-GPU run with pp 8 and cp 2 holds 16 graphs, not
/// 2048. A graph whose peers or groups do not translate that way is built for its NPU instead.
class SharedStepBuilder {
 public:
  SharedStepBuilder(const StepGenerator& gen, workload::LoadOptions options);
  ~SharedStepBuilder();
  SharedStepBuilder(const SharedStepBuilder&) = delete;
  SharedStepBuilder& operator=(const SharedStepBuilder&) = delete;

  workload::Workload build(int npu);
  /// Graphs built so far (the others were rebound).
  int graphs_built() const { return built_; }

 private:
  struct Shape;
  std::optional<workload::Workload> rebind(const Shape& shape, int npu) const;
  const StepGenerator& gen_;
  workload::LoadOptions options_;
  std::vector<std::unique_ptr<Shape>> shapes_;  // per (pp, cp) coordinate, built on first use
  int built_ = 0;
};

/// Path of the comm-group JSON write_files writes: "<prefix>.comm_groups.json".
std::string comm_groups_path(const std::string& prefix);

}  // namespace tessera::llm
