#include "tessera/pdes/graph.hpp"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

namespace tessera::pdes {

std::optional<LpId> Graph::find(std::string_view name) const {
  const auto it = std::lower_bound(names_.begin(), names_.end(), name,
                                   [](const std::string& a, std::string_view b) { return a < b; });
  if (it == names_.end() || *it != name) return std::nullopt;
  return static_cast<LpId>(it - names_.begin());
}

std::string Graph::channel_name(const Channel& c) const {
  return fmt::format("{}:{} -> {}:{}", names_[c.from], c.from_port, names_[c.to], c.to_port);
}

void GraphBuilder::add_lp(std::string name, std::int64_t weight, std::string group) {
  if (name.empty()) {
    problems_.push_back(
        {"", 0, "graph", "a logical process has an empty name", "give every LP a unique name"});
    return;
  }
  if (weight < 0) {
    problems_.push_back({"", 0, name, fmt::format("weight {} is negative", weight), "use a weight >= 0"});
  }
  const auto [it, inserted] = index_.emplace(name, static_cast<std::uint32_t>(lps_.size()));
  if (!inserted) {
    problems_.push_back({"", 0, name, "logical process name used twice", "LP names must be unique"});
    return;
  }
  lps_.push_back({std::move(name), weight, std::move(group)});
}

std::uint32_t GraphBuilder::lookup(std::string_view name, std::string_view role) {
  const auto it = index_.find(std::string(name));
  if (it != index_.end()) return it->second;
  problems_.push_back({"", 0, std::string(name),
                       fmt::format("{} of a channel is not a logical process", role),
                       "add_lp() it before connecting it"});
  return UINT32_MAX;
}

void GraphBuilder::connect(std::string_view from, LocalPort from_port, std::string_view to, LocalPort to_port,
                           SimTime latency) {
  const std::uint32_t f = lookup(from, "source");
  const std::uint32_t t = lookup(to, "target");
  const std::string label = fmt::format("{}:{} -> {}:{}", from, from_port, to, to_port);
  bool ok = f != UINT32_MAX && t != UINT32_MAX;
  if (latency < 0) {
    problems_.push_back({"", 0, label, fmt::format("negative latency {} ps", latency), "use a latency >= 0"});
    ok = false;
  }
  if (from_port > kMaxLocalPort || to_port > kMaxLocalPort) {
    problems_.push_back(
        {"", 0, label, fmt::format("port number above {}", kMaxLocalPort), "number ports densely from 0"});
    ok = false;
  }
  if (ok) channels_.push_back({f, t, from_port, to_port, latency});
}

void GraphBuilder::connect_both(std::string_view a, LocalPort a_port, std::string_view b, LocalPort b_port,
                                SimTime latency) {
  connect(a, a_port, b, b_port, latency);
  connect(b, b_port, a, a_port, latency);
}

void GraphBuilder::set_direct_send_min_delay(SimTime delay) {
  if (delay < 0) {
    problems_.push_back(
        {"", 0, "direct send delay", fmt::format("negative minimum delay {} ps", delay), "use a delay >= 0"});
    return;
  }
  direct_min_delay_ = delay;
}

Graph GraphBuilder::build() && {
  std::vector<Diagnostic> problems = std::move(problems_);
  const std::size_t n = lps_.size();
  if (n >= kNoLp) problems.push_back({"", 0, "graph", "too many logical processes", ""});

  // Ids come from the sorted names, never from insertion order.
  std::vector<std::uint32_t> by_name(n);
  std::iota(by_name.begin(), by_name.end(), 0u);
  std::sort(by_name.begin(), by_name.end(),
            [&](std::uint32_t a, std::uint32_t b) { return lps_[a].name < lps_[b].name; });
  std::vector<LpId> id_of(n);
  for (std::size_t i = 0; i < n; ++i) id_of[by_name[i]] = static_cast<LpId>(i);

  Graph g;
  g.names_.resize(n);
  g.weights_.resize(n);
  g.groups_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    PendingLp& lp = lps_[by_name[i]];
    g.names_[i] = std::move(lp.name);
    g.weights_[i] = lp.weight;
    g.groups_[i] = std::move(lp.group);
  }

  g.channels_.reserve(channels_.size());
  for (const PendingChannel& c : channels_) {
    g.channels_.push_back({id_of[c.from], c.from_port, id_of[c.to], c.to_port, c.latency});
  }
  std::sort(g.channels_.begin(), g.channels_.end(), [](const Channel& a, const Channel& b) {
    return a.from != b.from ? a.from < b.from : a.from_port < b.from_port;
  });
  for (std::size_t i = 1; i < g.channels_.size(); ++i) {
    const Channel& a = g.channels_[i - 1];
    const Channel& b = g.channels_[i];
    if (a.from == b.from && a.from_port == b.from_port) {
      problems.push_back(
          {"", 0, fmt::format("{}:{}", g.names_[b.from], b.from_port),
           fmt::format("output port carries two channels ({} and {})", g.channel_name(a), g.channel_name(b)),
           "give each channel its own port number"});
    }
  }
  {
    std::vector<std::pair<LpId, LocalPort>> inputs;
    inputs.reserve(g.channels_.size());
    for (const Channel& c : g.channels_) inputs.emplace_back(c.to, c.to_port);
    std::sort(inputs.begin(), inputs.end());
    for (std::size_t i = 1; i < inputs.size(); ++i) {
      if (inputs[i] == inputs[i - 1]) {
        problems.push_back({"", 0, fmt::format("{}:{}", g.names_[inputs[i].first], inputs[i].second),
                            "input port receives two channels", "give each channel its own port number"});
      }
    }
  }
  if (n + g.channels_.size() >= kNoPort) problems.push_back({"", 0, "graph", "too many ports", ""});
  if (!problems.empty()) throw InputError(std::move(problems));

  // Dense global ports: each LP's self port, then its output ports in local-number order.
  g.port_base_.resize(n + 1);
  g.port_map_base_.resize(n + 1);
  g.port_owner_.reserve(n + g.channels_.size());
  std::size_t ci = 0;
  std::uint32_t map_size = 0;
  for (std::size_t l = 0; l < n; ++l) {
    g.port_base_[l] = static_cast<PortId>(g.port_owner_.size());
    g.port_owner_.push_back(static_cast<LpId>(l));
    g.port_map_base_[l] = map_size;
    std::uint32_t max_port = 0;
    bool any = false;
    for (; ci < g.channels_.size() && g.channels_[ci].from == l; ++ci) {
      g.port_owner_.push_back(static_cast<LpId>(l));
      max_port = g.channels_[ci].from_port;  // sorted, so the last one is the largest
      any = true;
    }
    if (any) {
      g.port_map_.resize(map_size + max_port + 1, kNoPort);
      map_size += max_port + 1;
    }
  }
  g.port_base_[n] = static_cast<PortId>(g.port_owner_.size());
  g.port_map_base_[n] = map_size;
  for (std::size_t i = 0; i < g.channels_.size(); ++i) {
    const Channel& c = g.channels_[i];
    g.port_map_[g.port_map_base_[c.from] + c.from_port] = g.port_of_channel(i);
  }
  g.direct_min_delay_ = direct_min_delay_;
  lps_.clear();
  index_.clear();
  channels_.clear();
  return g;
}

}  // namespace tessera::pdes
