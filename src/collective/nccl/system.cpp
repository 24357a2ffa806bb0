#include "tessera/collective/nccl/system.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "tessera/error.hpp"

namespace tessera::collective::nccl {

namespace {

// NCCL's per-lane PCIe rate in units of 100 Mb/s by generation (src/graph/topo.cc kvDictPciGen:
// 2.5/5/8/16/32/64 GT/s -> 15/30/60/120/240/480); bandwidth = width * rate / 80 GB/s.
int pcie_lane_rate(int gen) {
  switch (gen) {
    case 1:
      return 15;
    case 2:
      return 30;
    case 3:
      return 60;
    case 4:
      return 120;
    case 5:
      return 240;
    case 6:
      return 480;
    default:
      return 0;
  }
}

}  // namespace

double NcclSystem::nvlink_link_gbps() const {
  if (nvlink_gbps_per_link > 0) return nvlink_gbps_per_link;
  // src/graph/topo.h SM80_NVLINK_BW, SM90_NVLINK_BW.
  return arch == GpuArch::kSm80 ? 20.0 : 20.6;
}

double NcclSystem::nvlink_gpu_gbps() const { return nvlinks_per_gpu * nvlink_link_gbps(); }

double NcclSystem::pcie_gbps() const { return pcie_width * pcie_lane_rate(pcie_gen) / 80.0; }

double NcclSystem::nic_gbps() const { return nic_speed_mbps / 8000.0; }

double NcclSystem::gpu_nic_gbps() const { return std::min(pcie_gbps(), nic_gbps()); }

int NcclSystem::nic_local_gpu(int nic) const {
  const int g = gpus_per_node, n = nics_per_node;
  return n >= g ? nic * g / n : nic * (g / n);
}

void validate(const NcclSystem& s, const std::string& where) {
  std::vector<Diagnostic> errors;
  auto bad = [&](const char* key, std::string message, std::string fix) {
    errors.push_back(Diagnostic{"", 0, fmt::format("{}.{}", where, key), std::move(message), std::move(fix)});
  };
  if (s.gpus_per_node < 1)
    bad("gpus_per_node", fmt::format("{} GPUs per node", s.gpus_per_node), "use 1 or more");
  if (s.nodes < 1) bad("nodes", fmt::format("{} nodes", s.nodes), "use 1 or more");
  if (s.gpus_per_node * std::int64_t{s.nodes} < 2)
    bad("nodes", "a communicator of one GPU moves no data", "use at least 2 GPUs in total");
  if (s.gpus_per_node > 1 && (!s.nvswitch || s.nvlinks_per_gpu < 1))
    bad("nvswitch",
        "several GPUs per node need NVLinks into an NVSwitch (the only intra-node fabric modelled)",
        "set nvswitch: true and nvlinks_per_gpu >= 1, or use 1 GPU per node");
  if (s.nvlink_gbps_per_link < 0)
    bad("nvlink_gbps_per_link", fmt::format("negative bandwidth {}", s.nvlink_gbps_per_link),
        "use 0 for NCCL's constant or a positive GB/s");
  if (s.nodes > 1 && s.nics_per_node < 1)
    bad("nics_per_node", "several nodes need at least one NIC per node", "set nics_per_node >= 1");
  if (s.nics_per_node > 0) {
    const int big = std::max(s.nics_per_node, s.gpus_per_node);
    const int small = std::min(s.nics_per_node, s.gpus_per_node);
    if (big % small != 0)
      bad("nics_per_node",
          fmt::format("{} NICs cannot be spread evenly over {} GPUs", s.nics_per_node, s.gpus_per_node),
          "use a NIC count that divides or is a multiple of the GPUs per node");
    if (s.nic_speed_mbps <= 0)
      bad("nic_speed_mbps", fmt::format("NIC speed {} Mb/s", s.nic_speed_mbps),
          "use the port speed, e.g. 400000");
  }
  if (pcie_lane_rate(s.pcie_gen) == 0)
    bad("pcie_gen", fmt::format("unknown PCIe generation {}", s.pcie_gen), "use 1 to 6");
  if (s.pcie_width < 1 || s.pcie_width > 32)
    bad("pcie_width", fmt::format("PCIe width x{}", s.pcie_width), "use 1 to 32 lanes");
  if (s.nic_path != PathType::kPix && s.nic_path != PathType::kPxb && s.nic_path != PathType::kPhb &&
      s.nic_path != PathType::kSys)
    bad("nic_path", "a NIC reaches its GPUs through PIX, PXB, PHB or SYS", "use one of those path types");
  if (s.gpus_per_nic_switch < 1 || s.gpus_per_nic_switch > s.gpus_per_node)
    bad("gpus_per_nic_switch", fmt::format("{} GPUs per NIC switch", s.gpus_per_nic_switch),
        fmt::format("use 1 to {}", s.gpus_per_node));
  if (s.multicast && (s.arch != GpuArch::kSm90 || !s.nvswitch))
    bad("multicast", "NVLS multicast needs sm90 GPUs on an NVSwitch", "set multicast: false");
  if (!errors.empty()) throw InputError(std::move(errors));
}

NcclSystem hgx_h100(int nodes) {
  NcclSystem s;
  s.nodes = nodes;
  return s;
}

NcclSystem dgx_a100(int nodes) {
  NcclSystem s;
  s.arch = GpuArch::kSm80;
  s.nodes = nodes;
  s.nvlinks_per_gpu = 12;
  s.multicast = false;
  s.nic_speed_mbps = 200000;
  s.pcie_gen = 4;
  s.nic_path = PathType::kPxb;
  s.gpus_per_nic_switch = 2;
  s.cpu = CpuVendor::kAmd;
  return s;
}

}  // namespace tessera::collective::nccl
