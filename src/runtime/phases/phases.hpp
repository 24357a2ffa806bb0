// The phases of one simulation, in the order simulate() runs them (simulation.cpp):
//   partition  network, collective settings, custom collectives, LP graph, ranks (identical on
//              every rank; the graph is sealed here: nothing changes the topology afterwards)
//   load       this rank's NPUs' workloads, checked
//   validate   communicator groups: every rank's declarations gathered, each NPU checked
//   build      the engine and this rank's LPs
//   run        the windowed conservative run
//   finalize   records gathered to rank 0, link statistics re-binned
// Each phase that can fail on some ranks only ends in an agreement (pdes/agreement.hpp), so every
// rank throws the same error. Internal to the runtime.
#pragma once

#include <memory>
#include <unordered_map>
#include <vector>

#include "../link_records.hpp"
#include "tessera/collective/types.hpp"
#include "tessera/network/network.hpp"
#include "tessera/pdes/engine.hpp"
#include "tessera/runtime/comm_groups.hpp"
#include "tessera/runtime/custom_collectives.hpp"
#include "tessera/runtime/nccl_setup.hpp"
#include "tessera/runtime/npu_lp.hpp"
#include "tessera/runtime/simulation.hpp"
#include "tessera/workload/workload.hpp"

namespace tessera::runtime::phases {

/// What the phases build and hand on. Lives on simulate()'s stack and never moves: the NPU LPs
/// point into it (NpuShared).
struct RunState {
  // partition
  std::unique_ptr<network::Network> net;
  /// NVSwitch multicast groups declared on the network: sorted members -> group id (NCCL's NVLS).
  std::map<std::vector<int>, std::uint32_t> multicast;
  collective::SystemConfig system;
  collective::TopologyView view;
  CustomCollectives custom;
  std::unique_ptr<pdes::Graph> graph;
  pdes::Partition partition;
  bool link_stats = false;  ///< asked for and the model has links
  LinkRecordOptions link_opts;
  // load
  std::vector<int> local_npus;
  std::unordered_map<int, workload::Workload> workloads;
  std::vector<GroupUse> local_uses;
  // validate
  GroupTable groups;
  // build
  std::unique_ptr<collective::nccl::NcclContext> nccl;  ///< collective_library nccl only
  std::unique_ptr<collective::nccl::FlowOracle> flow;   ///< network_model flow only
  NpuShared shared;
  std::unique_ptr<pdes::Engine> engine;
};

void partition(const Config& config, pdes::Transport& transport, const SimulationOptions& options,
               RunState& s);
void load(const Config& config, pdes::Transport& transport, const SimulationOptions& options, RunState& s,
          SimulationResult& result);
void validate(const Config& config, pdes::Transport& transport, RunState& s);
void build(const Config& config, pdes::Transport& transport, const SimulationOptions& options, RunState& s,
           SimulationResult& result);
void run(const Config& config, const SimulationOptions& options, RunState& s, SimulationResult& result);
void finalize(const Config& config, pdes::Transport& transport, const SimulationOptions& options, RunState& s,
              SimulationResult& result);

}  // namespace tessera::runtime::phases
