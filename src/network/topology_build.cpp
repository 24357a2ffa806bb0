// The topology builders: ASTRA-sim dimensions (Ring / FullyConnected / Switch), torus, fat-tree
// and HGX-H100 boxes. Every problem in the spec is collected and reported at once.
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "tessera/error.hpp"
#include "tessera/network/topology.hpp"

namespace tessera::network {

struct TopologyBuilder {
  Topology t;
  std::vector<Diagnostic> problems;

  void problem(std::string key, std::string message, std::string fix = {}) {
    problems.push_back(Diagnostic{"", 0, std::move(key), std::move(message), std::move(fix)});
  }
  void check_bw(const std::string& key, Bandwidth bw) {
    if (bw.bytes_per_second <= 0) problem(key, "bandwidth must be > 0", "give a rate such as \"400GB/s\"");
  }
  void check_latency(const std::string& key, SimTime lat) {
    if (lat < 0) problem(key, "latency must be >= 0");
  }

  void add_npus(int n, int gpus_per_box = 0) {
    t.num_npus_ = n;
    for (int i = 0; i < n; ++i) {
      std::string group = gpus_per_box > 0 ? fmt::format("box/{:05d}", i / gpus_per_box) : std::string{};
      t.add_node(npu_name(i), Topology::Role::kNpu, static_cast<std::uint32_t>(i), std::move(group));
    }
  }

  // ---- ASTRA-sim dimensions (and the torus, which is all-Ring dimensions) -----------------------
  void dims(const std::vector<DimensionSpec>& ds, SimTime switch_latency, const std::string& key) {
    if (ds.empty()) problem(key, "no dimensions given", "list at least one dimension");
    std::int64_t total = 1;
    for (std::size_t d = 0; d < ds.size(); ++d) {
      const std::string k = fmt::format("{}[{}]", key, d);
      if (ds[d].npus < 2)
        problem(k + ".npus", fmt::format("{} NPUs; each dimension needs at least 2", ds[d].npus));
      check_bw(k + ".bandwidth", ds[d].bandwidth);
      check_latency(k + ".latency", ds[d].latency);
      total *= std::max(ds[d].npus, 1);
      if (total > (1 << 24)) {
        problem(key, "more than 16 Mi NPUs in total", "reduce the dimension sizes");
        break;
      }
    }
    check_latency(key + ".switch_latency", switch_latency);
    if (!problems.empty()) return;

    t.dims_ = ds;
    add_npus(static_cast<int>(total));
    std::uint32_t stride = 1;
    pdes::LocalPort port = 0;
    for (std::size_t d = 0; d < ds.size(); ++d) {
      Topology::DimInfo info;
      info.kind = ds[d].kind;
      info.n = static_cast<std::uint32_t>(ds[d].npus);
      info.stride = stride;
      info.port_base = port;
      const std::uint32_t n = info.n;
      const auto N = static_cast<std::uint32_t>(total);
      const Bandwidth bw = ds[d].bandwidth;
      const SimTime lat = ds[d].latency;
      switch (info.kind) {
        case DimensionKind::kRing:
          for (NodeId x = 0; x < N; ++x) {
            const std::uint32_t c = (x / stride) % n;
            const NodeId y = x - c * stride + ((c + 1) % n) * stride;  // clockwise neighbour
            if (n == 2) {
              if (c == 0) t.link(x, port, y, port, bw, lat);
            } else {
              t.link(x, port, y, static_cast<pdes::LocalPort>(port + 1), bw, lat);  // x cw -> y ccw
            }
          }
          port = static_cast<pdes::LocalPort>(port + (n == 2 ? 1 : 2));
          break;
        case DimensionKind::kFullyConnected:
          for (NodeId x = 0; x < N; ++x) {
            const std::uint32_t c = (x / stride) % n;
            for (std::uint32_t tc = c + 1; tc < n; ++tc) {
              const NodeId y = x + (tc - c) * stride;
              t.link(x, static_cast<pdes::LocalPort>(port + tc - 1), y,
                     static_cast<pdes::LocalPort>(port + c), bw, lat);
            }
          }
          port = static_cast<pdes::LocalPort>(port + n - 1);
          break;
        case DimensionKind::kSwitch: {
          info.switch_base = static_cast<NodeId>(t.nodes_.size());
          const std::uint32_t groups = N / n;
          for (std::uint32_t g = 0; g < groups; ++g) {
            const NodeId s = t.add_node(fmt::format("sw/dim{}/{:06d}", d, g), Topology::Role::kDimSwitch,
                                        static_cast<std::uint32_t>(d) << 24 | g);
            t.forward_latency_[s] = switch_latency;
          }
          for (NodeId x = 0; x < N; ++x) {
            const std::uint32_t c = (x / stride) % n;
            const std::uint32_t g = (x / (stride * n)) * stride + x % stride;
            t.link(x, port, info.switch_base + g, static_cast<pdes::LocalPort>(c), bw, lat);
          }
          port = static_cast<pdes::LocalPort>(port + 1);
          break;
        }
      }
      if (info.kind == DimensionKind::kRing && n > 2) t.num_vcs_ = 2;
      t.dim_info_.push_back(info);
      t.dim_sizes_.push_back(static_cast<int>(n));
      stride *= n;
    }
  }

  // ---- fat-tree over NPUs 0 .. hosts-1 ---------------------------------------------------------
  void fat_tree(int hosts, int radix, double oversub, Bandwidth bw, SimTime link_lat, SimTime switch_lat,
                const std::string& key, const std::string& name, pdes::LocalPort host_port) {
    if (radix < 4 || radix % 2 != 0 || radix > 4096) {
      problem(key + ".radix", fmt::format("radix {} is not an even number of ports in [4, 4096]", radix));
    }
    check_bw(key + ".bandwidth", bw);
    check_latency(key + ".link_latency", link_lat);
    check_latency(key + ".switch_latency", switch_lat);
    if (!(oversub >= 1.0) || !std::isfinite(oversub)) {
      problem(key + ".oversubscription", fmt::format("{} is below 1", oversub),
              "use 1 for a non-blocking tree");
    }
    if (!problems.empty()) return;
    const double up_exact = radix / (1.0 + oversub);
    const int up = static_cast<int>(std::lround(up_exact));
    const int down = radix - up;
    if (std::abs(up_exact - up) > 1e-9 || up < 1 || down < 1) {
      problem(key + ".oversubscription",
              fmt::format("{} does not split {} ports into whole down:up counts", oversub, radix),
              fmt::format("radix/(1+oversubscription) must be a whole number, e.g. 1 ({}:{}) or 3 ({}:{})",
                          radix / 2, radix / 2, radix - radix / 4, radix / 4));
      return;
    }
    const std::uint32_t half = static_cast<std::uint32_t>(radix / 2);
    const std::uint32_t leaves = static_cast<std::uint32_t>((hosts + down - 1) / down);
    Topology::FatTreeInfo& ft = t.ft_;
    ft.down = static_cast<std::uint32_t>(down);
    ft.up = static_cast<std::uint32_t>(up);
    ft.half = half;
    ft.leaves = leaves;
    ft.host_port = host_port;
    ft.levels = leaves <= 1 ? 1 : (leaves <= static_cast<std::uint32_t>(radix) ? 2 : 3);
    const std::uint32_t pods = (leaves + half - 1) / half;
    if (ft.levels == 3 && pods > static_cast<std::uint32_t>(radix)) {
      problem(key + ".hosts",
              fmt::format("{} hosts need {} pods, but radix-{} core switches reach at most {} pods", hosts,
                          pods, radix, radix),
              fmt::format("at most {} hosts with radix {}; raise the radix",
                          std::int64_t{radix} * half * down, radix));
      return;
    }
    ft.leaf_base = static_cast<NodeId>(t.nodes_.size());
    for (std::uint32_t l = 0; l < leaves; ++l) {
      const NodeId s = t.add_node(fmt::format("sw/{}-leaf/{:05d}", name, l), Topology::Role::kLeaf, l);
      t.forward_latency_[s] = switch_lat;
    }
    for (int h = 0; h < hosts; ++h) {
      const auto hh = static_cast<std::uint32_t>(h);
      t.link(hh, host_port, ft.leaf_base + hh / ft.down, static_cast<pdes::LocalPort>(hh % ft.down), bw,
             link_lat);
    }
    if (ft.levels == 2) {
      ft.mid_base = static_cast<NodeId>(t.nodes_.size());
      for (std::uint32_t s = 0; s < ft.up; ++s) {
        const NodeId n = t.add_node(fmt::format("sw/{}-spine/{:05d}", name, s), Topology::Role::kSpine, s);
        t.forward_latency_[n] = switch_lat;
      }
      for (std::uint32_t l = 0; l < leaves; ++l) {
        for (std::uint32_t s = 0; s < ft.up; ++s) {
          t.link(ft.leaf_base + l, static_cast<pdes::LocalPort>(ft.down + s), ft.mid_base + s,
                 static_cast<pdes::LocalPort>(l), bw, link_lat);
        }
      }
    } else if (ft.levels == 3) {
      ft.mid_base = static_cast<NodeId>(t.nodes_.size());
      for (std::uint32_t a = 0; a < pods * ft.up; ++a) {
        const NodeId n = t.add_node(fmt::format("sw/{}-agg/{:05d}", name, a), Topology::Role::kAgg, a);
        t.forward_latency_[n] = switch_lat;
      }
      ft.core_base = static_cast<NodeId>(t.nodes_.size());
      for (std::uint32_t c = 0; c < ft.up * half; ++c) {
        const NodeId n = t.add_node(fmt::format("sw/{}-core/{:05d}", name, c), Topology::Role::kCore, c);
        t.forward_latency_[n] = switch_lat;
      }
      for (std::uint32_t l = 0; l < leaves; ++l) {
        const std::uint32_t pod = l / half;
        for (std::uint32_t j = 0; j < ft.up; ++j) {
          t.link(ft.leaf_base + l, static_cast<pdes::LocalPort>(ft.down + j), ft.mid_base + pod * ft.up + j,
                 static_cast<pdes::LocalPort>(l % half), bw, link_lat);
        }
      }
      for (std::uint32_t pod = 0; pod < pods; ++pod) {
        for (std::uint32_t j = 0; j < ft.up; ++j) {
          for (std::uint32_t m = 0; m < half; ++m) {
            t.link(ft.mid_base + pod * ft.up + j, static_cast<pdes::LocalPort>(half + m),
                   ft.core_base + j * half + m, static_cast<pdes::LocalPort>(pod), bw, link_lat);
          }
        }
      }
    }
  }
};

Topology build_topology(const TopologySpec& spec) {
  TopologyBuilder b;
  Topology& t = b.t;
  t.kind_ = spec.kind;
  switch (spec.kind) {
    case TopologyKind::kDimensions:
      b.dims(spec.dimensions.dims, spec.dimensions.switch_latency, "network.dimensions");
      break;
    case TopologyKind::kTorus: {
      const TorusSpec& ts = spec.torus;
      if (ts.dims.size() != 2 && ts.dims.size() != 3) {
        b.problem("network.torus.dims", fmt::format("{} dimensions; a torus here has 2 or 3", ts.dims.size()),
                  "give two or three sizes, e.g. [4, 4] or [4, 4, 4]");
        break;
      }
      std::vector<DimensionSpec> ds;
      for (int n : ts.dims) ds.push_back(DimensionSpec{DimensionKind::kRing, n, ts.bandwidth, ts.latency});
      b.dims(ds, 0, "network.torus.dims");
      break;
    }
    case TopologyKind::kFatTree: {
      const FatTreeSpec& f = spec.fat_tree;
      if (f.hosts < 2) {
        b.problem("network.fat_tree.hosts", fmt::format("{} hosts; need at least 2", f.hosts));
        break;
      }
      b.add_npus(f.hosts);
      b.fat_tree(f.hosts, f.radix, f.oversubscription, f.link_bandwidth, f.link_latency, f.switch_latency,
                 "network.fat_tree", "ft", 0);
      t.dim_sizes_ = {f.hosts};
      break;
    }
    case TopologyKind::kHgxH100: {
      const HgxH100Spec& h = spec.hgx_h100;
      const std::string k = "network.hgx_h100";
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
      if (!b.problems.empty()) break;
      if (static_cast<std::int64_t>(h.boxes) * h.gpus_per_box > (1 << 24)) {
        b.problem(k + ".boxes", "more than 16 Mi GPUs");
        break;
      }
      const int n = h.boxes * h.gpus_per_box;
      b.add_npus(n, h.gpus_per_box);
      t.gpus_per_box_ = static_cast<std::uint32_t>(h.gpus_per_box);
      t.nvswitch_base_ = static_cast<NodeId>(t.nodes_.size());
      for (int x = 0; x < h.boxes; ++x) {
        const NodeId s = t.add_node(fmt::format("sw/nvswitch/{:05d}", x), Topology::Role::kNvSwitch,
                                    static_cast<std::uint32_t>(x), fmt::format("box/{:05d}", x));
        t.forward_latency_[s] = h.nvswitch_latency;
      }
      for (int g = 0; g < n; ++g) {
        t.link(static_cast<NodeId>(g), 0, t.nvswitch_base_ + static_cast<NodeId>(g / h.gpus_per_box),
               static_cast<pdes::LocalPort>(g % h.gpus_per_box), h.nvlink_bandwidth, h.nvlink_latency);
      }
      if (h.boxes > 1) {
        b.fat_tree(n, h.ib_switch_radix, h.ib_oversubscription, h.nic_bandwidth, h.ib_link_latency,
                   h.ib_switch_latency, k + ".ib", "ib", 1);
        t.dim_sizes_ = {h.gpus_per_box, h.boxes};
      } else {
        t.dim_sizes_ = {h.gpus_per_box};
      }
      break;
    }
  }
  if (!b.problems.empty()) throw InputError(std::move(b.problems));
  // NPU ports are always all wired; a switch may have unwired ports (a partly filled last leaf or
  // pod), which no route ever selects.
  for (NodeId i = 0; i < static_cast<NodeId>(t.num_npus_); ++i) {
    for (const PortInfo& p : t.nodes_[i].ports) {
      if (p.peer == kNoNode) throw Error(fmt::format("internal: {} has an unwired port", t.nodes_[i].name));
    }
  }
  return std::move(b.t);
}

}  // namespace tessera::network
