// The JSON summary (`--summary-json`): only simulated quantities, so the file is byte-identical
// for any rank count and any run.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "tessera/output/record_fields.hpp"
#include "tessera/output/summary.hpp"
#include "tessera/workload/comm_parallelism.hpp"

namespace tessera::output {

std::string summary_json(const RunRecords& records, const RunReport& r) {
  nlohmann::ordered_json j;
  j["format"] = "tessera-summary/1";
  j["source"] = r.source;
  j["network_model"] = r.network_model;
  j["topology"] = r.topology;
  j["npu_count"] = records.npus.size();
  j["end_time_ps"] = r.end_time;
  j["events"] = r.events;
  // Always present, so a reader can test it without knowing which writer version made the file.
  j["partial"] = !r.partial.empty();
  if (!r.partial.empty()) {
    j["stop_reason"] = r.partial;
    j["sim_time_reached_ps"] = r.reached;
  }
  if (r.llm) {
    const LlmFigures& f = *r.llm;
    nlohmann::ordered_json l;
    l["model"] = f.model;
    l["steps"] = f.steps;
    l["step_time_ps"] = f.step_time;
    l["tokens_per_s"] = f.tokens_per_s;
    l["mfu"] = f.mfu;
    l["model_flops_per_sample"] = f.model_flops_per_sample;
    l["peak_tflops"] = f.peak_tflops;
    // Per NPU and per step (whole run / steps, rounded down to the ps, so the parts of a row add
    // up to its wall_ps within 8 ps): docs/llm.md "Output".
    const auto row = [&](const NpuBreakdown& d, SimTime exposed_all) {
      nlohmann::ordered_json e;
      for (int k = 0; k < workload::kCommParallelisms; ++k)
        e[workload::to_string(static_cast<workload::CommParallelism>(k + 1))] = d.exposed[k] / f.steps;
      return nlohmann::ordered_json{{"wall_ps", d.finish / f.steps},
                                    {"compute_ps", d.compute / f.steps},
                                    {"exposed_communication_ps", exposed_all / f.steps},
                                    {"exposed_ps", std::move(e)},
                                    {"bubble_ps", d.bubble / f.steps},
                                    {"other_ps", d.other / f.steps}};
    };
    nlohmann::ordered_json b = nlohmann::ordered_json::array();
    for (std::size_t k = 0; k < records.npus.size(); ++k) {
      const NpuSummary& s = records.npus[k];
      nlohmann::ordered_json one{{"npu", s.npu}};
      if (k < records.breakdowns.size()) {
        one.update(row(records.breakdowns[k], s.exposed_communication));
      } else {
        one["compute_ps"] = s.compute / f.steps;
        one["exposed_communication_ps"] = s.exposed_communication / f.steps;
      }
      b.push_back(std::move(one));
    }
    l["breakdown"] = std::move(b);
    if (!records.breakdowns.empty()) {
      const NpuBreakdown m = mean_breakdown(records.breakdowns);
      SimTime exposed_all = m.other;
      for (SimTime e : m.exposed) exposed_all += e;
      exposed_all += m.bubble;
      l["breakdown_mean"] = row(m, exposed_all);
    }
    j["llm"] = std::move(l);
  }
  nlohmann::ordered_json npus = nlohmann::ordered_json::array();
  for (const NpuSummary& s : records.npus) {
    // One key per column of the NpuSummary field table; times get "_ps".
    nlohmann::ordered_json n;
    for (const Field& f : fields_of<NpuSummary>()) {
      visit_field(s, f, [&](auto v) { n[f.picoseconds ? std::string(f.name) + "_ps" : std::string(f.name)] = v; });
    }
    npus.push_back(std::move(n));
  }
  j["npus"] = std::move(npus);
  nlohmann::ordered_json colls = nlohmann::ordered_json::array();
  for (const CollectiveRow& c : collective_rows(records)) {
    nlohmann::ordered_json n;
    n["index"] = c.index;
    n["comm_type"] = c.collective;
    n["bytes"] = c.bytes;
    n["group_size"] = c.group_size;
    n["npus"] = c.npus;
    n["algorithm"] = c.algorithm;
    // An integer (0 = none recorded); only NPUs that disagree (a bug) give a string such as "4|8".
    if (c.chunks.size() <= 1) {
      n["chunks"] = c.chunks.empty() ? 0 : c.chunks.front();
    } else {
      n["chunks"] = fmt::format("{}", fmt::join(c.chunks, "|"));
    }
    n["protocol"] = c.protocol;
    n["channels"] = c.channels;
    n["start_ps"] = c.start;
    n["end_ps"] = c.end;
    n["algbw_gbps"] = c.algbw_gbps;
    n["busbw_gbps"] = c.busbw_gbps;
    colls.push_back(std::move(n));
  }
  j["collectives"] = std::move(colls);
  return j.dump(2) + "\n";
}

}  // namespace tessera::output
