// The simulated graph the engine partitions: logical processes (by unique name) and directed
// channels between their ports, each with a latency. Every rank builds the same graph (names,
// ids, links only; no model objects), so it must stay cheap: ~50k LPs and ~200k channels.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tessera/error.hpp"
#include "tessera/pdes/event.hpp"
#include "tessera/units.hpp"

namespace tessera::pdes {

/// A directed channel from (from, from_port) to (to, to_port).
struct Channel {
  LpId from = kNoLp;
  LocalPort from_port = 0;
  LpId to = kNoLp;
  LocalPort to_port = 0;
  SimTime latency = 0;  ///< ps, >= 0
};

/// The immutable graph. LP ids are positions in the byte-sorted list of names; port ids are dense:
/// LP l owns ports [port_begin(l), port_begin(l + 1)): first its self port, then one per outgoing
/// channel in ascending local port number. Nothing depends on insertion order.
class Graph {
 public:
  std::size_t num_lps() const { return names_.size(); }
  std::size_t num_ports() const { return port_owner_.size(); }
  std::size_t num_channels() const { return channels_.size(); }

  const std::string& name(LpId lp) const { return names_[lp]; }
  std::int64_t weight(LpId lp) const { return weights_[lp]; }
  /// Group hint ("" when none).
  const std::string& group(LpId lp) const { return groups_[lp]; }
  /// The LP with this name, if any (binary search).
  std::optional<LpId> find(std::string_view name) const;

  PortId port_begin(LpId lp) const { return port_base_[lp]; }
  PortId self_port(LpId lp) const { return port_base_[lp]; }
  LpId port_owner(PortId port) const { return port_owner_[port]; }
  /// The global id of `lp`'s outgoing port `local`, or kNoPort when it has no channel there.
  PortId out_port(LpId lp, LocalPort local) const {
    const std::uint32_t n = port_map_base_[lp + 1] - port_map_base_[lp];
    return local < n ? port_map_[port_map_base_[lp] + local] : kNoPort;
  }
  /// The channel leaving global port `port`; requires port to be a channel port (not a self port).
  const Channel& channel_of_port(PortId port) const { return channels_[port - port_owner_[port] - 1]; }
  /// All channels, sorted by (from, from_port); channel i leaves port i + from + 1.
  const std::vector<Channel>& channels() const { return channels_; }
  PortId port_of_channel(std::size_t i) const { return static_cast<PortId>(i) + channels_[i].from + 1; }
  /// "npu3:1 -> sw0:4" for messages.
  std::string channel_name(const Channel& c) const;

  /// Minimum delay of Context::send_direct, or nullopt when direct sends are not used.
  std::optional<SimTime> direct_send_min_delay() const { return direct_min_delay_; }

 private:
  friend class GraphBuilder;
  std::vector<std::string> names_;
  std::vector<std::int64_t> weights_;
  std::vector<std::string> groups_;
  std::vector<PortId> port_base_;             // size num_lps + 1
  std::vector<LpId> port_owner_;              // per global port
  std::vector<std::uint32_t> port_map_base_;  // size num_lps + 1
  std::vector<PortId> port_map_;              // local port number -> global port id
  std::vector<Channel> channels_;
  std::optional<SimTime> direct_min_delay_;
};

/// Collects LPs and channels in any order, then build() validates everything at once and assigns
/// the sorted-name ids.
class GraphBuilder {
 public:
  /// Adds an LP. `weight` (>= 0) is its expected load for balancing; LPs with the same non-empty
  /// `group` are always placed on one rank by the automatic partitioner.
  void add_lp(std::string name, std::int64_t weight = 1, std::string group = {});
  /// A directed channel (from, from_port) -> (to, to_port) with `latency` ps. Each outgoing port
  /// and each incoming port carries at most one channel. Both LPs must already be added.
  void connect(std::string_view from, LocalPort from_port, std::string_view to, LocalPort to_port,
               SimTime latency);
  /// Two channels, one per direction, over the same port numbers (a full-duplex link).
  void connect_both(std::string_view a, LocalPort a_port, std::string_view b, LocalPort b_port,
                    SimTime latency);
  /// Allows Context::send_direct with delays >= `delay` (must be > 0 when more than one rank runs);
  /// the lookahead is then at most this.
  void set_direct_send_min_delay(SimTime delay);

  std::size_t num_lps() const { return lps_.size(); }

  /// Validates and freezes. Throws InputError listing every problem (duplicate names, unknown
  /// LPs, ports used twice, negative latencies, too many ports).
  Graph build() &&;

 private:
  struct PendingLp {
    std::string name;
    std::int64_t weight;
    std::string group;
  };
  struct PendingChannel {
    std::uint32_t from, to;  // insertion indices
    LocalPort from_port, to_port;
    SimTime latency;
  };
  std::uint32_t lookup(std::string_view name, std::string_view role);

  std::vector<PendingLp> lps_;
  std::unordered_map<std::string, std::uint32_t> index_;
  std::vector<PendingChannel> channels_;
  std::vector<Diagnostic> problems_;
  std::optional<SimTime> direct_min_delay_;
};

}  // namespace tessera::pdes
