// StepGenerator: validation, then one StepGraph per NPU into a file sink or an in-memory
// WorkloadBuilder.
#include "tessera/workload/llm/generator.hpp"

#include <algorithm>
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

/// How a generated workload names its source in messages.
std::string source_of(const LlmRun& run, int npu) { return fmt::format("llm {} (NPU {})", run.model.name, npu); }

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
  workload::WorkloadBuilder builder(npu, source_of(run_, npu), options);
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

std::vector<workload::PgDeclaration> StepGenerator::declarations(int npu) const {
  std::vector<workload::PgDeclaration> out;
  std::vector<int> seen;
  for (int k = 0; k < kGroupKinds; ++k) {
    const int id = groups_.id(static_cast<GroupKind>(k), npu);
    if (id == 0 || std::find(seen.begin(), seen.end(), id) != seen.end()) continue;
    seen.push_back(id);
    out.push_back({std::to_string(id), groups_.groups().at(id)});
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Shared graphs

struct SharedStepBuilder::Shape {
  workload::Workload graph;
  std::vector<std::int32_t> peers;  ///< every comm_src / comm_dst value of its point-to-point nodes
  std::vector<GroupKind> kinds;     ///< per pg_names() index >= 1: a kind whose group has that id
  bool translatable = true;
};

SharedStepBuilder::SharedStepBuilder(const StepGenerator& gen, workload::LoadOptions options)
    : gen_(gen), options_(options) {
  shapes_.resize(static_cast<std::size_t>(gen.run().pp * gen.run().cp));
}

SharedStepBuilder::~SharedStepBuilder() = default;

workload::Workload SharedStepBuilder::build(int npu) {
  const RankCoords co = gen_.groups().coords(npu);
  std::unique_ptr<Shape>& slot = shapes_[static_cast<std::size_t>(co.pp * gen_.run().cp + co.cp)];
  if (slot) {
    if (std::optional<workload::Workload> wl = rebind(*slot, npu)) return std::move(*wl);
    ++built_;
    return gen_.build(npu, options_);
  }
  auto shape = std::make_unique<Shape>();
  shape->graph = gen_.build(npu, options_);
  ++built_;
  const workload::Workload& g = shape->graph;
  for (workload::NodeIndex i = 0; i < g.size(); ++i) {
    const workload::Node& n = g.node(i);
    if (n.type() != workload::NodeType::kCommSend && n.type() != workload::NodeType::kCommRecv) continue;
    if (n.has(workload::Node::kHasSrc)) shape->peers.push_back(n.src);
    if (n.has(workload::Node::kHasDst)) shape->peers.push_back(n.dst);
  }
  std::sort(shape->peers.begin(), shape->peers.end());
  shape->peers.erase(std::unique(shape->peers.begin(), shape->peers.end()), shape->peers.end());
  for (std::size_t k = 1; k < g.pg_names().size(); ++k) {
    const int id = std::stoi(g.pg_names()[k]);
    int found = -1;
    for (int kind = 0; kind < kGroupKinds && found < 0; ++kind)
      if (gen_.groups().id(static_cast<GroupKind>(kind), npu) == id) found = kind;
    if (found < 0) shape->translatable = false;
    shape->kinds.push_back(static_cast<GroupKind>(std::max(found, 0)));
  }
  workload::Workload out = shape->graph.rebound(npu, std::string(g.source()), g.pg_names(), g.pg_declarations(), {});
  slot = std::move(shape);
  return out;
}

std::optional<workload::Workload> SharedStepBuilder::rebind(const Shape& shape, int npu) const {
  if (!shape.translatable) return std::nullopt;
  const ProcessGroups& groups = gen_.groups();
  const LlmRun& run = gen_.run();
  const int from = shape.graph.npu();
  const RankCoords a = groups.coords(from), b = groups.coords(npu);
  const int dp = gen_.layout().dp;
  auto wrap = [](int v, int size) { return ((v % size) + size) % size; };
  // A peer keeps its offset from the NPU in every coordinate.
  std::vector<std::pair<std::int32_t, std::int32_t>> peers;
  peers.reserve(shape.peers.size());
  for (std::int32_t x : shape.peers) {
    const RankCoords c = groups.coords(x);
    peers.emplace_back(x, groups.rank_of(wrap(b.tp + c.tp - a.tp, run.tp), wrap(b.cp + c.cp - a.cp, run.cp),
                                         wrap(b.dp + c.dp - a.dp, dp), wrap(b.pp + c.pp - a.pp, run.pp)));
  }
  // A group keeps its kind; every kind that shares the graph NPU's group must share this one's.
  const std::vector<std::string>& names = shape.graph.pg_names();
  std::vector<std::string> pg_names(names.size());
  for (std::size_t k = 1; k < names.size(); ++k) {
    const int id = std::stoi(names[k]);
    const int mine = groups.id(shape.kinds[k - 1], npu);
    for (int kind = 0; kind < kGroupKinds; ++kind) {
      const auto g = static_cast<GroupKind>(kind);
      if (groups.id(g, from) == id && groups.id(g, npu) != mine) return std::nullopt;
    }
    pg_names[k] = std::to_string(mine);
  }
  return shape.graph.rebound(npu, source_of(run, npu), std::move(pg_names),
                             gen_.declarations(npu), std::move(peers));
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
