// Phase "build": the engine and this rank's LPs (switches from the network, NPUs over their
// workloads and the shared settings the earlier phases made).
#include "phases.hpp"
#include "tessera/pdes/agreement.hpp"
#include "tessera/runtime/flow_oracle.hpp"

namespace tessera::runtime::phases {

void build(const Config& config, pdes::Transport& transport, const SimulationOptions& options, RunState& s,
           SimulationResult& result) {
  NpuShared& shared = s.shared;
  shared.network = s.net.get();
  shared.system = &s.system;
  shared.topology = &s.view;
  shared.groups = &s.groups;
  shared.custom = s.custom.empty() ? nullptr : &s.custom;
  if (config.system.collective_library == CollectiveLibrary::kNccl) {
    s.nccl = make_nccl_context(config, s.multicast);
    if (config.simulation.network_model == NetworkModel::kFlow) {
      s.flow = std::make_unique<PacketFlowOracle>(config, s.net->topology());
      s.nccl->set_flow_oracle(s.flow.get());
    }
    shared.nccl = s.nccl.get();
  }
  shared.memory_latency = config.remote_memory.latency;
  shared.memory_bandwidth = config.remote_memory.bandwidth;
  shared.records = &result.records;
  pdes::agreed(transport, [&] {
    s.engine = std::make_unique<pdes::Engine>(*s.graph, s.partition, transport,
                                              options.queue.empty() ? nullptr : pdes::make_event_queue(options.queue));
    s.engine->instantiate([&](pdes::LpId lp) -> std::unique_ptr<pdes::LogicalProcess> {
      if (s.net->is_switch_lp(lp)) return s.net->make_switch(lp);
      const int npu = static_cast<int>(s.net->node_of(lp));
      return std::make_unique<NpuLp>(shared, s.workloads.at(npu), npu, options.keep_intervals);
    });
  });
}

}  // namespace tessera::runtime::phases
