#include "tessera/collective/custom.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

#include "tessera/error.hpp"

namespace tessera::collective {

void validate(const CustomCollective& custom) {
  std::vector<Diagnostic> problems;
  const int n = static_cast<int>(custom.programs.size());
  auto bad = [&](int pos, std::string key, std::string message, std::string fix) {
    problems.push_back(Diagnostic{fmt::format("{}.{}.et", custom.name, pos), 0, std::move(key), std::move(message),
                                  std::move(fix)});
  };
  // (sender, receiver, tag, bytes) -> sends minus receives
  std::map<std::tuple<int, int, std::int32_t, Bytes>, long> balance;
  for (int pos = 0; pos < n; ++pos) {
    const auto& prog = custom.programs[static_cast<std::size_t>(pos)];
    std::unordered_map<std::int64_t, std::size_t> index;
    for (std::size_t i = 0; i < prog.size(); ++i) {
      if (!index.emplace(prog[i].id, i).second) {
        bad(pos, fmt::format("node {}", prog[i].id), "duplicate node id", "give every node a unique id");
      }
    }
    for (const auto& step : prog) {
      const std::string key = fmt::format("node {}", step.id);
      for (std::int64_t d : step.deps) {
        if (!index.count(d)) bad(pos, key, fmt::format("depends on unknown node {}", d), "remove the dependency");
      }
      if (step.kind == CustomStep::Kind::kCompute) {
        if (step.duration < 0) bad(pos, key, "negative compute duration", "use duration_micros >= 0");
        continue;
      }
      if (step.peer < 0 || step.peer >= n || step.peer == pos) {
        bad(pos, key, fmt::format("peer {} is not another position of the {}-NPU group", step.peer, n),
            "use comm_src/comm_dst between 0 and the group size - 1");
        continue;
      }
      if (step.bytes <= 0) bad(pos, key, "message size must be positive", "set comm_size");
      if (step.kind == CustomStep::Kind::kSend) {
        ++balance[{pos, step.peer, step.tag, step.bytes}];
      } else {
        --balance[{step.peer, pos, step.tag, step.bytes}];
      }
    }
    // Cycle check (Kahn).
    std::vector<int> missing(prog.size(), 0);
    std::vector<std::vector<std::size_t>> children(prog.size());
    for (std::size_t i = 0; i < prog.size(); ++i) {
      for (std::int64_t d : prog[i].deps) {
        auto it = index.find(d);
        if (it == index.end()) continue;
        ++missing[i];
        children[it->second].push_back(i);
      }
    }
    std::vector<std::size_t> queue;
    for (std::size_t i = 0; i < prog.size(); ++i) {
      if (missing[i] == 0) queue.push_back(i);
    }
    std::size_t done = 0;
    while (!queue.empty()) {
      const std::size_t i = queue.back();
      queue.pop_back();
      ++done;
      for (std::size_t c : children[i]) {
        if (--missing[c] == 0) queue.push_back(c);
      }
    }
    if (done != prog.size()) {
      bad(pos, "data_deps", fmt::format("{} node(s) are on a dependency cycle", prog.size() - done),
          "remove the cycle; the collective would never finish");
    }
  }
  for (const auto& [k, v] : balance) {
    if (v == 0) continue;
    const auto& [src, dst, tag, bytes] = k;
    bad(v > 0 ? src : dst, "comm_tag",
        fmt::format("{} send(s) from position {} to {} (tag {}, {} B) have no matching receive", v > 0 ? v : -v, src, dst,
                    tag, bytes) + (v < 0 ? " (receives without sends)" : ""),
        "every SEND needs a RECV with the same tag and size on its peer");
  }
  if (!problems.empty()) throw InputError(std::move(problems));
}

}  // namespace tessera::collective
