// Network parameters: the scenario's `network:` section and ASTRA-sim's network YAML. The
// topologies' own sections come from the topology registry (each topology's file declares its
// table); this file declares what every network shares: which topology, and the packet model.
#include <cmath>

#include "tables.hpp"
#include "tessera/network/topologies/dimensions.hpp"
#include "tessera/network/topology_type.hpp"

namespace tessera::cfg {
namespace {

using network::TopologyType;

/// network.topology: chooses the topology; a change of topology starts from its defaults.
Param<NetworkConfig> p_topology() {
  const std::vector<std::string> names = network::topology_names();
  return {"topology",
          "enum",
          join_names(names),
          "which network to build; its own section holds its parameters",
          false,
          [names](const Node& n, NetworkConfig& s, Sink& sink) {
            if (auto v = get_choice(n, sink, names)) {
              const TopologyType* t = network::find_topology(*v);
              if (s.topology.empty() || &s.topology.type() != t) s.topology = t->defaults();
            }
          },
          [](const NetworkConfig& s) { return s.topology.name(); }};
}

/// network.<name>: a topology's parameter section, read by that topology when it is the one built.
Param<NetworkConfig> p_topology_section(const TopologyType& type) {
  return {type.name(),
          type.section_type(),
          "",
          type.section_doc(),
          false,
          [&type](const Node& n, NetworkConfig& s, Sink& sink) {
            if (&s.topology.type() != &type) {
              // A parameter section for a topology that is not the one built would be silently unused.
              sink.error(n.diag(fmt::format("\"{}\" is given but topology is {}, so it would be unused",
                                            type.name(), s.topology.name()),
                                fmt::format("set topology: {} or remove \"{}\"", type.name(), type.name())));
              return;
            }
            type.load(n, s.topology, sink);
          },
          [](const NetworkConfig&) { return std::string("(see its section)"); }};
}

Node without_key(const Node& map, const std::string& key) {
  Node out = map;
  out.entries.clear();
  for (const auto& e : map.entries) {
    if (e.first != key) out.entries.push_back(e);
  }
  return out;
}

}  // namespace

Table<PacketConfig> packet_table() {
  using P = PacketConfig;
  return {"network.packet",
          "Parameters of the packet-level network model (ignored by the ASTRA analytical models).",
          {
              p_bytes<P>("packet_size", &P::packet_size, 64,
                      "largest payload per packet (4 KiB: the InfiniBand MTU)"),
              p_bytes<P>("buffer_per_port", &P::buffer_per_port, 0,
                      "input buffer per link end and virtual channel, in bytes of credit; 0 = automatic "
                      "(sized to the link's credit round trip, 2 x bandwidth x latency + 3 packets); "
                      "links into an output-queued switch (the HGX NVSwitch) have none: "
                      "they run without credits"),
              p_time("switch_latency", &P::switch_latency,
                     "forwarding latency of ASTRA-style Switch dimensions in packet mode"),
          },
          {}};
}

Table<NetworkConfig> network_table() {
  using N = NetworkConfig;
  Table<N> t{
      "network",
      "The network. Inline keys, or {file: net.yaml} with these keys, or {astra_network: net.yml} with an "
      "ASTRA-sim network YAML.",
      {p_topology()},
      {}};
  for (const TopologyType* type : network::topology_types()) t.params.push_back(p_topology_section(*type));
  t.params.push_back({"packet", "mapping", "", "packet-model parameters", false,
                      [](const Node& n, N& s, Sink& sink) { packet_table().load(n, s.packet, sink); },
                      [](const N&) { return std::string("(see its section)"); }});
  return t;
}

void load_network_section(const Node& map, NetworkConfig& out, Sink& sink,
                          const std::vector<std::string>& also_allowed) {
  const Table<NetworkConfig> table = network_table();
  std::set<std::string> seen;
  const Node* topology = map.is_map() ? map.find("topology") : nullptr;
  if (topology) {
    // The topology decides which parameter section applies, wherever it stands in the mapping.
    table.param("topology").load(*topology, out, sink);
    seen.insert("topology");
    table.load(without_key(map, "topology"), out, sink, also_allowed, &seen);
  } else {
    table.load(map, out, sink, also_allowed, &seen);
  }
  if (!map.is_map()) return;
  const TopologyType& type = out.topology.type();
  type.check(out.topology, map, map.find(type.name()), sink);
  if (out.packet.buffer_per_port != 0 && out.packet.buffer_per_port < out.packet.packet_size) {
    sink.error(
        map.diag(fmt::format("packet.buffer_per_port ({}) is smaller than one packet ({})",
                             format_bytes(out.packet.buffer_per_port), format_bytes(out.packet.packet_size)),
                 "raise buffer_per_port, set it to 0 (automatic), or lower packet_size"));
  }
}

// ----- ASTRA-sim network YAML --------------------------------------------------------------------

Table<AstraNetworkLists> astra_network_table() {
  using A = AstraNetworkLists;
  auto list = [](const Node& n, Sink& sink) -> bool {
    if (n.is_list()) return true;
    sink.error(n.diag(fmt::format("expected a list with one entry per dimension, got {}", n.describe()),
                      fmt::format("write it as a list, e.g. [ {} ]", n.is_scalar() ? n.text : "...")));
    return false;
  };
  return {"astra-network-yaml",
          "ASTRA-sim's analytical network YAML (--network-configuration): four lists with one entry per "
          "dimension, innermost first.",
          {
              {"topology", "list of enum", join_names(names_only(enum_names(network::DimensionKind{}))),
               "how each dimension is connected", true,
               [list](const Node& n, A& s, Sink& sink) {
                 if (!list(n, sink)) return;
                 s.nodes[0] = &n;
                 for (const auto& item : n.items) {
                   if (auto v = get_choice(item, sink, names_only(enum_names(network::DimensionKind{}))))
                     s.topology.push_back(*v);
                 }
               },
               [](const A&) { return std::string("(required)"); }},
              {"npus_count", "list of int", "each > 1", "NPUs along each dimension", true,
               [list](const Node& n, A& s, Sink& sink) {
                 if (!list(n, sink)) return;
                 s.nodes[1] = &n;
                 for (const auto& item : n.items) {
                   if (auto v = get_int(item, sink, 2, 1 << 20)) s.npus_count.push_back(static_cast<int>(*v));
                 }
               },
               [](const A&) { return std::string("(required)"); }},
              {"bandwidth", "list of number", "GB/s with GB = 2^30 bytes", "bandwidth per link and direction",
               true,
               [list](const Node& n, A& s, Sink& sink) {
                 if (!list(n, sink)) return;
                 s.nodes[2] = &n;
                 for (const auto& item : n.items) {
                   if (auto v = get_double(item, sink, 0.0, HUGE_VAL, true)) s.bandwidth.push_back(*v);
                 }
               },
               [](const A&) { return std::string("(required)"); }},
              {"latency", "list of number", "ns", "latency per link", true,
               [list](const Node& n, A& s, Sink& sink) {
                 if (!list(n, sink)) return;
                 s.nodes[3] = &n;
                 for (const auto& item : n.items) {
                   // At most kMaxDelay (10 s) per link, as for every latency.
                   if (auto v = get_double(item, sink, 0.0, static_cast<double>(kMaxDelay / kNanosecond)))
                     s.latency.push_back(*v);
                 }
               },
               [](const A&) { return std::string("(required)"); }},
          },
          {}};
}

NetworkConfig read_astra_network(const std::string& path, Sink& sink) {
  NetworkConfig out;
  out.topology = network::TopologySpec::of(network::DimensionsSpec{});
  out.source = path;
  Node root;
  if (!sink.collect([&] { root = read_yaml_file(path); })) return out;
  AstraNetworkLists lists;
  lists.nodes.assign(4, nullptr);
  const std::size_t errors_before = sink.errors.size();
  astra_network_table().load(root, lists, sink);
  if (sink.errors.size() != errors_before) return out;
  const std::size_t dims = lists.topology.size();
  const char* names[] = {"topology", "npus_count", "bandwidth", "latency"};
  const std::size_t sizes[] = {lists.topology.size(), lists.npus_count.size(), lists.bandwidth.size(),
                               lists.latency.size()};
  bool same = true;
  for (int i = 1; i < 4; ++i) {
    if (sizes[i] != dims) {
      same = false;
      sink.error(lists.nodes[i]->diag(
          fmt::format("{} has {} entries but topology has {} dimensions", names[i], sizes[i], dims),
          "give one entry per dimension in each of topology, npus_count, bandwidth and latency"));
    }
  }
  if (dims == 0) {
    sink.error(
        lists.nodes[0]->diag("topology is empty", "give at least one dimension, e.g. topology: [ Ring ]"));
    return out;
  }
  if (!same) return out;
  std::vector<network::DimensionSpec>& out_dims = out.topology.params<network::DimensionsSpec>().dims;
  for (std::size_t i = 0; i < dims; ++i) {
    network::DimensionSpec d;
    d.kind = *value_named(enum_names(network::DimensionKind{}), lists.topology[i]);
    d.npus = lists.npus_count[i];
    try {
      d.bandwidth = astra_gbps(lists.bandwidth[i]);
    } catch (const UnitError& e) {
      sink.error(lists.nodes[2]->items[i].diag(e.what()));
    }
    d.latency = static_cast<SimTime>(std::llround(lists.latency[i] * static_cast<double>(kNanosecond)));
    out_dims.push_back(d);
  }
  return out;
}

}  // namespace tessera::cfg
