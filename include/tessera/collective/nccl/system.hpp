// The system as NCCL sees it: what NCCL's topology detection (src/graph/topo.cc, paths.cc) would find
// on a cluster of identical nodes. Everything the graph search, the tuner and the protocol rules read
// comes from here, so one description drives channels, algorithm choice and chunking.
#pragma once

#include <string>

namespace tessera::collective::nccl {

/// GPU generation as NCCL indexes its tables (compCapIndex in src/graph/tuning.cc).
enum class GpuArch {
  kSm80,  ///< Ampere (A100)
  kSm90,  ///< Hopper (H100, H200)
};

/// x86 CPU vendor: picks llMaxBw for multi-node LL and the network post overhead
/// (src/graph/tuning.cc `getNetOverhead`, `llMaxBws`).
enum class CpuVendor { kIntel, kAmd };

/// NCCL path types, in NCCL's order (src/include/graph.h PATH_*): a larger value is a farther path.
enum class PathType { kLoc, kNvl, kNvb, kC2c, kPix, kPxb, kP2c, kPxn, kPhb, kSys, kNet, kDis };

/// A cluster of identical nodes. GPUs in a node are connected by NVLink through NVSwitches (or not at
/// all when nvlinks_per_gpu is 0 and the node has one GPU); NICs are spread evenly over the GPUs.
struct NcclSystem {
  GpuArch arch = GpuArch::kSm90;
  int gpus_per_node = 8;
  int nodes = 1;
  /// NVLinks from each GPU into the NVSwitch fabric (H100 SXM: 18, A100 SXM: 12).
  int nvlinks_per_gpu = 18;
  /// NCCL's effective bandwidth of one NVLink in GB/s; 0 takes NCCL's value for the arch
  /// (src/graph/topo.h SM80_NVLINK_BW 20.0, SM90_NVLINK_BW 20.6).
  double nvlink_gbps_per_link = 0.0;
  /// GPUs reach each other through NVSwitch (HGX/DGX boards). Required when gpus_per_node > 1.
  bool nvswitch = true;
  /// CUDA multicast objects are available (CU_DEVICE_ATTRIBUTE_MULTICAST_SUPPORTED: sm90 + NVSwitch +
  /// driver); NVLS and NVLSTree need it (src/transport/nvls.cc `ncclNvlsInit`).
  bool multicast = true;
  /// NICs per node used by NCCL (compute NICs). 0 only for a single node.
  int nics_per_node = 8;
  /// NIC port speed in Mb/s as the kernel reports it; NCCL takes speed / 8000 GB/s
  /// (src/graph/topo.cc). NDR 400 Gb/s = 400000, HDR 200 Gb/s = 200000.
  int nic_speed_mbps = 400000;
  /// PCIe link between a GPU (and its NIC) and their PCIe switch: NCCL takes width * gen speed / 80 GB/s
  /// (src/graph/topo.cc `ncclTopoAddPci`, kvDictPciGen): Gen5 x16 = 48, Gen4 x16 = 24.
  int pcie_gen = 5;
  int pcie_width = 16;
  /// Path from a NIC to the GPUs that share its PCIe switch (PIX: one switch, PXB: several bridges).
  PathType nic_path = PathType::kPix;
  /// How many GPUs share a PCIe switch with one NIC at nic_path (DGX H100: 1, DGX A100: 2).
  int gpus_per_nic_switch = 1;
  CpuVendor cpu = CpuVendor::kIntel;
  /// GPUDirect RDMA between GPU and NIC (NCCL enables it up to PXB; src/graph/paths.cc ncclTopoCheckGdr).
  bool gdr = true;

  int ranks() const { return gpus_per_node * nodes; }
  /// NCCL's per-link NVLink bandwidth (GB/s): the override or the arch constant.
  double nvlink_link_gbps() const;
  /// Sum of a GPU's NVLinks into the NVSwitch (GB/s), 0 without NVLink.
  double nvlink_gpu_gbps() const;
  /// NCCL's PCIe bandwidth of the GPU/NIC link (GB/s).
  double pcie_gbps() const;
  /// NCCL's NIC bandwidth (GB/s) = speed / 8000.
  double nic_gbps() const;
  /// Bandwidth of the path from a GPU to its closest NIC (GB/s): min(PCIe, NIC).
  double gpu_nic_gbps() const;
  /// The GPU closest to NIC `nic` (NCCL's net.localGpu): NICs are spread evenly over the GPUs.
  int nic_local_gpu(int nic) const;
};

/// Throws InputError (naming `where` and the field) when the description is inconsistent: no GPUs,
/// several GPUs without NVSwitch, several nodes without NICs, NICs not spread evenly, NVLS multicast
/// on a GPU before sm90, unknown PCIe generation.
void validate(const NcclSystem& system, const std::string& where = "nccl system");

/// DGX/HGX H100: 8 GPUs, 18 NVLink4 links into 4 NVSwitches with multicast, 8 CX-7 NDR 400 Gb/s NICs,
/// each on its GPU's PCIe Gen5 x16 switch (reference hardware-h100.md §1).
NcclSystem hgx_h100(int nodes);
/// DGX A100: 8 GPUs, 12 NVLink3 links into 6 NVSwitches (no multicast), 8 HDR 200 Gb/s NICs, two GPUs
/// and two NICs per PCIe Gen4 switch (reference nccl-model.md §7).
NcclSystem dgx_a100(int nodes);

}  // namespace tessera::collective::nccl
