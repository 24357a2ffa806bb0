// Prints how fast and how compactly the workload layer handles a large trace: writes a synthetic
// N-node PyTorch-like trace, streams it with EtReader, loads it as a Workload, and reports
// nodes/s, the file size, the Workload's bytes and the process's peak RSS. Figures only; it
// never fails on timing.  Usage: bench_workload_load [NODES=1000000] [DIR=/tmp]
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "tessera/workload/et_io.hpp"
#include "tessera/workload/workload.hpp"

namespace wl = tessera::workload;

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // Linux reports KiB
}
}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
  const std::string dir = argc > 2 ? argv[2] : "/tmp";
  const std::string path = dir + "/bench_workload." + std::to_string(getpid()) + ".0.et";

  auto t0 = std::chrono::steady_clock::now();
  {
    wl::EtGlobalMetadata gm;
    gm.version = "1.0.0";
    wl::EtWriter writer(path, gm);
    wl::EtNode node;
    for (std::uint64_t i = 0; i < n; ++i) {
      node.clear();
      node.id = i;
      const bool coll = i % 50 == 49;
      node.type = coll ? wl::NodeType::kCommColl : wl::NodeType::kComp;
      node.name = coll ? "ncclKernel_AllReduce" : "aten::op_" + std::to_string(i % 500);
      node.duration_micros = i % 97;
      if (i > 0) node.data_deps.push_back(i - 1);
      if (i > 7) node.data_deps.push_back(i - 7);
      if (i > 3) node.ctrl_deps.push_back(i - 3);
      node.attrs.push_back(wl::EtAttribute::make_bool("is_cpu_op", false));
      if (coll) {
        node.attrs.push_back(wl::EtAttribute::make_int64("comm_type", 0));
        node.attrs.push_back(wl::EtAttribute::make_int64("comm_size", 1 << 20));
      }
      writer.write(node);
    }
    writer.close();
  }
  const double t_write = seconds_since(t0);
  const auto file_bytes = std::filesystem::file_size(path);
  const double rss_before = peak_rss_mib();

  t0 = std::chrono::steady_clock::now();
  std::uint64_t streamed = 0;
  {
    wl::EtReader reader(path);
    wl::EtNode node;
    while (reader.next(node)) ++streamed;
  }
  const double t_stream = seconds_since(t0);
  const double rss_stream = peak_rss_mib();

  t0 = std::chrono::steady_clock::now();
  wl::LoadOptions options;
  options.deps = wl::DepPolicy::kStrict;
  const auto w = wl::load_workload_file(path, 0, options);
  const double t_load = seconds_since(t0);
  const double rss_load = peak_rss_mib();
  std::filesystem::remove(path);

  const double mib = 1024.0 * 1024.0;
  std::printf("bench_workload_load: %llu nodes, file %.1f MiB (%.1f B/node)\n",
              static_cast<unsigned long long>(n), file_bytes / mib, static_cast<double>(file_bytes) / n);
  std::printf("  write : %.2f s (%.2f M nodes/s)\n", t_write, n / t_write / 1e6);
  std::printf("  stream: %.2f s (%.2f M nodes/s), %llu nodes; peak RSS %.1f MiB (%.1f before)\n", t_stream,
              streamed / t_stream / 1e6, static_cast<unsigned long long>(streamed), rss_stream, rss_before);
  std::printf("  load  : %.2f s (%.2f M nodes/s); Workload holds %.1f MiB (%.1f B/node, %zu distinct names)\n",
              t_load, n / t_load / 1e6, w.memory_bytes() / mib, static_cast<double>(w.memory_bytes()) / n,
              w.names().size());
  std::printf("  peak RSS after load %.1f MiB = %.2f x the file size\n", rss_load, rss_load * mib / file_bytes);
  return 0;
}
