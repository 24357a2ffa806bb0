// A small document tree that inputs are read into (the configuration layer reads YAML with yaml-cpp
// and JSON with nlohmann into it), so one set of typed parameter declarations (table.hpp) checks
// every format, and every value knows its file, line and key path for diagnostics. No file format
// here: the network layer declares its topologies' parameters with it without any parser.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tessera/error.hpp"

namespace tessera::params {

struct NodeEntry;

struct Node {
  enum class Kind { kNull, kScalar, kList, kMap };
  /// What a scalar was written as. YAML plain scalars are untyped text until a parameter asks for
  /// a type; JSON scalars carry their JSON type, so "4" (a string) is not accepted as a number.
  enum class Scalar { kPlain, kString, kNumber, kBool };

  Kind kind = Kind::kNull;
  Scalar scalar_type = Scalar::kPlain;
  std::string text;                                   ///< scalar text (JSON numbers as written)
  std::vector<Node> items;                            ///< kList
  std::vector<NodeEntry> entries;                     ///< kMap, in file order
  std::string file;
  int line = 0;      ///< 1-based, 0 when unknown
  std::string path;  ///< key path such as "network.dimensions[1].bandwidth"

  bool is_map() const { return kind == Kind::kMap; }
  bool is_list() const { return kind == Kind::kList; }
  bool is_scalar() const { return kind == Kind::kScalar; }
  bool is_null() const { return kind == Kind::kNull; }
  /// The entry with this key, or nullptr.
  const Node* find(const std::string& key) const;
  /// "a mapping", "a list", "the string \"x\"", "the number 4" ... for "expected X, got Y".
  std::string describe() const;
  /// A Diagnostic located at this node.
  Diagnostic diag(std::string message, std::string fix = "") const;
};

/// One key of a mapping. A struct rather than std::pair<std::string, Node>: a pair of the still
/// incomplete Node inside Node does not compile with clang + libstdc++ (the fuzz build).
struct NodeEntry {
  NodeEntry(std::string key, Node value) : first(std::move(key)), second(std::move(value)) {}
  std::string first;
  Node second;
};

/// Joins a key path: join_path("a", "b") == "a.b", join_path("", "b") == "b".
std::string join_path(const std::string& parent, const std::string& key);

}  // namespace tessera::params
