#include "tessera/runtime/nccl_setup.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "tessera/collective/nccl/options.hpp"
#include "tessera/network/topologies/hgx_h100.hpp"

extern char** environ;

namespace tessera::runtime {

namespace nc = collective::nccl;

std::vector<std::pair<std::string, std::string>> nccl_environment() {
  const auto& known = nc::option_names();
  std::vector<std::pair<std::string, std::string>> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq == nullptr || std::strncmp(*e, "NCCL_", 5) != 0) continue;
    std::string name(*e, static_cast<std::size_t>(eq - *e));
    // NCCL reads hundreds of variables; the model reads these and leaves the others alone.
    if (std::find(known.begin(), known.end(), name) == known.end()) continue;
    out.emplace_back(std::move(name), std::string(eq + 1));
  }
  std::sort(out.begin(), out.end());
  return out;
}

nc::NcclSystem nccl_system(const NetworkConfig& network, collective::NcclGpu gpu) {
  if (network.topology.name() != "hgx_h100") {
    throw InputError(Diagnostic{
        network.source, 0, "network.topology",
        fmt::format("collective_library nccl models HGX/DGX boxes, not topology {}", network.topology.name()),
        "use topology hgx_h100 (configs/network/hgx-h100-*.yaml, dgx-a100-*.yaml) or "
        "collective_library: astra"});
  }
  const auto& h = network.topology.params<network::HgxH100Spec>();
  nc::NcclSystem s = gpu == collective::NcclGpu::kA100 ? nc::dgx_a100(1) : nc::hgx_h100(1);
  s.gpus_per_node = h.gpus_per_box;
  s.nodes = h.boxes;
  if (h.boxes > 1) {
    s.nics_per_node = h.nics_per_box;
    // NCCL reads the port speed in Mb/s (bits). The presets give the NIC's payload rate (48.9 GB/s
    // for NDR's 50); NCCL would read the line rate, which only counts where it is below the PCIe
    // path (48 GB/s Gen5, 24 Gen4), and both payload rates stay above it, so the choice is NCCL's.
    s.nic_speed_mbps = static_cast<int>(std::llround(static_cast<double>(h.nic_bandwidth.bytes_per_second) * 8 / 1e6));
  }
  return s;
}

std::vector<std::pair<std::string, std::string>> nccl_settings(const SystemConfig& system) {
  auto out = system.nccl;
  for (auto& e : nccl_environment()) out.push_back(std::move(e));
  return out;
}

std::map<std::vector<int>, std::uint32_t> declare_nvls_groups(const Config& config, network::Network& net) {
  std::map<std::vector<int>, std::uint32_t> out;
  const bool flow = net.model() == NetworkModel::kFlow;
  if (config.system.collective_library != CollectiveLibrary::kNccl || (net.model() != NetworkModel::kPacket && !flow) ||
      config.network.topology.name() != "hgx_h100") {
    return out;
  }
  const auto& h = config.network.topology.params<network::HgxH100Spec>();
  if (h.gpus_per_box < 2) return out;
  // A communicator of a whole box maps to its group; one of a part of a box finds none and runs
  // without NVLS (NCCL would create a multicast object for it; docs/nccl.md §9).
  for (int b = 0; b < h.boxes; ++b) {
    std::vector<int> members;
    for (int g = 0; g < h.gpus_per_box; ++g) members.push_back(b * h.gpus_per_box + g);
    // The flow model moves no packets: the groups only tell NCCL's choice that NVLS is there (its
    // measurements run on the packet network, which declares them for real).
    out.emplace(members, flow ? static_cast<std::uint32_t>(b) : net.add_multicast_group(members));
  }
  return out;
}

std::unique_ptr<nc::NcclContext> make_nccl_context(const Config& config,
                                                   std::map<std::vector<int>, std::uint32_t> multicast) {
  nc::NcclSystem base = nccl_system(config.network, config.system.nccl_gpu);
  nc::NcclOptions options;
  for (const auto& [name, value] : config.system.nccl) nc::set_option(options, name, value, "system.nccl");
  for (const auto& [name, value] : nccl_environment()) nc::set_option(options, name, value, "environment");
  return std::make_unique<nc::NcclContext>(
      base, std::move(options), nc::gpu_timing(config.system.nccl_gpu, base.cpu == nc::CpuVendor::kAmd),
      std::move(multicast));
}

}  // namespace tessera::runtime
