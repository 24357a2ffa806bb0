// StepGenerator: validation, then one StepGraph per NPU into a file sink or an in-memory
// WorkloadBuilder.
#include "tessera/workload/llm/generator.hpp"

#include <fstream>

#include <fmt/format.h>

#include "step_graph.hpp"
#include "tessera/error.hpp"
#include "tessera/output_file.hpp"

namespace tessera::llm {

namespace {

ProcessGroups groups_for(const LlmRun& run, int npus, const std::string& file, const std::string& prefix,
                         const compute::GpuSpec& gpu) {
  std::vector<Diagnostic> problems = validate_run(run, npus, file, prefix);
  if (problems.empty()) problems = validate_run_on_gpu(run, gpu, file, prefix);
  if (!problems.empty()) throw InputError(std::move(problems));
  return ProcessGroups(npus, run.tp, run.cp, run.pp, run.ep, run.etp());
}

/// Feeds the generated nodes of one NPU to a WorkloadBuilder.
class BuilderSink final : public workload::TraceSink {
 public:
  explicit BuilderSink(workload::WorkloadBuilder& b) : builder_(b) {}
  void begin_npu(int, const workload::EtGlobalMetadata& metadata) override {
    builder_.set_metadata(metadata);
  }
  void node(const workload::EtNode& node) override { builder_.add(node); }
  void end_npu(int) override {}

 private:
  workload::WorkloadBuilder& builder_;
};

}  // namespace

StepGenerator::StepGenerator(LlmRun run, int npus, compute::GpuSpec gpu, const std::string& file,
                             const std::string& key_prefix)
    : run_(std::move(run)),
      layout_(),
      groups_(groups_for(run_, npus, file, key_prefix, gpu)),
      gpu_(std::move(gpu)) {
  layout_ = make_layout(run_, npus, file, key_prefix);
}

void StepGenerator::generate(int npu, workload::TraceSink& sink) const {
  if (npu < 0 || npu >= layout_.npus)
    throw Error(fmt::format("NPU {} is outside the run's {} NPUs", npu, layout_.npus));
  detail::StepGraph(*this, npu, sink).build();
}

workload::Workload StepGenerator::build(int npu, workload::LoadOptions options) const {
  options.gpu = &gpu_;
  workload::WorkloadBuilder builder(npu, fmt::format("llm {} (NPU {})", run_.model.name, npu), options);
  BuilderSink sink(builder);
  if (npu < 0 || npu >= layout_.npus)
    throw Error(fmt::format("NPU {} is outside the run's {} NPUs", npu, layout_.npus));
  std::vector<workload::CommParallelism> by_id;
  detail::StepGraph(*this, npu, sink, &by_id).build();
  workload::Workload wl = builder.finish();
  // Node ids count from 0 in program order, and the workload keeps them in id order.
  std::vector<workload::CommParallelism> labels(wl.size(), workload::CommParallelism::kNone);
  for (workload::NodeIndex i = 0; i < wl.size(); ++i) {
    const std::uint64_t id = wl.node(i).id;
    if (id < by_id.size()) labels[i] = by_id[id];
  }
  wl.set_parallelism(std::move(labels));
  return wl;
}

std::string comm_groups_path(const std::string& prefix) { return prefix + ".comm_groups.json"; }

std::vector<std::string> StepGenerator::write_files(const std::string& prefix) const {
  workload::FileTraceSink sink(prefix);
  for (int npu = 0; npu < layout_.npus; ++npu) generate(npu, sink);
  std::vector<std::string> paths = sink.files();
  const std::string json = comm_groups_path(prefix);
  write_output_file(resolve_output(json, "comm-group output"), groups_.comm_group_json());
  paths.push_back(json);
  return paths;
}

}  // namespace tessera::llm
