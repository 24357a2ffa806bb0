// `tessera nccl-tests PROGRAM -b MIN -e MAX -f FACTOR --network FILE`: the nccl-tests programs
// (all_reduce_perf, ...) in simulation. Every size is a run of its own: the one-collective
// microbenchmark workload (as `tessera trace microbench` writes it) on the network, through the
// same load and runtime::simulate path as `tessera run`; the row is read from the collective's
// records. Sizes, counts, algbw and busbw are nccl-tests' (src/common.cu, src/*.cu of nccl-tests).
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "run_errors.hpp"
#include "tessera/config_load.hpp"
#include "tessera/did_you_mean.hpp"
#include "tessera/error.hpp"
#include "tessera/network_params.hpp"
#include "tessera/output/summary.hpp"
#include "tessera/output_file.hpp"
#include "tessera/params/names.hpp"
#include "tessera/pdes/agreement.hpp"
#include "tessera/pdes/loopback_transport.hpp"
#include "tessera/pdes/mpi_transport.hpp"
#include "tessera/runtime/simulation.hpp"
#include "tessera/workload/microbench.hpp"

namespace tessera::app {
namespace {

/// One nccl-tests program and the collective it calls; `type` is empty for sendrecv_perf, whose
/// ncclSend/ncclRecv pairs are no collective of the workload schema.
struct Program {
  const char* name;
  std::optional<CollectiveType> type;
  bool reduces;  // has a reduction operation (the redop column); else nccl-tests prints "none"
  bool rooted;   // has a root (the root column); else nccl-tests prints -1
};

constexpr Program kPrograms[] = {
    {"all_reduce_perf", CollectiveType::kAllReduce, true, false},
    {"all_gather_perf", CollectiveType::kAllGather, false, false},
    {"reduce_scatter_perf", CollectiveType::kReduceScatter, true, false},
    {"alltoall_perf", CollectiveType::kAllToAll, false, false},
    {"broadcast_perf", CollectiveType::kBroadcast, false, true},
    {"reduce_perf", CollectiveType::kReduce, true, true},
    {"sendrecv_perf", std::nullopt, false, false},
};

/// nccl-tests' -d names (src/common.cu test_typenames and the aliases of its parser) and sizes.
struct DataType {
  const char* name;
  int bytes;
};
constexpr DataType kTypes[] = {{"int8", 1},   {"char", 1},    {"uint8", 1},  {"int32", 4},   {"int", 4},
                               {"uint32", 4}, {"int64", 8},   {"uint64", 8}, {"half", 2},    {"float16", 2},
                               {"float", 4},  {"float32", 4}, {"double", 8}, {"float64", 8}, {"bfloat16", 2},
                               {"f8e4m3", 1}, {"f8e5m2", 1}};
constexpr const char* kOps[] = {"sum", "prod", "max", "min", "avg"};

struct Args {
  std::string program;
  std::string minbytes = "32M";  // nccl-tests' defaults
  std::string maxbytes = "32M";
  std::string stepbytes = "1M";
  std::string stepfactor;  // "" = step by -i
  int gpus = 0;            // 0 = every NPU of the network
  int iters = 1;
  int warmup = 0;
  std::string op = "sum";
  std::string datatype = "float";
  int root = 0;
  std::string network;
  std::string system;
  std::string network_model;
  std::string json;
};

[[noreturn]] void bad(const std::string& flag, const std::string& what, const std::string& fix) {
  throw InputError(Diagnostic{"", 0, flag, what, fix});
}

/// The largest size: far beyond any GPU's memory, and far inside the range of Bytes, so no step
/// of a sweep overflows.
constexpr Bytes kMaxSize = Bytes{1} << 50;

/// nccl-tests' parsesize: a whole number of bytes, optionally K, M or G (powers of 1024).
Bytes parse_size(const std::string& flag, const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  const std::string suffix = text.substr(digits);
  Bytes unit = 1;
  if (suffix == "K" || suffix == "k")
    unit = Bytes{1} << 10;
  else if (suffix == "M" || suffix == "m")
    unit = Bytes{1} << 20;
  else if (suffix == "G" || suffix == "g")
    unit = Bytes{1} << 30;
  else if (!suffix.empty())
    digits = 0;
  if (digits == 0 || digits > 15) {
    bad(flag, fmt::format("'{}' is not a size", text),
        "give a whole number of bytes, optionally with K, M or G (powers of 1024, as nccl-tests): 8, 64K, "
        "16G");
  }
  const Bytes value = std::stoll(text.substr(0, digits));
  if (value > kMaxSize / unit) bad(flag, fmt::format("'{}' is more than 1 PiB", text), "give a smaller size");
  return value * unit;
}

const Program& find_program(const std::string& name) {
  std::vector<std::string> names;
  for (const Program& p : kPrograms) {
    if (name == p.name) return p;
    names.emplace_back(p.name);
  }
  const std::string near = did_you_mean(name, names);
  bad("PROGRAM", fmt::format("unknown nccl-tests program '{}'", name),
      near.empty() ? fmt::format("choose one of {}", fmt::join(names, ", "))
                   : fmt::format("did you mean {}?", near));
}

int type_bytes(const std::string& name) {
  std::vector<std::string> names;
  for (const DataType& t : kTypes) {
    if (name == t.name) return t.bytes;
    names.emplace_back(t.name);
  }
  bad("-d/--datatype", fmt::format("unknown data type '{}'", name),
      fmt::format("choose one of {} (one type per run)", fmt::join(names, ", ")));
}

/// The byte sizes to run: nccl-tests' loop (src/common.cu TimeTest), -f when given, else -i.
std::vector<Bytes> sizes(const Args& a) {
  const Bytes lo = parse_size("-b/--minbytes", a.minbytes);
  const Bytes hi = parse_size("-e/--maxbytes", a.maxbytes);
  if (lo > hi) {
    bad("-b/--minbytes", fmt::format("-b {} is larger than -e {}", a.minbytes, a.maxbytes),
        "give -b at most -e");
  }
  std::vector<Bytes> out;
  if (!a.stepfactor.empty()) {
    char* end = nullptr;
    const long f = std::strtol(a.stepfactor.c_str(), &end, 10);
    if (end == a.stepfactor.c_str() || *end != '\0' || f < 2) {
      bad("-f/--stepfactor", fmt::format("'{}' is not a step factor", a.stepfactor),
          "give a whole number >= 2");
    }
    if (lo == 0)
      bad("-b/--minbytes", "-b 0 never grows by a factor", "give -b 1 or more with -f, or step by -i");
    for (Bytes s = lo; s <= hi; s = s > hi / f ? hi + 1 : s * f) out.push_back(s);
  } else {
    const Bytes step = parse_size("-i/--stepbytes", a.stepbytes);
    if (step <= 0 && lo < hi)
      bad("-i/--stepbytes", "the step must be at least 1 byte", "give -i 1 or more, or -f");
    for (Bytes s = lo; s <= hi; s += std::max<Bytes>(step, 1)) out.push_back(s);
  }
  return out;
}

/// One row's sizes as nccl-tests counts them (its *GetCollByteCount): `count` elements of the
/// type per rank (the count column), `size` the larger of the send and receive buffers (the size
/// column, algbw's numerator), and `comm_size` the workload's ET comm_size that makes NCCL's call
/// the same (the executor reads the whole buffer, all-gather's per-rank shard).
struct RowSize {
  Bytes size = 0;
  std::int64_t count = 0;
  Bytes comm_size = 0;
};

RowSize row_size(CollectiveType type, Bytes bytes, int elem, int n) {
  const std::int64_t elements = bytes / elem;
  RowSize r;
  switch (type) {
    case CollectiveType::kAllGather:  // sendcount = count/n, receive n of them
      r.count = elements / n;
      r.size = r.count * n * elem;
      r.comm_size = r.count * elem;
      break;
    case CollectiveType::kReduceScatter:  // recvcount = count/n, send n of them
    case CollectiveType::kAllToAll:       // n blocks of count/n to and from every rank
      r.count = elements / n;
      r.size = r.count * n * elem;
      r.comm_size = r.size;
      break;
    default:
      r.count = elements;
      r.size = elements * elem;
      r.comm_size = r.size;
  }
  return r;
}

struct Row {
  RowSize size;
  SimTime time = 0;
  double algbw = 0, busbw = 0;
  std::string algorithm, protocol;
  int channels = 0;
};

/// The work directory of this process: the traces and the scenario of each size. Removed on exit.
class WorkDir {
 public:
  WorkDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "tessera-nccl-tests-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr)
      throw Error(fmt::format("cannot create a temporary directory under {}",
                              std::filesystem::temp_directory_path().string()));
    path_ = tmpl;
  }
  ~WorkDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string absolute(const std::string& path) { return std::filesystem::absolute(path).string(); }

/// The scenario of every size: the network, the system (default: NCCL on H100, as
/// configs/system/nccl-h100.yaml) and the workload line given.
std::string write_scenario(const Args& a, const std::string& path, const std::string& workload) {
  std::ofstream f(path);
  // JSON strings are YAML flow scalars: paths with any character survive.
  f << "description: " << nlohmann::json("tessera nccl-tests " + a.program).dump() << "\n";
  f << "network: {file: " << nlohmann::json(absolute(a.network)).dump() << "}\n";
  if (a.system.empty()) {
    f << "system: {collective_library: nccl, nccl_gpu: h100}\n";
  } else {
    f << "system: {file: " << nlohmann::json(absolute(a.system)).dump() << "}\n";
  }
  f << "workload: " << workload << "\n";
  f.close();
  if (!f) throw Error(fmt::format("cannot write {}", path));
  return path;
}

int simulate_sizes(const Args& a, pdes::Transport& transport, bool multi_rank);

int run_nccl_tests(const Args& a) {
  if (launcher_size() > 1) {
    int argc = 0;
    char** argv = nullptr;
    pdes::MpiEnvironment env(argc, argv);
    pdes::MpiTransport transport;
    return simulate_sizes(a, transport, transport.size() > 1);
  }
  pdes::LoopbackHub hub(1);
  pdes::LoopbackTransport transport(hub, 0);
  return simulate_sizes(a, transport, false);
}

std::string redop_text(const Args& a, const Program& p) { return p.reduces ? a.op : "none"; }
int root_text(const Args& a, const Program& p) { return p.rooted ? a.root : -1; }

void print_header(const Args& a, const Program& p, int n, const Config& c) {
  std::printf("# nccl-tests %s in simulation: %d GPUs, network %s, network model %s, collective library %s\n",
              p.name, n, a.network.c_str(), to_string(c.simulation.network_model),
              params::name_of(enum_names(c.system.collective_library), c.system.collective_library));
  std::printf("# one simulated call per size: the model is deterministic, so -n and -w change nothing\n#\n");
  std::printf("#%11s  %12s  %8s  %6s  %6s  %9s  %7s  %7s  %-10s  %-6s  %8s\n", "size", "count", "type",
              "redop", "root", "time", "algbw", "busbw", "algorithm", "proto", "channels");
  std::printf("#%11s  %12s  %8s  %6s  %6s  %9s  %7s  %7s\n", "(B)", "(elements)", "", "", "", "(us)",
              "(GB/s)", "(GB/s)");
}

void print_row(const Args& a, const Program& p, const Row& r) {
  std::printf("%12lld  %12lld  %8s  %6s  %6d  %9.2f  %7.2f  %7.2f  %-10s  %-6s  %8d\n",
              static_cast<long long>(r.size.size), static_cast<long long>(r.size.count), a.datatype.c_str(),
              redop_text(a, p).c_str(), root_text(a, p), static_cast<double>(r.time) / 1e6, r.algbw, r.busbw,
              r.algorithm.empty() ? "-" : r.algorithm.c_str(), r.protocol.empty() ? "-" : r.protocol.c_str(),
              r.channels);
  std::fflush(stdout);
}

void write_json(const Args& a, const Program& p, int n, const std::vector<Row>& rows) {
  nlohmann::json j;
  std::string coll = collective_name(*p.type);  // "ALL_REDUCE" -> "all_reduce", as the CLI spells it
  for (char& ch : coll) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  j["collective"] = coll;
  j["program"] = p.name;
  j["gpus"] = n;
  j["type"] = a.datatype;
  j["redop"] = redop_text(a, p);
  j["root"] = root_text(a, p);
  nlohmann::json list = nlohmann::json::array();
  for (const Row& r : rows) {
    list.push_back({{"size", r.size.size},
                    {"count", r.size.count},
                    {"time_us", static_cast<double>(r.time) / 1e6},
                    {"algbw_gbps", r.algbw},
                    {"busbw_gbps", r.busbw},
                    {"algorithm", r.algorithm},
                    {"protocol", r.protocol},
                    {"channels", r.channels}});
  }
  j["rows"] = std::move(list);
  write_output_file(resolve_output(a.json, "--json"), j.dump(2) + "\n");
}

/// The collective's row of one run: first start to last end over its NPUs, algbw and busbw as
/// the summary computes them (output::collective_rows: nccl-tests' size from comm_size, its bus
/// factor), which with the comm_size of row_size() are nccl-tests' for `size`.
Row read_row(const output::RunRecords& records, const RowSize& size) {
  const std::vector<output::CollectiveRow> rows = output::collective_rows(records);
  if (rows.size() != 1)
    throw Error(fmt::format("nccl-tests: expected one collective record, got {}", rows.size()));
  const output::CollectiveRow& c = rows.front();
  Row r;
  r.size = size;
  r.time = c.end - c.start;
  r.algbw = c.algbw_gbps;
  r.busbw = c.busbw_gbps;
  r.algorithm = c.algorithm;
  r.protocol = c.protocol;
  r.channels = c.channels;
  return r;
}

int simulate_sizes(const Args& a, pdes::Transport& transport, bool multi_rank) {
  const bool root = transport.rank() == 0;
  try {
    const Program& p = find_program(a.program);
    const int elem = type_bytes(a.datatype);
    if (std::find(std::begin(kOps), std::end(kOps), a.op) == std::end(kOps)) {
      bad("-o/--op", fmt::format("unknown reduction '{}'", a.op),
          "choose sum, prod, max, min or avg (one per run)");
    }
    const std::vector<Bytes> list = sizes(a);
    if (!p.type) {
      bad("PROGRAM", "sendrecv_perf is not simulated yet: the NCCL model runs no ncclSend/ncclRecv calls",
          "run all_reduce_perf, all_gather_perf, reduce_scatter_perf, broadcast_perf or reduce_perf");
    }
    if (a.root != 0) {
      bad("-r/--root",
          fmt::format("root {}: the workload's traces carry no root, so every call is rooted at rank 0",
                      a.root),
          "give -r 0 (the default)");
    }
    if (!a.json.empty()) (void)resolve_output(a.json, "--json");  // refuse a bad path before the runs
    const WorkDir dir;  // this process's own: under mpirun every rank writes and reads its copy
    const std::string prefix = dir.path() + "/" + a.program;

    // The network's NPU count first (the traces need it): the same scenario with a text workload,
    // which the loader checks only for existence, stands in for the traces.
    const std::string probe_txt = dir.path() + "/probe.txt";
    std::ofstream(probe_txt).put('\n');
    RunRequest req;
    req.overrides.quiet = true;
    if (!a.network_model.empty()) req.overrides.network_model = parse_network_model(a.network_model);
    req.scenario =
        write_scenario(a, dir.path() + "/probe.yaml", "{text: " + nlohmann::json(probe_txt).dump() + "}");
    int n = 0;
    pdes::agreed(transport, [&] { n = load_run_config(req).config.network.npu_count(); });
    if (a.gpus != 0 && a.gpus != n) {
      bad("-g", fmt::format("-g {}: the network has {} NPUs and every one runs the collective", a.gpus, n),
          fmt::format("leave -g out (or give -g {}), or a network with {} NPUs", n, a.gpus));
    }
    req.scenario =
        write_scenario(a, dir.path() + "/scenario.yaml", "{chakra: " + nlohmann::json(prefix).dump() + "}");

    std::vector<Row> rows;
    LoadResult loaded;
    for (std::size_t k = 0; k < list.size(); ++k) {
      const RowSize size = row_size(*p.type, list[k], elem, n);
      {
        workload::FileTraceSink sink(prefix);
        workload::generate_microbenchmark(*p.type, n, size.comm_size, sink);
      }
      if (k == 0) {
        pdes::agreed(transport, [&] { loaded = load_run_config(req); });
        if (root) {
          for (const Diagnostic& w : loaded.warnings) std::fprintf(stderr, "warning: %s\n", w.str().c_str());
          print_header(a, p, n, loaded.config);
        }
      }
      runtime::SimulationResult res = runtime::simulate(loaded.config, transport);
      if (!root) continue;
      rows.push_back(read_row(res.records, size));
      print_row(a, p, rows.back());
    }
    if (!root) return 0;
    double sum = 0;
    for (const Row& r : rows) sum += r.busbw;
    std::printf("# Avg bus bandwidth    : %g\n#\n",
                rows.empty() ? 0.0 : sum / static_cast<double>(rows.size()));
    if (!a.json.empty()) write_json(a, p, n, rows);
    return 0;
  } catch (const pdes::StallError& e) {
    return report_stall(e, transport);
  } catch (const Error& e) {
    return report_run_error(e, transport, multi_rank);  // as `tessera run`
  } catch (const std::exception& e) {
    std::fprintf(stderr, "internal error (rank %d): %s\n", transport.rank(), e.what());
    std::fflush(stderr);
    if (multi_rank) pdes::MpiEnvironment::abort(static_cast<int>(ExitCode::kRuntime));
    return static_cast<int>(ExitCode::kRuntime);
  }
}

}  // namespace

void add_nccl_tests_command(CLI::App& cli, Action& action) {
  auto a = std::make_shared<Args>();
  auto* cmd = cli.add_subcommand("nccl-tests",
                                 "Run an nccl-tests program (all_reduce_perf, ...) in simulation: "
                                 "nccl-tests' flags, sizes and table, each "
                                 "size a simulated run of the one collective");
  cmd->add_option(
         "PROGRAM", a->program,
         "all_reduce_perf, all_gather_perf, reduce_scatter_perf, alltoall_perf, broadcast_perf, reduce_perf "
         "or sendrecv_perf")
      ->required();
  cmd->add_option(
         "-b,--minbytes", a->minbytes,
         "smallest size in bytes, K/M/G = powers of 1024 (nccl-tests' size: the per-rank buffer of "
         "all-reduce, broadcast, reduce and all-to-all, the whole receive buffer of all-gather, the whole "
         "send buffer of reduce-scatter)")
      ->capture_default_str();
  cmd->add_option("-e,--maxbytes", a->maxbytes, "largest size in bytes, as -b")->capture_default_str();
  cmd->add_option("-f,--stepfactor", a->stepfactor,
                  "multiply the size by this factor each step (else step by -i)");
  cmd->add_option("-i,--stepbytes", a->stepbytes, "add this many bytes each step when -f is not given")
      ->capture_default_str();
  cmd->add_option("-g,--ngpus", a->gpus,
                  "GPUs taking part (default: every NPU of the network, the only choice)")
      ->check(CLI::PositiveNumber);
  cmd->add_option(
         "-n,--iters", a->iters,
         "timed iterations; 1 in simulation: the model is deterministic, every call times the same, so "
         "each size is simulated once whatever -n says")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("-w,--warmup_iters", a->warmup,
                  "warm-up iterations: accepted, nothing to warm up in simulation")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("-o,--op", a->op, "reduction: sum, prod, max, min or avg (the model's cost is the same)")
      ->capture_default_str();
  cmd->add_option("-d,--datatype", a->datatype,
                  "element type (int8, half, bfloat16, float, double, ...): its size sets the counts and the "
                  "rounding of each size to whole elements")
      ->capture_default_str();
  cmd->add_option("-r,--root", a->root, "root rank of broadcast and reduce (0: the traces carry no root)")
      ->capture_default_str();
  cmd->add_option("--network", a->network, "network YAML, e.g. configs/network/hgx-h100-1box.yaml")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--system", a->system,
                  "system YAML (default: collective_library nccl on H100, as configs/system/nccl-h100.yaml)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--network-model", a->network_model,
                  "packet (default), astra-congestion-aware or astra-congestion-unaware");
  cmd->add_option("--json", a->json, "also write the rows as JSON to this file");
  cmd->footer(
      "Examples:\n"
      "  tessera nccl-tests all_reduce_perf -b 8 -e 16G -f 2 --network configs/network/hgx-h100-1box.yaml\n"
      "  tessera nccl-tests all_gather_perf -b 1K -e 1M -f 4 --network configs/network/hgx-h100-1box.yaml "
      "--json ag.json\n"
      "Each size is one simulated call of the collective, NCCL's model choosing algorithm, protocol and "
      "channels (docs/running.md, docs/nccl.md).");
  cmd->callback([a, &action] { action = [a] { return run_nccl_tests(*a); }; });
}

}  // namespace tessera::app
