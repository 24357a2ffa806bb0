#include "tessera/runtime/workload_inputs.hpp"

#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "tessera/collective/types.hpp"
#include "tessera/error.hpp"
#include "tessera/runtime/comm_groups.hpp"
#include "tessera/runtime/custom_collectives.hpp"
#include "tessera/workload/llm/generator.hpp"
#include "tessera/workload/trace_set.hpp"

namespace tessera::runtime {
namespace {

/// Memory nodes need a remote-memory model; ASTRA-sim aborts on them without one.
void check_memory_nodes(const Config& c, const workload::Workload& wl) {
  if (c.remote_memory.memory_type != MemoryType::kNoMemoryExpansion) return;
  for (workload::NodeIndex k = 0; k < wl.size(); ++k) {
    const auto t = wl.node(k).type();
    if (t == workload::NodeType::kMemLoad || t == workload::NodeType::kMemStore) {
      throw InputError(Diagnostic{wl.source(), 0, fmt::format("node {}", wl.node(k).id),
                                  "MEM_LOAD/MEM_STORE node but the remote memory is NO_MEMORY_EXPANSION",
                                  "give a remote-memory configuration with a memory expansion"});
    }
  }
}

/// Every NPU needs its trace; surplus files (<prefix>.<npus>.et and above) are ignored, as
/// ASTRA-sim does and as the configuration layer documents (it warns about them).
void check_trace_count(const std::string& prefix, int npus) {
  std::error_code ec;
  bool all = true;
  for (int i = 0; i < npus && all; ++i)
    all = std::filesystem::is_regular_file(workload::trace_file_path(prefix, i), ec);
  if (!all) workload::check_trace_files(prefix, npus);  // names what is missing (and what is extra)
}

/// The collectives the collective layer runs, checked before the run.
void check_collective_types(const workload::Workload& wl) {
  std::vector<Diagnostic> bad;
  for (workload::NodeIndex k = 0; k < wl.size() && bad.size() < 5; ++k) {  // the first few say enough
    if (auto d = unsupported_collective(wl, k)) bad.push_back(std::move(*d));
  }
  if (!bad.empty()) throw InputError(std::move(bad));
}

/// The model of the GPU preset `name`, alive for the whole process (LoadOptions holds a pointer to
/// it): one per preset, built on first use.
const compute::GpuModel* preset_model(const std::string& name) {
  static const std::vector<std::pair<std::string, compute::GpuModel>> models = [] {
    std::vector<std::pair<std::string, compute::GpuModel>> out;
    for (const std::string& n : compute::gpu_preset_names())
      out.emplace_back(n, compute::GpuModel(*compute::find_gpu_preset(n)));
    return out;
  }();
  for (const auto& [n, m] : models) {
    if (n == name) return &m;
  }
  return nullptr;
}

}  // namespace

std::optional<Diagnostic> unsupported_collective(const workload::Workload& wl, workload::NodeIndex k) {
  const workload::Node& n = wl.node(k);
  if (n.type() != workload::NodeType::kCommColl || collective::executes(n.collective())) return std::nullopt;
  return Diagnostic{wl.source(), 0, fmt::format("node {} (\"{}\")", n.id, wl.name(k)),
                    fmt::format("collective {} is not supported (ASTRA-sim rejects it too)",
                                collective_name(n.collective())),
                    "use ALL_REDUCE, ALL_GATHER, REDUCE_SCATTER, ALL_TO_ALL, BROADCAST, REDUCE or BARRIER"};
}

workload::LoadOptions load_options(const Config& c) {
  workload::LoadOptions o;
  o.npus = c.network.npu_count();  // peers outside the network are trace errors, found while loading
  o.deps = c.workload.control_dependencies == ControlDependencies::kDataOnly  ? workload::DepPolicy::kDataOnly
           : c.workload.control_dependencies == ControlDependencies::kLenient ? workload::DepPolicy::kLenient
                                                                              : workload::DepPolicy::kStrict;
  if (c.system.roofline_enabled) {
    o.compute.mode = workload::ComputeModel::Mode::kRoofline;
    o.compute.peak_perf_tflops = c.system.peak_perf_flops / 1e12;
    o.compute.local_mem_bw_gbps = static_cast<double>(c.system.local_mem_bw.bytes_per_second) / 1e9;
  }
  o.compute.replay_only = c.system.replay_only;
  if (!c.npu.preset.empty()) o.gpu = preset_model(c.npu.preset);
  o.keep_names = true;
  o.simulate_broadcast = c.system.collective_library == CollectiveLibrary::kNccl;
  return o;
}

void load_workloads(const Config& config, const std::vector<int>& npus,
                    const std::function<void(int npu, workload::Workload&& wl)>& take,
                    std::vector<Diagnostic>* warnings) {
  const workload::LoadOptions opts = load_options(config);
  const int total = config.network.npu_count();
  std::vector<Diagnostic> problems;
  std::vector<std::int64_t> problem_npus;
  auto add = [&](std::int64_t npu, const InputError& e) {
    problems.insert(problems.end(), e.diagnostics().begin(), e.diagnostics().end());
    problem_npus.resize(problems.size(), npu);
  };
  auto handle = [&](int npu, workload::Workload&& wl) {
    try {
      check_memory_nodes(config, wl);
      check_collective_types(wl);
      take(npu, std::move(wl));
    } catch (const InputError& e) {
      add(npu, e);
    }
  };
  try {
    if (config.workload.kind == WorkloadKind::kLlm) {
      // Each NPU's graph is generated here, in memory: a rank builds only the NPUs it owns, and
      // NPUs of the same shape share one graph. The configuration layer validated the run; the
      // generator checks it again and throws the same.
      const llm::StepGenerator gen(*config.workload.llm, total, *compute::find_gpu_preset(config.npu.preset),
                                   config.source);
      llm::SharedStepBuilder builder(gen, opts);
      for (int i : npus) handle(i, builder.build(i));
    } else if (config.workload.kind == WorkloadKind::kAstraText) {
      workload::TraceSet set =
          workload::load_text_workload(config.workload.text_path, total, config.workload.passes, opts);
      if (warnings != nullptr) warnings->insert(warnings->end(), set.warnings.begin(), set.warnings.end());
      for (int i : npus) handle(i, std::move(set.npus[static_cast<std::size_t>(i)]));
    } else {
      check_trace_count(config.workload.chakra_prefix, total);
      for (int i : npus) {
        try {
          workload::Workload wl = workload::load_workload_file(
              workload::trace_file_path(config.workload.chakra_prefix, i), i, opts);
          if (warnings != nullptr)
            warnings->insert(warnings->end(), wl.warnings().begin(), wl.warnings().end());
          handle(i, std::move(wl));
        } catch (const InputError& e) {
          add(i, e);
        }
      }
    }
  } catch (const InputError& e) {
    add(-1, e);  // the text workload or the trace set as a whole
  }
  if (!problems.empty()) throw WorkloadError(std::move(problems), std::move(problem_npus));
}

WorkloadCheck check_workloads(const Config& config) {
  WorkloadCheck out;
  std::vector<int> all(static_cast<std::size_t>(config.network.npu_count()));
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
  std::vector<Diagnostic> problems;
  std::vector<GroupUse> uses;  // every NPU's, in NPU order
  try {
    load_workloads(
        config, all,
        [&](int npu, workload::Workload&& wl) {
          uses.push_back(group_use(wl, npu));
          out.nodes += wl.size();
          for (const workload::Node& n : wl.nodes())
            out.collectives += n.type() == workload::NodeType::kCommColl;
        },
        &out.warnings);
  } catch (const InputError& e) {
    problems.insert(problems.end(), e.diagnostics().begin(), e.diagnostics().end());
  }
  // The communicator groups of the NPUs that loaded, as a run checks them before it starts.
  try {
    const GroupTable groups = make_groups(config, uses);
    for (const GroupUse& u : uses) {
      const std::vector<Diagnostic> bad = check_group_use(config, groups, u);
      problems.insert(problems.end(), bad.begin(), bad.end());
    }
  } catch (const InputError& e) {
    problems.insert(problems.end(), e.diagnostics().begin(), e.diagnostics().end());
  }
  try {
    const CustomCollectives custom = load_custom_collectives(config);
    std::set<const void*> distinct;
    for (const auto& p : custom.per_type) {
      if (p) distinct.insert(p.get());
    }
    for (const auto& [id, p] : custom.per_node) {
      if (p) distinct.insert(p.get());
    }
    out.custom_collectives = static_cast<int>(distinct.size());
  } catch (const InputError& e) {
    problems.insert(problems.end(), e.diagnostics().begin(), e.diagnostics().end());
  }
  if (!problems.empty()) throw InputError(problems);
  return out;
}

}  // namespace tessera::runtime
