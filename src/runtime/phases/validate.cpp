// Phase "validate": the communicator groups are the configured ones plus the traces'
// declarations, gathered from every rank in NPU order so that every rank builds the same table;
// then each rank checks its NPUs' collectives against it.
#include <algorithm>

#include "phases.hpp"
#include "tessera/pdes/agreement.hpp"

namespace tessera::runtime::phases {

void validate(const Config& config, pdes::Transport& transport, RunState& s) {
  std::vector<GroupUse> declared = gather_declarations(transport, s.local_uses);
  std::stable_sort(declared.begin(), declared.end(), [](const GroupUse& a, const GroupUse& b) { return a.npu < b.npu; });
  std::vector<pdes::Failure> failures;
  try {
    s.groups = make_groups(config, declared);
    for (const GroupUse& u : s.local_uses) {
      for (Diagnostic& d : check_group_use(config, s.groups, u))
        failures.push_back({u.npu, ExitCode::kBadInput, "", {std::move(d)}});
    }
  } catch (...) {
    failures.push_back(pdes::current_failure());
  }
  pdes::agree(transport, failures);
}

}  // namespace tessera::runtime::phases
