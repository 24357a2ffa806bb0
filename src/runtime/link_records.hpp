// Turns the network's per-link statistics (kept by each link's sending node) into the output
// layer's link records: one LinkTotals per directed link and its traffic per time bin, re-binned
// to one width that every rank agrees on. Internal to the runtime (phases/finalize.cpp).
#pragma once

#include <string>
#include <vector>

#include "tessera/network/link_stats.hpp"
#include "tessera/network/topology.hpp"
#include "tessera/output/records.hpp"
#include "tessera/pdes/transport.hpp"

namespace tessera::runtime {

struct LinkRecordOptions {
  /// The width the links started with (PacketSpec::stats_bin).
  SimTime start_width = 0;
  /// Fixed width asked for (true) or automatic (false: at most `max_bins` bins over the run).
  bool fixed = false;
  int max_bins = 200;
};

/// "npu/000003:1 -> sw/hgx/00000:3": sending node and port, receiving node and port.
std::string link_name(const network::Topology& topo, const network::LinkStats& s);

/// The bin width every rank uses: the coarsest width any link ended with and, when automatic,
/// doubled until `end_time` fits in opts.max_bins bins. Collective over the transport.
SimTime agree_bin_width(const std::vector<const network::LinkStats*>& local, SimTime end_time,
                        const LinkRecordOptions& opts, pdes::Transport& transport);

/// Appends `local`'s links (names interned in records.strings) to records.links and their
/// non-empty bins, re-binned to `width` (0: no bins), to records.link_bins; sets
/// records.link_bin_width. Links to nowhere (spare switch ports) are left out.
void append_link_records(const network::Topology& topo, const std::vector<const network::LinkStats*>& local,
                         SimTime width, output::RunRecords& records);

}  // namespace tessera::runtime
