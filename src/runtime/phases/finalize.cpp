// Phase "finalize": every NPU's summary and collective records go to rank 0 (the sinks that
// print them run there); link statistics are re-binned to one width on every rank.
#include <algorithm>
#include <string>
#include <unordered_map>

#include <fmt/format.h>

#include "phases.hpp"
#include "tessera/network/switch_lp.hpp"

namespace tessera::runtime::phases {
namespace {

/// Moves this rank's summaries and collective records (records.collectives, appended by the NPU
/// LPs) to rank 0, whose records then hold every NPU's; the other ranks' are left empty. A
/// collective's algorithm label travels as the sender's label list plus an index into it, and is
/// interned again on rank 0.
void gather_to_root(pdes::Transport& t, const std::vector<output::NpuSummary>& summaries,
                    const std::vector<output::NpuBreakdown>& breakdowns, output::RunRecords& records) {
  std::vector<output::CollectiveRecord> colls = std::move(records.collectives);
  records.collectives.clear();
  std::vector<std::string> labels;                            // the labels these collectives use
  std::unordered_map<std::uint32_t, std::uint32_t> label_of;  // records.strings index -> labels index
  for (output::CollectiveRecord& c : colls) {
    const auto [it, fresh] = label_of.emplace(c.algorithm, static_cast<std::uint32_t>(labels.size()));
    if (fresh) labels.push_back(records.strings[c.algorithm]);
    c.algorithm = it->second;
  }
  auto all_summaries = t.gather_records(summaries, 0);
  const auto all_colls = t.gather_records(colls, 0);
  const auto all_labels = t.gather_strings(labels, 0);
  for (auto& s : all_summaries) records.npus.insert(records.npus.end(), s.begin(), s.end());
  for (auto& b : t.gather_records(breakdowns, 0))
    records.breakdowns.insert(records.breakdowns.end(), b.begin(), b.end());
  for (std::size_t r = 0; r < all_colls.size(); ++r) {
    std::vector<std::uint32_t> local_index;  // the sender's label index -> records.strings
    for (const std::string& l : all_labels[r]) local_index.push_back(records.intern(l));
    for (output::CollectiveRecord c : all_colls[r]) {
      c.algorithm = local_index[c.algorithm];
      records.collectives.push_back(c);
    }
  }
}

/// Each link is reported by the rank that owns its sending end: NPU links by the NPU's Nic,
/// switch links by the switch LP.
void record_links(const Config& config, pdes::Transport& transport, RunState& s, SimulationResult& result) {
  const NetworkModel model = config.simulation.network_model;
  std::vector<const network::LinkStats*> local_links;
  for (pdes::LpId lp : s.engine->local_lps()) {
    const std::vector<network::LinkStats>& stats =
        s.net->is_switch_lp(lp) ? static_cast<const network::SwitchLp*>(s.engine->local(lp))->link_stats()
                                : static_cast<const NpuLp*>(s.engine->local(lp))->nic().link_stats();
    for (const network::LinkStats& ls : stats) local_links.push_back(&ls);
  }
  // The bins cover the run up to its end, or, stopped early, up to where it stopped: a run
  // stopped before any NPU finished (end_time 0) and before any link carried traffic would
  // otherwise keep the 1 ns start width over the whole time reached (10^8 bins per link).
  const SimTime span =
      result.reason == pdes::StopReason::kCompleted ? result.end_time : std::max(result.end_time, result.reached);
  append_link_records(s.net->topology(), local_links, agree_bin_width(local_links, span, s.link_opts, transport),
                      result.records);
  result.link_stats_source =
      fmt::format("{} model: {}; bytes and serialization time per bin", to_string(model), model_info(model).links);
}

}  // namespace

void finalize(const Config& config, pdes::Transport& transport, const SimulationOptions& options, RunState& s,
              SimulationResult& result) {
  output::RunRecords& records = result.records;
  std::vector<output::NpuSummary> local_summaries;
  std::vector<output::NpuBreakdown> local_breakdowns;  // LLM runs only
  for (pdes::LpId lp : s.engine->local_lps()) {
    if (s.net->is_switch_lp(lp)) continue;
    const auto* npu = static_cast<const NpuLp*>(s.engine->local(lp));
    local_summaries.push_back(npu->summary());
    if (auto b = npu->breakdown()) local_breakdowns.push_back(*b);
  }
  SimTime local_end = 0;
  for (const output::NpuSummary& n : local_summaries) local_end = std::max(local_end, n.finish);
  result.end_time = transport.all_reduce_max(local_end);
  gather_to_root(transport, local_summaries, local_breakdowns, records);
  std::sort(records.npus.begin(), records.npus.end(), [](const auto& a, const auto& b) { return a.npu < b.npu; });
  std::sort(records.breakdowns.begin(), records.breakdowns.end(),
            [](const auto& a, const auto& b) { return a.npu < b.npu; });
  std::stable_sort(records.collectives.begin(), records.collectives.end(), [](const auto& a, const auto& b) {
    return a.npu != b.npu ? a.npu < b.npu : a.end < b.end;
  });
  const NetworkModel model = config.simulation.network_model;
  if (s.link_stats) {
    record_links(config, transport, s, result);
  } else if (options.link_stats) {
    result.link_stats_source =
        fmt::format("none: the {} model has no links ({})", to_string(model), model_info(model).links);
  }
}

}  // namespace tessera::runtime::phases
