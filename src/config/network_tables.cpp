// Network parameters: the scenario's `network:` section and ASTRA-sim's network YAML.
#include <cmath>

#include "tables.hpp"

namespace tessera::cfg {
namespace {

const std::vector<std::pair<std::string, DimensionKind>> kDimensionKinds{
    {"Ring", DimensionKind::kRing},
    {"FullyConnected", DimensionKind::kFullyConnected},
    {"Switch", DimensionKind::kSwitch}};

const std::vector<std::pair<std::string, TopologyKind>> kTopologies{{"dimensions", TopologyKind::kDimensions},
                                                                    {"fat_tree", TopologyKind::kFatTree},
                                                                    {"torus", TopologyKind::kTorus},
                                                                    {"hgx_h100", TopologyKind::kHgxH100}};

/// A sub-mapping of the network section read by its own table.
template <class Sub>
Param<NetworkConfig> p_subsection(std::string key, Sub NetworkConfig::*field, Table<Sub> (*table)(),
                                  std::string doc) {
  return {key,
          "mapping",
          "",
          std::move(doc),
          false,
          [field, table](const Node& n, NetworkConfig& s, Sink& sink) { table().load(n, s.*field, sink); },
          [](const NetworkConfig&) { return std::string("(see its section)"); }};
}

}  // namespace

Table<DimensionSpec> dimension_table() {
  using D = DimensionSpec;
  return {
      "network.dimensions[]",
      "One entry per dimension of an ASTRA-sim style network, innermost first. NPU ids are mixed-radix "
      "coordinates with dimension 0 varying fastest.",
      {
          required(p_enum("kind", &D::kind, kDimensionKinds, "how the NPUs of this dimension are connected")),
          required(p_int("npus", &D::npus, 2, 1 << 20, "NPUs along this dimension")),
          required(p_bandwidth("bandwidth", &D::bandwidth, "bandwidth per link and direction")),
          required(p_time("latency", &D::latency, "latency per link traversal")),
      },
      {}};
}

Table<FatTreeSpec> fat_tree_table() {
  using F = FatTreeSpec;
  return {"network.fat_tree",
          "A k-ary fat-tree of k-port switches with the NPUs on the leaves: two levels (leaf-spine) up to "
          "k^2/2 hosts, three levels up to k^3/4 hosts.",
          {
              p_int("radix", &F::radix, 4, 1024, "k: ports per switch (even)"),
              p_int("hosts", &F::hosts, 2, 1 << 24, "NPUs attached to the leaf switches"),
              {"oversubscription", "ratio", "number >= 1 or \"N:1\"", "leaf downlink:uplink bandwidth ratio",
               false,
               [](const Node& n, F& s, Sink& sink) {
                 if (auto v = get_ratio(n, sink)) s.oversubscription = *v;
               },
               [](const F& s) { return format_number(s.oversubscription); }, "oversubscription",
               [](const F& s) { return Value::of(s.oversubscription); }},
              p_bandwidth("link_bandwidth", &F::link_bandwidth, "bandwidth per link and direction"),
              p_time("link_latency", &F::link_latency, "latency per link (cable and SerDes)"),
              p_time("switch_latency", &F::switch_latency, "port-to-port forwarding latency of a switch"),
          },
          {}};
}

Table<TorusSpec> torus_table() {
  using T = TorusSpec;
  return {"network.torus",
          "A 2-D or 3-D torus with wrap-around links in every dimension.",
          {
              {"dims", "list of int", "2 or 3 sizes, each >= 2", "NPUs along each dimension", false,
               [](const Node& n, T& s, Sink& sink) {
                 if (auto v = get_int_list(n, sink, 2, 1 << 16)) {
                   if (v->size() < 2 || v->size() > 3) {
                     sink.error(n.diag(fmt::format("expected 2 or 3 dimension sizes, got {}", v->size()),
                                       "e.g. dims: [4, 4, 4]"));
                   } else {
                     s.dims = *v;
                   }
                 }
               },
               [](const T& s) { return fmt::format("[{}]", fmt::join(s.dims, ", ")); }, "dims",
               [](const T& s) { return Value::of(s.dims); }},
              p_bandwidth("bandwidth", &T::bandwidth, "bandwidth per link and direction"),
              p_time("latency", &T::latency, "latency per link"),
          },
          {}};
}

Table<HgxH100Spec> hgx_h100_table() {
  using H = HgxH100Spec;
  return {
      "network.hgx_h100",
      "HGX-H100 boxes: GPUs on NVLink4 into the NVSwitch fabric inside a box; one NDR InfiniBand NIC per GPU "
      "into a leaf-spine fat-tree across boxes. Defaults are the published H100 figures "
      "(docs/configuration.md).",
      {
          p_int("boxes", &H::boxes, 1, 1 << 16, "number of 8-GPU boxes"),
          p_int("gpus_per_box", &H::gpus_per_box, 1, 8, "GPUs used in each box"),
          p_bandwidth("nvlink_bandwidth", &H::nvlink_bandwidth,
                      "NVLink bandwidth per GPU per direction (18 links x 25 GB/s)"),
          p_time("nvlink_latency", &H::nvlink_latency,
                 "latency of a GPU<->NVSwitch link (ASTRA-sim's HGX-H100 calibration)"),
          p_time("nvswitch_latency", &H::nvswitch_latency,
                 "extra NVSwitch traversal latency (0: already inside nvlink_latency)"),
          p_int("nics_per_box", &H::nics_per_box, 1, 16, "InfiniBand NICs per box"),
          p_bandwidth("nic_bandwidth", &H::nic_bandwidth, "bandwidth per NIC per direction (NDR 400 Gb/s)"),
          p_time("ib_link_latency", &H::ib_link_latency, "latency per InfiniBand link"),
          p_time("ib_switch_latency", &H::ib_switch_latency, "latency per InfiniBand switch traversal"),
          {"ib_oversubscription", "ratio", "number >= 1 or \"N:1\"", "IB leaf downlink:uplink ratio", false,
           [](const Node& n, H& s, Sink& sink) {
             if (auto v = get_ratio(n, sink)) s.ib_oversubscription = *v;
           },
           [](const H& s) { return format_number(s.ib_oversubscription); }, "ib_oversubscription",
           [](const H& s) { return Value::of(s.ib_oversubscription); }},
          p_int("ib_switch_radix", &H::ib_switch_radix, 4, 1024,
                "ports per InfiniBand switch (Quantum-2: 64)"),
      },
      {}};
}

Table<PacketConfig> packet_table() {
  using P = PacketConfig;
  return {"network.packet",
          "Parameters of the packet-level network model (ignored by the ASTRA analytical models).",
          {
              p_bytes<P>("packet_size", &P::packet_size, 64,
                      "largest payload per packet (4 KiB: the InfiniBand MTU)"),
              p_bytes<P>("buffer_per_port", &P::buffer_per_port, 0,
                      "input buffer per link end and virtual channel, in bytes of credit; 0 = automatic "
                      "(sized to the link's credit round trip, 2 x bandwidth x latency + 3 packets)"),
              p_time("switch_latency", &P::switch_latency,
                     "forwarding latency of ASTRA-style Switch dimensions in packet mode"),
          },
          {}};
}

Table<NetworkConfig> network_table() {
  using N = NetworkConfig;
  return {
      "network",
      "The network. Inline keys, or {file: net.yaml} with these keys, or {astra_network: net.yml} with an "
      "ASTRA-sim network YAML.",
      {
          p_enum("topology", &N::topology, kTopologies,
                 "which network to build; its own section holds its parameters"),
          {"dimensions", "list of mappings", "",
           "ASTRA-style dimensions (topology: dimensions); see network.dimensions[]", false,
           [](const Node& n, N& s, Sink& sink) {
             if (!n.is_list() || n.items.empty()) {
               sink.error(
                   n.diag(fmt::format("expected a non-empty list of dimensions, got {}", n.describe()),
                          "e.g. dimensions: [{kind: Ring, npus: 8, bandwidth: 50GiB/s, latency: 500ns}]"));
               return;
             }
             s.dimensions.clear();
             for (const auto& item : n.items) {
               DimensionSpec d;
               dimension_table().load(item, d, sink);
               s.dimensions.push_back(d);
             }
           },
           [](const N&) { return std::string("(see its section)"); }},
          p_subsection("fat_tree", &N::fat_tree, &fat_tree_table, "fat-tree parameters (topology: fat_tree)"),
          p_subsection("torus", &N::torus, &torus_table, "torus parameters (topology: torus)"),
          p_subsection("hgx_h100", &N::hgx_h100, &hgx_h100_table, "HGX-H100 parameters (topology: hgx_h100)"),
          p_subsection("packet", &N::packet, &packet_table, "packet-model parameters"),
      },
      {}};
}

void load_network_section(const Node& map, NetworkConfig& out, Sink& sink,
                          const std::vector<std::string>& also_allowed) {
  std::set<std::string> seen;
  network_table().load(map, out, sink, also_allowed, &seen);
  // A parameter section for a topology that is not the one built would be silently unused.
  const std::vector<std::pair<std::string, TopologyKind>> owners{{"dimensions", TopologyKind::kDimensions},
                                                                 {"fat_tree", TopologyKind::kFatTree},
                                                                 {"torus", TopologyKind::kTorus},
                                                                 {"hgx_h100", TopologyKind::kHgxH100}};
  for (const auto& [key, kind] : owners) {
    if (seen.count(key) && out.topology != kind) {
      sink.error(map.find(key)->diag(fmt::format("\"{}\" is given but topology is {}, so it would be unused",
                                                 key, to_string(out.topology)),
                                     fmt::format("set topology: {} or remove \"{}\"", key, key)));
    }
  }
  if (out.topology == TopologyKind::kDimensions && !seen.count("dimensions") && out.dimensions.empty()) {
    sink.error(map.diag("topology is dimensions but no \"dimensions\" list is given",
                        "add dimensions: [{kind: Ring, npus: 8, bandwidth: 50GiB/s, latency: 500ns}]"));
  }
  if (out.topology == TopologyKind::kFatTree && out.fat_tree.radix % 2 != 0) {
    sink.error(map.diag(fmt::format("fat_tree.radix must be even, got {}", out.fat_tree.radix)));
  }
  if (out.topology == TopologyKind::kFatTree) {
    const std::int64_t k = out.fat_tree.radix;
    if (out.fat_tree.hosts > k * k * k / 4) {
      sink.error(map.diag(fmt::format("a fat-tree of radix {} holds at most k^3/4 = {} hosts, got {}", k,
                                      k * k * k / 4, out.fat_tree.hosts),
                          "raise fat_tree.radix"));
    }
  }
  if (out.topology == TopologyKind::kHgxH100 && out.hgx_h100.boxes > 1) {
    // The network layer builds a leaf-spine fabric while the leaves fit one spine (r leaves) and a
    // three-level one beyond: at most r pods of r/2 leaves, each leaf with r*o/(1+o) host ports.
    const auto& h = out.hgx_h100;
    const double r = h.ib_switch_radix;
    const auto capacity = static_cast<std::int64_t>(
        r * std::floor(r / 2) * std::floor(r * h.ib_oversubscription / (1.0 + h.ib_oversubscription)));
    const std::int64_t nics = static_cast<std::int64_t>(h.boxes) * h.nics_per_box;
    if (nics > capacity) {
      sink.error(map.diag(
          fmt::format("{} boxes x {} NICs = {} NICs exceed what a three-level fat-tree of radix-{} switches "
                      "with oversubscription {}:1 connects ({})",
                      h.boxes, h.nics_per_box, nics, h.ib_switch_radix, format_number(h.ib_oversubscription),
                      capacity),
          "raise hgx_h100.ib_switch_radix or ib_oversubscription, or use fewer boxes"));
    }
  }
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
              {"topology", "list of enum", "Ring, FullyConnected, Switch", "how each dimension is connected",
               true,
               [list](const Node& n, A& s, Sink& sink) {
                 if (!list(n, sink)) return;
                 s.nodes[0] = &n;
                 for (const auto& item : n.items) {
                   if (auto v = get_choice(item, sink, {"Ring", "FullyConnected", "Switch"}))
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
                   if (auto v = get_double(item, sink, 0.0, HUGE_VAL)) s.latency.push_back(*v);
                 }
               },
               [](const A&) { return std::string("(required)"); }},
          },
          {}};
}

NetworkConfig read_astra_network(const std::string& path, Sink& sink) {
  NetworkConfig out;
  out.topology = TopologyKind::kDimensions;
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
  for (std::size_t i = 0; i < dims; ++i) {
    DimensionSpec d;
    d.kind = lists.topology[i] == "Ring"             ? DimensionKind::kRing
             : lists.topology[i] == "FullyConnected" ? DimensionKind::kFullyConnected
                                                     : DimensionKind::kSwitch;
    d.npus = lists.npus_count[i];
    try {
      d.bandwidth = astra_gbps(lists.bandwidth[i]);
    } catch (const UnitError& e) {
      sink.error(lists.nodes[2]->items[i].diag(e.what()));
    }
    d.latency = static_cast<SimTime>(std::llround(lists.latency[i] * static_cast<double>(kNanosecond)));
    out.dimensions.push_back(d);
  }
  return out;
}

}  // namespace tessera::cfg
