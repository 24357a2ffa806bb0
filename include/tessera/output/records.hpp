// Typed records the simulation emits and the output sinks consume (DESIGN rule 9). Models fill
// these; the summary printer, the JSON writer and the HDF5 writer read them. Plain data only, so
// a rank can ship its records to another rank as bytes (strings travel separately).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tessera/units.hpp"

namespace tessera::output {

/// What an NPU interval is (Chakra NodeType numbers, plus runtime-only kinds).
enum class IntervalKind : std::uint8_t {
  kMetadata = 1,
  kMemLoad = 2,
  kMemStore = 3,
  kCompute = 4,
  kSend = 5,
  kRecv = 6,
  kCollective = 7,
};

/// One executed trace node on one NPU: one row of that NPU's timeline.
struct NodeInterval {
  std::int32_t npu = 0;
  std::uint64_t node_id = 0;      ///< the node id in the trace
  std::uint32_t name = 0;         ///< index into RunRecords::strings
  IntervalKind kind = IntervalKind::kCompute;
  bool is_cpu_op = false;
  std::int8_t collective = -1;    ///< Chakra CollectiveCommType for kCollective, else -1
  std::int32_t peer = -1;         ///< send destination / recv source, else -1
  Bytes bytes = 0;                ///< comm_size (collectives, send/recv, memory), else 0
  SimTime start = 0;              ///< ps
  SimTime end = 0;                ///< ps
  std::uint32_t algorithm = 0;    ///< index into strings ("" = none), e.g. "ring" or "ring,ring"
  std::int32_t chunks = 0;        ///< chunks the collective was split into, else 0
};

/// Per-collective record (one per collective node per NPU), with nccl-tests bandwidths.
struct CollectiveRecord {
  std::int32_t npu = 0;
  std::uint64_t node_id = 0;
  std::int8_t collective = 0;     ///< Chakra CollectiveCommType
  std::int32_t group_size = 0;    ///< NPUs taking part
  Bytes bytes = 0;                ///< comm_size as in the trace
  SimTime start = 0;
  SimTime end = 0;
  std::uint32_t algorithm = 0;    ///< index into strings
  std::int32_t chunks = 0;
  std::uint32_t protocol = 0;     ///< index into strings: NCCL's protocol, "" for ASTRA algorithms
  std::int32_t channels = 0;      ///< NCCL CTAs it ran on, 0 for ASTRA algorithms
  double algbw_gbps = 0;          ///< nccl-tests algbw, GB = 10^9 B
  double busbw_gbps = 0;          ///< nccl-tests busbw
};

/// Totals of one directed link over the run.
struct LinkTotals {
  std::uint32_t name = 0;         ///< index into strings, e.g. "npu/000003:1 -> sw/0:3"
  Bytes bytes = 0;
  SimTime busy = 0;               ///< time spent serializing
  std::int64_t max_queue = 0;     ///< deepest output queue seen, in packets (or messages)
  SimTime credit_stall = 0;       ///< time the head packet waited for credits
};

/// Per-NPU totals (the summary's rows). Times are unions of intervals, in ps.
struct NpuSummary {
  std::int32_t npu = 0;
  SimTime finish = 0;             ///< when the NPU's last node completed ("wall")
  SimTime compute = 0;            ///< union of GPU compute intervals
  SimTime cpu = 0;                ///< union of CPU-op intervals
  SimTime communication = 0;      ///< union of collective/send/recv intervals
  SimTime exposed_communication = 0;  ///< finish − compute (ASTRA-sim's definition); CPU ops reported apart
  std::int64_t nodes = 0;
};

/// Where one NPU's time went in a generated LLM run (docs/llm.md "Output"), in ps over the whole
/// run: compute + exposed[*] + bubble + other = finish.
struct NpuBreakdown {
  std::int32_t npu = 0;
  SimTime finish = 0;   ///< the NPU's wall time (NpuSummary::finish)
  SimTime compute = 0;  ///< GPU compute stream busy
  /// GPU idle while the next kernel (or the end) waited for communication, by the waited node's
  /// parallelism: tp, cp, pp, dp, ep (workload::CommParallelism order).
  SimTime exposed[5] = {0, 0, 0, 0, 0};
  SimTime bubble = 0;  ///< GPU idle on a PP receive before its send started at the upstream stage
  SimTime other = 0;   ///< GPU idle waiting for nothing labelled
};

/// Traffic of one directed link in one time bin [bin * width, (bin + 1) * width), width being
/// RunRecords::link_bin_width. Bins with no traffic may be left out (they read as zero).
struct LinkBin {
  std::uint32_t name = 0;         ///< index into strings, the same name as the link's LinkTotals
  std::int32_t bin = 0;
  Bytes bytes = 0;                ///< bytes whose serialization ended in the bin
  SimTime busy = 0;               ///< serialization time inside the bin (<= width)
};

/// The labels records name by index (node names, algorithm labels, link names): each distinct
/// string is stored once and found in O(1) by a hash map kept with it, so interning never
/// rebuilds an index. Index 0 is "" ("none").
class StringTable {
 public:
  StringTable() { intern(""); }
  /// The index of `s`, appending it if new.
  std::uint32_t intern(std::string_view s) {
    if (const auto it = index_.find(s); it != index_.end()) return it->second;
    const auto id = static_cast<std::uint32_t>(list_.size());
    list_.emplace_back(s);
    index_.emplace(list_.back(), id);
    return id;
  }
  const std::string& operator[](std::uint32_t i) const { return list_[i]; }
  std::size_t size() const { return list_.size(); }
  /// Every string, by index.
  const std::vector<std::string>& list() const { return list_; }

 private:
  struct Hash {
    using is_transparent = void;  // find() by string_view without building a std::string
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<std::string> list_;
  std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> index_;
};

/// Everything one rank hands to the output sinks (RecordSink), built once per run. String fields
/// of the rows index `strings` (this rank's table; the HDF5 writer merges tables across ranks).
/// `intervals`, `links` and `link_bins` are this rank's (its NPUs, the links whose sending end it
/// owns); `npus` and `collectives` are what runtime::simulate gathered: every NPU's on rank 0,
/// none on the other ranks (so every table's rows come from one rank).
struct RunRecords {
  StringTable strings;
  std::vector<NodeInterval> intervals;
  std::vector<CollectiveRecord> collectives;
  std::vector<NpuSummary> npus;
  /// LLM runs only (else empty): one per NPU, gathered on rank 0 like `npus`.
  std::vector<NpuBreakdown> breakdowns;
  std::vector<LinkTotals> links;
  std::vector<LinkBin> link_bins;
  SimTime link_bin_width = 0;             ///< 0 = no time series
  /// Run-level facts, identical on every rank: ("config", resolved YAML), ("tessera_version", ..),
  /// ("scenario", ..), ... Written as string attributes of the file's root group.
  std::vector<std::pair<std::string, std::string>> attributes;
  /// The run stopped early (signal, time limit): the file gets the root attribute partial=1 and
  /// sim_time_reached_ps = `reached` (a complete run: partial=0, reached = its end). Same on every rank.
  bool partial = false;
  SimTime reached = 0;

  std::uint32_t intern(std::string_view s) { return strings.intern(s); }
};

}  // namespace tessera::output
