#include "tessera/runtime/custom_collectives.hpp"

#include <filesystem>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "tessera/error.hpp"
#include "tessera/workload/trace_set.hpp"
#include "tessera/workload/workload.hpp"

namespace tessera::runtime {
namespace {

using collective::CustomCollective;
using collective::CustomStep;
using workload::NodeType;

/// One position's program from its validated workload. Dependencies are data and control
/// dependencies alike (both order the graph; MSCCL-converted graphs only have data_deps).
std::vector<CustomStep> program_of(const workload::Workload& wl, std::vector<Diagnostic>& problems) {
  std::vector<CustomStep> prog;
  prog.reserve(wl.size());
  for (workload::NodeIndex i = 0; i < wl.size(); ++i) {
    const workload::Node& n = wl.node(i);
    CustomStep step;
    step.id = static_cast<std::int64_t>(n.id);
    switch (n.type()) {
      case NodeType::kCommSend:
        step.kind = CustomStep::Kind::kSend;
        step.peer = wl.dst(i);
        break;
      case NodeType::kCommRecv:
        step.kind = CustomStep::Kind::kRecv;
        step.peer = wl.src(i);
        break;
      case NodeType::kComp:
        step.kind = CustomStep::Kind::kCompute;
        step.duration = n.duration;
        break;
      default:
        problems.push_back(
            Diagnostic{wl.source(), 0, fmt::format("node {} '{}'", n.id, wl.name(i)),
                       fmt::format("{} in a custom collective graph (only SEND, RECV and COMP run "
                                   "there; ASTRA-sim would wait for it forever)",
                                   workload::node_type_name(n.type())),
                       "remove the node or make it a COMP node"});
        continue;
    }
    if (step.kind != CustomStep::Kind::kCompute) {
      step.bytes = n.size;
      step.tag = n.tag;
    }
    std::set<std::int64_t> deps;
    for (workload::NodeIndex d : wl.deps(i)) deps.insert(static_cast<std::int64_t>(wl.node(d).id));
    step.deps.assign(deps.begin(), deps.end());
    prog.push_back(std::move(step));
  }
  return prog;
}

/// Where a system key was written (the file and line of the implementation list).
Diagnostic key_at(const CollectiveImplementation& impl, const Config& c, std::string key) {
  return Diagnostic{impl.file.empty() ? c.system.source : impl.file, impl.line, std::move(key), "", ""};
}

/// The group sizes a custom graph may be written for: the whole network and each configured group.
void check_positions(const CustomCollective& custom, const Config& c, const Diagnostic& where) {
  const int positions = static_cast<int>(custom.programs.size());
  const int npus = c.network.npu_count();
  if (positions == npus) return;
  std::set<int> sizes;
  for (const auto& [name, members] : c.comm_groups.groups) {
    if (!members.empty()) sizes.insert(static_cast<int>(members.size()));
  }
  if (sizes.count(positions)) return;
  Diagnostic d = where;
  d.message = fmt::format(
      "the custom collective {} has {} position file(s) (positions 0..{}) but the network has {} "
      "NPUs{}",
      custom.name, positions, positions - 1, npus,
      sizes.empty() ? std::string() : fmt::format(" and no communicator group has {}", positions));
  d.fix = fmt::format("give one file per NPU, positions 0..{} (ASTRA-sim reads <prefix>.<position>.et)",
                      npus - 1);
  throw InputError(d);
}

/// A prefix inside the per-node YAML: relative to the current directory, as ASTRA-sim reads it;
/// when no graph is there but one is beside the YAML file, that one (what a scenario user means).
std::string locate(const std::string& prefix, const std::string& yaml_path) {
  const std::filesystem::path p(prefix);
  if (p.is_absolute()) return prefix;
  std::error_code ec;
  if (std::filesystem::exists(workload::trace_file_path(prefix, 0), ec)) return prefix;
  const std::string beside = (std::filesystem::path(yaml_path).parent_path() / p).lexically_normal().string();
  if (std::filesystem::exists(workload::trace_file_path(beside, 0), ec)) return beside;
  return prefix;
}

std::map<std::uint64_t, std::string> read_per_node_yaml(const std::string& path, const Config& c) {
  const std::string key = "per-node-custom-implementation";
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw InputError(Diagnostic{c.system.source, 0, key, fmt::format("cannot read {}", path),
                                "give the path of a YAML file {workload node id: ET prefix}"});
  } catch (const YAML::Exception& e) {
    throw InputError(Diagnostic{path, e.mark.line + 1, "", fmt::format("YAML syntax error: {}", e.msg),
                                "write a mapping {workload node id: ET prefix}"});
  }
  if (!root.IsMap()) {
    throw InputError(Diagnostic{path, 0, "", "expected a mapping {workload node id: ET prefix}",
                                "write one line per node, e.g. `12: custom/allreduce_ring`"});
  }
  std::map<std::uint64_t, std::string> out;
  std::vector<Diagnostic> problems;
  for (const auto& kv : root) {
    const int line = kv.first.Mark().line + 1;
    std::uint64_t id = 0;
    try {
      id = kv.first.as<std::uint64_t>();
    } catch (const YAML::Exception&) {
      problems.push_back(Diagnostic{path, line, kv.first.IsScalar() ? kv.first.Scalar() : "",
                                    "the key is not a workload node id (a non-negative integer)",
                                    "use the id of the COLL node in the workload traces"});
      continue;
    }
    if (!kv.second.IsScalar() || kv.second.Scalar().empty()) {
      problems.push_back(Diagnostic{path, line, std::to_string(id), "the value is not an ET prefix",
                                    "give the prefix of the files <prefix>.<position>.et"});
      continue;
    }
    out[id] = locate(kv.second.Scalar(), path);
  }
  if (!problems.empty()) throw InputError(problems);
  return out;
}

}  // namespace

const std::shared_ptr<const collective::CustomCollective>& CustomCollectives::find(
    CollectiveType type, std::uint64_t node_id) const {
  if (!per_node.empty()) {
    const auto it = per_node.find(node_id);
    if (it != per_node.end()) return it->second;
  }
  return per_type[static_cast<std::size_t>(type)];
}

bool CustomCollectives::empty() const {
  if (!per_node.empty()) return false;
  for (const auto& p : per_type) {
    if (p) return false;
  }
  return true;
}

std::shared_ptr<const CustomCollective> load_custom_collective(const std::string& prefix,
                                                               const Diagnostic& where) {
  int positions = 0;
  try {
    positions = workload::discover_npu_count(prefix);
  } catch (const InputError& e) {
    // Name the configuration key first: the user fixes the system file, not the trace.
    std::vector<Diagnostic> all;
    Diagnostic d = where;
    d.message = fmt::format("the custom collective ETs {}.<position>.et cannot be used", prefix);
    d.fix =
        "give the prefix of existing files <prefix>.0.et, <prefix>.1.et, ... (ASTRA-sim paths are relative "
        "to the current directory)";
    all.push_back(d);
    all.insert(all.end(), e.diagnostics().begin(), e.diagnostics().end());
    throw InputError(all);
  }
  auto custom = std::make_shared<CustomCollective>();
  custom->name = prefix;
  workload::LoadOptions opts;
  opts.deps = workload::DepPolicy::kStrict;
  std::vector<Diagnostic> problems;
  for (int pos = 0; pos < positions; ++pos) {
    try {
      const workload::Workload wl =
          workload::load_workload_file(workload::trace_file_path(prefix, pos), pos, opts);
      custom->programs.push_back(program_of(wl, problems));
    } catch (const InputError& e) {
      problems.insert(problems.end(), e.diagnostics().begin(), e.diagnostics().end());
      custom->programs.emplace_back();
    }
  }
  if (!problems.empty()) throw InputError(problems);
  collective::validate(*custom);
  return custom;
}

CustomCollectives load_custom_collectives(const Config& c) {
  CustomCollectives out;
  using T = CollectiveType;
  const std::pair<T, const CollectiveImplementation*> types[] = {
      {T::kAllReduce, &c.system.all_reduce},
      {T::kReduceScatter, &c.system.reduce_scatter},
      {T::kAllGather, &c.system.all_gather},
      {T::kAllToAll, &c.system.all_to_all}};
  std::map<std::string, std::shared_ptr<const CustomCollective>> by_prefix;  // one copy per distinct prefix
  std::set<std::string> failed;                                              // reported once
  std::vector<Diagnostic> problems;
  auto load = [&](const std::string& prefix,
                  const Diagnostic& where) -> std::shared_ptr<const CustomCollective> {
    if (failed.count(prefix)) return nullptr;
    auto& slot = by_prefix[prefix];
    if (!slot) {
      try {
        auto loaded = load_custom_collective(prefix, where);
        check_positions(*loaded, c, where);
        slot = std::move(loaded);
      } catch (const InputError&) {
        failed.insert(prefix);
        throw;
      }
    }
    return slot;
  };
  for (const auto& [type, impl] : types) {
    if (impl->custom_prefix.empty()) continue;
    const Diagnostic where =
        key_at(*impl, c, fmt::format("{}-implementation-custom", to_string(type)));
    try {
      out.per_type[static_cast<std::size_t>(type)] = load(impl->custom_prefix, where);
    } catch (const InputError& e) {
      problems.insert(problems.end(), e.diagnostics().begin(), e.diagnostics().end());
    }
  }
  if (!c.system.per_node_custom_implementation.empty()) {
    try {
      for (const auto& [id, prefix] : read_per_node_yaml(c.system.per_node_custom_implementation, c)) {
        const Diagnostic where{c.system.per_node_custom_implementation, 0, std::to_string(id), "", ""};
        try {
          out.per_node[id] = load(prefix, where);
        } catch (const InputError& e) {
          problems.insert(problems.end(), e.diagnostics().begin(), e.diagnostics().end());
        }
      }
    } catch (const InputError& e) {
      problems.insert(problems.end(), e.diagnostics().begin(), e.diagnostics().end());
    }
  }
  if (!problems.empty()) throw InputError(problems);
  return out;
}

}  // namespace tessera::runtime
