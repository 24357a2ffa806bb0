// Topology "hgx_h100": HGX-H100 boxes (network.hgx_h100). Inside a box the GPUs reach one another
// over NVLink4 through the NVSwitch fabric (modelled as one crossbar per box); across boxes each
// GPU's own NDR InfiniBand NIC goes into a leaf-spine (or three-level) fat-tree. Defaults are the
// published H100 figures (docs/configuration.md).
#include <cmath>

#include <fmt/format.h>

#include "tessera/network/topologies/hgx_h100.hpp"
#include "tessera/network/topology_builder.hpp"
#include "tessera/network/topology_type.hpp"

namespace tessera::network {
namespace {

using namespace tessera::params;

/// NVLink inside the box, the GPU's NIC and the fat-tree across boxes. Each GPU has port 0 into its
/// box's NVSwitch (whose port g is GPU g of the box) and port 1 into its IB leaf.
class HgxRouter final : public Router {
 public:
  explicit HgxRouter(std::uint32_t gpus_per_box) : gpus_per_box_(gpus_per_box) {}

  Hop route(const Topology& t, NodeId at, NodeId dst, std::uint64_t hash, std::uint8_t,
            std::uint8_t) const override {
    if (t.is_npu(at)) {
      if (at / gpus_per_box_ == dst / gpus_per_box_) return {0, 0, 0};
      return {t.fat_tree_host_port(), 0, 1};
    }
    if (t.role(at) == Topology::Role::kSwitch)
      return {static_cast<pdes::LocalPort>(dst % gpus_per_box_), 0, 0};
    return t.route_fat_tree(at, dst, hash);
  }

 private:
  std::uint32_t gpus_per_box_;
};

class HgxH100 final : public MappingTopology<HgxH100Spec> {
 public:
  HgxH100() : MappingTopology("hgx_h100") {}

  std::string section_doc() const override {
    return fmt::format("HGX-H100 parameters (topology: {})", name());
  }

 protected:
  Table<HgxH100Spec> table() const override {
    using H = HgxH100Spec;
    return {
        section_name(),
        "HGX-H100 boxes: GPUs on NVLink4 into the NVSwitch fabric inside a box; one NDR InfiniBand NIC per "
        "GPU "
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
            p_ratio("ib_oversubscription", &H::ib_oversubscription, "IB leaf downlink:uplink ratio"),
            p_int("ib_switch_radix", &H::ib_switch_radix, 4, 1024,
                  "ports per InfiniBand switch (Quantum-2: 64)"),
        },
        {}};
  }

  void check_params(const HgxH100Spec& h, const params::Node& network, Sink& sink) const override {
    if (h.boxes <= 1) return;
    // The builder makes a leaf-spine fabric while the leaves fit one spine (r leaves) and a
    // three-level one beyond: at most r pods of r/2 leaves, each leaf with r*o/(1+o) host ports.
    const double r = h.ib_switch_radix;
    const auto capacity = static_cast<std::int64_t>(
        r * std::floor(r / 2) * std::floor(r * h.ib_oversubscription / (1.0 + h.ib_oversubscription)));
    const std::int64_t nics = static_cast<std::int64_t>(h.boxes) * h.nics_per_box;
    if (nics > capacity) {
      sink.error(network.diag(
          fmt::format("{} boxes x {} NICs = {} NICs exceed what a three-level fat-tree of radix-{} switches "
                      "with oversubscription {}:1 connects ({})",
                      h.boxes, h.nics_per_box, nics, h.ib_switch_radix, format_number(h.ib_oversubscription),
                      capacity),
          fmt::format("raise {}.ib_switch_radix or ib_oversubscription, or use fewer boxes", name())));
    }
  }

  std::vector<int> sizes(const HgxH100Spec& h) const override {
    if (h.boxes > 1) return {h.gpus_per_box, h.boxes};
    return {h.gpus_per_box};
  }

  std::string text(const HgxH100Spec& h) const override {
    const Table<HgxH100Spec> t = table();
    std::string s =
        name() + ": " +
        t.fill(
            "{boxes} box(es) x {gpus_per_box} GPUs; NVLink {nvlink_bandwidth}/GPU/dir, link latency "
            "{nvlink_latency}, NVSwitch +{nvswitch_latency}",
            h);
    if (h.boxes > 1) {
      s += t.fill(
          "; IB {nics_per_box} NICs/box x {nic_bandwidth}, link {ib_link_latency}, switch "
          "{ib_switch_latency}, oversubscription {ib_oversubscription}:1, radix {ib_switch_radix}",
          h);
    }
    return s;
  }

  void build_from(const HgxH100Spec& h, TopologyBuilder& b) const override {
    const std::string k = section_name();
    if (h.boxes < 1) b.problem(k + ".boxes", fmt::format("{} boxes; need at least 1", h.boxes));
    if (h.gpus_per_box < 1 || h.gpus_per_box > 8) {
      b.problem(k + ".gpus_per_box",
                fmt::format("{} GPUs per box; an HGX board holds 1 to 8", h.gpus_per_box));
    }
    if (h.boxes > 1 && h.nics_per_box != h.gpus_per_box) {
      b.problem(k + ".nics_per_box",
                fmt::format("{} NICs for {} GPUs per box", h.nics_per_box, h.gpus_per_box),
                "one NIC per GPU is modelled: set nics_per_box = gpus_per_box");
    }
    b.check_bw(k + ".nvlink_bandwidth", h.nvlink_bandwidth);
    b.check_latency(k + ".nvlink_latency", h.nvlink_latency);
    b.check_latency(k + ".nvswitch_latency", h.nvswitch_latency);
    if (!b.ok()) return;
    if (static_cast<std::int64_t>(h.boxes) * h.gpus_per_box > (1 << 24)) {
      b.problem(k + ".boxes", "more than 16 Mi GPUs");
      return;
    }
    const int n = h.boxes * h.gpus_per_box;
    b.add_npus(n, h.gpus_per_box);
    const auto nvswitch_base = static_cast<NodeId>(b.topology().num_nodes());
    for (int x = 0; x < h.boxes; ++x) {
      // NVSwitch is a non-blocking crossbar ("any port to any other port at full speed", NVIDIA's
      // NVSwitch description): output-queued, so one GPU's congested port never stalls the others.
      b.add_switch(fmt::format("sw/nvswitch/{:05d}", x), static_cast<std::uint32_t>(x), h.nvswitch_latency,
                   fmt::format("box/{:05d}", x), true);
    }
    for (int g = 0; g < n; ++g) {
      b.link(static_cast<NodeId>(g), 0, nvswitch_base + static_cast<NodeId>(g / h.gpus_per_box),
             static_cast<pdes::LocalPort>(g % h.gpus_per_box), h.nvlink_bandwidth, h.nvlink_latency);
    }
    if (h.boxes > 1) {
      b.fat_tree(n, h.ib_switch_radix, h.ib_oversubscription, h.nic_bandwidth, h.ib_link_latency,
                 h.ib_switch_latency, k + ".ib", "ib", 1);
    }
    b.set_dimension_sizes(sizes(h));
    b.set_router(std::make_shared<HgxRouter>(static_cast<std::uint32_t>(h.gpus_per_box)));
  }
};

}  // namespace

namespace topologies {
const TopologyType& hgx_h100() { return type_instance<HgxH100>(); }
}  // namespace topologies

}  // namespace tessera::network
