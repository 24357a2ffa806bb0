// Phase "load": only this rank's NPUs' workloads are loaded (a text workload is converted in
// memory) and checked; every problem goes with its NPU, so the lists of all ranks merge in NPU
// order in the agreement.
#include "phases.hpp"
#include "tessera/pdes/agreement.hpp"
#include "tessera/runtime/workload_inputs.hpp"

namespace tessera::runtime::phases {

void load(const Config& config, pdes::Transport& transport, const SimulationOptions& options, RunState& s,
          SimulationResult& result) {
  const int rank = transport.rank();
  for (int i = 0; i < config.network.npu_count(); ++i) {
    if (s.partition.rank_of[s.net->lp_of(static_cast<network::NodeId>(i))] == rank) s.local_npus.push_back(i);
  }
  std::vector<pdes::Failure> failures;
  const auto take = [&](int npu, workload::Workload&& wl) {
    s.local_uses.push_back(group_use(wl, npu));
    s.workloads.emplace(npu, std::move(wl));
  };
  try {
    if (options.workloads) {
      for (int npu : s.local_npus) take(npu, options.workloads(npu));
    } else {
      load_workloads(config, s.local_npus, take, &result.warnings);
    }
  } catch (const WorkloadError& e) {
    for (std::size_t k = 0; k < e.diagnostics().size(); ++k)
      failures.push_back({e.npus()[k], ExitCode::kBadInput, "", {e.diagnostics()[k]}});
  } catch (...) {
    failures.push_back(pdes::current_failure());
  }
  pdes::agree(transport, failures);
}

}  // namespace tessera::runtime::phases
