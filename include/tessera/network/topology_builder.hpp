// What a topology's build() works with: nodes, links, the two shared fabrics (ASTRA-style
// dimensions and fat-trees, each with its routing in Topology), the router, and the problems found
// (all reported at once, with key paths such as "network.fat_tree.radix"). build_topology() runs
// the topology's build() on one and checks the result.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tessera/error.hpp"
#include "tessera/network/topology.hpp"

namespace tessera::network {

class TopologyBuilder {
 public:
  TopologyBuilder(const TopologyType& type, const BuildOptions& options);

  const BuildOptions& options() const { return options_; }
  const Topology& topology() const { return t_; }

  // ---- problems -------------------------------------------------------------------------------
  void problem(std::string key, std::string message, std::string fix = {});
  bool ok() const { return problems_.empty(); }
  void check_bw(const std::string& key, Bandwidth bw);
  void check_latency(const std::string& key, SimTime latency);

  // ---- nodes and links ------------------------------------------------------------------------
  /// NPUs 0 .. n-1 (call once, first). With `box_size` > 0, NPUs of one box (id / box_size) get
  /// the partition hint "box/NNNNN", which keeps them on one rank.
  void add_npus(int n, int box_size = 0);
  /// A switch of the topology's own kind (Topology::Role::kSwitch), forwarding with `latency`;
  /// `output_queued`: a non-blocking crossbar whose buffering is per output (Topology::output_queued).
  NodeId add_switch(std::string name, std::uint32_t index, SimTime latency, std::string group = {},
                    bool output_queued = false);
  /// A full-duplex link between port pa of a and port pb of b (both directions bw, latency).
  void link(NodeId a, pdes::LocalPort pa, NodeId b, pdes::LocalPort pb, Bandwidth bw, SimTime latency);
  /// Virtual channels per link (2 where rings can close a buffer cycle; 1 by default).
  void set_vcs(int vcs);

  // ---- shared fabrics -------------------------------------------------------------------------
  /// ASTRA-sim's Ring / FullyConnected / Switch dimensions over all NPUs (adds the NPUs; routed by
  /// Topology::route_dims). Sets the dimension sizes.
  void dimensions(const std::vector<DimensionSpec>& dims, SimTime switch_latency, const std::string& key);
  /// A fat-tree over NPUs 0 .. hosts-1, whose port `host_port` goes to their leaf (routed by
  /// Topology::route_fat_tree); switch names "sw/<name>-leaf/NNNNN" ...
  void fat_tree(int hosts, int radix, double oversubscription, Bandwidth bw, SimTime link_latency,
                SimTime switch_latency, const std::string& key, const std::string& name,
                pdes::LocalPort host_port);

  // ---- the result -----------------------------------------------------------------------------
  void set_dimension_sizes(std::vector<int> sizes);
  void set_router(std::shared_ptr<const Router> router);
  /// The topology, or InputError with every problem.
  Topology finish();

 private:
  Topology t_;
  BuildOptions options_;
  std::vector<Diagnostic> problems_;
};

}  // namespace tessera::network
