// One EtNode -> one compact Node: attribute semantics as ASTRA-sim's feeder_v3 reads them
// (docs/workload.md, "Node semantics"); every problem is collected, not thrown.
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "builder_impl.hpp"
#include "tessera/compute/gpu.hpp"
#include "tessera/workload/kernel_attrs.hpp"

namespace tessera::workload {
namespace {

constexpr std::string_view kind_name(AttrKind k) {
  switch (k) {
    case AttrKind::kNone: return "no value";
    case AttrKind::kDouble: return "double_val";
    case AttrKind::kFloat: return "float_val";
    case AttrKind::kString: return "string_val";
    case AttrKind::kBytes: return "bytes_val";
    case AttrKind::kBoolList: return "bool_list";
    default: return static_cast<std::uint8_t>(k) % 2 == 0 ? "a list" : "an integer";
  }
}

}  // namespace

/// An integer attribute in any integer encoding (as feeder_v3 coerces); a float, string or list
/// value is an error.
std::optional<std::int64_t> WorkloadBuilder::Impl::int_attr(const EtNode& n, std::string_view name) {
  const EtAttribute* a = n.find(name);
  if (!a) return std::nullopt;
  if (auto v = a->as_int64()) return v;
  if (a->is_integer_scalar()) {
    error(key(n), fmt::format("attribute '{}' = {} does not fit in a signed 64-bit integer", name, a->bits));
  } else {
    error(key(n), fmt::format("attribute '{}' must hold an integer, but it holds {}", name, kind_name(a->kind)),
          "write it as int64_val (or any integer type)");
  }
  return std::nullopt;
}

std::optional<std::int32_t> WorkloadBuilder::Impl::int32_attr(const EtNode& n, std::string_view name) {
  auto v = int_attr(n, name);
  if (!v) return std::nullopt;
  if (*v < std::numeric_limits<std::int32_t>::min() || *v > std::numeric_limits<std::int32_t>::max()) {
    error(key(n), fmt::format("attribute '{}' = {} is out of the 32-bit range", name, *v));
    return std::nullopt;
  }
  return static_cast<std::int32_t>(*v);
}

std::optional<Bytes> WorkloadBuilder::Impl::size_attr(const EtNode& n, std::string_view name) {
  auto v = int_attr(n, name);
  if (v && *v < 0) {
    error(key(n), fmt::format("attribute '{}' = {} is negative", name, *v));
    return std::nullopt;
  }
  if (v && *v > kMaxMessageBytes) {
    error(key(n), fmt::format("attribute '{}' = {} bytes is more than 1 PiB (2^50 = {} bytes), the most a message "
                              "or tensor may hold", name, *v, kMaxMessageBytes),
          "check the trace's sizes (they are bytes)");
    return std::nullopt;
  }
  return v;
}

SimTime WorkloadBuilder::Impl::replay_time(const EtNode& n) {
  if (n.duration_micros > static_cast<std::uint64_t>(kTimeInfinity / kMicrosecond)) {
    error(key(n), fmt::format("duration_micros = {} is too large (over 106 days)", n.duration_micros));
    return 0;
  }
  // ASTRA-sim replays a zero duration as 1 ns.
  if (n.duration_micros == 0) return kNanosecond;
  return static_cast<SimTime>(n.duration_micros) * kMicrosecond;
}

/// ASTRA-sim's Roofline: runtime_ns = trunc(num_ops / min(bw·OI, peak)), in double as ASTRA-sim
/// computes it, so that the truncation matches; converted to ps once here.
SimTime WorkloadBuilder::Impl::roofline_time(const EtNode& n) {
  const auto ops = int_attr(n, "num_ops");
  const auto bytes = size_attr(n, "tensor_size");
  if (!ops || !bytes) {
    if (!n.find("num_ops") || !n.find("tensor_size")) {
      error(key(n), "roofline compute needs the attributes 'num_ops' and 'tensor_size'",
            "add them to the trace, or use replay (durations from duration_micros)");
    }
    return 0;
  }
  const ComputeModel& cm = options.compute;
  if (*bytes == 0) return 0;  // ASTRA-sim skips such a node as invalid: it takes no time
  const double oi = static_cast<double>(*ops) / static_cast<double>(*bytes);
  const double perf = std::min(cm.local_mem_bw_gbps * 1e9 * oi, cm.peak_perf_tflops * 1e12);
  if (!(perf > 0)) return 0;
  const double ns = std::trunc(static_cast<double>(*ops) / perf * 1e9);
  return static_cast<SimTime>(ns) * kNanosecond;
}

bool WorkloadBuilder::Impl::gpu_time(const EtNode& e, Node& n) {
  std::string problem;
  const auto kernel = kernel_from_attributes(e, problem);
  if (!problem.empty()) {
    error(key(e), problem, "fix the attribute or remove the tessera_* attributes to replay duration_micros");
    return true;
  }
  if (!kernel) return false;
  try {
    n.duration = options.gpu->time(*kernel);
  } catch (const Error& ex) {
    error(key(e), ex.what());
  }
  return true;
}

void WorkloadBuilder::Impl::parse_pg_metadata(const EtNode& n) {
  if (!n.inputs || n.inputs->values.empty()) return;
  const std::string& v = n.inputs->values;
  // PyTorch stores str(['<json>']): ASTRA-sim drops two characters at each end.
  if (v.size() < 4 || v.compare(0, 2, "['") != 0) return;
  try {
    const auto j = nlohmann::json::parse(v.substr(2, v.size() - 4));
    if (!j.is_array()) throw std::runtime_error("not a JSON array");
    for (const auto& e : j) {
      PgDeclaration d;
      const auto& pg = e.at("pg_name");
      d.pg_name = pg.is_string() ? pg.get<std::string>() : pg.dump();
      if (e.contains("ranks")) d.ranks = e.at("ranks").get<std::vector<int>>();
      w.pg_declarations_.push_back(std::move(d));
    }
  } catch (const std::exception& ex) {
    error(key(n), fmt::format("process-group metadata in inputs.values is not valid: {}", ex.what()),
          "expected PyTorch's form ['[{\"pg_name\": \"0\", \"ranks\": [0, 1]}]']");
  }
}

void WorkloadBuilder::Impl::add(const EtNode& e) {
  Node n;
  n.id = e.id;
  const auto t = static_cast<std::int32_t>(e.type);
  if (t < 0 || t > static_cast<std::int32_t>(NodeType::kCommColl)) {
    const char* known = t == 8 ? " (STORAGE_NODE)" : t == 9 ? " (BATCH_NODE)" : t == 10 ? " (CHECKPOINT_NODE)" : "";
    error(key(e), fmt::format("unsupported node type {}{}", t, known),
          "Tessera (like ASTRA-sim) runs node types 0..7 (INVALID, METADATA, MEM_LOAD, MEM_STORE, COMP, "
          "COMM_SEND, COMM_RECV, COMM_COLL)");
  }
  n.kind = static_cast<std::uint8_t>(t);
  n.name = options.keep_names ? w.g_->names_.intern(e.name) : 0;
  if (auto cpu = int_attr(e, "is_cpu_op"); cpu && *cpu != 0) n.flags |= Node::kCpuOp;

  // ASTRA-sim's `replay-only` replays every node from duration_micros and reads no other
  // attribute, so nothing else is required of any node type.
  const NodeType type = options.compute.replay_only ? NodeType::kInvalid : e.type;
  if (options.compute.replay_only) {
    n.duration = replay_time(e);
    if (e.type == NodeType::kComp && e.duration_micros == 0) ++w.report_.zero_duration_comp;
    if (e.type != NodeType::kComp) n.flags |= Node::kReplayed;
    const EtAttribute* size = e.find(e.type == NodeType::kComp || e.type == NodeType::kMemLoad ||
                                             e.type == NodeType::kMemStore ? "tensor_size" : "comm_size");
    if (size && size->as_int64() && *size->as_int64() >= 0) n.size = *size->as_int64();
    if (const EtAttribute* ct = e.find("comm_type"); ct && ct->as_int64() && *ct->as_int64() >= 0 && *ct->as_int64() <= 9) {
      n.coll = static_cast<std::uint8_t>(*ct->as_int64());
    }
  }

  switch (type) {
    case NodeType::kComp:
      if (options.gpu && !n.is_cpu_op() && gpu_time(e, n)) {
        // The GPU compute model timed it from the kernel the node describes.
      } else if (options.compute.mode == ComputeModel::Mode::kRoofline && !n.is_cpu_op()) {
        n.duration = roofline_time(e);
      } else {
        n.duration = replay_time(e);
        if (e.duration_micros == 0) ++w.report_.zero_duration_comp;
      }
      if (auto s = size_attr(e, "tensor_size")) n.size = *s;
      break;
    case NodeType::kCommColl: {
      const auto ct = int_attr(e, "comm_type");
      const auto cs = size_attr(e, "comm_size");
      if (n.is_cpu_op()) {
        // PyTorch traces carry CPU-side launch nodes (c10d::allreduce_) beside the GPU kernel
        // that does the communication; ASTRA-sim rejects them, we replay them as CPU work.
        n.flags |= Node::kReplayed;
        n.duration = replay_time(e);
        ++w.report_.cpu_collectives;
        if (ct && *ct >= 0 && *ct <= 9) n.coll = static_cast<std::uint8_t>(*ct);
        if (cs) n.size = *cs;
        break;
      }
      if (!e.find("comm_type")) {
        error(key(e), "collective without 'comm_type'",
              "add the int64 attribute comm_type (0 ALL_REDUCE, 2 ALL_GATHER, 6 ALL_TO_ALL, 7 REDUCE_SCATTER, ...)");
      } else if (ct && (*ct < 0 || *ct > 9)) {
        error(key(e), fmt::format("comm_type {} is not a Chakra collective type (0..9)", *ct));
      } else if (ct) {
        n.coll = static_cast<std::uint8_t>(*ct);
      }
      if (!e.find("comm_size")) {
        error(key(e), "collective without 'comm_size'", "add the int64 attribute comm_size (bytes per NPU)");
      } else if (cs) {
        n.size = *cs;
      }
      if (n.collective() == CollectiveType::kBroadcast && !options.simulate_broadcast) {
        // ASTRA-sim replays BROADCAST from duration_micros instead of simulating it.
        n.flags |= Node::kReplayed;
        n.duration = replay_time(e);
      }
      break;
    }
    case NodeType::kCommSend:
    case NodeType::kCommRecv: {
      const bool send = e.type == NodeType::kCommSend;
      const char* what = send ? "send" : "receive";
      if (n.is_cpu_op()) error(key(e), fmt::format("a {} node cannot be a CPU op (is_cpu_op = true)", what));
      if (!e.find("comm_size")) {
        error(key(e), fmt::format("{} without 'comm_size'", what), "add the int64 attribute comm_size (bytes)");
      } else if (auto cs = size_attr(e, "comm_size")) {
        n.size = *cs;
      }
      if (auto v = int32_attr(e, "comm_src")) { n.src = *v; n.flags |= Node::kHasSrc; }
      if (auto v = int32_attr(e, "comm_dst")) { n.dst = *v; n.flags |= Node::kHasDst; }
      const auto peer_attr = send ? "comm_dst" : "comm_src";
      const std::int32_t peer_npu = send ? n.dst : n.src;
      if (options.npus > 0 && n.has(send ? Node::kHasDst : Node::kHasSrc) &&
          (peer_npu < 0 || peer_npu >= options.npus)) {
        error(key(e), fmt::format("{} = {} is not an NPU of the network (0..{})", peer_attr, peer_npu, options.npus - 1),
              "fix the trace, or run it on a network with that many NPUs");
      }
      if (auto v = int32_attr(e, "comm_tag")) { n.tag = *v; n.flags |= Node::kHasTag; }
      const bool peer = send ? e.find("comm_dst") != nullptr : e.find("comm_src") != nullptr;
      if (!peer || !e.find("comm_tag")) {
        const std::string missing = !peer && !e.find("comm_tag") ? (send ? "'comm_dst' and 'comm_tag'" : "'comm_src' and 'comm_tag'")
                                    : !peer ? (send ? "'comm_dst'" : "'comm_src'") : "'comm_tag'";
        error(key(e), fmt::format("{} without {}", what, missing),
              send ? "add int32 attributes comm_dst (destination NPU) and comm_tag (matching tag); PyTorch-converted "
                     "traces omit them"
                   : "add int32 attributes comm_src (source NPU) and comm_tag (matching tag); PyTorch-converted "
                     "traces omit them");
      }
      break;
    }
    case NodeType::kMemLoad:
    case NodeType::kMemStore:
      if (!e.find("tensor_size")) {
        error(key(e), "memory node without 'tensor_size'", "add the uint64 attribute tensor_size (bytes)");
      } else if (auto s = size_attr(e, "tensor_size")) {
        n.size = *s;
      }
      break;
    case NodeType::kMetadata:
      parse_pg_metadata(e);
      break;
    default:
      break;
  }

  if (!duration_sum_overflowed) {
    if (const auto sum = checked_add(duration_sum, n.duration)) {
      duration_sum = *sum;
    } else {
      duration_sum_overflowed = true;
      error(key(e), fmt::format("the durations of the trace's nodes up to this one add up past the time range ({})",
                                kTimeRangeText),
            "check the durations (duration_micros is in microseconds)");
    }
  }
  if (auto p = int32_attr(e, "comm_priority")) n.priority = *p;
  if (const EtAttribute* pg = e.find("pg_name")) {
    std::string text;
    if (pg->kind == AttrKind::kString || pg->kind == AttrKind::kBytes) {
      text = pg->text;
    } else if (auto v = pg->as_int64()) {
      text = std::to_string(*v);
    } else {
      error(key(e), fmt::format("attribute 'pg_name' must be a string, but it holds {}", kind_name(pg->kind)));
    }
    if (!text.empty()) {
      const bool numeric = text.find_first_not_of("0123456789") == std::string::npos && text.size() <= 9;
      if (!numeric) {
        error(key(e), fmt::format("pg_name '{}' is not a communicator group id", text),
              "pg_name must be a decimal group id defined in the comm-group JSON or by a METADATA node");
      }
      const auto id = pgs.intern(text);
      if (id > std::numeric_limits<std::uint16_t>::max()) {
        error(key(e), "more than 65535 distinct pg_name values");
      } else {
        n.pg = static_cast<std::uint16_t>(id);
      }
    }
  }
  if (const EtAttribute* dim = e.find("involved_dim")) {
    if (dim->kind != AttrKind::kBoolList) {
      error(key(e), fmt::format("attribute 'involved_dim' must be a bool_list, but it holds {}", kind_name(dim->kind)));
    } else if (dim->ints.size() > 16) {
      error(key(e), fmt::format("involved_dim has {} entries; at most 16 network dimensions are supported",
                                dim->ints.size()));
    } else {
      n.involved_dim = 0;
      for (std::size_t i = 0; i < dim->ints.size(); ++i) {
        if (dim->ints[i]) n.involved_dim |= static_cast<std::uint16_t>(1u << i);
      }
      n.involved_dim_count = static_cast<std::uint8_t>(dim->ints.size());
    }
  }

  if (raw_deps.size() + e.data_deps.size() + e.ctrl_deps.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw InputError(Diagnostic{w.source_, 0, key(e), "more than 4 billion dependencies in one trace", ""});
  }
  n.deps_begin = static_cast<std::uint32_t>(raw_deps.size());
  n.data_dep_count = static_cast<std::uint32_t>(e.data_deps.size());
  n.ctrl_dep_count = options.deps == DepPolicy::kDataOnly ? 0 : static_cast<std::uint32_t>(e.ctrl_deps.size());
  raw_deps.insert(raw_deps.end(), e.data_deps.begin(), e.data_deps.end());
  if (options.deps != DepPolicy::kDataOnly) raw_deps.insert(raw_deps.end(), e.ctrl_deps.begin(), e.ctrl_deps.end());
  if (w.g_->nodes_.size() >= std::numeric_limits<NodeIndex>::max()) {
    throw InputError(Diagnostic{w.source_, 0, key(e), "more than 4 billion nodes in one trace", ""});
  }
  w.g_->nodes_.push_back(n);
}

void WorkloadBuilder::Impl::throw_errors() {
  if (error_count > errors.size()) {
    errors.push_back({w.source_, 0, "", fmt::format("... and {} more problems", error_count - errors.size()), ""});
  }
  throw InputError(std::move(errors));
}

}  // namespace tessera::workload
