// One collective algorithm as the registry knows it. Each algorithm is one file under
// src/collective/algorithms/ that returns its AlgorithmRegistration: its names, its constraints
// and its planner. Everything that names or checks algorithms (parse_algorithm, the configuration
// loader's messages and cross-checks, validate(), `tessera schema`) reads these registrations, in
// the order of the list in src/collective/CMakeLists.txt (docs/architecture.md, "How to add a
// collective algorithm").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tessera/collective/plan.hpp"
#include "tessera/collective/types.hpp"

namespace tessera::collective {

/// Written with designated initializers; a field left out keeps its default.
struct AlgorithmRegistration {
  /// The value of `*-implementation` ("ring", "direct").
  std::string name{};
  /// The same algorithm on one flat ring over all NPUs instead of the dimension's ring ("oneRing");
  /// "" when there is none.
  std::string flat_name{};
  /// Takes a window suffix, messages in flight: "direct4", "oneDirect4" (1..999999); without one
  /// the window is -1 (the planner's default).
  bool windowed = false;
  /// Needs a power-of-two number of NPUs on its ring.
  bool power_of_two = false;
  /// The per-dimension collective types it plans (all-reduce, reduce-scatter, all-gather,
  /// all-to-all). Under localBWAware an all-reduce runs reduce-scatter and all-gather on every
  /// dimension but the last, so an algorithm without both may only be last.
  std::vector<CollectiveType> types{};
  /// The planner gets `tree_flip` alternating per phase on each NPU (ASTRA-sim's double binary
  /// tree alternates its two trees per chunk); otherwise it is always false.
  bool alternates = false;
  /// One line for `tessera schema` and docs/collectives.md.
  std::string doc{};
  /// Fills this NPU's program for one phase. plan_phase has already set type, algorithm, ring,
  /// direction, input/output bytes and msg_bytes (S/n, all-gather: S) and checked `types` and
  /// `power_of_two`. A pipeline planner sets window, sends, group, second_round and `peers`; a tree
  /// planner sets shape and the tree fields.
  void (*plan)(PhaseProgram& program, bool tree_flip) = nullptr;

  bool supports(CollectiveType t) const;
};

/// Every registered algorithm, in the list's order (generated from src/collective/CMakeLists.txt).
const std::vector<const AlgorithmRegistration*>& algorithm_registrations();

/// One reason `algorithm` cannot run a collective: what is wrong and how to fix it.
struct AlgorithmProblem {
  std::string message;
  std::string fix;
};

/// Why `algorithm` cannot run `type` on a ring of `npus` NPUs (`where` names the ring in messages:
/// "dimension 0", "the whole network"). `splits_all_reduce`: this dimension of a localBWAware
/// all-reduce runs reduce-scatter and all-gather instead (every dimension but the last). Empty
/// when it can. The one statement of the registrations' constraints: the configuration
/// cross-check, validate() and plan_phase ask it.
std::vector<AlgorithmProblem> algorithm_problems(const AlgorithmSpec& algorithm, CollectiveType type,
                                                 std::int64_t npus, std::string_view where,
                                                 bool splits_all_reduce = false);

}  // namespace tessera::collective
