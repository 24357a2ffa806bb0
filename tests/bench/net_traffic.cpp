#include "net_traffic.hpp"

#include <algorithm>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "tessera/network/nic.hpp"
#include "tessera/network/switch_lp.hpp"

namespace tessera::bench {

namespace {

constexpr pdes::EventKind kSend = 1;  // self event: send message i of this NPU's list

class TrafficNpu final : public pdes::LogicalProcess, public network::NicOwner {
 public:
  TrafficNpu(const network::Network& net, int npu, const TrafficSpec& spec, std::vector<std::size_t> mine)
      : nic_(net, npu, *this), npu_(npu), n_(net.num_npus()), spec_(spec), mine_(std::move(mine)) {}
  void init(pdes::Context& ctx) override {
    for (std::size_t k = 0; k < mine_.size(); ++k) {
      pdes::Payload p{};
      p.set_word(0, k);
      ctx.schedule(spec_.messages[mine_[k]].at, kSend, p);
    }
    if (spec_.ring_rounds > 0) send(ctx, (npu_ + 1) % n_, spec_.ring_bytes, 0);
    if (spec_.all_to_all_bytes > 0) {
      for (int k = 1; k < n_; ++k)
        send(ctx, (npu_ + k) % n_, spec_.all_to_all_bytes, static_cast<std::uint64_t>(k));
    }
  }
  void handle(const pdes::Event& ev, pdes::Context& ctx) override {
    if (network::is_network_event(ev.kind)) {
      nic_.handle(ev, ctx);
      return;
    }
    const TrafficMessage& m = spec_.messages[mine_[ev.payload.word(0)]];
    const auto group = static_cast<std::uint32_t>(m.dst);
    if (m.op == TrafficMessage::kMulticast) {
      nic_.multicast(ctx, group, m.bytes, m.tag);
    } else if (m.op == TrafficMessage::kSwitchReduce) {
      nic_.switch_reduce(ctx, group, m.bytes, m.tag);
    } else {
      send(ctx, m.dst, m.bytes, m.tag);
    }
  }
  bool finished() const override { return nic_.idle(); }
  std::string stall_report() const override { return nic_.stall_report(); }

  void on_message_arrived(pdes::Context& ctx, const network::ArrivedMessage& m) override {
    ++arrivals_;
    last_ = std::max(last_, m.time);
    if (spec_.collect) records_[{m.src, m.tag, npu_}].arrived = m.time;
    if (spec_.ring_rounds > 0 && m.src == (npu_ + n_ - 1) % n_ &&
        static_cast<int>(m.tag) + 1 < spec_.ring_rounds) {
      send(ctx, (npu_ + 1) % n_, spec_.ring_bytes, m.tag + 1);
    }
  }
  void on_message_injected(pdes::Context& ctx, const network::SentMessage& m) override {
    if (spec_.collect) records_[{npu_, m.tag, m.dst}].injected = ctx.now();
  }
  void on_message_delivered(pdes::Context& ctx, const network::SentMessage& m) override {
    if (spec_.collect) records_[{npu_, m.tag, m.dst}].delivered = ctx.now();
  }

  const network::Nic& nic() const { return nic_; }
  std::uint64_t arrivals_ = 0;
  SimTime last_ = 0;
  // (src, tag, dst) -> record; filled partly by the sender, partly by the receiver.
  std::map<std::tuple<int, std::uint64_t, int>, Delivery> records_;

 private:
  void send(pdes::Context& ctx, int dst, Bytes bytes, std::uint64_t tag) {
    nic_.send_message(ctx, dst, bytes, tag);
  }
  network::Nic nic_;
  int npu_, n_;
  const TrafficSpec& spec_;
  std::vector<std::size_t> mine_;
};

std::string serialize(const std::map<std::tuple<int, std::uint64_t, int>, Delivery>& recs) {
  std::string out;
  for (const auto& [k, d] : recs) {
    out += fmt::format("{} {} {} {} {} {}\n", std::get<0>(k), std::get<1>(k), std::get<2>(k), d.arrived,
                       d.injected, d.delivered);
  }
  return out;
}

}  // namespace

TrafficResult run_traffic(const TrafficSpec& spec, pdes::Transport& transport) {
  network::Network net(spec.topology, spec.model, spec.packet);
  for (const auto& g : spec.multicast_groups) net.add_multicast_group(g);
  pdes::GraphBuilder builder;
  net.add_to_graph(builder);
  const pdes::Graph graph = std::move(builder).build();
  net.bind(graph);
  const pdes::Partition part = spec.placement == "round-robin"
                                   ? pdes::partition_round_robin(graph, transport.size())
                                   : pdes::partition_auto(graph, transport.size());
  pdes::Engine engine(graph, part, transport);
  std::vector<std::vector<std::size_t>> by_src(static_cast<std::size_t>(net.num_npus()));
  for (std::size_t i = 0; i < spec.messages.size(); ++i) {
    by_src.at(static_cast<std::size_t>(spec.messages[i].src)).push_back(i);
  }
  std::vector<TrafficNpu*> npus;
  std::vector<network::SwitchLp*> switches;
  engine.instantiate([&](pdes::LpId lp) -> std::unique_ptr<pdes::LogicalProcess> {
    if (net.is_switch_lp(lp)) {
      auto s = net.make_switch(lp);
      switches.push_back(static_cast<network::SwitchLp*>(s.get()));
      return s;
    }
    const auto npu = static_cast<int>(net.node_of(lp));
    auto n = std::make_unique<TrafficNpu>(net, npu, spec, std::move(by_src[static_cast<std::size_t>(npu)]));
    npus.push_back(n.get());
    return n;
  });
  TrafficResult r;
  r.run = engine.run();
  r.lookahead = part.lookahead;

  std::int64_t msgs = 0, last = 0, packets = 0, bytes = 0;
  std::vector<const std::vector<network::LinkStats>*> stats;
  for (auto* n : npus) {
    msgs += static_cast<std::int64_t>(n->arrivals_);
    last = std::max<std::int64_t>(last, n->last_);
    stats.push_back(&n->nic().link_stats());
  }
  for (auto* s : switches) stats.push_back(&s->link_stats());
  for (const auto* v : stats) {
    for (const auto& l : *v) {
      packets += static_cast<std::int64_t>(l.packets);
      bytes += l.bytes;
    }
  }
  r.messages = static_cast<std::uint64_t>(transport.all_reduce_sum(msgs));
  r.last_arrival = transport.all_reduce_max(last);
  r.packets_sent = static_cast<std::uint64_t>(transport.all_reduce_sum(packets));
  r.bytes_sent = transport.all_reduce_sum(bytes);
  if (!spec.collect) return r;

  // Records: merge the sender's and the receiver's halves from every rank.
  std::map<std::tuple<int, std::uint64_t, int>, Delivery> merged;
  std::string mine;
  for (auto* n : npus) mine += serialize(n->records_);
  for (const std::string& text : transport.all_gather(mine)) {
    std::istringstream in(text);
    int s, d;
    std::uint64_t tag;
    SimTime a, i, dl;
    while (in >> s >> tag >> d >> a >> i >> dl) {
      Delivery& x = merged[{s, tag, d}];
      x.src = s;
      x.dst = d;
      x.tag = tag;
      x.arrived = std::max(x.arrived, a);
      x.injected = std::max(x.injected, i);
      x.delivered = std::max(x.delivered, dl);
    }
  }
  for (const TrafficMessage& m : spec.messages) {
    if (m.op != TrafficMessage::kSend) {
      // Group operations: every record of (src, tag) is this operation's (each member's copy,
      // or the reduction's result at the requester).
      for (auto& [k, d] : merged) {
        if (std::get<0>(k) == m.src && std::get<1>(k) == m.tag) d.bytes = m.bytes;
      }
      continue;
    }
    auto it = merged.find({m.src, m.tag, m.dst});
    if (it != merged.end()) it->second.bytes = m.bytes;
  }
  for (auto& [k, d] : merged) r.deliveries.push_back(d);

  std::string links;
  for (const auto* v : stats) {
    for (const auto& l : *v) {
      links += fmt::format("{} {} {} {} {} {} {} {} {} {}", l.from, l.port, l.to, l.bytes, l.packets, l.busy,
                           l.max_queue_bytes, l.credit_stall, l.bin_width, l.bins.size());
      for (Bytes b : l.bins) links += fmt::format(" {}", b);
      for (SimTime t : l.busy_bins) links += fmt::format(" {}", t);
      links += '\n';
    }
  }
  for (const std::string& text : transport.all_gather(links)) {
    std::istringstream in(text);
    network::LinkStats l;
    std::size_t nbins = 0;
    while (in >> l.from >> l.port >> l.to >> l.bytes >> l.packets >> l.busy >> l.max_queue_bytes >>
           l.credit_stall >> l.bin_width >> nbins) {
      l.bins.assign(nbins, 0);
      for (Bytes& b : l.bins) in >> b;
      l.busy_bins.assign(nbins, 0);
      for (SimTime& t : l.busy_bins) in >> t;
      r.links.push_back(l);
    }
  }
  std::sort(r.links.begin(), r.links.end(), [](const auto& a, const auto& b) {
    return a.from != b.from ? a.from < b.from : a.port < b.port;
  });
  return r;
}

std::string TrafficResult::fingerprint() const {
  std::string out = fmt::format("messages {} last {} packets {} bytes {}\n", messages, last_arrival,
                                packets_sent, bytes_sent);
  for (const Delivery& d : deliveries) {
    out += fmt::format("msg {}->{} tag {} arrived {} injected {} delivered {}\n", d.src, d.dst, d.tag,
                       d.arrived, d.injected, d.delivered);
  }
  for (const auto& l : links) {
    out += fmt::format("link {}:{}->{} bytes {} packets {} busy {} maxq {} stall {}", l.from, l.port, l.to,
                       l.bytes, l.packets, l.busy, l.max_queue_bytes, l.credit_stall);
    for (Bytes b : l.bins) out += fmt::format(" {}", b);
    out += '\n';
  }
  return out;
}

}  // namespace tessera::bench
