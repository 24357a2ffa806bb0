// The two ways into a Config: a Tessera scenario YAML, or ASTRA-sim's command-line inputs.
// Both collect every error before throwing, and both end in the same cross-checks.
#include <sys/stat.h>
#include <cmath>
#include <functional>

#include <fmt/ranges.h>

#include "tables.hpp"
#include "tessera/config_load.hpp"
#include "tessera/output_file.hpp"

namespace tessera {
namespace cfg {
namespace {

const std::vector<std::string> kScenarioSections{"description",   "network",     "system",
                                                 "remote_memory", "comm_groups", "npu",
                                                 "workload",      "output",      "simulation"};

bool is_regular_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// Reads one scenario section: `{file: other.yaml}` (the same keys in another file), `{<astra_key>:
/// astra-file}` (an ASTRA-sim input read as ASTRA-sim reads it), inline keys, or a file plus inline
/// keys that override it.
void apply_section(
    const Node& node, const std::string& astra_key, Sink& sink,
    const std::function<void(const std::string& path)>& load_astra,
    const std::function<void(const Node& map, const std::vector<std::string>& also)>& load_map) {
  if (!node.is_map()) {
    sink.error(node.diag(fmt::format("expected a mapping, got {}", node.describe()),
                         "write the section's keys indented below it, or {file: path}"));
    return;
  }
  const Node* file = node.find("file");
  const Node* astra = astra_key.empty() ? nullptr : node.find(astra_key);
  if (file && astra) {
    sink.error(node.diag(fmt::format("both \"file\" and \"{}\" are given", astra_key), "keep one of them"));
    return;
  }
  if (file) {
    if (auto p = get_string(*file, sink)) {
      Node sub;
      if (sink.collect([&] { sub = read_yaml_file(resolve_relative_to(*file, *p), node.path); }))
        load_map(sub, {});
    }
  }
  if (astra) {
    if (auto p = get_string(*astra, sink)) load_astra(resolve_relative_to(*astra, *p));
  }
  std::vector<std::string> also{"file"};
  if (!astra_key.empty()) also.push_back(astra_key);
  load_map(node, also);
}

/// A mapping without the section-reference keys (for sections whose keys are data, like groups).
Node without(const Node& map, const std::vector<std::string>& keys) {
  Node out = map;
  out.entries.clear();
  for (const auto& e : map.entries) {
    if (std::find(keys.begin(), keys.end(), e.first) == keys.end()) out.entries.push_back(e);
  }
  return out;
}

void apply_overrides(Config& c, const RunOverrides& o) {
  if (o.network_model) c.simulation.network_model = *o.network_model;
  if (o.log_format) c.output.log_format = *o.log_format;
  if (o.summary_json) {
    c.output.summary_json = *o.summary_json;
    c.output.summary_json_from = "--summary-json";
  }
  if (o.hdf5_path) {
    c.output.hdf5_path = *o.hdf5_path;
    c.output.hdf5_from = "--output";
  }
  if (o.quiet) c.output.quiet = true;
  if (o.allow_extra_traces) c.workload.allow_extra_traces = true;
  if (o.max_sim_time) c.simulation.max_sim_time = *o.max_sim_time;
  if (o.max_wall_time) c.simulation.max_wall_time = *o.max_wall_time;
}

/// Reads a command-line value by the declaration of the scenario key `key` of `table`, so that
/// flag and key share their bounds and messages; the message names `flag`.
template <class S>
void load_flag(const params::Table<S>& table, const std::string& key, const std::string& flag,
               const std::string& text, S& out, Sink& sink) {
  Node n;
  n.kind = Node::Kind::kScalar;
  n.scalar_type = Node::Scalar::kPlain;
  n.text = text;
  n.path = flag;
  table.param(key).load(n, out, sink);
}

/// The run's output files, before anything is simulated: a folder that does not exist, a
/// directory, a device for HDF5 (which seeks) or one file named twice is an input error now, not
/// after a long run (the rules are in tessera/output_file.hpp).
void check_outputs(const OutputConfig& o, Sink& sink) {
  std::vector<OutputTarget> targets;
  const std::pair<const std::string*, const std::string*> outputs[] = {{&o.summary_json, &o.summary_json_from},
                                                                       {&o.hdf5_path, &o.hdf5_from}};
  for (const auto& output : outputs) {
    // Named pointers, not a structured binding: clang 14 (the fuzz build) cannot capture one.
    const std::string* path = output.first;
    const std::string* from = output.second;
    if (path->empty()) continue;  // not written
    sink.collect([&] { targets.push_back(resolve_output(*path, *from, path == &o.hdf5_path)); });
  }
  sink.collect([&] { check_distinct_outputs(targets); });
}

LoadResult finish(Config config, Sink& sink, bool astra_inputs) {
  sink.throw_if_errors();  // cross-checks on a half-read config would only add noise
  default_implementations(config.system, config.system.source,
                          static_cast<int>(config.network.dimension_sizes().size()), sink, astra_inputs);
  cross_check(config, sink);
  check_outputs(config.output, sink);
  sink.throw_if_errors();
  return LoadResult{std::move(config), std::move(sink.warnings)};
}

}  // namespace
}  // namespace cfg

using cfg::Node;
using cfg::Sink;

LoadResult load_scenario(const std::string& path, const RunOverrides& overrides) {
  Sink sink;
  Config c;
  c.source = path;
  const Node root = cfg::read_yaml_file(path);
  if (!root.is_map()) {
    throw InputError(
        root.diag(fmt::format("a scenario must be a mapping of sections, got {}", root.describe()),
                  "start from configs/scenarios/default.yaml"));
  }
  bool astra_network = false;
  for (const auto& [key, value] : root.entries) {
    if (key == "description") {
      cfg::get_string(value, sink);
    } else if (key == "network") {
      c.network.source = path;
      cfg::apply_section(
          value, "astra_network", sink,
          [&](const std::string& p) {
            astra_network = true;
            c.network = cfg::read_astra_network(p, sink);
          },
          [&](const Node& m, const std::vector<std::string>& also) {
            if (astra_network) {
              for (const std::string& k : {std::string("topology"), c.network.topology.name()}) {
                if (const Node* n = m.find(k)) {
                  sink.error(n->diag(
                      fmt::format("\"{}\" conflicts with astra_network, which defines the dimensions", k),
                      "remove it"));
                }
              }
            }
            cfg::load_network_section(m, c.network, sink, also);
          });
    } else if (key == "system") {
      c.system.source = path;
      cfg::apply_section(
          value, "astra_system", sink,
          [&](const std::string& p) { c.system = cfg::read_astra_system(p, sink, 1.0); },
          [&](const Node& m, const std::vector<std::string>& also) {
            cfg::system_table().load(m, c.system, sink, also);
          });
    } else if (key == "remote_memory") {
      cfg::apply_section(
          value, "astra_remote_memory", sink,
          [&](const std::string& p) { c.remote_memory = cfg::read_astra_remote_memory(p, sink); },
          [&](const Node& m, const std::vector<std::string>& also) {
            cfg::load_remote_memory_section(m, c.remote_memory, sink, also);
          });
    } else if (key == "comm_groups") {
      cfg::apply_section(
          value, "astra_comm_groups", sink,
          [&](const std::string& p) { c.comm_groups = cfg::read_astra_comm_groups(p, sink); },
          [&](const Node& m, const std::vector<std::string>& also) {
            cfg::load_comm_groups(cfg::without(m, also), c.comm_groups, sink);
          });
    } else if (key == "workload") {
      cfg::apply_section(value, "", sink, nullptr, [&](const Node& m, const std::vector<std::string>& also) {
        cfg::workload_table().load(m, c.workload, sink, also);
      });
      if (value.is_map()) {
        const bool chakra = !c.workload.chakra_prefix.empty(), text = !c.workload.text_path.empty();
        const bool llm = c.workload.llm.has_value();
        const int given = chakra + text + llm;
        if (given != 1) {
          std::vector<std::string> which;
          if (chakra) which.emplace_back("\"chakra\"");
          if (text) which.emplace_back("\"text\"");
          if (llm) which.emplace_back("\"llm\"");
          sink.error(value.diag(given == 0 ? "no workload given"
                                           : fmt::format("{}{} are given", given == 2 ? "both " : "",
                                                         fmt::join(which, " and ")),
                                "give exactly one of chakra: <ET prefix>, text: <ASTRA-sim text workload> or "
                                "llm: <training run>"));
        }
        c.workload.kind = llm ? WorkloadKind::kLlm : text ? WorkloadKind::kAstraText : WorkloadKind::kChakra;
      }
    } else if (key == "npu") {
      cfg::apply_section(value, "", sink, nullptr, [&](const Node& m, const std::vector<std::string>& also) {
        cfg::npu_table().load(m, c.npu, sink, also);
      });
    } else if (key == "output") {
      cfg::apply_section(value, "", sink, nullptr, [&](const Node& m, const std::vector<std::string>& also) {
        cfg::output_table().load(m, c.output, sink, also);
      });
    } else if (key == "simulation") {
      cfg::apply_section(value, "", sink, nullptr, [&](const Node& m, const std::vector<std::string>& also) {
        cfg::simulation_table().load(m, c.simulation, sink, also);
      });
    } else {
      const std::string near = did_you_mean(key, cfg::kScenarioSections);
      sink.error(value.diag(fmt::format("unknown section \"{}\"", key),
                            near.empty()
                                ? "sections are: description, network, system, remote_memory, comm_groups, "
                                  "npu, workload, output, simulation"
                                : fmt::format("did you mean \"{}\"?", near)));
    }
  }
  for (const char* required : {"network", "workload"}) {
    if (!root.find(required)) {
      sink.error(Diagnostic{path, 0, required, fmt::format("missing required section \"{}\"", required),
                            "see configs/scenarios/ for examples"});
    }
  }
  // The scenario's injection_scale applies to its endpoint delay once, wherever the delay came from.
  if (const auto scaled = checked_scale(c.system.endpoint_delay, c.system.injection_scale, true)) {
    c.system.endpoint_delay = *scaled;
  } else {
    sink.error(Diagnostic{c.system.source, 0, "system.injection_scale",
                          fmt::format("endpoint_delay {} times injection_scale {} is beyond the time range ({})",
                                      format_time(c.system.endpoint_delay), c.system.injection_scale,
                                      kTimeRangeText),
                          "use a smaller injection_scale"});
  }
  // A training run on HGX boxes with NCCL defaults to the flow model, which times each distinct
  // collective once with the packet model and runs steps of thousands of GPUs in minutes
  // (docs/network.md); a scenario that names its model keeps it.
  const Node* sim = root.find("simulation");
  const bool model_given = sim != nullptr && sim->is_map() && sim->find("network_model") != nullptr;
  if (!model_given && c.workload.kind == WorkloadKind::kLlm && c.system.collective_library == CollectiveLibrary::kNccl &&
      c.network.topology.name() == "hgx_h100") {
    c.simulation.network_model = NetworkModel::kFlow;
  }
  cfg::apply_overrides(c, overrides);
  return cfg::finish(std::move(c), sink, false);
}

LoadResult load_astra(const AstraArgs& args, const RunOverrides& overrides) {
  Sink sink;
  Config c;
  c.source = "ASTRA-sim command line";
  const std::pair<const char*, const std::string*> needed[] = {{"--workload-configuration", &args.workload},
                                                               {"--system-configuration", &args.system},
                                                               {"--network-configuration", &args.network}};
  for (const auto& [flag, value] : needed) {
    if (value->empty()) {
      sink.error(Diagnostic{"", 0, flag,
                            "missing: ASTRA-sim inputs need the workload, system and network files",
                            fmt::format("add {}=<path>", flag)});
    }
  }
  if (!args.network.empty()) c.network = cfg::read_astra_network(args.network, sink);
  if (!args.system.empty()) c.system = cfg::read_astra_system(args.system, sink, args.injection_scale);
  if (!args.remote_memory.empty()) {
    c.remote_memory = cfg::read_astra_remote_memory(args.remote_memory, sink);
  } else {
    sink.warn(Diagnostic{"", 0, "--remote-memory-configuration",
                         "not given; using NO_MEMORY_EXPANSION (ASTRA-sim requires this flag)", ""});
  }
  if (args.comm_group.find("empty") == std::string::npos) {
    c.comm_groups = cfg::read_astra_comm_groups(args.comm_group, sink);
  }
  if (args.logging_configuration.find("empty") == std::string::npos) {
    sink.warn(Diagnostic{"", 0, "--logging-configuration",
                         fmt::format("\"{}\" is an spdlog setup for ASTRA-sim; Tessera does not use it",
                                     args.logging_configuration),
                         ""});
  }
  if (args.compute_scale != 1.0 || args.comm_scale != 1.0) {
    sink.warn(Diagnostic{"", 0, args.compute_scale != 1.0 ? "--compute-scale" : "--comm-scale",
                         "has no effect in ASTRA-sim 2.x; Tessera ignores it too, for parity", ""});
  }
  // The counts of the command line go through the scenario keys' own declarations: one bound and
  // one message wherever a value is written.
  cfg::load_flag(cfg::system_table(), "num_queues_per_dim", "--num-queues-per-dim",
                 std::to_string(args.num_queues_per_dim), c.system, sink);
  {
    SystemConfig scale_only;
    cfg::load_flag(cfg::system_table(), "injection_scale", "--injection-scale",
                   params::format_number(args.injection_scale), scale_only, sink);
  }
  cfg::load_flag(cfg::workload_table(), "passes", "--num-passes", std::to_string(args.num_passes), c.workload, sink);
  c.system.compute_scale = args.compute_scale;
  c.system.comm_scale = args.comm_scale;
  c.system.rendezvous_protocol = args.rendezvous_protocol;
  if (c.system.endpoint_delay == 0 && !args.system.empty() && sink.ok()) {
    sink.warn(
        Diagnostic{args.system, 0, "endpoint-delay",
                   "0 aborts ASTRA-sim (its event queue asserts strictly future events); Tessera runs it, "
                   "ordering zero-delay events deterministically, so there is no ASTRA-sim number to compare",
                   ""});
  }
  // A workload that names an existing .txt file is an ASTRA-sim 1.0 text workload; otherwise an ET prefix.
  if (cfg::ends_with(args.workload, ".txt") || cfg::is_regular_file(args.workload)) {
    c.workload.kind = WorkloadKind::kAstraText;
    c.workload.text_path = args.workload;
  } else {
    c.workload.kind = WorkloadKind::kChakra;
    c.workload.chakra_prefix = args.workload;
  }
  c.output.logging_folder = args.logging_folder;
  // ASTRA-sim inputs default to ASTRA-sim's analytical backend and console format, so results can be
  // compared line by line; --network-model / --log-format change that.
  c.output.log_format = kAstraInputsLogFormat;
  c.simulation.network_model = kAstraInputsNetworkModel;
  cfg::apply_overrides(c, overrides);
  return cfg::finish(std::move(c), sink, true);
}

LoadResult load_run_config(const RunRequest& request) {
  if (!request.scenario.empty() && request.astra) {
    throw InputError(Diagnostic{"", 0, "", "both a scenario file and ASTRA-sim input flags are given",
                                "give either SCENARIO.yaml or the --*-configuration flags, not both"});
  }
  if (request.scenario.empty() && !request.astra) {
    throw InputError(
        Diagnostic{"", 0, "", "nothing to load",
                   "give a scenario (tessera run configs/scenarios/default.yaml) or ASTRA-sim's flags "
                   "(--workload-configuration, --system-configuration, --network-configuration, "
                   "--remote-memory-configuration)"});
  }
  if (request.astra) return load_astra(*request.astra, request.overrides);
  return load_scenario(request.scenario, request.overrides);
}

namespace {

/// One ASTRA-sim file read on its own: InputError with its errors, its warnings appended.
template <class Read>
auto load_one(Read read, std::vector<Diagnostic>& warnings) {
  Sink sink;
  auto out = read(sink);
  sink.throw_if_errors();
  warnings.insert(warnings.end(), sink.warnings.begin(), sink.warnings.end());
  return out;
}

}  // namespace

NetworkConfig load_astra_network(const std::string& path, std::vector<Diagnostic>& warnings) {
  return load_one([&](Sink& sink) { return cfg::read_astra_network(path, sink); }, warnings);
}

SystemConfig load_astra_system(const std::string& path, std::vector<Diagnostic>& warnings) {
  return load_one([&](Sink& sink) { return cfg::read_astra_system(path, sink, 1.0); }, warnings);
}

RemoteMemoryConfig load_astra_remote_memory(const std::string& path, std::vector<Diagnostic>& warnings) {
  return load_one([&](Sink& sink) { return cfg::read_astra_remote_memory(path, sink); }, warnings);
}

CommGroups load_astra_comm_groups(const std::string& path, std::vector<Diagnostic>& warnings) {
  return load_one([&](Sink& sink) { return cfg::read_astra_comm_groups(path, sink); }, warnings);
}

}  // namespace tessera
