#include "tessera/output/summary.hpp"

#include <algorithm>
#include <map>
#include <string_view>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace tessera::output {
namespace {

const char* collective_label(int c) {
  switch (c) {
    case 0: return "all-reduce";
    case 1: return "reduce";
    case 2: return "all-gather";
    case 5: return "broadcast";
    case 6: return "all-to-all";
    case 7: return "reduce-scatter";
    case 9: return "barrier";
    default: return "collective";
  }
}

std::string format_bytes(Bytes b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", b) : fmt::format("{:.2f} {}", v, units[u]);
}

// First line of a partial report, in every format, so no reader mistakes it for a complete run.
std::string partial_banner(const RunReport& r) {
  if (r.partial.empty()) return "";
  return fmt::format("PARTIAL RESULTS: {} at simulated time {}; NPUs that had not finished show the time of "
                     "their last completed node\n",
                     r.partial, format_time(r.reached));
}

// Every collective (not only the rows shown), per type in Chakra's numbering: how many, their
// bytes and the sum of their times (collectives that overlap count each).
std::string format_collective_totals(const std::vector<CollectiveRow>& rows) {
  struct Total {
    std::size_t count = 0;
    Bytes bytes = 0;
    SimTime time = 0;
  };
  std::map<int, Total> totals;
  for (const CollectiveRow& c : rows) {
    Total& t = totals[c.collective];
    ++t.count;
    t.bytes += c.bytes;
    t.time += c.end - c.start;
  }
  std::string out =
      fmt::format("  {:<20} {:>6} {:>11} {:>14}\n", "total by type", "count", "size", "time (sum)");
  for (const auto& [type, t] : totals)
    out += fmt::format("  {:<20} {:>6} {:>11} {:>14}\n", collective_label(type), t.count,
                       format_bytes(t.bytes), format_time(t.time));
  return out;
}

}  // namespace

NpuBreakdown mean_breakdown(const std::vector<NpuBreakdown>& rows) {
  NpuBreakdown m;
  m.npu = -1;
  if (rows.empty()) return m;
  for (const NpuBreakdown& b : rows) {
    m.finish += b.finish, m.compute += b.compute, m.bubble += b.bubble, m.other += b.other;
    for (std::size_t k = 0; k < std::size(m.exposed); ++k) m.exposed[k] += b.exposed[k];
  }
  const auto n = static_cast<SimTime>(rows.size());
  m.finish /= n, m.compute /= n, m.bubble /= n, m.other /= n;
  for (SimTime& e : m.exposed) e /= n;
  return m;
}

std::vector<CollectiveRow> collective_rows(const RunRecords& records) {
  // The row plus the distinct algorithm labels of its NPUs (string indices; nearly always one).
  struct Pending {
    CollectiveRow row;
    std::vector<std::uint32_t> algorithms;
    std::vector<std::uint32_t> protocols;
  };
  std::map<std::tuple<std::int64_t, int, Bytes, int>, Pending> rows;
  // k counts each NPU's collectives in start order (records come in completion order, which
  // differs when collectives overlap), as tessera-analyze numbers them.
  std::vector<const CollectiveRecord*> by_start;
  by_start.reserve(records.collectives.size());
  for (const CollectiveRecord& c : records.collectives) by_start.push_back(&c);
  std::stable_sort(by_start.begin(), by_start.end(), [](const CollectiveRecord* a, const CollectiveRecord* b) {
    return a->npu != b->npu ? a->npu < b->npu : a->start < b->start;
  });
  std::map<int, std::int64_t> next_index;  // per NPU
  for (const CollectiveRecord* record : by_start) {
    const CollectiveRecord& c = *record;
    const std::int64_t k = next_index[c.npu]++;
    auto [it, fresh] = rows.try_emplace({k, c.collective, c.bytes, c.group_size});
    CollectiveRow& r = it->second.row;
    if (fresh) {
      r.index = k;
      r.collective = c.collective;
      r.bytes = c.bytes;
      r.group_size = c.group_size;
      r.start = c.start;
      r.end = c.end;
    }
    r.start = std::min(r.start, c.start);
    r.end = std::max(r.end, c.end);
    ++r.npus;
    std::vector<std::uint32_t>& algs = it->second.algorithms;
    if (c.algorithm != 0 && std::find(algs.begin(), algs.end(), c.algorithm) == algs.end())
      algs.push_back(c.algorithm);
    if (c.chunks != 0 && std::find(r.chunks.begin(), r.chunks.end(), c.chunks) == r.chunks.end())
      r.chunks.push_back(c.chunks);
    std::vector<std::uint32_t>& protos = it->second.protocols;
    if (c.protocol != 0 && std::find(protos.begin(), protos.end(), c.protocol) == protos.end())
      protos.push_back(c.protocol);
    r.channels = std::max(r.channels, c.channels);
  }
  for (auto& [key, p] : rows) {
    // Sorted by text, so the label does not depend on which NPU (or rank) reported first.
    std::vector<std::string> labels;
    for (std::uint32_t a : p.algorithms) labels.push_back(records.strings.list().at(a));
    std::sort(labels.begin(), labels.end());
    p.row.algorithm = fmt::format("{}", fmt::join(labels, "|"));
    std::vector<std::string> protos;
    for (std::uint32_t a : p.protocols) protos.push_back(records.strings.list().at(a));
    std::sort(protos.begin(), protos.end());
    p.row.protocol = fmt::format("{}", fmt::join(protos, "|"));
    std::sort(p.row.chunks.begin(), p.row.chunks.end());
  }
  std::vector<CollectiveRow> out;
  for (auto& [key, p] : rows) {
    CollectiveRow& r = p.row;
    const SimTime t = r.end - r.start;
    const double n = r.group_size;
    double size = static_cast<double>(r.bytes), factor = 1.0;
    switch (r.collective) {
      case 0: factor = 2 * (n - 1) / n; break;
      case 7:
      case 6: factor = (n - 1) / n; break;
      case 2: size *= n; factor = (n - 1) / n; break;
      default: break;
    }
    r.algbw_gbps = t > 0 ? size * 1000.0 / static_cast<double>(t) : 0.0;
    r.busbw_gbps = r.algbw_gbps * factor;
    out.push_back(r);
  }
  return out;
}

std::string format_astra_log(const RunRecords& records, const RunReport& report) {
  std::vector<const NpuSummary*> order;
  for (const NpuSummary& s : records.npus) order.push_back(&s);
  std::stable_sort(order.begin(), order.end(), [](const auto* a, const auto* b) { return a->finish < b->finish; });
  std::string out = partial_banner(report);
  for (const NpuSummary* s : order) {
    const int n = s->npu;
    out += fmt::format("sys[{}] finished, {} cycles, exposed communication {} cycles.\n", n, s->finish / kNanosecond,
                       s->exposed_communication / kNanosecond);
    out += fmt::format("sys[{}]. Post statistics processing start.\n", n);
    out += fmt::format("sys[{}]. Post statistics processing end.\n", n);
    out += fmt::format("sys[{}], Wall time: {}\n", n, s->finish / kNanosecond);
    if (s->compute > 0) out += fmt::format("sys[{}], GPU time: {}\n", n, s->compute / kNanosecond);
    if (s->cpu > 0) out += fmt::format("sys[{}], CPU time: {}\n", n, s->cpu / kNanosecond);
    out += fmt::format("sys[{}], Comm time: {}\n", n, s->communication / kNanosecond);
  }
  return out;
}

std::string format_summary(const RunRecords& records, const RunReport& r) {
  std::string out = partial_banner(r);
  out += fmt::format("Tessera run: {}\n", r.source);
  out += fmt::format("  network: {} ({} model), {} NPUs\n", r.topology, r.network_model, records.npus.size());
  out +=
      fmt::format("  iteration time: {} (last NPU finished), {} events\n", format_time(r.end_time), r.events);
  if (r.llm) {
    const LlmFigures& f = *r.llm;
    out += fmt::format(
        "  LLM {}: step time {} ({} step(s)), {:.0f} tokens/s, MFU {:.1f}% (of {:.0f} TFLOP/s per GPU)\n",
        f.model, format_time(f.step_time), f.steps, f.tokens_per_s, 100 * f.mfu, f.peak_tflops);
    if (!records.breakdowns.empty()) {
      // docs/llm.md "Output": the GPU stream's time per step, mean over NPUs.
      const NpuBreakdown m = mean_breakdown(records.breakdowns);
      const double wall = m.finish > 0 ? static_cast<double>(m.finish) : 1.0;
      const auto part = [&](const char* what, SimTime t) {
        return fmt::format("{} {} ({:.1f}%)", what, format_time(t / f.steps),
                           100.0 * static_cast<double>(t) / wall);
      };
      out += fmt::format("  time per step (mean over NPUs): {}, exposed {}, {}, {}, {}, {}, {}, {}\n",
                         part("compute", m.compute), part("TP", m.exposed[0]), part("CP", m.exposed[1]),
                         part("PP", m.exposed[2]), part("DP", m.exposed[3]), part("EP", m.exposed[4]),
                         part("bubble", m.bubble), part("other", m.other));
    }
  }
  out += "\n";
  const auto row = [](const std::string& who, SimTime wall, SimTime comp, SimTime comm, SimTime exposed) {
    return fmt::format("  {:<8} {:>14} {:>14} {:>14} {:>14}\n", who, format_time(wall), format_time(comp),
                       format_time(comm), format_time(exposed));
  };
  out += fmt::format("  {:<8} {:>14} {:>14} {:>14} {:>14}\n", "NPU", "wall", "compute", "communication",
                     "exposed comm");
  if (records.npus.size() <= 32) {
    for (const NpuSummary& s : records.npus)
      out += row(fmt::format("{}", s.npu), s.finish, s.compute, s.communication, s.exposed_communication);
  } else {
    NpuSummary lo = records.npus.front(), hi = records.npus.front();
    double sum[4] = {0, 0, 0, 0};
    for (const NpuSummary& s : records.npus) {
      lo.finish = std::min(lo.finish, s.finish), hi.finish = std::max(hi.finish, s.finish);
      lo.compute = std::min(lo.compute, s.compute), hi.compute = std::max(hi.compute, s.compute);
      lo.communication = std::min(lo.communication, s.communication);
      hi.communication = std::max(hi.communication, s.communication);
      lo.exposed_communication = std::min(lo.exposed_communication, s.exposed_communication);
      hi.exposed_communication = std::max(hi.exposed_communication, s.exposed_communication);
      sum[0] += s.finish, sum[1] += s.compute, sum[2] += s.communication, sum[3] += s.exposed_communication;
    }
    const double n = static_cast<double>(records.npus.size());
    out += row("min", lo.finish, lo.compute, lo.communication, lo.exposed_communication);
    out += row("mean", static_cast<SimTime>(sum[0] / n), static_cast<SimTime>(sum[1] / n),
               static_cast<SimTime>(sum[2] / n), static_cast<SimTime>(sum[3] / n));
    out += row("max", hi.finish, hi.compute, hi.communication, hi.exposed_communication);
  }
  const std::vector<CollectiveRow> rows = collective_rows(records);
  if (!rows.empty()) {
    // All rows in start order when they fit; otherwise the longest, longest first (ties in start
    // order), since the long ones are where the time goes.
    constexpr std::size_t kShown = 40;
    std::vector<CollectiveRow> shown = rows;
    if (shown.size() > kShown) {
      std::stable_sort(shown.begin(), shown.end(),
                       [](const auto& a, const auto& b) { return a.end - a.start > b.end - b.start; });
      shown.resize(kShown);
    }
    out += fmt::format("\n  collectives: {} (GB = 10^9 B, nccl-tests algbw/busbw); {}\n", rows.size(),
                       rows.size() > kShown ? fmt::format("the {} longest, longest first", kShown)
                                            : std::string("in start order"));
    // As wide as the longest label shown ("ring/ring/ring" on a 3-dimensional network), so the
    // usual one-word labels keep the table narrow.
    std::size_t width = std::string_view("algorithm").size();
    // NCCL rows name the protocol and CTAs with the algorithm: "nccl_ring LL x24".
    auto label = [](const CollectiveRow& c) {
      if (c.algorithm.empty()) return std::string("-");
      if (c.protocol.empty()) return c.algorithm;
      return fmt::format("{} {} x{}", c.algorithm, c.protocol, c.channels);
    };
    for (const CollectiveRow& c : shown) width = std::max(width, label(c).size());
    out += fmt::format("  {:>5} {:<14} {:<{}} {:>6} {:>11} {:>6} {:>14} {:>11} {:>11}\n", "#", "type",
                       "algorithm", width, "chunks", "size", "NPUs", "time", "algbw GB/s", "busbw GB/s");
    for (const CollectiveRow& c : shown) {
      const std::string chunks = c.chunks.empty() ? "-" : fmt::format("{}", fmt::join(c.chunks, "|"));
      out += fmt::format("  {:>5} {:<14} {:<{}} {:>6} {:>11} {:>6} {:>14} {:>11.2f} {:>11.2f}\n", c.index,
                         collective_label(c.collective), label(c), width,
                         chunks, format_bytes(c.bytes), c.group_size, format_time(c.end - c.start),
                         c.algbw_gbps, c.busbw_gbps);
    }
    out += format_collective_totals(rows);
  }
  return out;
}

}  // namespace tessera::output
