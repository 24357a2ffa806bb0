// Names of the network parameter enumerations, shared by the configuration and network layers.
#include "tessera/network_params.hpp"

namespace tessera {

const char* to_string(DimensionKind k) {
  switch (k) {
    case DimensionKind::kRing:
      return "Ring";
    case DimensionKind::kFullyConnected:
      return "FullyConnected";
    case DimensionKind::kSwitch:
      return "Switch";
  }
  return "?";
}

const char* to_string(TopologyKind k) {
  switch (k) {
    case TopologyKind::kDimensions:
      return "dimensions";
    case TopologyKind::kFatTree:
      return "fat_tree";
    case TopologyKind::kTorus:
      return "torus";
    case TopologyKind::kHgxH100:
      return "hgx_h100";
  }
  return "?";
}

const char* to_string(NetworkModel m) {
  switch (m) {
    case NetworkModel::kAstraCongestionAware:
      return "astra-congestion-aware";
    case NetworkModel::kAstraCongestionUnaware:
      return "astra-congestion-unaware";
    case NetworkModel::kPacket:
      return "packet";
  }
  return "?";
}

}  // namespace tessera
