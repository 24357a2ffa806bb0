// Phase "run": the engine's windowed conservative run under the configured limits, with the
// progress callback fed from this rank's NPUs.
#include "phases.hpp"

namespace tessera::runtime::phases {

void run(const Config& config, const SimulationOptions& options, RunState& s, SimulationResult& result) {
  pdes::Engine& engine = *s.engine;
  pdes::RunLimits limits;
  limits.end_time = config.simulation.max_sim_time;
  if (config.simulation.max_wall_time != kTimeInfinity) {
    limits.wall_seconds = static_cast<double>(config.simulation.max_wall_time) / static_cast<double>(kSecond);
  }
  limits.stop_requested = options.stop_requested;
  std::vector<const NpuLp*> local_npu_lps;
  for (pdes::LpId lp : engine.local_lps()) {
    if (!s.net->is_switch_lp(lp)) local_npu_lps.push_back(static_cast<const NpuLp*>(engine.local(lp)));
  }
  if (options.progress && options.progress_seconds > 0) {
    limits.progress_seconds = options.progress_seconds;
    limits.progress = [&](const pdes::Progress& p) {
      RunProgress rp{p, 0, 0};
      for (const NpuLp* n : local_npu_lps) {
        rp.nodes_done += n->nodes_completed();
        rp.nodes_total += n->nodes_total();
      }
      options.progress(rp);
    };
  }
  const pdes::RunResult r = engine.run(limits);
  result.reason = r.reason;
  result.reached = r.reached;
  result.events = r.global_events;
  result.stats = r.stats;
}

}  // namespace tessera::runtime::phases
