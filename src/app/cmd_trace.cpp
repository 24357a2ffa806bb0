// `tessera trace`: inspect Chakra trace sets, generate collective microbenchmarks, convert
// ASTRA-sim text workloads. Scriptable: results on stdout (--json for machines), problems on
// stderr, exit code 2 on bad input.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "tessera/config.hpp"
#include "tessera/config_load.hpp"
#include "tessera/error.hpp"
#include "tessera/units.hpp"
#include "tessera/workload/et_io.hpp"
#include "tessera/workload/llm/generator.hpp"
#include "tessera/workload/microbench.hpp"
#include "tessera/workload/text_workload.hpp"
#include "tessera/workload/trace_set.hpp"
#include "tessera/workload/trace_stats.hpp"

namespace tessera::app {
namespace {

/// CLI11 check: a finite number > 0 (CLI::PositiveNumber lets "nan" and "inf" through).
std::string finite_positive(const std::string& v) {
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  return end != v.c_str() && *end == '\0' && std::isfinite(x) && x > 0
             ? std::string()
             : "expected a finite number > 0, got " + v;
}

namespace wl = tessera::workload;

struct InspectArgs {
  std::string prefix;
  int npus = 0;
  int passes = 1;
  bool json = false;
  std::string deps = "lenient";
  std::string comm_groups;
  double peak_perf = 0;     // TFLOP/s; with local_mem_bw: roofline compute
  double local_mem_bw = 0;  // GB/s
  bool replay_only = false;
};

struct MicrobenchArgs {
  std::string collective;
  int npus = 0;
  std::string size;
  std::string out;
};

struct LlmArgs {
  std::string scenario;
  std::string out;
};

struct DumpArgs {
  std::string file;
  std::vector<std::uint64_t> ids;
};

struct ConvertArgs {
  std::string file;
  int npus = 0;
  int passes = 1;
  std::string out;
  std::string schema = "chakra";
};

void make_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw InputError(Diagnostic{dir, 0, "--out", fmt::format("cannot create the directory: {}", ec.message()), ""});
}

nlohmann::json stats_json(const wl::WorkloadStats& s) {
  nlohmann::json j;
  if (s.npu >= 0) j["npu"] = s.npu;
  j["nodes"] = s.nodes;
  nlohmann::json types = nlohmann::json::object();
  for (std::size_t k = 0; k < s.by_type.size(); ++k) {
    if (s.by_type[k]) types[wl::node_type_name(static_cast<wl::NodeType>(k))] = s.by_type[k];
  }
  j["nodes_by_type"] = types;
  nlohmann::json colls = nlohmann::json::object();
  for (const auto& [type, c] : s.collectives) colls[collective_name(type)] = {{"count", c.count}, {"bytes", c.bytes}};
  j["collectives"] = colls;
  j["cpu_collectives"] = s.cpu_collectives;
  j["send"] = {{"count", s.sends.count}, {"bytes", s.sends.bytes}};
  j["recv"] = {{"count", s.recvs.count}, {"bytes", s.recvs.bytes}};
  j["compute_ps"] = s.compute_total;
  j["critical_path_compute_ps"] = s.critical_path_compute;
  j["dependencies"] = s.edges;
  return j;
}

std::string stats_line(const wl::WorkloadStats& s) {
  std::string types;
  for (std::size_t k = 0; k < s.by_type.size(); ++k) {
    if (!s.by_type[k]) continue;
    if (!types.empty()) types += ", ";
    types += fmt::format("{} {}", s.by_type[k], wl::node_type_name(static_cast<wl::NodeType>(k)));
  }
  std::string colls;
  for (const auto& [type, c] : s.collectives) {
    colls += fmt::format("; {} x{} = {} B ({})", collective_name(type), c.count, c.bytes, format_bytes(c.bytes));
  }
  if (s.cpu_collectives) colls += fmt::format("; {} CPU-side collective launches (replayed)", s.cpu_collectives);
  if (s.sends.count) colls += fmt::format("; SEND x{} = {} B", s.sends.count, s.sends.bytes);
  if (s.recvs.count) colls += fmt::format("; RECV x{} = {} B", s.recvs.count, s.recvs.bytes);
  return fmt::format("{} nodes ({}){}; compute {} ({} ps), critical-path compute {} ({} ps)", s.nodes, types, colls,
                     format_time(s.compute_total), s.compute_total, format_time(s.critical_path_compute),
                     s.critical_path_compute);
}

int run_inspect(const InspectArgs& a) {
  const auto policy = wl::dep_policy_from_name(a.deps);
  if (!policy) {
    throw InputError(Diagnostic{"", 0, "--deps", fmt::format("unknown dependency policy '{}'", a.deps),
                                "choose data-only, strict or lenient"});
  }
  wl::LoadOptions options;
  options.deps = *policy;
  if ((a.peak_perf > 0) != (a.local_mem_bw > 0)) {
    throw InputError(Diagnostic{"", 0, a.peak_perf > 0 ? "--local-mem-bw" : "--peak-perf",
                                "roofline compute needs both --peak-perf and --local-mem-bw", ""});
  }
  if (a.peak_perf > 0) {
    options.compute.mode = wl::ComputeModel::Mode::kRoofline;
    options.compute.peak_perf_tflops = a.peak_perf;
    options.compute.local_mem_bw_gbps = a.local_mem_bw;
  }
  options.compute.replay_only = a.replay_only;
  wl::TraceSet set;
  if (wl::is_text_workload(a.prefix)) {
    set = wl::load_text_workload(a.prefix, a.npus > 0 ? a.npus : 1, a.passes, options);
  } else {
    const int npus = a.npus > 0 ? a.npus : wl::discover_npu_count(a.prefix);
    wl::CommGroups groups;
    std::vector<Diagnostic> group_warnings;
    if (!a.comm_groups.empty()) {
      const CommGroups read = load_astra_comm_groups(a.comm_groups, group_warnings);
      groups = wl::CommGroups::from_members(read.groups, npus, read.source);
    }
    set = wl::load_trace_set(a.prefix, npus, options, std::move(groups));
    set.warnings.insert(set.warnings.end(), group_warnings.begin(), group_warnings.end());
  }
  std::vector<wl::WorkloadStats> stats;
  for (const auto& w : set.npus) stats.push_back(wl::compute_stats(w));
  const auto total = wl::total_stats(stats);

  if (a.json) {
    nlohmann::json j;
    j["source"] = set.source;
    j["npus"] = set.npus.size();
    j["dependency_policy"] = a.deps;
    nlohmann::json per = nlohmann::json::array();
    for (const auto& s : stats) per.push_back(stats_json(s));
    j["per_npu"] = per;
    j["total"] = stats_json(total);
    nlohmann::json warnings = nlohmann::json::array();
    for (const auto& d : set.warnings) warnings.push_back(d.str());
    j["warnings"] = warnings;
    std::fputs(j.dump(2).c_str(), stdout);
    std::fputc('\n', stdout);
  } else {
    for (const auto& d : set.warnings) std::fprintf(stderr, "warning: %s\n", d.str().c_str());
    std::printf("%s: %zu NPUs, dependency policy %s\n", set.source.c_str(), set.npus.size(), a.deps.c_str());
    for (const auto& s : stats) std::printf("npu %d: %s\n", s.npu, stats_line(s).c_str());
    std::printf("total: %s\n", stats_line(total).c_str());
  }
  return 0;
}

int run_microbench(const MicrobenchArgs& a) {
  const auto type = collective_from_name(a.collective);
  const Bytes size = parse_bytes(a.size);
  make_dir(a.out);
  wl::FileTraceSink sink(a.out + "/" + a.collective);
  wl::generate_microbenchmark(*type, a.npus, size, sink);
  std::printf("wrote %zu files %s.0.et .. %s.%d.et (%s, comm_size %lld B)\n", sink.files().size(),
              (a.out + "/" + a.collective).c_str(), (a.out + "/" + a.collective).c_str(), a.npus - 1,
              wl::microbench_node_name(*type, a.npus, size).c_str(), static_cast<long long>(size));
  return 0;
}

int run_convert(const ConvertArgs& a) {
  const auto text = wl::parse_text_workload(a.file);
  for (const auto& d : text.warnings) std::fprintf(stderr, "warning: %s\n", d.str().c_str());
  make_dir(a.out);
  const std::string prefix = a.out + "/" + wl::text_workload_stem(a.file);
  wl::FileTraceSink sink(prefix);
  wl::convert_text_workload(text, a.npus, a.passes, sink,
                            a.schema == "astra-sim" ? wl::kTextSchemaAstraSim : wl::kTextSchemaChakraMain);
  std::printf("wrote %s.0.et .. %s.%d.et (%s, %llu nodes per NPU: %d pass(es) x %llu)\n", prefix.c_str(),
              prefix.c_str(), a.npus - 1, text.keyword.c_str(),
              static_cast<unsigned long long>(wl::text_nodes_per_pass(text) * a.passes), a.passes,
              static_cast<unsigned long long>(wl::text_nodes_per_pass(text)));
  return 0;
}

/// Writes the graphs a run of the scenario builds in memory: OUT/<stem>.<npu>.et and
/// OUT/<stem>.comm_groups.json, the scenario file's stem naming them.
int run_llm(const LlmArgs& a) {
  const LoadResult loaded = load_scenario(a.scenario, RunOverrides{});
  for (const Diagnostic& w : loaded.warnings) std::fprintf(stderr, "warning: %s\n", w.str().c_str());
  const Config& c = loaded.config;
  if (!c.workload.llm) {
    throw InputError(Diagnostic{a.scenario, 0, "workload",
                                fmt::format("the workload is {}, not an LLM run", to_string(c.workload.kind)),
                                "give a scenario with workload: llm: (configs/scenarios/llm/)"});
  }
  make_dir(a.out);
  const llm::StepGenerator gen(*c.workload.llm, c.network.npu_count(),
                               *compute::find_gpu_preset(c.npu.preset), c.source);
  const std::string prefix =
      (std::filesystem::path(a.out) / std::filesystem::path(a.scenario).stem()).string();
  const std::vector<std::string> paths = gen.write_files(prefix);
  std::printf(
      "wrote %zu trace files %s.<0..%d>.et and %s (workload: chakra: %s, comm_groups: "
      "{astra_comm_groups: ...}, npu: {preset: %s})\n",
      paths.size() - 1, prefix.c_str(), c.network.npu_count() - 1, paths.back().c_str(), prefix.c_str(),
      c.npu.preset.c_str());
  return 0;
}

nlohmann::json attr_json(const wl::EtAttribute& a) {
  using K = wl::AttrKind;
  switch (a.kind) {
    case K::kNone: return nullptr;
    case K::kDouble: case K::kFloat: return a.real;
    case K::kString: case K::kBytes: return a.text;
    case K::kBool: return a.bits != 0;
    case K::kDoubleList: case K::kFloatList: return a.reals;
    case K::kStringList: case K::kBytesList: return a.texts;
    case K::kBoolList: {
      std::vector<bool> v;
      for (auto x : a.ints) v.push_back(x != 0);
      return v;
    }
    default:
      if (a.is_integer_scalar()) return a.is_signed() ? nlohmann::json(static_cast<std::int64_t>(a.bits)) : nlohmann::json(a.bits);
      if (a.is_signed()) {
        std::vector<std::int64_t> v(a.ints.begin(), a.ints.end());
        return v;
      }
      return a.ints;
  }
}

int run_dump(const DumpArgs& a) {
  wl::EtReader reader(a.file);
  nlohmann::json gm;
  gm["version"] = reader.metadata().version;
  for (const auto& at : reader.metadata().attrs) gm["attr"][at.name] = attr_json(at);
  std::printf("%s\n", gm.dump().c_str());
  wl::EtNode n;
  while (reader.next(n)) {
    if (!a.ids.empty() && std::find(a.ids.begin(), a.ids.end(), n.id) == a.ids.end()) continue;
    nlohmann::json j;
    j["id"] = n.id;
    j["name"] = n.name;
    j["type"] = wl::node_type_name(n.type);
    if (!n.data_deps.empty()) j["data_deps"] = n.data_deps;
    if (!n.ctrl_deps.empty()) j["ctrl_deps"] = n.ctrl_deps;
    if (n.start_time_micros) j["start_time_micros"] = n.start_time_micros;
    if (n.duration_micros) j["duration_micros"] = n.duration_micros;
    for (const auto& at : n.attrs) {
      if (!j["attr"].contains(at.name)) j["attr"][at.name] = attr_json(at);
    }
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  }
  return 0;
}

}  // namespace

void add_trace_command(CLI::App& cli, Action& action) {
  auto* trace = cli.add_subcommand("trace", "Inspect, generate and convert Chakra execution traces");
  trace->require_subcommand(1);
  trace->footer(
      "Examples:\n"
      "  tessera trace inspect traces/resnet50/8npus/Resnet50_DataParallel\n"
      "  tessera trace microbench --collective all_reduce --npus 64 --size 64MiB --out ar64\n"
      "  tessera trace llm configs/scenarios/llm/llama2-7b-2layers-tp2-dp4.yaml --out llm-traces\n"
      "`tessera trace SUBCOMMAND --help` for each.");

  auto inspect_args = std::make_shared<InspectArgs>();
  auto* inspect = trace->add_subcommand(
      "inspect", "Node counts by type, bytes per collective, compute time (total and on the critical path), per NPU "
                 "and in total");
  inspect->add_option("PREFIX", inspect_args->prefix,
                      "trace prefix (files PREFIX.<npu>.et), or an ASTRA-sim text workload (converted in memory)")
      ->required();
  inspect->add_option("--npus", inspect_args->npus,
                      "number of NPUs (default: the number of trace files found; 1 for a text workload)")
      ->check(CLI::Range(std::int64_t{1}, kMaxNetworkNpus));
  inspect->add_option("--passes", inspect_args->passes, "training passes, for a text workload")
      ->check(CLI::Range(1, kMaxTextPasses));
  inspect->add_option("--deps", inspect_args->deps, "ctrl_deps policy: data-only, strict or lenient")
      ->check(CLI::IsMember({"data-only", "strict", "lenient"}))
      ->capture_default_str();
  inspect->add_option("--comm-groups", inspect_args->comm_groups,
                      "communicator-group JSON ({\"<id>\": [npu, ...]}) for pg_name attributes")
      ->check(CLI::ExistingFile);
  inspect->add_option("--peak-perf", inspect_args->peak_perf,
                      "roofline compute: peak TFLOP/s (with --local-mem-bw; default: replay durations)")
      ->check(finite_positive);
  inspect->add_option("--local-mem-bw", inspect_args->local_mem_bw, "roofline compute: local memory GB/s")
      ->check(finite_positive);
  inspect->add_flag("--replay-only", inspect_args->replay_only,
                    "replay every node from duration_micros, as ASTRA-sim's replay-only");
  inspect->add_flag("--json", inspect_args->json, "print JSON instead of text");
  inspect->footer(
      "Examples:\n"
      "  tessera trace inspect traces/resnet50/8npus/Resnet50_DataParallel\n"
      "  tessera trace inspect traces/text/Resnet50_DataParallel.txt --npus 8 --json");
  inspect->callback([&action, inspect_args] { action = [inspect_args] { return run_inspect(*inspect_args); }; });

  auto mb_args = std::make_shared<MicrobenchArgs>();
  auto* mb = trace->add_subcommand(
      "microbench", "Write DIR/<collective>.<npu>.et: one collective per NPU, byte-identical to ASTRA-sim's "
                    "microbenchmark traces");
  mb->add_option("--collective", mb_args->collective, "all_reduce, all_gather, reduce_scatter or all_to_all")
      ->required()
      ->check(CLI::IsMember({"all_reduce", "all_gather", "reduce_scatter", "all_to_all"}));
  mb->add_option("--npus", mb_args->npus, "number of NPUs (files)")
      ->required()
      ->check(CLI::Range(std::int64_t{1}, kMaxNetworkNpus));
  mb->add_option("--size", mb_args->size, "comm_size per NPU, e.g. 1MiB or 1048576 (all_gather: the per-NPU shard)")
      ->required();
  mb->add_option("--out", mb_args->out, "output directory (created if missing)")->required();
  mb->footer(
      "Example:\n  tessera trace microbench --collective all_reduce --npus 64 --size 64MiB --out ar64");
  mb->callback([&action, mb_args] { action = [mb_args] { return run_microbench(*mb_args); }; });

  auto llm_args = std::make_shared<LlmArgs>();
  auto* llm_cmd = trace->add_subcommand(
      "llm",
      "Write the step graphs of a scenario's LLM run (workload: llm:) as Chakra files DIR/<scenario "
      "stem>.<npu>.et with their communicator-group JSON, the graphs `tessera run` builds in memory");
  llm_cmd->add_option("SCENARIO", llm_args->scenario, "scenario YAML with workload: llm: and npu:")
      ->required()
      ->check(CLI::ExistingFile);
  llm_cmd->add_option("--out", llm_args->out, "output directory (created if missing)")->required();
  llm_cmd->footer(
      "Example:\n  tessera trace llm configs/scenarios/llm/llama2-7b-2layers-tp2-dp4.yaml --out llm-traces");
  llm_cmd->callback([&action, llm_args] { action = [llm_args] { return run_llm(*llm_args); }; });

  auto dump_args = std::make_shared<DumpArgs>();
  auto* dump = trace->add_subcommand(
      "dump", "Print one .et file as JSON lines: the GlobalMetadata, then each node (attributes by name)");
  dump->add_option("FILE", dump_args->file, "a .et file")->required();
  dump->add_option("--id", dump_args->ids, "print only the nodes with these ids (repeatable)");
  dump->footer("Example:\n  tessera trace dump traces/resnet50/8npus/Resnet50_DataParallel.0.et --id 1");
  dump->callback([&action, dump_args] { action = [dump_args] { return run_dump(*dump_args); }; });

  auto cv_args = std::make_shared<ConvertArgs>();
  auto* cv = trace->add_subcommand(
      "convert-text", "Convert an ASTRA-sim 1.0 text workload into DIR/<file stem>.<npu>.et, node for node as "
                      "Chakra's text converter");
  cv->add_option("FILE", cv_args->file, "text workload (MICRO, DATA, MODEL, HYBRID_DATA_MODEL, HYBRID_MODEL_DATA, "
                                        "HYBRID_DLRM)")
      ->required()
      ->check(CLI::ExistingFile);
  cv->add_option("--npus", cv_args->npus, "number of NPUs (files)")
      ->required()
      ->check(CLI::Range(std::int64_t{1}, kMaxNetworkNpus));
  cv->add_option("--passes", cv_args->passes, "training passes unrolled in each file")
      ->check(CLI::Range(1, kMaxTextPasses))
      ->capture_default_str();
  cv->add_option("--out", cv_args->out, "output directory (created if missing)")->required();
  cv->add_option("--schema", cv_args->schema,
                 "GM schema string: 'chakra' (mlcommons/chakra main, 1.0.2-chakra.1.0.0) or 'astra-sim' "
                 "(astra-sim/chakra, 1.0.2-chakra.0.0.4)")
      ->check(CLI::IsMember({"chakra", "astra-sim"}))
      ->capture_default_str();
  cv->footer(
      "Example:\n  tessera trace convert-text traces/text/Resnet50_DataParallel.txt --npus 8 --out resnet8");
  cv->callback([&action, cv_args] { action = [cv_args] { return run_convert(*cv_args); }; });
}

}  // namespace tessera::app
