// Remote memory, communicator groups, workload, output and simulation parameters.
#include <cmath>

#include "tables.hpp"

namespace tessera::cfg {
namespace {

/// A path relative to the file it is written in.
template <class S>
Param<S> p_path(std::string key, std::string S::*field, std::string doc) {
  return {key,
          "path",
          "relative to the file it is written in",
          std::move(doc),
          false,
          [field](const Node& n, S& s, Sink& sink) {
            if (auto v = get_string(n, sink)) s.*field = resolve_relative_to(n, *v);
          },
          [field](const S& s) { return (s.*field).empty() ? std::string("none") : s.*field; },
          key,
          [field](const S& s) { return Value::of(s.*field); }};
}

/// An output file: as p_string, but "" is an error (it would write nothing, silently).
template <class S>
Param<S> p_output(std::string key, std::string S::*field, std::string doc) {
  Param<S> p = p_string(std::move(key), field, std::move(doc), "path");
  p.load = [field](const Node& n, S& s, Sink& sink) {
    if (auto v = get_string(n, sink)) {
      if (v->empty()) {
        sink.error(n.diag("an empty path names no file", "give a file name, or leave the key out to write none"));
        return;
      }
      s.*field = *v;
    }
  };
  return p;
}

void check_per_node(const Node& map, const RemoteMemoryConfig& m, const std::set<std::string>& seen,
                    const char* nodes_key, const char* per_node_key, Sink& sink) {
  if (m.memory_type != MemoryType::kPerNodeMemoryExpansion) return;
  for (const char* key : {nodes_key, per_node_key}) {
    if (!seen.count(key)) {
      Diagnostic d = map.diag(fmt::format("PER_NODE_MEMORY_EXPANSION needs \"{}\"", key),
                              fmt::format("add \"{}\"", key));
      d.key = join_path(map.path, key);
      sink.error(std::move(d));
    }
  }
}

}  // namespace

Table<RemoteMemoryConfig> remote_memory_table() {
  using R = RemoteMemoryConfig;
  return {"remote_memory",
          "Remote (disaggregated) memory for MEM_LOAD/MEM_STORE nodes. Inline keys, {file: ...}, or "
          "{astra_remote_memory: mem.json}.",
          {
              p_enum("memory_type", &R::memory_type, enum_names(MemoryType{}), "how remote memory is shared"),
              p_int("num_nodes", &R::num_nodes, 1, INT32_MAX, "nodes (PER_NODE_MEMORY_EXPANSION)"),
              p_int("num_npus_per_node", &R::num_npus_per_node, 1, INT32_MAX,
                    "NPUs per node (PER_NODE_MEMORY_EXPANSION)"),
              p_time("latency", &R::latency, "latency per transaction"),
              p_bandwidth("bandwidth", &R::bandwidth, "bandwidth per transaction"),
          },
          {}};
}

Table<RemoteMemoryConfig> astra_remote_memory_table() {
  using R = RemoteMemoryConfig;
  return {
      "astra-remote-memory-json",
      "ASTRA-sim's remote-memory JSON (--remote-memory-configuration). Time per transaction = latency + "
      "size/bw.",
      {
          required(p_enum("memory-type", &R::memory_type, enum_names(MemoryType{}),
                          "how remote memory is shared")),
          p_int("num-nodes", &R::num_nodes, 1, INT32_MAX, "nodes (PER_NODE_MEMORY_EXPANSION)"),
          p_int("num-npus-per-node", &R::num_npus_per_node, 1, INT32_MAX,
                "NPUs per node (PER_NODE_MEMORY_EXPANSION)"),
          {"remote-mem-latency", "number", "ns", "latency per transaction", false,
           [](const Node& n, R& s, Sink& sink) {
             if (auto v = get_astra_ns(n, sink)) s.latency = *v;
           },
           [](const R&) { return std::string("0"); }},
          {"remote-mem-bw", "number", "bytes/ns (= GB/s with GB = 10^9)", "bandwidth per transaction", false,
           [](const Node& n, R& s, Sink& sink) {
             if (auto v = get_double(n, sink, 0.0, HUGE_VAL)) s.bandwidth = Bandwidth{std::llround(*v * 1e9)};
           },
           [](const R&) { return std::string("none"); }},
      },
      {}};
}

RemoteMemoryConfig read_astra_remote_memory(const std::string& path, Sink& sink) {
  RemoteMemoryConfig out;
  out.source = path;
  Node root;
  if (!sink.collect([&] { root = read_json_file(path); })) return out;
  std::set<std::string> seen;
  astra_remote_memory_table().load(
      root, out, sink, {}, &seen,
      "add \"memory-type\": \"NO_MEMORY_EXPANSION\" (what every shipped example uses)");
  check_per_node(root, out, seen, "num-nodes", "num-npus-per-node", sink);
  return out;
}

void load_remote_memory_section(const Node& map, RemoteMemoryConfig& out, Sink& sink,
                                const std::vector<std::string>& also_allowed) {
  std::set<std::string> seen;
  remote_memory_table().load(map, out, sink, also_allowed, &seen);
  check_per_node(map, out, seen, "num_nodes", "num_npus_per_node", sink);
}

void load_comm_groups(const Node& map, CommGroups& out, Sink& sink) {
  if (!map.is_map()) {
    sink.error(map.diag(fmt::format("expected a mapping of group id to NPU list, got {}", map.describe()),
                        "e.g. {\"1\": [0, 1, 2, 3], \"2\": [4, 5, 6, 7]}"));
    return;
  }
  for (const auto& [id, value] : map.entries) {
    auto npus = get_int_list(value, sink, 0, INT32_MAX);
    if (!npus) continue;
    if (npus->empty()) {
      sink.error(value.diag("a communicator group needs at least one NPU"));
      continue;
    }
    std::set<int> unique(npus->begin(), npus->end());
    if (unique.size() != npus->size()) {
      sink.error(value.diag("an NPU appears more than once in this group", "list each NPU once"));
      continue;
    }
    if (id.empty() || id == "0") {
      sink.warn(value.diag(
          fmt::format("group id \"{}\" is reserved for \"all NPUs\"; COLL nodes with pg_name \"{}\" "
                      "use every NPU, not this list",
                      id, id),
          "use another id"));
    }
    out.groups[id] = *npus;
  }
}

CommGroups read_astra_comm_groups(const std::string& path, Sink& sink) {
  CommGroups out;
  out.source = path;
  Node root;
  if (!sink.collect([&] { root = read_json_file(path); })) return out;
  load_comm_groups(root, out, sink);
  return out;
}

Table<WorkloadConfig> workload_table() {
  using W = WorkloadConfig;
  return {
      "workload",
      "What runs on the NPUs: Chakra ETs (chakra: prefix of <prefix>.<npu>.et), an ASTRA-sim 1.0 text "
      "workload (text: file.txt) or a generated LLM training run (llm: see workload.llm). Exactly one of the "
      "three.",
      {
          p_path("chakra", &W::chakra_prefix, "prefix of the per-NPU Chakra traces <prefix>.<npu>.et"),
          p_path("text", &W::text_path, "ASTRA-sim 1.0 text workload (DATA, MODEL, HYBRID_* ...)"),
          {"llm", "section", "see workload.llm", "an LLM training run whose step graphs Tessera generates",
           false,
           [](const Node& n, W& w, Sink& sink) {
             llm::LlmRun run;
             llm_table().load(n, run, sink);
             w.llm = std::move(run);
           },
           [](const W& w) { return w.llm ? w.llm->model.name : std::string("none"); }, "llm",
           [](const W& w) { return w.llm ? llm_table().record(*w.llm) : Value::null(); }},
          p_int("passes", &W::passes, 1, kMaxTextPasses, "training passes over a text workload"),
          p_enum(
              "control_dependencies", &W::control_dependencies, enum_names(ControlDependencies{}),
              "ctrl_deps: strict (dangling id is an error, as ASTRA-sim), data-only (ignored, as the legacy "
              "feeder), lenient (dangling ids and self-loops dropped and counted)"),
          p_bool(
              "allow_extra_traces", &W::allow_extra_traces,
              "run on the first <NPU count> traces when the prefix has more files than the network has NPUs "
              "(else an error; --allow-extra-traces)"),
      },
      {}};
}

Table<OutputConfig> output_table() {
  using O = OutputConfig;
  return {
      "output",
      "What a run writes. Command-line --output, --summary-json, --log-format and --quiet override these.",
      {
          p_output("hdf5", &O::hdf5_path, "per-NPU timelines in HDF5 (relative to the current directory)"),
          p_output("summary_json", &O::summary_json, "run summary as JSON (relative to the current directory)"),
          p_enum("log_format", &O::log_format, enum_names(LogFormat{}),
                 "console report: Tessera's, or ASTRA-sim's \"sys[N] finished, T cycles\" lines"),
          p_bool("quiet", &O::quiet, "print only errors and the final summary"),
          // Where logs go, not what is simulated: left out of the resolved configuration.
          unrecorded(p_string(
              "logging_folder", &O::logging_folder,
              "folder for ASTRA-sim style log.log/err.log (relative to the current directory)", "path")),
      },
      {}};
}

Table<SimulationConfig> simulation_table() {
  using M = SimulationConfig;
  return {
      "simulation",
      "How the simulation runs. Command-line --network-model overrides network_model.",
      {
          p_enum("network_model", &M::network_model, enum_names(NetworkModel{}),
                 "packet-level network, the flow model (NCCL collectives timed whole; the default for LLM runs with NCCL on HGX boxes), or ASTRA-sim's analytical backends (for parity)"),
          p_enum("placement", &M::placement, enum_names(Placement{}),
                 "how NPUs and switches are assigned to MPI ranks"),
          {"rank_of_npu", "list of int", "one MPI rank per NPU", "placement: explicit: the rank of each NPU",
           false,
           [](const Node& n, M& s, Sink& sink) {
             if (auto v = get_int_list(n, sink, 0, INT32_MAX)) s.rank_of_npu = *v;
           },
           [](const M& s) { return fmt::format("[{}]", fmt::join(s.rank_of_npu, ", ")); }, "rank_of_npu",
           [](const M& s) { return Value::of(s.rank_of_npu); }},
          // What cmd_run really does at a limit (docs/hardening.md): a clean stop, not an error
          // that loses the results.
          p_time_limit("max_sim_time", &M::max_sim_time,
                 "stop cleanly at this simulated time (no event at or past it runs): the outputs are "
                 "written marked partial (HDF5 attribute partial=1, JSON \"partial\": true, a PARTIAL "
                 "RESULTS banner) and the run exits 1"),
          p_time_limit("max_wall_time", &M::max_wall_time,
                 "stop cleanly after this much wall-clock time (checked at window boundaries and every "
                 "16,384 events): the outputs are written marked partial, as for max_sim_time, and the run "
                 "exits 1"),
      },
      {}};
}

}  // namespace tessera::cfg
