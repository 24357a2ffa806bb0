// Structured per-NPU records of a small data-parallel step, for the HDF5 writer's tests and the
// Python tools' tests: per NPU, layers of compute followed by a ring all-reduce of that layer's
// gradients, a point-to-point send/recv with the ring neighbours, and the ring links' traffic in
// time bins. Every value is a function of the NPU id only, so any split of NPUs over ranks
// produces the same rows (what the rank-count tests rely on).
#pragma once

#include <algorithm>
#include <string>

#include "tessera/output/records.hpp"

namespace tessera::output::testing {

inline constexpr SimTime kBinWidth = 1'000'000;  // 1 us

/// The records of the NPUs `npu` with npu % ranks == rank (round robin, so a rank's NPUs are not
/// contiguous and the writer's block merging and per-NPU offsets are exercised).
inline RunRecords sample_records(int npus, int rank, int ranks, int layers = 3) {
  RunRecords r;
  r.link_bin_width = kBinWidth;
  r.attributes = {{"config", "network: {preset: ring-" + std::to_string(npus) + "}\n"},
                  {"scenario", "sample data-parallel step"}};
  const std::uint32_t ring = r.intern("ring");
  for (int n = 0; n < npus; ++n) {
    if (n % ranks != rank) continue;
    SimTime t = 0, compute = 0, comm = 0;
    std::uint64_t id = 0;
    const int next = (n + 1) % npus, prev = (n + npus - 1) % npus;
    const std::uint32_t link = r.intern("npu/" + std::to_string(n) + " -> npu/" + std::to_string(next));
    LinkTotals totals;
    totals.name = link;
    for (int l = 0; l < layers; ++l) {
      NodeInterval c;
      c.npu = n;
      c.node_id = id++;
      c.name = r.intern("layer" + std::to_string(l) + ".fwd_bwd");
      c.kind = IntervalKind::kCompute;
      c.start = t;
      c.end = t + 2'000'000 + 100'000 * ((n * 7 + l * 3) % 5);  // 2.0..2.4 us, NPU-dependent
      compute += c.end - c.start;
      t = c.end;
      r.intervals.push_back(c);

      const Bytes bytes = 1 << (20 + l);
      NodeInterval a;
      a.npu = n;
      a.node_id = id++;
      a.name = r.intern("layer" + std::to_string(l) + ".grad_allreduce");
      a.kind = IntervalKind::kCollective;
      a.collective = 0;  // ALL_REDUCE
      a.bytes = bytes;
      a.start = t;
      a.end = t + 1'500'000 * (l + 1);
      a.algorithm = ring;
      a.chunks = 4;
      r.intervals.push_back(a);
      CollectiveRecord cr;
      cr.npu = n;
      cr.node_id = a.node_id;
      cr.collective = 0;
      cr.group_size = npus;
      cr.bytes = bytes;
      cr.start = a.start;
      cr.end = a.end;
      cr.algorithm = ring;
      cr.chunks = 4;
      cr.algbw_gbps = static_cast<double>(bytes) / static_cast<double>(a.end - a.start) * 1e3;  // B/ps -> GB/s
      cr.busbw_gbps = cr.algbw_gbps * 2.0 * (npus - 1) / npus;
      r.collectives.push_back(cr);
      comm += a.end - a.start;
      // The ring link carries 2(n-1)/n of the buffer during the all-reduce, spread over its bins.
      const Bytes on_link = bytes * 2 * (npus - 1) / npus;
      totals.bytes += on_link;
      const SimTime busy = (a.end - a.start) * 4 / 5;
      totals.busy += busy;
      for (SimTime b0 = a.start; b0 < a.start + busy;) {
        const SimTime bin = b0 / kBinWidth;
        const SimTime b1 = std::min(a.start + busy, (bin + 1) * kBinWidth);
        LinkBin lb;
        lb.name = link;
        lb.bin = static_cast<std::int32_t>(bin);
        lb.busy = b1 - b0;
        lb.bytes = on_link * (b1 - b0) / busy;
        r.link_bins.push_back(lb);
        b0 = b1;
      }
      t = a.end;
    }
    // Hand a boundary activation to the next NPU and take one from the previous.
    NodeInterval s;
    s.npu = n;
    s.node_id = id++;
    s.name = r.intern("send_activation");
    s.kind = IntervalKind::kSend;
    s.peer = next;
    s.bytes = 65536;
    s.start = t;
    s.end = t + 400'000;
    NodeInterval v = s;
    v.node_id = id++;
    v.name = r.intern("recv_activation");
    v.kind = IntervalKind::kRecv;
    v.peer = prev;
    r.intervals.push_back(s);
    r.intervals.push_back(v);
    comm += 400'000;
    t = s.end;
    totals.max_queue = 3 + n % 4;
    r.links.push_back(totals);

    NpuSummary sum;
    sum.npu = n;
    sum.finish = t;
    sum.compute = compute;
    sum.communication = comm;
    sum.exposed_communication = t - compute;
    sum.nodes = static_cast<std::int64_t>(id);
    r.npus.push_back(sum);
  }
  return r;
}

}  // namespace tessera::output::testing
