// The network-model table: every model's name and properties, read by every layer that names one.
#include "tessera/network_params.hpp"

#include <fmt/format.h>

#include "tessera/did_you_mean.hpp"
#include "tessera/error.hpp"

namespace tessera {

const std::vector<NetworkModelInfo>& network_models() {
  static const std::vector<NetworkModelInfo> kModels{
      {NetworkModel::kPacket, "packet", true, false, true, "per-hop links (NIC and switch output ports)"},
      {NetworkModel::kAstraCongestionAware, "astra-congestion-aware", false, true, true,
       "its per-link FIFO queues (whole messages)"},
      {NetworkModel::kAstraCongestionUnaware, "astra-congestion-unaware", false, true, false,
       "every message takes a closed-form delay"},
      {NetworkModel::kFlow, "flow", false, false, false,
       "collectives are timed whole and messages take a closed-form delay, so no link carries traffic of its own"},
  };
  return kModels;
}

const NetworkModelInfo& model_info(NetworkModel m) {
  for (const NetworkModelInfo& i : network_models()) {
    if (i.model == m) return i;
  }
  throw Error("internal: a network model without a row in network_models()");
}

const params::Names<NetworkModel>& enum_names(NetworkModel) {
  static const params::Names<NetworkModel> kNames = [] {
    params::Names<NetworkModel> n;
    for (const NetworkModelInfo& i : network_models()) n.emplace_back(i.name, i.model);
    return n;
  }();
  return kNames;
}

NetworkModel parse_network_model(std::string_view text) {
  if (auto m = params::value_named(enum_names(NetworkModel{}), text)) return *m;
  const std::vector<std::string> names = params::names_only(enum_names(NetworkModel{}));
  const std::string near = did_you_mean(std::string(text), names);
  throw InputError(Diagnostic{
      "", 0, "--network-model", fmt::format("unknown network model '{}'", text),
      near.empty() ? fmt::format("use one of: {}", params::join_names(names))
                   : fmt::format("did you mean \"{}\"? (valid: {})", near, params::join_names(names))});
}

const char* to_string(NetworkModel m) { return model_info(m).name.c_str(); }

}  // namespace tessera
