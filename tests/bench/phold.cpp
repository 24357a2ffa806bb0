#include "phold.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

#include <fmt/format.h>

namespace tessera::bench {

using pdes::Context;
using pdes::Event;
using pdes::LpId;
using pdes::Payload;

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

struct Record {
  SimTime time;
  LpId lp;
  std::uint32_t index;  // position in this LP's handling order
  std::uint16_t kind;
  std::uint64_t hash;
};

std::uint64_t hash_event(const Event& ev) {
  std::uint64_t h =
      splitmix64(static_cast<std::uint64_t>(ev.time)) ^ ev.kind ^ (std::uint64_t{ev.port} << 16);
  for (std::size_t i = 0; i < 5; ++i) h = splitmix64(h ^ ev.payload.word(i));
  return h;
}

/// Base of both models: the deterministic per-LP random stream and the fingerprint.
class RecordingLp : public pdes::LogicalProcess {
 public:
  RecordingLp(const PholdConfig& cfg, LpId id) : cfg_(cfg), id_(id) {}
  const std::vector<Record>& records() const { return records_; }
  std::uint64_t count() const { return count_; }
  std::uint64_t chain() const { return chain_; }

 protected:
  // splitmix64 of (seed, lp id, draw number): the same stream wherever the LP runs.
  std::uint64_t next_random() {
    return splitmix64(cfg_.seed * 0x100000001B3ull ^ (std::uint64_t{id_} << 40) ^ draws_++);
  }
  double uniform() { return static_cast<double>(next_random() >> 11) * 0x1.0p-53; }
  SimTime exponential(SimTime mean) {
    return static_cast<SimTime>(-static_cast<double>(mean) * std::log1p(-uniform()));
  }
  void note(const Event& ev) {
    ++count_;
    const std::uint64_t h = hash_event(ev);
    chain_ = splitmix64(chain_ ^ h);
    if (cfg_.record)
      records_.push_back({ev.time, id_, static_cast<std::uint32_t>(records_.size()), ev.kind, h});
  }

  const PholdConfig& cfg_;
  LpId id_;

 private:
  std::uint64_t draws_ = 0;
  std::uint64_t count_ = 0;
  std::uint64_t chain_ = 0;
  std::vector<Record> records_;
};

std::uint32_t initial_events(const PholdConfig& cfg, LpId id) {
  const std::uint64_t base = cfg.population / cfg.lps;
  return static_cast<std::uint32_t>(base + (id < cfg.population % cfg.lps ? 1 : 0));
}

class PholdLp final : public RecordingLp {
 public:
  PholdLp(const PholdConfig& cfg, LpId id) : RecordingLp(cfg, id), per_group_(cfg.lps / cfg.groups) {}

  void init(Context& ctx) override {
    for (std::uint32_t i = initial_events(cfg_, id_); i > 0; --i) {
      Payload p{};
      p.set_word(0, id_);
      ctx.schedule(exponential(cfg_.mean_delay), 1, p);
    }
  }

  void handle(const Event& ev, Context& ctx) override {
    note(ev);
    const std::uint32_t group = id_ / per_group_;
    std::uint32_t target_group = group;
    if (cfg_.groups > 1 && uniform() < cfg_.remote_fraction) {
      target_group =
          (group + 1 + static_cast<std::uint32_t>(next_random() % (cfg_.groups - 1))) % cfg_.groups;
    }
    const LpId target = target_group * per_group_ + static_cast<LpId>(next_random() % per_group_);
    Payload p = ev.payload;
    p.set_word(1, p.word(1) + 1);  // hop count
    ctx.send_direct(target, cfg_.lookahead + exponential(cfg_.mean_delay), 1, p);
  }

 private:
  std::uint32_t per_group_;
};

// The mix model's channels: ring links on ports 0 (next) / 1 (previous), 50 ns; chords to the LP
// half way round on port 2, 80 ns. Direct sends need >= 40 ns. All delays are multiples of 10 ns.
constexpr SimTime kQuantum = 10 * kNanosecond;
constexpr SimTime kRingLatency = 50 * kNanosecond;
constexpr SimTime kChordLatency = 80 * kNanosecond;
constexpr SimTime kDirectMin = 40 * kNanosecond;

class MixLp final : public RecordingLp {
 public:
  using RecordingLp::RecordingLp;

  void init(Context& ctx) override {
    for (std::uint32_t i = initial_events(cfg_, id_); i > 0; --i) {
      Payload p{};
      p.set_word(0, id_);
      p.set_word(2, i);
      ctx.schedule(static_cast<SimTime>(next_random() % 4) * kQuantum, 1, p,
                   static_cast<pdes::Priority>(i % 3));
    }
  }

  void handle(const Event& ev, Context& ctx) override {
    note(ev);
    if (ev.kind == 2) return;  // a zero-delay side event: ends here
    Payload p = ev.payload;
    p.set_word(1, p.word(1) + 1);
    p.set_word(3, ctx.sender(ev));
    p.set_word(4, ev.port);
    const auto prio = static_cast<pdes::Priority>(next_random() % 3);
    const SimTime extra = static_cast<SimTime>(next_random() % 3) * kQuantum;
    switch (next_random() % 4) {
      case 0:
        ctx.send(0, 1, p, extra, prio);
        break;
      case 1:
        ctx.send(1, 1, p, extra, prio);
        break;
      case 2:
        ctx.send(2, 1, p, extra, prio);
        break;
      default: {
        const auto target = static_cast<LpId>(next_random() % cfg_.lps);
        ctx.send_direct(target, kDirectMin + extra, 1, p, prio);
      }
    }
    if (next_random() % 8 == 0) ctx.schedule(0, 2, p, static_cast<pdes::Priority>(next_random() % 4));
  }
};

}  // namespace

pdes::Graph build_graph(const PholdConfig& cfg) {
  pdes::GraphBuilder b;
  if (cfg.model == "phold") {
    if (cfg.groups == 0 || cfg.lps % cfg.groups != 0) {
      throw InputError(
          Diagnostic{"", 0, "--groups", "the LP count must be a multiple of the group count", ""});
    }
    const std::uint32_t per = cfg.lps / cfg.groups;
    // Added in reverse so the test of sorted-name ids is not trivially satisfied.
    for (std::uint32_t i = cfg.lps; i-- > 0;) {
      b.add_lp(fmt::format("g{:04}/lp{:07}", i / per, i % per), 1, fmt::format("g{:04}", i / per));
    }
    b.set_direct_send_min_delay(cfg.lookahead);
  } else if (cfg.model == "mix") {
    const std::uint32_t n = cfg.lps;
    for (std::uint32_t i = n; i-- > 0;) b.add_lp(fmt::format("n{:05}", i));
    for (std::uint32_t i = 0; i < n; ++i) {
      b.connect_both(fmt::format("n{:05}", i), 0, fmt::format("n{:05}", (i + 1) % n), 1, kRingLatency);
      b.connect(fmt::format("n{:05}", i), 2, fmt::format("n{:05}", (i + n / 2) % n), 2, kChordLatency);
    }
    b.set_direct_send_min_delay(kDirectMin);
  } else {
    throw InputError(Diagnostic{"", 0, "--model", "unknown model '" + cfg.model + "'", "use phold or mix"});
  }
  return std::move(b).build();
}

PholdRun run_model(const PholdConfig& cfg, pdes::Transport& transport) {
  const pdes::Graph graph = build_graph(cfg);
  pdes::Partition part;
  if (cfg.placement == "auto") {
    part = pdes::partition_auto(graph, transport.size());
  } else if (cfg.placement == "round-robin") {
    part = pdes::partition_round_robin(graph, transport.size());
  } else {
    throw InputError(Diagnostic{"", 0, "--placement", "unknown placement '" + cfg.placement + "'",
                                "use auto or round-robin"});
  }
  pdes::Engine engine(graph, part, transport, pdes::make_event_queue(cfg.queue));
  engine.instantiate([&](LpId id) -> std::unique_ptr<pdes::LogicalProcess> {
    if (cfg.model == "mix") return std::make_unique<MixLp>(cfg, id);
    return std::make_unique<PholdLp>(cfg, id);
  });
  pdes::RunLimits limits;
  limits.end_time = cfg.end_time;
  PholdRun run;
  run.lookahead = part.lookahead;
  run.result = engine.run(limits);
  // Checksum: the sum of the per-LP hash chains (each chain covers that LP's events in order).
  std::uint64_t local_sum = 0;
  for (const LpId id : engine.local_lps())
    local_sum += static_cast<const RecordingLp*>(engine.local(id))->chain();
  for (const std::string& s : transport.all_gather(fmt::format("{}", local_sum)))
    run.checksum += std::stoull(s);
  if (!cfg.record) return run;

  // Fingerprint: events and per-LP chains from every rank, merged in a partition-free order.
  std::string mine;
  for (const LpId id : engine.local_lps()) {
    const auto* lp = static_cast<const RecordingLp*>(engine.local(id));
    for (const Record& r : lp->records()) {
      mine += fmt::format("{} {} {} {} {:016x}\n", r.time, r.lp, r.index, r.kind, r.hash);
    }
  }
  std::vector<std::tuple<SimTime, LpId, std::uint32_t, std::string>> lines;
  for (const std::string& chunk : transport.all_gather(mine)) {
    std::size_t pos = 0;
    while (pos < chunk.size()) {
      const std::size_t nl = chunk.find('\n', pos);
      SimTime t;
      unsigned long lp, index;
      char rest[64];
      std::sscanf(chunk.c_str() + pos, "%ld %lu %lu %63[^\n]", &t, &lp, &index, rest);
      lines.emplace_back(t, static_cast<LpId>(lp), static_cast<std::uint32_t>(index), std::string(rest));
      pos = nl + 1;
    }
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  out.reserve(lines.size() * 40);
  for (const auto& [t, lp, index, rest] : lines) out += fmt::format("{} {} {}\n", t, lp, rest);
  out += fmt::format("events {}\n", lines.size());
  run.fingerprint = std::move(out);
  return run;
}

}  // namespace tessera::bench
