// Communicator groups of a run: those of the comm-group configuration plus those the traces
// declare (METADATA "process_group:init" nodes), and the check that every collective names a
// group that exists and that its NPU belongs to. `tessera run` (each rank for its NPUs, after
// gathering every rank's declarations) and `tessera validate` (every NPU) share it, so both
// refuse the same inputs with the same messages before anything is simulated.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tessera/pdes/transport.hpp"
#include "tessera/collective/executor.hpp"
#include "tessera/config.hpp"
#include "tessera/error.hpp"
#include "tessera/workload/workload.hpp"

namespace tessera::runtime {

/// What one NPU's trace says about communicator groups (a few strings, kept after the trace is
/// dropped, so validate holds no more than one trace at a time).
struct GroupUse {
  int npu = 0;
  std::string source;                                ///< the trace file
  std::vector<workload::PgDeclaration> declarations;  ///< in trace order
  struct Use {
    std::string group;  ///< pg_name
    std::uint64_t node_id = 0;
    std::string node_name;
  };
  std::vector<Use> uses;  ///< the first collective of each named group (not "" or "0": all NPUs)
};

GroupUse group_use(const workload::Workload& wl, int npu);

/// Communicator group ids a run can use: the 14 group bits of a collective message's wire tag
/// (npu_lp.cpp), id 0 being every NPU.
inline constexpr int kCommGroupBits = 14;
inline constexpr std::uint32_t kMaxCommGroups = (1u << kCommGroupBits) - 1;

/// Every group by name, with ids 1.. in name order (the same on any rank count). `declared` holds
/// the declarations of every NPU, in NPU order: the configured groups come first, then the first
/// declaration of each other name. Throws InputError beyond kMaxCommGroups groups.
using GroupTable = std::map<std::string, collective::CommGroup>;
GroupTable make_groups(const Config& config, const std::vector<GroupUse>& declared);

/// The problems of one NPU's collectives: a group that nothing defines, a group the NPU is not a
/// member of (its collective would wait forever for the NPU or hand it a position it lacks).
std::vector<Diagnostic> check_group_use(const Config& config, const GroupTable& groups, const GroupUse& use);

/// Every rank's declarations (of its `uses`), rank by rank, one GroupUse per NPU with only its
/// npu and declarations set; collective over the transport (typed all-gathers).
std::vector<GroupUse> gather_declarations(pdes::Transport& t, const std::vector<GroupUse>& uses);

}  // namespace tessera::runtime
