// The flow model's collectives (flow.hpp). Member k of a collective starts at t_k, asks the oracle
// for the call's idle-network timing and its own slowdown from the load already on its ports, and
// tells the coordinator (member 0) both; member 0 knows when the last member started (T0) and the
// largest slowdown S, and tells member k to finish at T0 + S x finish_k: a collective moves at the
// pace of its slowest member, as NCCL's rings and trees do. The control messages travel with the
// route latency, which both ends know, so the coordinator recovers t_k exactly.
#include "tessera/collective/nccl/flow.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "tessera/error.hpp"

namespace tessera::collective::nccl {

namespace {
constexpr std::uint32_t kArrive = 0;  // bit 4 of the sequence
constexpr std::uint32_t kDone = 1;
constexpr std::int64_t kOne = std::int64_t{1} << kFlowFixedBits;
}  // namespace

// ---------------------------------------------------------------------------------------------
// FlowPorts

double FlowPorts::load(FlowPort port, SimTime now) {
  std::erase_if(uses_, [now](const Use& u) { return u.end <= now; });
  double sum = 0;
  for (const Use& u : uses_)
    if (u.port == port) sum += u.share;
  return sum;
}

std::uint64_t FlowPorts::add(FlowPort port, double share, SimTime end) {
  uses_.push_back(Use{next_, port, share, end});
  return next_++;
}

void FlowPorts::set_end(std::uint64_t id, SimTime end) {
  for (Use& u : uses_)
    if (u.id == id) u.end = end;
}

double FlowPorts::slowdown(std::initializer_list<PortShare> shares, SimTime now) {
  // Shares add on a port; above 1 every use of it gets its fair part of the rate, so a new use
  // takes (load + its share) times as long as it would alone.
  double s = 1.0;
  for (const PortShare& p : shares)
    if (p.share > 0) s = std::max(s, load(p.port, now) + p.share);
  return s;
}

// ---------------------------------------------------------------------------------------------
// FlowRunner

struct FlowRunner::Collective {
  bool started = false;
  std::uint64_t stream = 0;
  CollectiveId id = 0;
  std::shared_ptr<const std::vector<NpuId>> members;
  int position = 0;
  const FlowTiming* timing = nullptr;
  std::vector<std::uint64_t> uses;  // this call's entries in the port ledger
  // Coordinator: arrivals so far (early ones before this NPU started included).
  int arrivals = 0;
  SimTime t0 = 0;
  std::int64_t slowdown = kOne;
  int timers = 0;         // DONE timers still to fire (the coordinator's)
  bool finished = false;  // this NPU's part is over
};

FlowRunner::FlowRunner(CollectiveHost& host, FlowOracle& oracle, FlowPorts& ports, NpuId self)
    : host_(host), oracle_(oracle), ports_(ports), self_(self) {}

FlowRunner::~FlowRunner() = default;

FlowRunner::Collective& FlowRunner::touch(std::uint64_t stream) {
  auto& slot = streams_[stream];
  if (!slot) {
    slot = std::make_unique<Collective>();
    slot->stream = stream;
  }
  return *slot;
}

void FlowRunner::start(std::uint64_t stream, CollectiveId id, CollectiveType type, Bytes bytes,
                       std::shared_ptr<const std::vector<NpuId>> members, int position) {
  Collective& c = touch(stream);
  c.started = true;
  c.id = id;
  c.position = position;
  c.members = std::move(members);
  ++running_;
  c.timing = &oracle_.time(FlowCall{type, bytes, c.members.get()});
  const auto k = static_cast<std::size_t>(position);
  const SimTime now = host_.now();
  const double nvl = c.timing->nvlink_share[k], nic = c.timing->nic_share[k];
  // Rings and trees receive what they send: the same share in and out.
  const double s = ports_.slowdown({{FlowPort::kNvlinkOut, nvl},
                                    {FlowPort::kNvlinkIn, nvl},
                                    {FlowPort::kNicOut, nic},
                                    {FlowPort::kNicIn, nic}},
                                   now);
  const std::int64_t fixed = flow_fixed(s);
  const SimTime guess = now + static_cast<SimTime>(static_cast<double>(c.timing->finish[k]) * s);
  for (FlowPort p : {FlowPort::kNvlinkOut, FlowPort::kNvlinkIn})
    if (nvl > 0) c.uses.push_back(ports_.add(p, nvl, guess));
  for (FlowPort p : {FlowPort::kNicOut, FlowPort::kNicIn})
    if (nic > 0) c.uses.push_back(ports_.add(p, nic, guess));
  if (position == 0) {
    arrived(c, 0, now, fixed);
    return;
  }
  MessageTag tag;
  tag.stream = stream;
  tag.seq = static_cast<std::uint32_t>(fixed) << 5 | kArrive << 4 | kKind;
  host_.send_control((*c.members)[0], tag);
}

void FlowRunner::arrived(Collective& c, int position, SimTime start, std::int64_t slowdown) {
  (void)position;
  c.t0 = c.arrivals == 0 ? start : std::max(c.t0, start);
  c.slowdown = c.arrivals == 0 ? slowdown : std::max(c.slowdown, slowdown);
  ++c.arrivals;
  if (!c.started || c.arrivals < static_cast<int>(c.members->size())) return;
  for (int k = 0; k < static_cast<int>(c.members->size()); ++k) send_done(c, k);
}

void FlowRunner::send_done(Collective& c, int position) {
  const auto k = static_cast<std::size_t>(position);
  // finish x slowdown / 2^bits, exactly and without overflow: the whole units of 2^bits ps
  // scaled, plus the remainder's scaled part rounded down.
  const SimTime f = c.timing->finish[k];
  constexpr SimTime kUnit = SimTime{1} << kFlowFixedBits;
  const SimTime end =
      c.t0 + (f >> kFlowFixedBits) * c.slowdown + ((f & (kUnit - 1)) * c.slowdown >> kFlowFixedBits);
  const NpuId dst = (*c.members)[k];
  const SimTime lead = dst == self_ ? 0 : host_.control_delay(self_, dst);
  const SimTime at = std::max(host_.now(), end - lead);
  if (at > host_.now() || dst == self_) {
    std::uint32_t t;
    if (!free_timers_.empty()) {
      t = free_timers_.back();
      free_timers_.pop_back();
      timers_[t] = {c.stream, position};
    } else {
      t = static_cast<std::uint32_t>(timers_.size());
      timers_.emplace_back(c.stream, position);
    }
    ++c.timers;
    host_.schedule_after(at - host_.now(), kTimerBase + t);
    return;
  }
  MessageTag tag;
  tag.stream = c.stream;
  tag.seq = kDone << 4 | kKind;
  host_.send_control(dst, tag);
}

void FlowRunner::on_timer(TimerToken token) {
  const auto t = static_cast<std::uint32_t>(token - kTimerBase);
  const auto [stream, position] = timers_[t];
  free_timers_.push_back(t);
  const auto it = streams_.find(stream);
  if (it == streams_.end()) throw Error("flow model: a timer of a finished collective");
  Collective& c = *it->second;
  --c.timers;
  const NpuId dst = (*c.members)[static_cast<std::size_t>(position)];
  if (dst == self_) {
    finish(c);
    return;
  }
  MessageTag tag;
  tag.stream = stream;
  tag.seq = kDone << 4 | kKind;
  host_.send_control(dst, tag);
  if (c.finished && c.timers == 0) streams_.erase(stream);
}

void FlowRunner::on_message(NpuId src, const MessageTag& tag) {
  const std::uint32_t what = (tag.seq >> 4) & 1;
  Collective& c = touch(tag.stream);
  if (what == kArrive) {
    // The sender started one control latency ago.
    const SimTime start = host_.now() - host_.control_delay(src, self_);
    arrived(c, -1, start, static_cast<std::int64_t>(tag.seq >> 5));
    return;
  }
  if (!c.started) throw Error("flow model: a collective ended before this NPU started it");
  finish(c);
}

void FlowRunner::finish(Collective& c) {
  const SimTime now = host_.now();
  for (std::uint64_t u : c.uses) ports_.set_end(u, now);
  const CollectiveId id = c.id;
  --running_;
  c.finished = true;
  if (c.timers == 0) streams_.erase(c.stream);
  host_.collective_finished(id);  // may start the next one
}

std::string FlowRunner::stall_report() const {
  std::string out;
  for (const auto& [stream, c] : streams_) {
    if (!c->started || c->finished) continue;
    out += c->position == 0 ? fmt::format("flow collective {:#x}: {} of {} members started;", stream,
                                          c->arrivals, c->members->size())
                            : fmt::format("flow collective {:#x}: waiting for member 0's end;", stream);
  }
  return out;
}

}  // namespace tessera::collective::nccl
