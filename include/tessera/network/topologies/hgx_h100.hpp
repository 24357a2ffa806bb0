// The parameters of HGX-H100 clusters (topology "hgx_h100", src/network/topologies/hgx_h100.cpp),
// for programs that fill them directly.
#pragma once

#include "tessera/units.hpp"

namespace tessera::network {

/// HGX-H100 boxes: `gpus_per_box` GPUs on one NVSwitch fabric per box (modelled as one crossbar
/// switch; every GPU has `nvlink_bandwidth` per direction into it), and one NIC per GPU into a
/// leaf-spine InfiniBand fat-tree (hosts = all GPUs, in id order, so consecutive boxes share leaves).
struct HgxH100Spec {
  int boxes = 1;
  int gpus_per_box = 8;                         ///< 1..8
  Bandwidth nvlink_bandwidth{450'000'000'000};  ///< per GPU per direction (18 links x 25 GB/s)
  SimTime nvlink_latency = 936'250;             ///< GPU<->NVSwitch link (ASTRA-sim HGX calibration)
  SimTime nvswitch_latency = 0;                 ///< extra NVSwitch forwarding (included above by default)
  /// One ConnectX-7 per GPU; must equal gpus_per_box when boxes > 1.
  int nics_per_box = 8;
  Bandwidth nic_bandwidth{50'000'000'000};        ///< per NIC per direction (NDR 400 Gb/s)
  SimTime ib_link_latency = 100 * kNanosecond;    ///< per IB link
  SimTime ib_switch_latency = 200 * kNanosecond;  ///< per IB switch traversal
  double ib_oversubscription = 1.0;               ///< leaf down:up port ratio (>= 1)
  int ib_switch_radix = 64;                       ///< ports per IB switch (Quantum-2: 64 x NDR)
};

}  // namespace tessera::network
