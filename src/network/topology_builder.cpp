// The builder's shared parts: nodes, links, problems, and the two fabrics topologies are made of,
// ASTRA-sim dimensions (Ring / FullyConnected / Switch; a torus is all-Ring dimensions) and
// fat-trees (the fat_tree topology, HGX-H100's InfiniBand). Every problem in a spec is collected
// and reported at once.
#include "tessera/network/topology_builder.hpp"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "tessera/network/topology_type.hpp"

namespace tessera::network {

TopologyBuilder::TopologyBuilder(const TopologyType& type, const BuildOptions& options) : options_(options) {
  t_.type_ = &type;
}

void TopologyBuilder::problem(std::string key, std::string message, std::string fix) {
  problems_.push_back(Diagnostic{"", 0, std::move(key), std::move(message), std::move(fix)});
}

void TopologyBuilder::check_bw(const std::string& key, Bandwidth bw) {
  if (bw.bytes_per_second <= 0) problem(key, "bandwidth must be > 0", "give a rate such as \"400GB/s\"");
}

void TopologyBuilder::check_latency(const std::string& key, SimTime latency) {
  if (latency < 0) problem(key, "latency must be >= 0");
}

void TopologyBuilder::add_npus(int n, int box_size) {
  t_.num_npus_ = n;
  for (int i = 0; i < n; ++i) {
    std::string group = box_size > 0 ? fmt::format("box/{:05d}", i / box_size) : std::string{};
    t_.add_node(npu_name(i), Topology::Role::kNpu, static_cast<std::uint32_t>(i), std::move(group));
  }
}

NodeId TopologyBuilder::add_switch(std::string name, std::uint32_t index, SimTime latency, std::string group,
                                   bool output_queued) {
  const NodeId s = t_.add_node(std::move(name), Topology::Role::kSwitch, index, std::move(group));
  t_.forward_latency_[s] = latency;
  t_.output_queued_[s] = output_queued ? 1 : 0;
  return s;
}

void TopologyBuilder::link(NodeId a, pdes::LocalPort pa, NodeId b, pdes::LocalPort pb, Bandwidth bw,
                           SimTime latency) {
  t_.link(a, pa, b, pb, bw, latency);
}

void TopologyBuilder::set_vcs(int vcs) { t_.num_vcs_ = vcs; }
void TopologyBuilder::set_dimension_sizes(std::vector<int> sizes) { t_.dim_sizes_ = std::move(sizes); }
void TopologyBuilder::set_router(std::shared_ptr<const Router> router) { t_.router_ = std::move(router); }

// ---- ASTRA-sim dimensions ------------------------------------------------------------------------
void TopologyBuilder::dimensions(const std::vector<DimensionSpec>& ds, SimTime switch_latency,
                                 const std::string& key) {
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
  if (!problems_.empty()) return;

  t_.dims_ = ds;
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
            if (c == 0) t_.link(x, port, y, port, bw, lat);
          } else {
            t_.link(x, port, y, static_cast<pdes::LocalPort>(port + 1), bw, lat);  // x cw -> y ccw
          }
        }
        port = static_cast<pdes::LocalPort>(port + (n == 2 ? 1 : 2));
        break;
      case DimensionKind::kFullyConnected:
        for (NodeId x = 0; x < N; ++x) {
          const std::uint32_t c = (x / stride) % n;
          for (std::uint32_t tc = c + 1; tc < n; ++tc) {
            const NodeId y = x + (tc - c) * stride;
            t_.link(x, static_cast<pdes::LocalPort>(port + tc - 1), y, static_cast<pdes::LocalPort>(port + c),
                    bw, lat);
          }
        }
        port = static_cast<pdes::LocalPort>(port + n - 1);
        break;
      case DimensionKind::kSwitch: {
        info.switch_base = static_cast<NodeId>(t_.nodes_.size());
        const std::uint32_t groups = N / n;
        for (std::uint32_t g = 0; g < groups; ++g) {
          const NodeId s = t_.add_node(fmt::format("sw/dim{}/{:06d}", d, g), Topology::Role::kDimSwitch,
                                       static_cast<std::uint32_t>(d) << 24 | g);
          t_.forward_latency_[s] = switch_latency;
        }
        for (NodeId x = 0; x < N; ++x) {
          const std::uint32_t c = (x / stride) % n;
          const std::uint32_t g = (x / (stride * n)) * stride + x % stride;
          t_.link(x, port, info.switch_base + g, static_cast<pdes::LocalPort>(c), bw, lat);
        }
        port = static_cast<pdes::LocalPort>(port + 1);
        break;
      }
    }
    if (info.kind == DimensionKind::kRing && n > 2) t_.num_vcs_ = 2;
    t_.dim_info_.push_back(info);
    t_.dim_sizes_.push_back(static_cast<int>(n));
    stride *= n;
  }
}

// ---- fat-tree over NPUs 0 .. hosts-1 -----------------------------------------------------------
void TopologyBuilder::fat_tree(int hosts, int radix, double oversub, Bandwidth bw, SimTime link_lat,
                               SimTime switch_lat, const std::string& key, const std::string& name,
                               pdes::LocalPort host_port) {
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
  if (!problems_.empty()) return;
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
  Topology::FatTreeInfo& ft = t_.ft_;
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
            fmt::format("at most {} hosts with radix {}; raise the radix", std::int64_t{radix} * half * down,
                        radix));
    return;
  }
  ft.leaf_base = static_cast<NodeId>(t_.nodes_.size());
  for (std::uint32_t l = 0; l < leaves; ++l) {
    const NodeId s = t_.add_node(fmt::format("sw/{}-leaf/{:05d}", name, l), Topology::Role::kLeaf, l);
    t_.forward_latency_[s] = switch_lat;
  }
  for (int h = 0; h < hosts; ++h) {
    const auto hh = static_cast<std::uint32_t>(h);
    t_.link(hh, host_port, ft.leaf_base + hh / ft.down, static_cast<pdes::LocalPort>(hh % ft.down), bw,
            link_lat);
  }
  if (ft.levels == 2) {
    ft.mid_base = static_cast<NodeId>(t_.nodes_.size());
    for (std::uint32_t s = 0; s < ft.up; ++s) {
      const NodeId n = t_.add_node(fmt::format("sw/{}-spine/{:05d}", name, s), Topology::Role::kSpine, s);
      t_.forward_latency_[n] = switch_lat;
    }
    for (std::uint32_t l = 0; l < leaves; ++l) {
      for (std::uint32_t s = 0; s < ft.up; ++s) {
        t_.link(ft.leaf_base + l, static_cast<pdes::LocalPort>(ft.down + s), ft.mid_base + s,
                static_cast<pdes::LocalPort>(l), bw, link_lat);
      }
    }
  } else if (ft.levels == 3) {
    ft.mid_base = static_cast<NodeId>(t_.nodes_.size());
    for (std::uint32_t a = 0; a < pods * ft.up; ++a) {
      const NodeId n = t_.add_node(fmt::format("sw/{}-agg/{:05d}", name, a), Topology::Role::kAgg, a);
      t_.forward_latency_[n] = switch_lat;
    }
    ft.core_base = static_cast<NodeId>(t_.nodes_.size());
    for (std::uint32_t c = 0; c < ft.up * half; ++c) {
      const NodeId n = t_.add_node(fmt::format("sw/{}-core/{:05d}", name, c), Topology::Role::kCore, c);
      t_.forward_latency_[n] = switch_lat;
    }
    for (std::uint32_t l = 0; l < leaves; ++l) {
      const std::uint32_t pod = l / half;
      for (std::uint32_t j = 0; j < ft.up; ++j) {
        t_.link(ft.leaf_base + l, static_cast<pdes::LocalPort>(ft.down + j), ft.mid_base + pod * ft.up + j,
                static_cast<pdes::LocalPort>(l % half), bw, link_lat);
      }
    }
    for (std::uint32_t pod = 0; pod < pods; ++pod) {
      for (std::uint32_t j = 0; j < ft.up; ++j) {
        for (std::uint32_t m = 0; m < half; ++m) {
          t_.link(ft.mid_base + pod * ft.up + j, static_cast<pdes::LocalPort>(half + m),
                  ft.core_base + j * half + m, static_cast<pdes::LocalPort>(pod), bw, link_lat);
        }
      }
    }
  }
}

Topology TopologyBuilder::finish() {
  if (!problems_.empty()) throw InputError(std::move(problems_));
  if (!t_.router_) throw Error(fmt::format("internal: topology {} set no router", t_.type_->name()));
  // NPU ports are always all wired; a switch may have unwired ports (a partly filled last leaf or
  // pod), which no route ever selects.
  for (NodeId i = 0; i < static_cast<NodeId>(t_.num_npus_); ++i) {
    for (const PortInfo& p : t_.nodes_[i].ports) {
      if (p.peer == kNoNode) throw Error(fmt::format("internal: {} has an unwired port", t_.nodes_[i].name));
    }
  }
  return std::move(t_);
}

Topology build_topology(const TopologySpec& spec, const BuildOptions& options) {
  TopologyBuilder b(spec.type(), options);
  spec.type().build(spec, b);
  return b.finish();
}

}  // namespace tessera::network
