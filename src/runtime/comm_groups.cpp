#include "tessera/runtime/comm_groups.hpp"

#include <algorithm>
#include <memory>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace tessera::runtime {
namespace {

/// "0-3,6" for a sorted list of NPU ids.
std::string ranges(std::vector<int> ids) {
  std::sort(ids.begin(), ids.end());
  std::string out;
  for (std::size_t i = 0; i < ids.size();) {
    std::size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1) ++j;
    if (!out.empty()) out += ",";
    out += j == i ? fmt::format("{}", ids[i]) : fmt::format("{}-{}", ids[i], ids[j]);
    i = j + 1;
  }
  return out;
}

bool all_npus(std::string_view pg) { return pg.empty() || pg == "0"; }

}  // namespace

GroupUse group_use(const workload::Workload& wl, int npu) {
  GroupUse u;
  u.npu = npu;
  u.source = wl.source();
  u.declarations = wl.pg_declarations();
  std::set<std::string_view> seen;
  for (workload::NodeIndex i = 0; i < wl.size(); ++i) {
    if (wl.node(i).type() != workload::NodeType::kCommColl) continue;
    const std::string_view pg = wl.pg_name(i);
    if (all_npus(pg) || !seen.insert(pg).second) continue;
    u.uses.push_back({std::string(pg), wl.node(i).id, std::string(wl.name(i))});
  }
  return u;
}

GroupTable make_groups(const Config& config, const std::vector<GroupUse>& declared) {
  std::map<std::string, std::vector<int>> members(config.comm_groups.groups.begin(), config.comm_groups.groups.end());
  for (const GroupUse& u : declared) {
    for (const workload::PgDeclaration& d : u.declarations) {
      // An empty list means "every NPU", which is the group of no name: not a group of its own.
      if (!d.ranks.empty()) members.emplace(d.pg_name, d.ranks);
    }
  }
  GroupTable groups;
  std::uint32_t id = 1;
  for (auto& [name, list] : members) {
    if (all_npus(name) || list.empty()) continue;
    if (id > kMaxCommGroups)
      throw InputError(Diagnostic{config.comm_groups.source, 0, name,
                                  fmt::format("more than {} communicator groups", kMaxCommGroups), ""});
    std::vector<collective::NpuId> m(list.begin(), list.end());
    groups.emplace(name, collective::CommGroup{id++, std::make_shared<const std::vector<collective::NpuId>>(std::move(m))});
  }
  return groups;
}

std::vector<Diagnostic> check_group_use(const Config& config, const GroupTable& groups, const GroupUse& use) {
  std::vector<Diagnostic> out;
  const std::string& file = config.comm_groups.source;
  const int npus = config.network.npu_count();
  for (const workload::PgDeclaration& d : use.declarations) {
    std::vector<int> bad;
    for (int r : d.ranks) {
      if (r < 0 || r >= npus) bad.push_back(r);
    }
    if (!bad.empty()) {
      out.push_back(Diagnostic{use.source, 0, fmt::format("process group \"{}\"", d.pg_name),
                               fmt::format("declares NPU(s) {} but the network has {} NPUs (ids 0..{})",
                                           fmt::join(bad, ", "), npus, npus - 1),
                               "fix the METADATA node's ranks or the network size"});
    }
  }
  for (const GroupUse::Use& u : use.uses) {
    const std::string where = fmt::format("node {} (\"{}\")", u.node_id, u.node_name);
    const auto it = groups.find(u.group);
    if (it == groups.end()) {
      out.push_back(Diagnostic{use.source, 0, where,
                               fmt::format("communicator group \"{}\" not found: neither the comm-group "
                                           "configuration{} nor a METADATA process-group node defines it",
                                           u.group, file.empty() ? "" : " " + file),
                               "define the group, or give the collective the pg_name of a defined group"});
      continue;
    }
    const auto& m = *it->second.members;
    if (std::find(m.begin(), m.end(), use.npu) != m.end()) continue;
    const std::vector<int> ids(m.begin(), m.end());
    const bool configured = config.comm_groups.groups.count(u.group) > 0;
    out.push_back(Diagnostic{
        use.source, 0, where,
        fmt::format("NPU {} runs a collective of communicator group \"{}\", but the group's members are NPU(s) {} "
                    "(defined in {}); its collective would wait for an NPU it does not have",
                    use.npu, u.group, ranges(ids),
                    configured ? (file.empty() ? std::string("the comm-group configuration") : file)
                               : std::string("a METADATA process-group node")),
        fmt::format("add NPU {} to group \"{}\", or remove the collective from this trace", use.npu, u.group)});
  }
  return out;
}

std::vector<GroupUse> gather_declarations(pdes::Transport& t, const std::vector<GroupUse>& uses) {
  // Per declaration: its NPU and member count as a record, its name as a string, its members
  // back to back in one list.
  struct Head {
    std::int32_t npu;
    std::int32_t members;
  };
  std::vector<Head> heads;
  std::vector<std::string> names;
  std::vector<std::int32_t> members;
  for (const GroupUse& u : uses) {
    for (const workload::PgDeclaration& d : u.declarations) {
      heads.push_back({u.npu, static_cast<std::int32_t>(d.ranks.size())});
      names.push_back(d.pg_name);
      members.insert(members.end(), d.ranks.begin(), d.ranks.end());
    }
  }
  const auto all_heads = t.all_gather_records(heads);
  const auto all_names = t.all_gather_strings(names);
  const auto all_members = t.all_gather_records(members);
  std::vector<GroupUse> out;
  for (std::size_t r = 0; r < all_heads.size(); ++r) {
    auto at = all_members[r].begin();
    for (std::size_t k = 0; k < all_heads[r].size(); ++k) {
      const Head& h = all_heads[r][k];
      workload::PgDeclaration d;
      d.pg_name = all_names[r][k];
      d.ranks.assign(at, at + h.members);
      at += h.members;
      if (out.empty() || out.back().npu != h.npu) out.push_back(GroupUse{h.npu, "", {}, {}});
      out.back().declarations.push_back(std::move(d));
    }
  }
  return out;
}

}  // namespace tessera::runtime
