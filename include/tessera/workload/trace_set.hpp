// A whole job's workload: one validated Workload per NPU, loaded from Chakra files named
// <prefix>.<npu>.et (or converted in memory from an ASTRA-sim text workload), plus the
// communicator groups its nodes refer to.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tessera/workload/workload.hpp"

namespace tessera::workload {

/// Communicator groups by id: ASTRA-sim's --comm-group-configuration ({"<id>": [npu, ...], ...},
/// read by the config layer's one JSON reader) plus groups declared by PyTorch METADATA nodes.
/// Group "0" (and pg_name "") always means all NPUs.
class CommGroups {
 public:
  /// The groups of a comm-group file as read (id text -> members; `source` names the file):
  /// every id must be a decimal integer (pg_name holds one) and every NPU in 0..npus-1. Throws
  /// InputError naming the file and the group otherwise.
  static CommGroups from_members(const std::map<std::string, std::vector<int>>& members, int npus,
                                 const std::string& source);
  /// Adds or replaces a group (an empty member list means all NPUs).
  void add(int id, std::vector<int> npus);
  /// Members of group `id`, or nullptr if it is not defined. Group 0 is all NPUs (empty list).
  const std::vector<int>* find(int id) const;
  const std::map<int, std::vector<int>>& groups() const { return groups_; }

 private:
  std::map<int, std::vector<int>> groups_;
  std::vector<int> all_;  // group 0's member list: empty means all NPUs
};

/// Path of NPU `npu`'s file: "<prefix>.<npu>.et".
std::string trace_file_path(const std::string& prefix, int npu);

/// Number of consecutive files <prefix>.0.et, <prefix>.1.et, ... that exist (for tools that
/// take the NPU count from the files). Throws InputError if there are none, or if a file beyond
/// a gap exists (e.g. .0, .1 and .3), naming the missing ones.
int discover_npu_count(const std::string& prefix);

/// Checks that exactly `npus` files exist: none missing among 0..npus-1 and none numbered
/// npus or above (ASTRA-sim would silently ignore those). Throws InputError saying what is
/// wrong and how to fix it.
void check_trace_files(const std::string& prefix, int npus);

struct TraceSet {
  std::string source;             ///< the prefix, or the text file
  std::vector<Workload> npus;     ///< index = NPU id
  CommGroups groups;              ///< JSON groups plus METADATA declarations
  std::vector<Diagnostic> warnings;  ///< all NPUs' warnings, each naming its file
};

/// Loads a Chakra trace set for `npus` NPUs: checks the files, loads every NPU, then checks that
/// every pg_name refers to a defined group. `groups` may be empty. Errors of all NPUs are
/// reported together.
TraceSet load_trace_set(const std::string& prefix, int npus, const LoadOptions& options, CommGroups groups = {});

/// Converts an ASTRA-sim 1.0 text workload in memory (the same code as `tessera trace
/// convert-text`) and loads it for `npus` NPUs with `passes` training passes.
TraceSet load_text_workload(const std::string& path, int npus, int passes, const LoadOptions& options);

/// True if `path` looks like an ASTRA-sim text workload rather than a Chakra prefix: it ends in
/// ".txt", or the file itself exists and its first word is a known parallelism keyword.
bool is_text_workload(const std::string& path);

}  // namespace tessera::workload
