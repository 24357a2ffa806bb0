// Per-link statistics, kept by the node that owns the sending end of each link direction and read
// by the output layer after the run (plain data, no engine types).
#pragma once

#include <cstdint>
#include <vector>

#include "tessera/units.hpp"

namespace tessera::network {

struct LinkStats {
  std::uint32_t from = 0;     ///< node id of the sending end (NPU id for NPUs)
  std::uint16_t port = 0;     ///< its port number
  std::uint32_t to = 0;       ///< node id of the receiving end
  Bytes bytes = 0;            ///< payload bytes sent
  std::uint64_t packets = 0;  ///< packets (whole messages in the ASTRA models) sent
  SimTime busy = 0;           ///< total serialization time
  /// The bin the link last sent in and what later packets inside it added, not yet in `bins`:
  /// kept next to the totals above, which every packet updates anyway, and moved into `bins` when
  /// a packet reaches another bin or the statistics are read (settle()). A 1024-NPU run's
  /// thousands of links keep their series out of the cache, so adding to them on every packet
  /// cost two cache misses per packet (about half of what --output added to such a run).
  std::int64_t open_bin = -1;
  Bytes open_bytes = 0;
  SimTime open_busy = 0;
  /// Largest backlog seen when a packet was queued: bytes waiting for the link (committed but
  /// not yet on the wire, plus packets waiting for credits), including that packet.
  Bytes max_queue_bytes = 0;
  /// Time the head packet of a virtual channel waited for credits while the link could have
  /// sent it (summed over virtual channels): the backpressure this link felt.
  SimTime credit_stall = 0;
  /// Bytes sent per time bin (serialization split across bins in proportion to time); bin b
  /// covers [b * bin_width, (b + 1) * bin_width). Empty when bins are off or nothing was sent.
  std::vector<Bytes> bins;
  /// Serialization time inside each bin (<= bin_width), parallel to `bins`.
  std::vector<SimTime> busy_bins;
  /// Width of `bins`: PacketSpec::stats_bin, doubled each time the link hit stats_max_bins.
  SimTime bin_width = 0;

  /// Re-bins to `width`, a multiple of bin_width by a power of two (merging whole bins, exact).
  void rebin(SimTime width);
  /// Moves the open bin's sums into `bins` and `busy_bins` (the series is then complete).
  void settle();
  /// Adds a packet serialized over [start, start + tx) with `sent` bytes: within the open bin, to its
  /// sums; else spread over the bins it spans in proportion to time, coarsening first (doubling
  /// bin_width) when it reaches past `max_bins` bins (0 = no limit).
  void add(SimTime start, SimTime tx, Bytes sent, int max_bins);
};

}  // namespace tessera::network
