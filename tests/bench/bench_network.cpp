// Network benchmark: all-to-all or ring traffic at packet level (or with an ASTRA model) on large
// topologies, under real MPI (mpirun -np N bench_network ...) or --loopback N threads. Prints
// packets/s (packet-hops: one packet crossing one link), events/s, wall time, peak RSS and memory
// per NPU. Never fails on timing.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "net_traffic.hpp"
#include "tessera/network/topologies/dimensions.hpp"
#include "tessera/network/topologies/fat_tree.hpp"
#include "tessera/network/topologies/hgx_h100.hpp"
#include "tessera/network/topologies/torus.hpp"
#include "tessera/pdes/loopback_transport.hpp"
#include "tessera/pdes/mpi_transport.hpp"

using namespace tessera;

namespace {

struct Options {
  std::string topology = "fat-tree";
  int npus = 1024;
  std::string pattern = "all-to-all";
  std::string bytes = "4KiB";
  int rounds = 8;
  std::string model = "packet";
  std::string packet = "4KiB";
  std::string placement = "auto";
  int radix = 32;
};

bench::TrafficSpec make_spec(const Options& o) {
  bench::TrafficSpec s;
  s.collect = false;
  s.placement = o.placement;
  s.model = network::parse_network_model(o.model);
  s.packet.packet_size = parse_bytes(o.packet);
  const Bytes bytes = parse_bytes(o.bytes);
  if (o.topology == "fat-tree") {
    network::FatTreeSpec f;
    f.hosts = o.npus;
    f.radix = o.radix;
    s.topology = network::TopologySpec::of(f);
  } else if (o.topology == "hgx") {
    network::HgxH100Spec h;
    h.boxes = (o.npus + 7) / 8;
    s.topology = network::TopologySpec::of(h);
  } else if (o.topology == "torus") {
    int side = 1;
    while ((side + 1) * (side + 1) <= o.npus) ++side;
    network::TorusSpec t;
    t.dims = {side, o.npus / side};
    s.topology = network::TopologySpec::of(t);
  } else if (o.topology == "ring") {
    s.topology = network::TopologySpec::of(network::DimensionsSpec{
        {{network::DimensionKind::kRing, o.npus, astra_gbps(50), 500 * kNanosecond}}});
  } else {
    throw InputError(Diagnostic{"", 0, "--topology", fmt::format("unknown topology '{}'", o.topology),
                                "use fat-tree, hgx, torus or ring"});
  }
  if (o.pattern == "all-to-all") {
    s.all_to_all_bytes = bytes;
  } else if (o.pattern == "ring") {
    s.ring_rounds = o.rounds;
    s.ring_bytes = bytes;
  } else {
    throw InputError(Diagnostic{"", 0, "--pattern", fmt::format("unknown pattern '{}'", o.pattern),
                                "use all-to-all or ring"});
  }
  return s;
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

void run_on(const Options& o, pdes::Transport& t) {
  const bench::TrafficSpec spec = make_spec(o);
  const auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = cpu_seconds();
  const bench::TrafficResult r = bench::run_traffic(spec, t);
  // CPU time (user + system, this process) next to wall time: on a shared, loaded machine it is
  // the steadier figure. With --loopback it includes every thread.
  const double cpu = t.all_reduce_sum(cpu_seconds() - cpu0);
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto& st = r.run.stats;
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const double wall = t.all_reduce_max(st.run_seconds);
  const double setup = t.all_reduce_max(total - st.run_seconds);
  const double sync = t.all_reduce_max(st.sync_seconds);
  const std::int64_t rss_max = t.all_reduce_max(static_cast<std::int64_t>(ru.ru_maxrss));
  const std::int64_t rss_sum = t.all_reduce_sum(static_cast<std::int64_t>(ru.ru_maxrss));
  const std::int64_t remote = t.all_reduce_sum(static_cast<std::int64_t>(st.remote_events));
  if (t.rank() != 0) return;
  const auto n = static_cast<double>(network::build_topology(spec.topology).num_npus());
  const double events = static_cast<double>(r.run.global_events);
  fmt::print(
      "bench_network: topology={} npus={} pattern={} bytes={} model={} packet={} ranks={} placement={}{}\n",
      o.topology, n, o.pattern, o.bytes, o.model, o.packet, t.size(), o.placement,
      o.pattern == "ring" ? fmt::format(" rounds={}", o.rounds) : std::string{});
  fmt::print("  messages          {}\n", r.messages);
  fmt::print("  simulated time    {}\n", format_time(r.last_arrival));
  fmt::print("  packet-hops       {}  ({} link bytes)\n", r.packets_sent, format_bytes(r.bytes_sent));
  fmt::print("  events            {}\n", r.run.global_events);
  fmt::print("  wall (run)        {:.3f} s   (setup {:.3f} s, sync {:.3f} s)\n", wall, setup, sync);
  fmt::print("  packets/s         {:.3f} M packet-hops/s\n",
             static_cast<double>(r.packets_sent) / wall / 1e6);
  fmt::print("  events/s          {:.3f} M\n", events / wall / 1e6);
  fmt::print(
      "  cpu (all ranks)   {:.3f} s   -> {:.3f} M events per cpu-second, {:.3f} M packet-hops per "
      "cpu-second\n",
      cpu, events / cpu / 1e6, static_cast<double>(r.packets_sent) / cpu / 1e6);
  fmt::print("  lookahead         {}   remote events {}\n", format_time(r.lookahead), remote);
  fmt::print("  peak RSS          {:.1f} MiB max per rank, {:.1f} MiB all ranks\n",
             static_cast<double>(rss_max) / 1024, static_cast<double>(rss_sum) / 1024);
  fmt::print("  memory per NPU    {:.1f} KiB (all ranks' peak RSS / NPUs)\n",
             static_cast<double>(rss_sum) / n);
}

}  // namespace

int main(int argc, char** argv) {
  pdes::MpiEnvironment env(argc, argv);
  Options o;
  int loopback = 0;
  CLI::App cli{"Packet-level network benchmark of Tessera (run under mpirun for real ranks)",
               "bench_network"};
  cli.add_option("--topology", o.topology, "fat-tree, hgx, torus or ring")->capture_default_str();
  cli.add_option("--npus", o.npus, "NPUs (hgx: rounded up to whole boxes of 8)")->capture_default_str();
  cli.add_option("--radix", o.radix, "fat-tree switch radix")->capture_default_str();
  cli.add_option("--pattern", o.pattern, "all-to-all or ring")->capture_default_str();
  cli.add_option("--bytes", o.bytes, "bytes per message")->capture_default_str();
  cli.add_option("--rounds", o.rounds, "ring rounds (each waits for the previous from the left)")
      ->capture_default_str();
  cli.add_option("--model", o.model, "packet, astra-congestion-aware or astra-congestion-unaware")
      ->capture_default_str();
  cli.add_option("--packet", o.packet, "packet size")->capture_default_str();
  cli.add_option("--placement", o.placement, "auto or round-robin")->capture_default_str();
  cli.add_option("--loopback", loopback, "run N loopback ranks as threads instead of MPI ranks");
  try {
    cli.parse(argc, argv);
    if (loopback > 0) {
      pdes::run_loopback(loopback, [&](pdes::Transport& t) { run_on(o, t); });
    } else {
      pdes::MpiTransport t;
      run_on(o, t);
    }
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  } catch (const Error& e) {
    std::fprintf(stderr, "bench_network: %s\n", e.what());
    return static_cast<int>(e.code());
  }
  return 0;
}
