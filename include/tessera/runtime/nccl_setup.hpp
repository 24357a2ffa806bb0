// The NCCL model's per-rank setup (collective_library: nccl): the cluster as NCCL sees it, derived
// from the network configuration, the NCCL options (the configuration's `nccl:` settings, then the
// environment's NCCL_* variables), the GPU's costs and the network's multicast groups.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tessera/collective/nccl/executor.hpp"
#include "tessera/config.hpp"
#include "tessera/network/network.hpp"

namespace tessera::runtime {

/// The NCCL_* variables of the process environment that the NCCL model reads, sorted by name.
std::vector<std::pair<std::string, std::string>> nccl_environment();

/// NCCL's view of the network: InputError (naming network.topology) unless it is hgx_h100.
collective::nccl::NcclSystem nccl_system(const NetworkConfig& network, collective::NcclGpu gpu);

/// Every setting the run applies, in order: the configuration's, then the environment's.
std::vector<std::pair<std::string, std::string>> nccl_settings(const SystemConfig& system);

/// The NVSwitch multicast groups NCCL's NVLS uses: with collective_library nccl on the packet
/// model, one group per HGX box (all its GPUs, sorted), declared on `net` (before bind). Returns
/// sorted members -> group id for make_nccl_context; empty otherwise (NVLS then is off).
std::map<std::vector<int>, std::uint32_t> declare_nvls_groups(const Config& config, network::Network& net);

std::unique_ptr<collective::nccl::NcclContext> make_nccl_context(
    const Config& config, std::map<std::vector<int>, std::uint32_t> multicast);

}  // namespace tessera::runtime
