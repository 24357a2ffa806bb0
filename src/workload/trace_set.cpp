// Trace-set discovery and loading: file naming (<prefix>.<npu>.et), the NPU-count checks that
// ASTRA-sim lacks, communicator groups, and in-memory text workloads.
#include "tessera/workload/trace_set.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "tessera/workload/text_workload.hpp"

namespace tessera::workload {
namespace fs = std::filesystem;

namespace {

/// "3", "8..15", "1, 4..6, 9" for a sorted list of NPU ids.
std::string format_ranges(const std::vector<int>& ids) {
  std::string out;
  for (std::size_t i = 0; i < ids.size();) {
    std::size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1) ++j;
    if (!out.empty()) out += ", ";
    out += j == i ? std::to_string(ids[i]) : fmt::format("{}..{}", ids[i], ids[j]);
    i = j + 1;
  }
  return out;
}

/// A prefix that names a directory is a common slip: suggest the prefix of a trace inside it.
void reject_directory_prefix(const std::string& prefix) {
  std::error_code ec;
  if (!fs::is_directory(prefix, ec)) return;
  std::string example;
  for (const auto& entry : fs::directory_iterator(prefix, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".0.et") == 0) {
      example = (fs::path(prefix) / name.substr(0, name.size() - 5)).string();
      break;
    }
  }
  throw InputError(Diagnostic{prefix, 0, "", "the trace prefix is a directory",
                              example.empty() ? "give the prefix of the files <prefix>.<npu>.et, not their directory"
                                              : fmt::format("give the prefix of the files, e.g. {}", example)});
}

/// NPU ids of the files <prefix>.<n>.et present in the prefix's directory.
std::vector<int> present_npus(const std::string& prefix) {
  reject_directory_prefix(prefix);
  const fs::path p(prefix);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  const std::string stem = p.filename().string();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw InputError(Diagnostic{dir.string(), 0, "", "the directory of the trace prefix does not exist",
                                "check the workload prefix (files are named <prefix>.<npu>.et)"});
  }
  std::vector<int> ids;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= stem.size() + 4 || name.compare(0, stem.size() + 1, stem + ".") != 0) continue;
    if (name.compare(name.size() - 3, 3, ".et") != 0) continue;
    const std::string num = name.substr(stem.size() + 1, name.size() - stem.size() - 4);
    if (num.empty() || num.size() > 9 || num.find_first_not_of("0123456789") != std::string::npos) continue;
    if (num.size() > 1 && num[0] == '0') continue;  // ASTRA-sim would look for "<prefix>.7.et", not ".07"
    ids.push_back(std::stoi(num));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

std::string trace_file_path(const std::string& prefix, int npu) { return fmt::format("{}.{}.et", prefix, npu); }

int discover_npu_count(const std::string& prefix) {
  const auto ids = present_npus(prefix);
  if (ids.empty()) {
    throw InputError(Diagnostic{prefix, 0, "", fmt::format("no trace files {} found", trace_file_path(prefix, 0)),
                                "give the prefix of files named <prefix>.<npu>.et (without .<npu>.et)"});
  }
  int count = 0;
  while (count < static_cast<int>(ids.size()) && ids[count] == count) ++count;
  if (count != static_cast<int>(ids.size())) {
    std::vector<int> missing;
    std::set<int> have(ids.begin(), ids.end());
    for (int i = 0; i < ids.back(); ++i) {
      if (!have.count(i)) missing.push_back(i);
    }
    throw InputError(Diagnostic{prefix, 0, "",
                                fmt::format("trace files run up to {} but those of NPU(s) {} are missing",
                                            trace_file_path(prefix, ids.back()), format_ranges(missing)),
                                "every NPU from 0 to N-1 needs its own file"});
  }
  return count;
}

void check_trace_files(const std::string& prefix, int npus) {
  if (npus < 1) throw InputError(Diagnostic{"", 0, "npus", "the NPU count must be at least 1", ""});
  const auto ids = present_npus(prefix);
  std::vector<int> missing, extra;
  std::set<int> have(ids.begin(), ids.end());
  for (int i = 0; i < npus; ++i) {
    if (!have.count(i)) missing.push_back(i);
  }
  for (int id : ids) {
    if (id >= npus) extra.push_back(id);
  }
  if (ids.empty()) {
    throw InputError(Diagnostic{prefix, 0, "", fmt::format("no trace files found (expected {} .. {})",
                                                           trace_file_path(prefix, 0), trace_file_path(prefix, npus - 1)),
                                "check the workload prefix: one file per NPU named <prefix>.<npu>.et"});
  }
  std::vector<Diagnostic> problems;
  if (!missing.empty()) {
    problems.push_back({prefix, 0, "",
                        fmt::format("the topology has {} NPUs but the trace file(s) of NPU(s) {} are missing "
                                    "({} file(s) found: NPU(s) {})",
                                    npus, format_ranges(missing), ids.size(), format_ranges(ids)),
                        fmt::format("generate one trace per NPU ({} .. {}), or use a network whose npus_count "
                                    "product matches the traces",
                                    trace_file_path(prefix, 0), trace_file_path(prefix, npus - 1))});
  }
  if (!extra.empty()) {
    problems.push_back({prefix, 0, "",
                        fmt::format("found trace files for NPU(s) {} but the topology has only {} NPUs; ASTRA-sim "
                                    "would silently simulate just the first {}",
                                    format_ranges(extra), npus, npus),
                        fmt::format("use a network with {} NPUs, or remove the surplus files / regenerate the "
                                    "traces for {} NPUs",
                                    ids.back() + 1, npus)});
  }
  if (!problems.empty()) throw InputError(std::move(problems));
}

// ------------------------------------------------------------------------------------------------
void CommGroups::add(int id, std::vector<int> npus) { groups_[id] = std::move(npus); }

const std::vector<int>* CommGroups::find(int id) const {
  auto it = groups_.find(id);
  if (it != groups_.end()) return &it->second;
  return id == 0 ? &all_ : nullptr;
}

CommGroups CommGroups::from_members(const std::map<std::string, std::vector<int>>& members, int npus,
                                    const std::string& source) {
  CommGroups g;
  std::vector<Diagnostic> problems;
  for (const auto& [key, list] : members) {
    if (key.empty() || key.size() > 9 || key.find_first_not_of("0123456789") != std::string::npos) {
      problems.push_back({source, 0, key, "a group id must be a non-negative decimal integer",
                          "Chakra's pg_name holds the id as a number, e.g. \"1\": [0, 1, 2, 3]"});
      continue;
    }
    for (const int m : list)
      if (m < 0 || m >= npus)
        problems.push_back({source, 0, key, fmt::format("member {} is not an NPU id in 0..{}", m, npus - 1),
                            "list NPUs of this trace set only"});
    g.add(std::stoi(key), list);
  }
  if (!problems.empty()) throw InputError(std::move(problems));
  return g;
}

// ------------------------------------------------------------------------------------------------
namespace {

/// Adds METADATA-declared groups and checks every pg_name; appends problems.
void resolve_groups(TraceSet& set, std::vector<Diagnostic>& problems) {
  for (const auto& w : set.npus) {
    for (const auto& d : w.pg_declarations()) {
      if (d.pg_name.empty() || d.pg_name.find_first_not_of("0123456789") != std::string::npos || d.pg_name.size() > 9) {
        problems.push_back({w.source(), 0, "METADATA", fmt::format("process group name '{}' is not a decimal id", d.pg_name), ""});
        continue;
      }
      const int id = std::stoi(d.pg_name);
      set.groups.add(id, d.ranks);  // as in ASTRA-sim, METADATA declarations override the JSON file
    }
  }
  for (const auto& w : set.npus) {
    for (const auto& name : w.pg_names()) {
      if (name.empty()) continue;
      const int id = std::stoi(name);  // validated as decimal by the builder
      if (!set.groups.find(id)) {
        problems.push_back({w.source(), 0, fmt::format("pg_name \"{}\"", name),
                            fmt::format("communicator group {} not found", id),
                            "define it in the comm-group JSON ({\"<id>\": [npus...]}) or with a process-group "
                            "METADATA node"});
      }
    }
  }
}

void add_all(std::vector<Diagnostic>& to, const std::vector<Diagnostic>& from) { to.insert(to.end(), from.begin(), from.end()); }

}  // namespace

TraceSet load_trace_set(const std::string& prefix, int npus, const LoadOptions& options, CommGroups groups) {
  check_trace_files(prefix, npus);
  TraceSet set;
  set.source = prefix;
  set.groups = std::move(groups);
  set.npus.reserve(npus);
  std::vector<Diagnostic> problems;
  for (int npu = 0; npu < npus; ++npu) {
    try {
      set.npus.push_back(load_workload_file(trace_file_path(prefix, npu), npu, options));
      add_all(set.warnings, set.npus.back().warnings());
    } catch (const InputError& e) {
      add_all(problems, e.diagnostics());
    }
  }
  if (problems.empty()) resolve_groups(set, problems);
  if (!problems.empty()) throw InputError(std::move(problems));
  return set;
}

namespace {
/// Collects converted NPUs into Workloads.
class BuilderSink : public TraceSink {
 public:
  BuilderSink(std::string source, const LoadOptions& options, TraceSet& set)
      : source_(std::move(source)), options_(options), set_(set) {}
  void begin_npu(int npu, const EtGlobalMetadata& metadata) override {
    builder_ = std::make_unique<WorkloadBuilder>(npu, source_, options_);
    builder_->set_metadata(metadata);
  }
  void node(const EtNode& node) override { builder_->add(node); }
  void end_npu(int) override {
    set_.npus.push_back(builder_->finish());
    add_all(set_.warnings, set_.npus.back().warnings());
    builder_.reset();
  }

 private:
  std::string source_;
  LoadOptions options_;
  TraceSet& set_;
  std::unique_ptr<WorkloadBuilder> builder_;
};
}  // namespace

TraceSet load_text_workload(const std::string& path, int npus, int passes, const LoadOptions& options) {
  const TextWorkload text = parse_text_workload(path);
  TraceSet set;
  set.source = path;
  set.warnings = text.warnings;  // the file's own (collective names), before the NPUs'
  BuilderSink sink(path + " (converted)", options, set);
  convert_text_workload(text, npus, passes, sink);
  return set;
}

bool is_text_workload(const std::string& path) {
  // A name ending in .txt is a text workload even when it is missing, empty or has a bad first line:
  // the text parser then names the real problem, where the prefix lookup would report missing
  // "<path>.0.et" files (the rule the config layer applies to --workload-configuration).
  if (path.size() >= 4 && path.compare(path.size() - 4, 4, ".txt") == 0) return true;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return false;
  std::ifstream in(path, std::ios::binary);
  std::string word;
  in >> word;
  static constexpr std::string_view kKeywords[] = {
      "MICRO", "DATA", "MODEL", "HYBRID_DATA_MODEL", "HYBRID_MODEL_DATA", "HYBRID_DLRM", "HYBRID_DLRM_ENHANCED",
      "HYBRID_TRANSFORMER", "HYBRID_TRANSFORMER_FWD_IN_BCKWD", "HYBRID_CUSTOMIZED", "DISTRIBUTED_INFERENCE"};
  return std::find(std::begin(kKeywords), std::end(kKeywords), word) != std::end(kKeywords);
}

}  // namespace tessera::workload
