#include "link_records.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace tessera::runtime {

std::string link_name(const network::Topology& topo, const network::LinkStats& s) {
  const network::PortInfo& p = topo.node(s.from).ports[s.port];
  return fmt::format("{}:{} -> {}:{}", topo.node(s.from).name, s.port, topo.node(s.to).name, p.peer_port);
}

SimTime agree_bin_width(const std::vector<const network::LinkStats*>& local, SimTime end_time,
                        const LinkRecordOptions& opts, pdes::Transport& transport) {
  if (opts.start_width <= 0) return 0;
  SimTime w = opts.start_width;
  for (const network::LinkStats* s : local) w = std::max(w, s->bin_width);
  // Every width is start_width times a power of two, so the largest is a multiple of all others.
  w = transport.all_reduce_max(static_cast<std::int64_t>(w));
  if (!opts.fixed) {
    while ((end_time + w - 1) / w > opts.max_bins) w *= 2;
  }
  return w;
}

void append_link_records(const network::Topology& topo, const std::vector<const network::LinkStats*>& local,
                         SimTime width, output::RunRecords& records) {
  records.link_bin_width = width;
  for (const network::LinkStats* s : local) {
    if (s->to == network::kNoNode) continue;
    output::LinkTotals t;
    t.name = records.intern(link_name(topo, *s));
    t.bytes = s->bytes;
    t.busy = s->busy;
    t.max_queue = s->max_queue_bytes;
    t.credit_stall = s->credit_stall;
    records.links.push_back(t);
    if (width <= 0 || s->bins.empty()) continue;
    network::LinkStats copy = *s;  // re-binned copy; the network's own statistics stay as they are
    copy.rebin(width);
    for (std::size_t b = 0; b < copy.bins.size(); ++b) {
      if (copy.bins[b] == 0 && copy.busy_bins[b] == 0) continue;
      records.link_bins.push_back(output::LinkBin{t.name, static_cast<std::int32_t>(b), copy.bins[b], copy.busy_bins[b]});
    }
  }
}

}  // namespace tessera::runtime
