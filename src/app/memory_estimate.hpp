// Memory per rank before anything is loaded: the estimator `tessera plan` prints and `tessera run`
// checks against the memory this node can give (MemAvailable, the cgroup limit or --memory-limit),
// so a scenario that cannot fit is refused up front instead of being killed by the OOM killer
// hours later. The model is in docs/scaling.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tessera/config.hpp"
#include "tessera/network/network.hpp"
#include "tessera/pdes/graph.hpp"
#include "tessera/pdes/partition.hpp"

namespace tessera::app {

/// Resident set size of this process in bytes (/proc/self/statm).
std::int64_t rss_bytes();

// Measured shared structures plus per-LP state, in-flight packet events and the rank's share of
// the workload. Constants from the measured figures in docs/performance.md (network benchmarks:
// 10-30 KiB per NPU for ring traffic at packet level; workload ~2.6x the trace bytes while loading).
struct MemoryModel {
  static constexpr double kPerNpu = 16.0 * 1024;              // Nic, runtime and collective state
  static constexpr double kPerSwitchPort = 1024.0;            // output queues, credits, link statistics
  static constexpr double kPerEvent = 72.0 * 1.5;             // an Event in the ladder queue, with slack
  static constexpr double kWorkloadPerTraceByte = 2.6;        // peak while a Chakra trace is loaded
  static constexpr double kProcessBase = 24.0 * 1024 * 1024;  // binary, MPI, HDF5 buffers
  static constexpr double kPerQueue = 256.0;                  // one system-layer queue of one NPU
  static constexpr double kPerLinkBin = 2.0 * sizeof(std::int64_t);  // bytes and busy time per bin
};

struct RankFigures {
  std::int64_t lps = 0, npus = 0, switches = 0, weight = 0, cut_out = 0, groups = 0;
  double memory = 0;
};

struct PlanResult {
  pdes::Partition partition;
  std::vector<RankFigures> ranks;
  std::size_t cut = 0;
  double max_memory = 0;
};

class Planner {
 public:
  /// `shared`: bytes every rank holds whatever the partition (graph and topology, measured).
  Planner(const Config& config, const network::Network& net, const pdes::Graph& graph, double shared);

  /// The config's placement (auto or round-robin) over `ranks`, with the figures of each rank.
  PlanResult plan(int ranks) const;
  /// The figures of each rank of a given partition.
  PlanResult evaluate(pdes::Partition partition) const;

 private:
  std::vector<double> workload_bytes_per_npu() const;

  const Config& config_;
  const network::Network& net_;
  const pdes::Graph& graph_;
  double shared_;
  std::vector<double> workload_bytes_;
};

/// Where the memory limit of this node comes from, and how much it is.
struct MemoryAvailable {
  std::int64_t bytes = 0;
  std::string source;  ///< "MemAvailable in /proc/meminfo", "cgroup memory.max ...", "--memory-limit"
};

/// The lower of /proc/meminfo's MemAvailable and the free part of this process's cgroup limit
/// (v2 memory.max - memory.current, or v1 memory.limit_in_bytes - memory.usage_in_bytes), read
/// under `root` ("/" normally; tests pass a fake tree). nullopt when none can be read.
std::optional<MemoryAvailable> available_memory(const std::string& root = "/");

/// Throws InputError when `per_rank` x `ranks_on_node` exceeds `limit`: the estimate, the limit
/// and its source, and the fixes (more nodes, fewer ranks per node, --memory-limit none).
void check_memory(double per_rank, int ranks_on_node, const MemoryAvailable& limit);

/// "1.50 GiB" / "12.3 MiB".
std::string mib(double bytes);

}  // namespace tessera::app
