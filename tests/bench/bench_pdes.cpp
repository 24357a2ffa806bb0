// Engine benchmark: a PHOLD model under real MPI (mpirun -np N bench_pdes ...) or N loopback
// threads (--loopback N). Prints figures; never fails on timing.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "phold.hpp"
#include "tessera/pdes/loopback_transport.hpp"
#include "tessera/pdes/mpi_transport.hpp"

using namespace tessera;

namespace {

void report(const bench::PholdConfig& cfg, const bench::PholdRun& run, pdes::Transport& t, double setup_s) {
  const auto& st = run.result.stats;
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const double wall = t.all_reduce_max(st.run_seconds);
  const double sync = t.all_reduce_max(st.sync_seconds);
  const double setup = t.all_reduce_max(setup_s);
  const std::int64_t rss_kib = t.all_reduce_max(static_cast<std::int64_t>(ru.ru_maxrss));
  const std::int64_t rss_sum = t.all_reduce_sum(static_cast<std::int64_t>(ru.ru_maxrss));
  const std::int64_t remote = t.all_reduce_sum(static_cast<std::int64_t>(st.remote_events));
  const std::int64_t peak_q = t.all_reduce_max(static_cast<std::int64_t>(st.peak_queue));
  const std::int64_t min_ev = t.all_reduce_min(static_cast<std::int64_t>(st.events));
  const std::int64_t max_ev = t.all_reduce_max(static_cast<std::int64_t>(st.events));
  if (t.rank() != 0) return;
  const double events = static_cast<double>(run.result.global_events + 0);
  fmt::print("bench_pdes: model={} ranks={} lps={} population={} remote_fraction={} lookahead={} mean_delay={} "
             "end_time={} queue={}\n",
             cfg.model, t.size(), cfg.lps, cfg.population, cfg.remote_fraction, format_time(run.lookahead),
             format_time(cfg.mean_delay), format_time(cfg.end_time), cfg.queue);
  fmt::print("  events            {}\n", run.result.global_events);
  fmt::print("  wall (run)        {:.3f} s   (setup {:.3f} s)\n", wall, setup);
  fmt::print("  events/s          {:.3f} M\n", events / wall / 1e6);
  fmt::print("  windows           {}\n", st.windows);
  fmt::print("  sync rounds       {}\n", st.sync_rounds);
  fmt::print("  events/window     {:.1f}\n", st.windows ? events / static_cast<double>(st.windows) : 0.0);
  fmt::print("  sync time (max)   {:.3f} s ({:.1f}% of run)\n", sync, wall > 0 ? 100 * sync / wall : 0.0);
  fmt::print("  remote events     {}\n", remote);
  fmt::print("  events per rank   min {} max {}\n", min_ev, max_ev);
  fmt::print("  peak queue        {}\n", peak_q);
  fmt::print("  peak RSS          {:.1f} MiB max per rank, {:.1f} MiB all ranks\n", static_cast<double>(rss_kib) / 1024,
             static_cast<double>(rss_sum) / 1024);
  fmt::print("  checksum          {:016x}\n", run.checksum);
}

void run_on(const bench::PholdConfig& cfg, pdes::Transport& t) {
  const auto t0 = std::chrono::steady_clock::now();
  const bench::PholdRun run = bench::run_model(cfg, t);
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report(cfg, run, t, total - run.result.stats.run_seconds);
}

}  // namespace

int main(int argc, char** argv) {
  pdes::MpiEnvironment env(argc, argv);
  bench::PholdConfig cfg;
  std::string lookahead = "1us", mean = "1us", end = "100us";
  int loopback = 0;
  CLI::App cli{"PHOLD benchmark of the Tessera engine (run under mpirun for real ranks)", "bench_pdes"};
  cli.add_option("--model", cfg.model, "phold or mix")->capture_default_str();
  cli.add_option("--lps", cfg.lps, "logical processes")->capture_default_str();
  cli.add_option("--groups", cfg.groups, "LP groups (auto placement keeps a group on one rank)")->capture_default_str();
  cli.add_option("--population", cfg.population, "events in flight")->capture_default_str();
  cli.add_option("--remote", cfg.remote_fraction, "probability an event goes to another group")->capture_default_str();
  cli.add_option("--lookahead", lookahead, "minimum event delay (the lookahead)")->capture_default_str();
  cli.add_option("--mean", mean, "mean of the exponential extra delay")->capture_default_str();
  cli.add_option("--end", end, "simulated end time")->capture_default_str();
  cli.add_option("--seed", cfg.seed, "random seed")->capture_default_str();
  cli.add_option("--placement", cfg.placement, "auto or round-robin")->capture_default_str();
  cli.add_option("--queue", cfg.queue, "ladder, heap4 or binary")->capture_default_str();
  cli.add_option("--loopback", loopback, "run N loopback ranks as threads instead of MPI ranks");
  try {
    cli.parse(argc, argv);
    cfg.lookahead = parse_time(lookahead);
    cfg.mean_delay = parse_time(mean);
    cfg.end_time = parse_time(end);
    if (loopback > 0) {
      pdes::run_loopback(loopback, [&](pdes::Transport& t) { run_on(cfg, t); });
    } else {
      pdes::MpiTransport t;
      run_on(cfg, t);
    }
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  } catch (const Error& e) {
    std::fprintf(stderr, "bench_pdes: %s\n", e.what());
    return static_cast<int>(e.code());
  }
  return 0;
}
