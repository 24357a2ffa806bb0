#include "readers.hpp"

#include <map>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "tessera/input_file.hpp"

namespace tessera::cfg {

using params::join_path;

namespace {

std::string read_text(const std::string& file) {
  return read_input_file(file, "cannot open the file",
                         "check the path (relative paths are taken from the current directory or the scenario's "
                         "folder)");
}

/// Bounds on the tree a document may become, checked while it is built: a document nested
/// thousands of levels deep would overflow the stack of the recursive conversion, and YAML
/// aliases of aliases (a few hundred bytes nested nine deep) expand to billions of nodes.
/// Configuration documents are a handful of levels deep and at most some 100,000 nodes (a
/// comm-group file of a large system).
constexpr int kMaxDepth = kMaxInputDepth;
constexpr std::size_t kMaxNodes = 500'000;

struct TreeBudget {
  const std::string& file;
  std::size_t nodes = 0;

  /// Counts one node at `depth`; throws InputError past either bound.
  void take(int depth, int line, const std::string& path) {
    if (depth > kMaxDepth) {
      throw InputError(Diagnostic{file, line, path,
                                  fmt::format("nested more than {} levels deep (the limit for input documents)",
                                              kMaxDepth),
                                  "flatten the document; configuration inputs are a few levels deep"});
    }
    if (++nodes > kMaxNodes) {
      throw InputError(Diagnostic{
          file, line, path,
          fmt::format("the document expands to more than {} values (YAML aliases are counted each time they are "
                      "used)",
                      kMaxNodes),
          "use fewer or less deeply nested aliases (*name); write the values out if they are meant"});
    }
  }
};

// ----- YAML -------------------------------------------------------------------------------------

/// Walks what `y` expands to against the budget before any Node is built, so an alias bomb is
/// refused after a walk that allocates almost nothing instead of after building half a million
/// nodes with their paths (seconds under a sanitizer). The path of the node where a bound is
/// crossed is formatted only then, from the keys and indices on the way down.
struct YamlStep {
  std::string key;  ///< a map entry's key, or empty for a list item
  std::size_t index = 0;
  bool is_index = false;
};

void count_yaml(const YAML::Node& y, const std::string& prefix, TreeBudget& budget, int depth,
                std::vector<YamlStep>& steps) {
  if (depth > kMaxDepth || budget.nodes + 1 > kMaxNodes) {
    std::string path = prefix;
    for (const YamlStep& s : steps) path = s.is_index ? fmt::format("{}[{}]", path, s.index) : join_path(path, s.key);
    const YAML::Mark mark = y.Mark();
    budget.take(depth, mark.is_null() ? 0 : mark.line + 1, path);  // throws
  }
  ++budget.nodes;
  if (y.IsSequence()) {
    std::size_t i = 0;
    for (const auto& item : y) {
      steps.push_back(YamlStep{{}, i++, true});
      count_yaml(item, prefix, budget, depth + 1, steps);
      steps.pop_back();
    }
  } else if (y.IsMap()) {
    for (const auto& kv : y) {
      steps.push_back(YamlStep{kv.first.IsScalar() ? kv.first.Scalar() : std::string("<complex key>"), 0, false});
      count_yaml(kv.second, prefix, budget, depth + 1, steps);
      steps.pop_back();
    }
  }
}

Node from_yaml(const YAML::Node& y, const std::string& file, const std::string& path,
               std::vector<Diagnostic>& errors, TreeBudget& budget, int depth) {
  Node n;
  n.file = file;
  n.path = path;
  const YAML::Mark mark = y.Mark();
  n.line = mark.is_null() ? 0 : mark.line + 1;
  budget.take(depth, n.line, path);
  switch (y.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      n.kind = Node::Kind::kNull;
      break;
    case YAML::NodeType::Scalar:
      n.kind = Node::Kind::kScalar;
      n.text = y.Scalar();
      // yaml-cpp tags quoted scalars "!" and plain ones "?": quoted text is always a string.
      n.scalar_type = y.Tag() == "!" ? Node::Scalar::kString : Node::Scalar::kPlain;
      break;
    case YAML::NodeType::Sequence: {
      n.kind = Node::Kind::kList;
      std::size_t i = 0;
      for (const auto& item : y) {
        n.items.push_back(from_yaml(item, file, fmt::format("{}[{}]", path, i), errors, budget, depth + 1));
        ++i;
      }
      break;
    }
    case YAML::NodeType::Map: {
      n.kind = Node::Kind::kMap;
      std::set<std::string> seen;
      for (const auto& kv : y) {
        const YAML::Node& k = kv.first;
        std::string key = k.IsScalar() ? k.Scalar() : std::string("<complex key>");
        const int line = k.Mark().is_null() ? 0 : k.Mark().line + 1;
        const std::string child_path = join_path(path, key);
        if (!seen.insert(key).second) {
          errors.push_back(Diagnostic{file, line, child_path, "duplicate key",
                                      "keep one; YAML keeps only one of them silently"});
          continue;
        }
        Node child = from_yaml(kv.second, file, child_path, errors, budget, depth + 1);
        // A value's mark is where the value starts (for a block mapping, the line below its key):
        // messages about an entry point at the key's own line.
        child.line = line;
        n.entries.emplace_back(key, std::move(child));
      }
      break;
    }
  }
  return n;
}

// ----- JSON -------------------------------------------------------------------------------------

/// Scans JSON text for the line of every object key, by key path, and for duplicate keys.
/// nlohmann::json keeps no positions, and JSON inputs are small, so one pass over the text is cheap.
struct JsonLines {
  std::map<std::string, int> line_of;
  std::vector<std::pair<std::string, int>> duplicates;
};

JsonLines scan_json_lines(const std::string& text, const std::string& prefix) {
  struct Frame {
    bool object;
    std::string path;
    std::size_t index = 0;
    std::string pending_key;
    bool expecting_key = true;
  };
  JsonLines out;
  std::vector<Frame> stack;
  int line = 1;
  std::string last_string;
  int last_string_line = 0;
  auto value_path = [&](const Frame& f) {
    return f.object ? join_path(f.path, f.pending_key) : fmt::format("{}[{}]", f.path, f.index);
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
    } else if (c == '"') {
      std::string s;
      const int start_line = line;
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) {
          s += text[++i];
        } else {
          if (text[i] == '\n') ++line;
          s += text[i];
        }
      }
      last_string = s;
      last_string_line = start_line;
      if (!stack.empty() && stack.back().object && stack.back().expecting_key) {
        Frame& f = stack.back();
        f.pending_key = s;
        f.expecting_key = false;
        const std::string p = join_path(f.path, s);
        if (!out.line_of.emplace(p, start_line).second) out.duplicates.emplace_back(p, start_line);
      }
    } else if (c == '{' || c == '[') {
      std::string p = stack.empty() ? prefix : value_path(stack.back());
      stack.push_back(Frame{c == '{', p, 0, "", true});
    } else if (c == '}' || c == ']') {
      if (!stack.empty()) stack.pop_back();
    } else if (c == ',') {
      if (!stack.empty()) {
        if (stack.back().object) {
          stack.back().expecting_key = true;
        } else {
          ++stack.back().index;
        }
      }
    }
  }
  (void)last_string_line;
  return out;
}

/// The line where `text` first nests deeper than kMaxDepth brackets (outside strings), 0 if it
/// never does. Checked before parsing: the line scan and the conversion below keep one path per
/// level, so a 30,000-deep document would cost gigabytes before the tree budget saw it.
int json_too_deep_line(const std::string& text) {
  int depth = 0, line = 1;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') ++line;
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxDepth) return line;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return 0;
}

Node from_json(const nlohmann::ordered_json& j, const std::string& file, const std::string& path,
               const JsonLines& lines, int inherited_line, TreeBudget& budget, int depth) {
  Node n;
  n.file = file;
  n.path = path;
  auto it = lines.line_of.find(path);
  n.line = it != lines.line_of.end() ? it->second : inherited_line;
  budget.take(depth, n.line, path);
  if (j.is_null()) {
    n.kind = Node::Kind::kNull;
  } else if (j.is_object()) {
    n.kind = Node::Kind::kMap;
    for (const auto& [k, v] : j.items()) {
      n.entries.emplace_back(k, from_json(v, file, join_path(path, k), lines, n.line, budget, depth + 1));
    }
  } else if (j.is_array()) {
    n.kind = Node::Kind::kList;
    for (std::size_t i = 0; i < j.size(); ++i) {
      n.items.push_back(from_json(j[i], file, fmt::format("{}[{}]", path, i), lines, n.line, budget, depth + 1));
    }
  } else {
    n.kind = Node::Kind::kScalar;
    if (j.is_string()) {
      n.scalar_type = Node::Scalar::kString;
      n.text = j.get<std::string>();
    } else if (j.is_boolean()) {
      n.scalar_type = Node::Scalar::kBool;
      n.text = j.get<bool>() ? "true" : "false";
    } else {
      n.scalar_type = Node::Scalar::kNumber;
      n.text = j.dump();
    }
  }
  return n;
}

}  // namespace

Node read_yaml_file(const std::string& file, const std::string& path_prefix) {
  const std::string text = read_text(file);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError(Diagnostic{file, e.mark.is_null() ? 0 : e.mark.line + 1, "", "not valid YAML: " + e.msg,
                                "fix the syntax at that line"});
  }
  std::vector<Diagnostic> errors;
  TreeBudget budget{file};
  std::vector<YamlStep> steps;
  count_yaml(root, path_prefix, budget, 0, steps);
  budget.nodes = 0;
  Node n = from_yaml(root, file, path_prefix, errors, budget, 0);
  if (n.line == 0) n.line = 1;
  if (!errors.empty()) throw InputError(std::move(errors));
  return n;
}

Node read_json_file(const std::string& file, const std::string& path_prefix) {
  const std::string text = read_text(file);
  if (const int line = json_too_deep_line(text)) {
    throw InputError(Diagnostic{file, line, "",
                                fmt::format("nested more than {} levels deep (the limit for input documents)",
                                            kMaxDepth),
                                "flatten the document; configuration inputs are a few levels deep"});
  }
  nlohmann::ordered_json j;
  try {
    j = nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    int line = 1;
    for (std::size_t i = 0; i < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') ++line;
    }
    std::string what = e.what();
    // nlohmann prefixes "[json.exception.parse_error.101] parse error at line 3, column 5: ".
    if (auto p = what.find(": "); p != std::string::npos) what = what.substr(p + 2);
    if (auto p = what.find(": "); p != std::string::npos && what.rfind("syntax error", 0) != 0) {
      what = what.substr(p + 2);
    }
    throw InputError(Diagnostic{file, line, "", "not valid JSON: " + what, "fix the syntax at that line"});
  } catch (const nlohmann::json::exception& e) {
    // E.g. out_of_range 406: a number such as 1e400 that no double holds.
    std::string what = e.what();
    if (auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    throw InputError(Diagnostic{file, 0, "", "not valid JSON: " + what, "fix the value"});
  }
  const JsonLines lines = scan_json_lines(text, path_prefix);
  std::vector<Diagnostic> errors;
  for (const auto& [p, l] : lines.duplicates) {
    errors.push_back(
        Diagnostic{file, l, p, "duplicate key", "keep one; JSON readers keep only the last silently"});
  }
  if (!errors.empty()) throw InputError(std::move(errors));
  TreeBudget budget{file};
  return from_json(j, file, path_prefix, lines, 1, budget, 0);
}

}  // namespace tessera::cfg
