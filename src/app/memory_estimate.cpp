#include "memory_estimate.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "tessera/error.hpp"

namespace tessera::app {

std::int64_t rss_bytes() {
  std::ifstream f("/proc/self/statm");
  std::int64_t size = 0, resident = 0;
  f >> size >> resident;
  return resident * 4096;
}

std::string mib(double bytes) {
  if (bytes >= 1024.0 * 1024 * 1024) return fmt::format("{:.2f} GiB", bytes / (1024.0 * 1024 * 1024));
  return fmt::format("{:.1f} MiB", bytes / (1024.0 * 1024));
}

Planner::Planner(const Config& config, const network::Network& net, const pdes::Graph& graph, double shared)
    : config_(config), net_(net), graph_(graph), shared_(shared) {
  workload_bytes_ = workload_bytes_per_npu();
}

PlanResult Planner::plan(int ranks) const {
  return evaluate(config_.simulation.placement == Placement::kRoundRobin ? pdes::partition_round_robin(graph_, ranks)
                                                                          : pdes::partition_auto(graph_, ranks));
}

PlanResult Planner::evaluate(pdes::Partition partition) const {
  PlanResult r;
  const int ranks = partition.num_ranks;
  r.partition = std::move(partition);
  r.ranks.assign(static_cast<std::size_t>(ranks), {});
  for (pdes::LpId l = 0; l < graph_.num_lps(); ++l) {
    RankFigures& f = r.ranks[static_cast<std::size_t>(r.partition.rank_of[l])];
    ++f.lps;
    f.weight += graph_.weight(l);
    const network::NodeId node = net_.node_of(l);
    const bool npu = node != network::kNoNode && net_.topology().is_npu(node);
    if (npu) {
      ++f.npus;
      // Each NPU keeps num_queues_per_dim queues per dimension (up to 1,024 each).
      const double queues = static_cast<double>(config_.system.num_queues_per_dim) *
                            static_cast<double>(std::max<std::size_t>(1, config_.network.dimension_sizes().size()));
      f.memory += MemoryModel::kPerNpu + workload_bytes_[node] + queues * MemoryModel::kPerQueue;
    } else {
      ++f.switches;
      f.memory += MemoryModel::kPerSwitchPort * static_cast<double>(graph_.port_begin(l + 1) - graph_.port_begin(l));
    }
    // Link statistics (--output): each outgoing link keeps up to stats_max_bins time bins (2^20
    // with a fixed --link-stats-interval, where a 1ps interval reaches the cap on any run). The
    // run's length is unknown before it runs, so the cap counts, unless max_sim_time bounds it.
    if (net_.packet().stats_bin > 0 && node != network::kNoNode) {
      const auto& ports = net_.topology().node(node).ports;
      const double links = static_cast<double>(
          std::count_if(ports.begin(), ports.end(), [](const auto& p) { return p.peer != network::kNoNode; }));
      double bins = static_cast<double>(net_.packet().stats_max_bins);
      const SimTime limit = config_.simulation.max_sim_time;
      if (limit != kTimeInfinity)
        bins = std::min(bins, std::ceil(static_cast<double>(limit) / static_cast<double>(net_.packet().stats_bin)));
      f.memory += links * bins * MemoryModel::kPerLinkBin;
    }
    // In-flight packets: at most one credit window per outgoing link direction.
    if (net_.model() == network::NetworkModel::kPacket && node != network::kNoNode) {
      const auto& ports = net_.topology().node(node).ports;
      for (std::size_t p = 0; p < ports.size(); ++p) {
        if (ports[p].peer == network::kNoNode) continue;
        const auto port = static_cast<pdes::LocalPort>(p);
        // Into an output-queued switch a link runs without credits and holds what the sender has
        // in flight: NCCL's slots, about one round-trip window; a native collective's whole
        // message (memory then grows with the messages, not counted here).
        const Bytes credits =
            net_.uncredited(node, port) ? net_.round_trip_buffer(node, port) : net_.credits(node, port);
        const double packets = std::ceil(static_cast<double>(credits) /
                                         static_cast<double>(std::max<Bytes>(net_.packet().packet_size, 1)));
        f.memory += packets * MemoryModel::kPerEvent * net_.topology().num_vcs();
      }
    }
  }
  for (const pdes::Channel& c : graph_.channels()) {
    if (r.partition.rank_of[c.from] != r.partition.rank_of[c.to]) {
      ++r.cut;
      ++r.ranks[static_cast<std::size_t>(r.partition.rank_of[c.from])].cut_out;
    }
  }
  for (RankFigures& f : r.ranks) {
    f.memory += shared_ + MemoryModel::kProcessBase;
    r.max_memory = std::max(r.max_memory, f.memory);
  }
  return r;
}


std::vector<double> Planner::workload_bytes_per_npu() const {
  const int npus = net_.num_npus();
  std::vector<double> out(static_cast<std::size_t>(npus), 0.0);
  std::error_code ec;
  const WorkloadConfig& w = config_.workload;
  if (w.kind == WorkloadKind::kAstraText) {
    const auto size = std::filesystem::file_size(w.text_path, ec);
    // Every pass is unrolled into the graph: the workload grows with the pass count.
    if (!ec)
      std::fill(out.begin(), out.end(),
                static_cast<double>(size) * 2 * MemoryModel::kWorkloadPerTraceByte * std::max(1, w.passes));
    return out;
  }
  for (int i = 0; i < npus; ++i) {
    const auto size = std::filesystem::file_size(fmt::format("{}.{}.et", w.chakra_prefix, i), ec);
    if (!ec) out[static_cast<std::size_t>(i)] = static_cast<double>(size) * MemoryModel::kWorkloadPerTraceByte;
  }
  return out;
}


namespace {

/// The first whitespace-separated number in `path`, or nullopt ("max", missing, unreadable).
std::optional<std::int64_t> read_number(const std::filesystem::path& path) {
  std::ifstream f(path);
  std::string word;
  if (!(f >> word)) return std::nullopt;
  try {
    std::size_t used = 0;
    const long long v = std::stoll(word, &used);
    if (used != word.size() || v < 0) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

/// This process's cgroup path ("/" when unknown) from /proc/self/cgroup: the v2 line "0::/path",
/// else the v1 memory controller's line "N:memory:/path".
std::string cgroup_path(const std::filesystem::path& root, bool v2) {
  std::ifstream f(root / "proc/self/cgroup");
  std::string line;
  while (std::getline(f, line)) {
    const auto a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1);
    const bool match = v2 ? controllers.empty() : controllers.find("memory") != std::string::npos;
    if (match) return line.substr(b + 1);
  }
  return "/";
}

}  // namespace

std::optional<MemoryAvailable> available_memory(const std::string& root_dir) {
  namespace fs = std::filesystem;
  const fs::path root(root_dir);
  std::optional<MemoryAvailable> best;
  auto offer = [&best](std::int64_t bytes, std::string source) {
    if (!best || bytes < best->bytes) best = MemoryAvailable{std::max<std::int64_t>(bytes, 0), std::move(source)};
  };
  {
    std::ifstream f(root / "proc/meminfo");
    std::string key, unit;
    std::int64_t kib = 0;
    while (f >> key >> kib) {
      std::getline(f, unit);
      if (key == "MemAvailable:") {
        offer(kib * 1024, "MemAvailable in /proc/meminfo");
        break;
      }
    }
  }
  // cgroup v2: the limit of this process's group (a Slurm job or a container), minus its usage.
  const fs::path v2 = root / "sys/fs/cgroup" / fs::path(cgroup_path(root, true)).relative_path();
  if (const auto max = read_number(v2 / "memory.max")) {
    const std::int64_t used = read_number(v2 / "memory.current").value_or(0);
    offer(*max - used, fmt::format("the cgroup limit {} in {} less its current use", mib(static_cast<double>(*max)),
                                   (v2 / "memory.max").string()));
  } else {
    const fs::path v1 = root / "sys/fs/cgroup/memory" / fs::path(cgroup_path(root, false)).relative_path();
    const auto limit = read_number(v1 / "memory.limit_in_bytes");
    // v1 reports "no limit" as a huge number (PAGE_COUNTER_MAX pages).
    if (limit && *limit < (std::int64_t{1} << 60)) {
      const std::int64_t used = read_number(v1 / "memory.usage_in_bytes").value_or(0);
      offer(*limit - used, fmt::format("the cgroup limit {} in {} less its current use",
                                       mib(static_cast<double>(*limit)), (v1 / "memory.limit_in_bytes").string()));
    }
  }
  return best;
}

void check_memory(double per_rank, int ranks_on_node, const MemoryAvailable& limit) {
  const double need = per_rank * std::max(ranks_on_node, 1);
  if (need <= static_cast<double>(limit.bytes)) return;
  const std::string ranks =
      ranks_on_node > 1 ? fmt::format(" x {} ranks on this node = {}", ranks_on_node, mib(need)) : std::string();
  throw InputError(Diagnostic{
      "", 0, "memory",
      fmt::format("the run needs an estimated {} per rank{}, but only {} is available ({})", mib(per_rank), ranks,
                  mib(static_cast<double>(limit.bytes)), limit.source),
      "spread the run over more nodes or fewer ranks per node (`tessera plan` suggests a rank count), free memory, "
      "or pass --memory-limit with the real budget (--memory-limit none skips this check)"});
}

}  // namespace tessera::app
