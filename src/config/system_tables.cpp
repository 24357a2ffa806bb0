// System parameters: the scenario's `system:` section and ASTRA-sim's system JSON. Both fill
// SystemConfig; they differ in key spelling and units (ASTRA-sim: bare numbers in ns, GB/s = 10^9,
// TFLOP/s; scenario: values with units).
#include <cctype>
#include <cmath>
#include <filesystem>

#include "tables.hpp"
#include "tessera/collective/nccl/options.hpp"
#include "tessera/collective/registry.hpp"

namespace tessera::cfg {
namespace {

using S = SystemConfig;

std::string show_impl(const CollectiveImplementation& c) {
  if (!c.custom_prefix.empty()) return "custom ET " + c.custom_prefix;
  if (c.per_dimension.empty()) return "ring on every dimension";
  return fmt::format("[{}]{}", fmt::join(c.per_dimension, ", "), c.defaulted ? " (default)" : "");
}

Value record_impl(const CollectiveImplementation& c) {
  Value v = Value::map();
  v.add("per_dimension", Value::of(c.per_dimension));
  if (!c.custom_prefix.empty()) v.add("custom", Value::of(c.custom_prefix));
  v.add("defaulted", Value::of(c.defaulted));
  return v;
}

Param<S> p_impl(std::string key, CollectiveImplementation S::*field, std::string collective) {
  CollectiveType type = CollectiveType::kAllReduce;
  for (CollectiveType t : collective::kImplementedTypes) {
    if (to_string(t) == collective) type = t;
  }
  return {
      key,
      "list of string",
      fmt::format("{}", fmt::join(collective::algorithm_forms(type), ", ")),
      fmt::format("{} algorithm per logical dimension; the list length sets the number of dimensions used",
                  collective),
      false,
      [field](const Node& n, S& s, Sink& sink) { load_implementation_list(n, s.*field, sink); },
      [field](const S& s) { return show_impl(s.*field); },
      key,
      [field](const S& s) { return record_impl(s.*field); }};
}

Param<S> p_custom(std::string key, CollectiveImplementation S::*field, std::string collective, bool resolve) {
  return {key,
          "list of one path",
          "Chakra ET prefix",
          fmt::format("custom {} from the SEND/RECV ETs <prefix>.<npu>.et; wins over the native list",
                      collective),
          false,
          [field, resolve](const Node& n, S& s, Sink& sink) {
            // ASTRA-sim writes a list with exactly one prefix; the scenario also takes a bare string.
            const Node* item = &n;
            if (n.is_list()) {
              if (n.items.size() != 1) {
                sink.error(n.diag(fmt::format("expected a list with exactly one ET prefix, got {} entries",
                                              n.items.size())));
                return;
              }
              item = &n.items[0];
            }
            if (auto v = get_string(*item, sink)) {
              (s.*field).custom_prefix = resolve ? resolve_relative_to(n, *v) : *v;
              (s.*field).file = n.file;
              (s.*field).line = n.line;
            }
          },
          [field](const S& s) {
            return (s.*field).custom_prefix.empty() ? std::string("\"\"") : (s.*field).custom_prefix;
          }};
}

// `nccl: {NCCL_ALGO: ring, ...}`: NCCL's own variables, each checked by the NCCL library's parser
// (the one place that knows their names and values), kept as text in file order.
Param<S> p_nccl_settings() {
  return {"nccl",
          "map",
          "NCCL_* variable: value",
          "NCCL variables (NCCL_ALGO, NCCL_PROTO, NCCL_NVLS_ENABLE, NCCL_MIN_NCHANNELS, NCCL_MAX_NCHANNELS, ...) "
          "for collective_library nccl; the environment's NCCL_* variables apply after them",
          false,
          [](const Node& n, S& s, Sink& sink) {
            if (!n.is_map()) {
              sink.error(n.diag(fmt::format("expected a mapping of NCCL variables, got {}", n.describe()),
                                "write e.g. nccl: {NCCL_ALGO: ring, NCCL_PROTO: simple}"));
              return;
            }
            collective::nccl::NcclOptions scratch;
            for (const auto& e : n.entries) {
              if (!e.second.is_scalar()) {
                sink.error(e.second.diag(fmt::format("expected a value for {}, got {}", e.first, e.second.describe()),
                                         "give the value as NCCL reads it from the environment, e.g. ring"));
                continue;
              }
              try {
                collective::nccl::set_option(scratch, e.first, e.second.text, e.second.path);
                s.nccl.emplace_back(e.first, e.second.text);
              } catch (const InputError& err) {
                for (const Diagnostic& d : err.diagnostics()) sink.error(e.second.diag(d.message, d.fix));
              }
            }
          },
          [](const S& s) {
            if (s.nccl.empty()) return std::string("none");
            std::string out;
            for (const auto& [k, v] : s.nccl) out += (out.empty() ? "" : ", ") + k + "=" + v;
            return out;
          },
          "nccl",
          [](const S& s) {
            Value v = Value::map();
            for (const auto& [k, val] : s.nccl) v.add(k, Value::of(val));
            return v;
          }};
}

}  // namespace

std::string resolve_relative_to(const Node& n, const std::string& path) {
  if (path.empty() || path.front() == '/' || n.file.empty()) return path;
  const auto slash = n.file.rfind('/');
  if (slash == std::string::npos) return path;
  return std::filesystem::path(n.file.substr(0, slash + 1) + path).lexically_normal().string();
}

void load_implementation_list(const Node& n, CollectiveImplementation& impl, Sink& sink) {
  if (n.is_scalar()) {
    // ASTRA-sim 1.0 wrote "ring_ring" in its text system files.
    std::string fix = "write a list with one name per dimension, e.g. [\"ring\"]";
    if (n.text.find('_') != std::string::npos) {
      std::string list;
      std::string part;
      for (char c : n.text + "_") {
        if (c == '_') {
          list += (list.empty() ? "\"" : ", \"") + part + "\"";
          part.clear();
        } else {
          part += c;
        }
      }
      fix = fmt::format("this is ASTRA-sim 1.0's form; write [{}]", list);
    }
    sink.error(n.diag(fmt::format("expected a list of algorithm names, got {}", n.describe()), fix));
    return;
  }
  auto names = get_string_list(n, sink);
  if (!names) return;
  if (names->empty()) {
    sink.error(
        n.diag("the implementation list is empty", "give one algorithm per dimension, e.g. [\"ring\"]"));
    return;
  }
  bool ok = true;
  for (std::size_t i = 0; i < names->size(); ++i) {
    try {
      collective::parse_algorithm((*names)[i]);
    } catch (const InputError& e) {
      for (const Diagnostic& d : e.diagnostics()) sink.error(n.items[i].diag(d.message, d.fix));
      ok = false;
    }
  }
  if (ok) {
    impl.per_dimension = *names;
    impl.defaulted = false;
    impl.file = n.file;
    impl.line = n.line;
  }
}

void default_implementations(SystemConfig& system, const std::string& where, int dims, Sink& sink,
                             bool warn) {
  const std::pair<const char*, CollectiveImplementation*> all[] = {{"all-reduce", &system.all_reduce},
                                                                   {"reduce-scatter", &system.reduce_scatter},
                                                                   {"all-gather", &system.all_gather},
                                                                   {"all-to-all", &system.all_to_all}};
  for (const auto& [name, impl] : all) {
    if (impl->per_dimension.empty() && impl->custom_prefix.empty()) {
      impl->per_dimension.assign(static_cast<std::size_t>(std::max(dims, 1)), "ring");
      impl->defaulted = true;
      if (warn)
        sink.warn(Diagnostic{where, 0, fmt::format("{}-implementation", name),
                             fmt::format("not given; Tessera uses \"ring\" on each of the {} dimension(s) "
                                         "(ASTRA-sim would fail on the first {} collective)",
                                         std::max(dims, 1), name),
                             fmt::format("add \"{}-implementation\": [\"ring\"] to state it", name)});
    }
  }
}

Table<SystemConfig> system_table() {
  return {
      "system",
      "Collective scheduling and compute model (ASTRA-sim's system JSON, with units). Inline keys, "
      "{file: sys.yaml}, or {astra_system: sys.json}; inline keys next to a file override it.",
      {
          p_enum("scheduling_policy", &S::scheduling_policy, enum_names(SchedulingPolicy{}),
                 "chunk-stream priority: newest first, oldest first, or the ET's comm_priority"),
          p_enum("collective_optimization", &S::collective_optimization, enum_names(Decomposition{}),
                 "multi-dimensional all-reduce decomposition"),
          p_int("active_chunks_per_dimension", &S::active_chunks_per_dimension, 1, INT32_MAX,
                "chunk streams running at once per dimension queue"),
          p_int("preferred_dataset_splits", &S::preferred_dataset_splits, 1, INT32_MAX,
                "chunks per collective"),
          p_time("endpoint_delay", &S::endpoint_delay, "fixed cost per message (0 is allowed)"),
          p_bandwidth("local_mem_bw", &S::local_mem_bw,
                      "local memory bandwidth: reduction cost and roofline memory roof"),
          {"peak_perf", "rate", "FLOP/s, GFLOP/s, TFLOP/s, PFLOP/s",
           "peak compute rate for the roofline model", false,
           [](const Node& n, S& s, Sink& sink) {
             if (auto v = get_flops(n, sink)) s.peak_perf_flops = *v;
           },
           [](const S& s) {
             return s.peak_perf_flops == 0 ? std::string("none") : format_number(s.peak_perf_flops);
           },
           "peak_perf_flops", [](const S& s) { return Value::of(s.peak_perf_flops); }},
          p_bool("roofline_enabled", &S::roofline_enabled,
                 "compute time from num_ops/tensor_size instead of duration"),
          p_bool("replay_only", &S::replay_only, "replay every node from its recorded duration"),
          // Diagnostics outputs, not simulated behaviour: left out of the resolved configuration.
          unrecorded(p_bool("trace_enabled", &S::trace_enabled, "per-node debug log lines")),
          unrecorded(p_bool("track_local_mem", &S::track_local_mem,
                            "memory tracker (needs ET inputs/outputs attributes)")),
          unrecorded(p_string("local_mem_trace_filename", &S::local_mem_trace_filename,
                              "memory tracker output file")),
          p_impl("all_reduce_implementation", &S::all_reduce, "all-reduce"),
          p_impl("reduce_scatter_implementation", &S::reduce_scatter, "reduce-scatter"),
          p_impl("all_gather_implementation", &S::all_gather, "all-gather"),
          p_impl("all_to_all_implementation", &S::all_to_all, "all-to-all"),
          // The custom prefixes are recorded with their *_implementation.
          p_custom("all_reduce_implementation_custom", &S::all_reduce, "all-reduce", true),
          p_custom("reduce_scatter_implementation_custom", &S::reduce_scatter, "reduce-scatter", true),
          p_custom("all_gather_implementation_custom", &S::all_gather, "all-gather", true),
          p_custom("all_to_all_implementation_custom", &S::all_to_all, "all-to-all", true),
          {"per_node_custom_implementation", "path", "YAML {node id: ET prefix}",
           "per-node custom collective override (wins over the per-type settings)", false,
           [](const Node& n, S& s, Sink& sink) {
             if (auto v = get_string(n, sink)) s.per_node_custom_implementation = resolve_relative_to(n, *v);
           },
           [](const S& s) {
             return s.per_node_custom_implementation.empty() ? std::string("\"\"")
                                                             : s.per_node_custom_implementation;
           }},
          p_int("num_queues_per_dim", &S::num_queues_per_dim, 1, 1024, "system-layer queues per dimension"),
          p_double("injection_scale", &S::injection_scale, 0, "factor", "multiplies endpoint_delay"),
          p_time("local_reduction_delay", &S::local_reduction_delay, "LogGP: local reduction delay"),
          p_bool("model_shared_bus", &S::model_shared_bus, "LogGP shared-bus model between NPU and NIC"),
          // Accepted for ASTRA-sim's inputs; no model reads them, so the resolved configuration
          // leaves them out.
          unrecorded(p_double("loggp_L", &S::loggp_L, 0, "ns", "LogGP L")),
          unrecorded(p_double("loggp_o", &S::loggp_o, 0, "ns", "LogGP o")),
          unrecorded(p_double("loggp_g", &S::loggp_g, 0, "ns", "LogGP g")),
          unrecorded(p_double("loggp_G", &S::loggp_G, 0, "ns/byte", "LogGP G")),
          p_bool("rendezvous_protocol", &S::rendezvous_protocol, "an 8,192-byte handshake before each send"),
          p_enum("collective_library", &S::collective_library, enum_names(CollectiveLibrary{}),
                 "who runs collectives: ASTRA-sim's system layer (the *_implementation algorithms) or "
                 "NCCL's algorithms, protocols and tuner (docs/nccl.md)"),
          p_enum("nccl_gpu", &S::nccl_gpu, enum_names(NcclGpu{}),
                 "the GPU NCCL tunes for (collective_library nccl): its tables, caps and per-CTA rates"),
          p_nccl_settings(),
      },
      {}};
}

Table<SystemConfig> astra_system_table() {
  const std::string ignored_sched =
      "ASTRA-sim 2.x ignores this key (intra-dimension order is FIFO and inter-dimension order ascending, "
      "hard-coded); Tessera ignores it too, for parity";
  return {
      "astra-system-json",
      "ASTRA-sim's system JSON (--system-configuration), read as ASTRA-sim 2.x reads it, with its units.",
      {
          p_enum("scheduling-policy", &S::scheduling_policy, enum_names(SchedulingPolicy{}),
                 "chunk-stream priority"),
          p_enum("collective-optimization", &S::collective_optimization, enum_names(Decomposition{}),
                 "multi-dimensional all-reduce decomposition"),
          p_int("active-chunks-per-dimension", &S::active_chunks_per_dimension, 1, INT32_MAX,
                "chunk streams running at once per dimension queue"),
          required(p_int("preferred-dataset-splits", &S::preferred_dataset_splits, 1, INT32_MAX,
                         "chunks per collective (ASTRA-sim has no default: it divides by zero)")),
          {"endpoint-delay", "number", "ns", "fixed cost per message, times --injection-scale (0 is allowed)",
           false,
           [](const Node& n, S& s, Sink& sink) {
             if (auto v = get_astra_ns(n, sink)) s.endpoint_delay = *v;
           },
           [](const S& s) { return format_number(static_cast<double>(s.endpoint_delay) / kNanosecond); }},
          {"local-mem-bw", "number", "GB/s with GB = 10^9 bytes",
           "local memory bandwidth: reduction cost and roofline", false,
           [](const Node& n, S& s, Sink& sink) {
             if (auto v = get_double(n, sink, 0.0, HUGE_VAL, true))
               s.local_mem_bw = Bandwidth{std::llround(*v * 1e9)};
           },
           [](const S&) { return std::string("none"); }},
          {"peak-perf", "number", "TFLOP/s", "peak compute rate for the roofline model", false,
           [](const Node& n, S& s, Sink& sink) {
             if (auto v = get_double(n, sink, 0.0, HUGE_VAL, true)) s.peak_perf_flops = *v * 1e12;
           },
           [](const S&) { return std::string("none"); }},
          p_bool("roofline-enabled", &S::roofline_enabled, "compute time from num_ops/tensor_size"),
          p_bool("replay-only", &S::replay_only, "replay every node from duration_micros"),
          p_bool("trace-enabled", &S::trace_enabled, "per-node debug log lines"),
          p_bool("track-local-mem", &S::track_local_mem,
                 "memory tracker (needs ET inputs/outputs attributes)"),
          p_string("local-mem-trace-filename", &S::local_mem_trace_filename, "memory tracker output file"),
          p_impl("all-reduce-implementation", &S::all_reduce, "all-reduce"),
          p_impl("reduce-scatter-implementation", &S::reduce_scatter, "reduce-scatter"),
          p_impl("all-gather-implementation", &S::all_gather, "all-gather"),
          p_impl("all-to-all-implementation", &S::all_to_all, "all-to-all"),
          p_custom("all-reduce-implementation-custom", &S::all_reduce, "all-reduce", false),
          p_custom("reduce-scatter-implementation-custom", &S::reduce_scatter, "reduce-scatter", false),
          p_custom("all-gather-implementation-custom", &S::all_gather, "all-gather", false),
          p_custom("all-to-all-implementation-custom", &S::all_to_all, "all-to-all", false),
          p_string("per-node-custom-implementation", &S::per_node_custom_implementation,
                   "YAML {node id: ET prefix}; per-node custom collective override", "path"),
          p_bool("model-shared-bus", &S::model_shared_bus, "LogGP shared-bus model (only when 1)"),
          {"local-reduction-delay", "number", "ns", "LogGP: local reduction delay", false,
           [](const Node& n, S& s, Sink& sink) {
             if (auto v = get_astra_ns(n, sink)) s.local_reduction_delay = *v;
           },
           [](const S& s) {
             return format_number(static_cast<double>(s.local_reduction_delay) / kNanosecond);
           }},
          p_double("L", &S::loggp_L, 0, "ns", "LogGP L"),
          p_double("o", &S::loggp_o, 0, "ns", "LogGP o"),
          p_double("g", &S::loggp_g, 0, "ns", "LogGP g"),
          p_double("G", &S::loggp_G, 0, "ns/byte", "LogGP G"),
      },
      {
          {"boost-mode",
           "\"boost-mode\" is ignored by ASTRA-sim 2.x and by Tessera (present in every shipped config)"},
          {"intra-dimension-scheduling", ignored_sched},
          {"inter-dimension-scheduling", ignored_sched},
      }};
}

SystemConfig read_astra_system(const std::string& path, Sink& sink, double injection_scale) {
  SystemConfig out;
  out.source = path;
  Node root;
  if (!sink.collect([&] { root = read_json_file(path); })) return out;
  std::set<std::string> seen;
  astra_system_table().load(
      root, out, sink, {}, &seen,
      "add \"preferred-dataset-splits\": 4 (the value every shipped ASTRA-sim config uses); "
      "ASTRA-sim itself crashes with a division by zero without it");
  // ASTRA-sim keeps the endpoint delay in whole ns: it reads the JSON number into an integer tick
  // and truncates the product with --injection-scale. Parity needs the same truncations.
  if (out.endpoint_delay % kNanosecond != 0) {
    sink.warn(root.find("endpoint-delay")
                  ->diag(fmt::format("ASTRA-sim truncates {} ns to {} ns; Tessera does the same for parity",
                                     format_number(static_cast<double>(out.endpoint_delay) / kNanosecond),
                                     out.endpoint_delay / kNanosecond),
                         "write a whole number of ns"));
  }
  const std::int64_t e_ns = out.endpoint_delay / kNanosecond;
  out.injection_scale = injection_scale;
  const auto scaled_ns = checked_scale(e_ns, injection_scale);
  const auto scaled = scaled_ns ? checked_mul(*scaled_ns, kNanosecond) : std::nullopt;
  if (scaled) {
    out.endpoint_delay = *scaled;
  } else if (std::isfinite(injection_scale) && injection_scale >= 0) {  // others: the flag's own check
    sink.error(Diagnostic{path, 0, "--injection-scale",
                          fmt::format("endpoint-delay {} ns times --injection-scale {} is beyond the time range ({})",
                                      e_ns, injection_scale, kTimeRangeText),
                          "use a smaller --injection-scale"});
  }
  if (!seen.count("local-mem-bw") && sink.ok()) {
    Diagnostic d = root.diag(
        "no \"local-mem-bw\": ASTRA-sim divides by it for every reduction (undefined behaviour); Tessera "
        "charges no "
        "reduction cost",
        "add \"local-mem-bw\" in GB/s (GB = 10^9), e.g. 3350 for H100 HBM3");
    d.key = "local-mem-bw";
    sink.warn(std::move(d));
  }
  return out;
}

}  // namespace tessera::cfg
