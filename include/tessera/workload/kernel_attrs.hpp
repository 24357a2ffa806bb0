// A compute kernel's description (compute::Kernel) carried as Chakra node attributes, so that a
// trace timed by the GPU compute model reads back the same kernel: ASTRA-sim's roofline keys
// `num_ops` and `tensor_size`, plus Tessera's `tessera_*` keys for the kernel class and shape
// (docs/workload.md, "Kernel attributes").
#pragma once

#include <optional>
#include <string>

#include "tessera/compute/gpu.hpp"
#include "tessera/workload/et.hpp"

namespace tessera::workload {

/// Appends the kernel's attributes to a COMP node.
void add_kernel_attributes(const compute::Kernel& kernel, EtNode& node);

/// The kernel a COMP node describes: its `tessera_kernel` attributes, or for a node with only
/// `num_ops` / `tensor_size` a roofline kernel of those FLOPs and bytes; nullopt when the node has
/// neither. A malformed attribute sets `error` (and returns nullopt).
std::optional<compute::Kernel> kernel_from_attributes(const EtNode& node, std::string& error);

}  // namespace tessera::workload
