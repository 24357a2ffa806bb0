// The spellings of an enumeration, declared once next to it: each value with its name in inputs
// and outputs. The loaders (p_enum), to_string, the command line's choices, error messages and
// `tessera schema` all read that one table, so a value cannot be accepted under one name and
// printed under another.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera::params {

/// Each value with its name; the first name of a value is the one printed.
template <class E>
using Names = std::vector<std::pair<std::string, E>>;

/// The name of `value` ("?" when the table lacks it, which a test of each table rules out).
template <class E>
const char* name_of(const Names<E>& names, E value) {
  for (const auto& [name, v] : names) {
    if (v == value) return name.c_str();
  }
  return "?";
}

/// The value called `name`, if any.
template <class E>
std::optional<E> value_named(const Names<E>& names, std::string_view name) {
  for (const auto& [n, v] : names) {
    if (n == name) return v;
  }
  return std::nullopt;
}

/// The names alone, in table order (the CLI's choices, "valid names" in messages).
template <class E>
std::vector<std::string> names_only(const Names<E>& names) {
  std::vector<std::string> out;
  for (const auto& [n, v] : names) out.push_back(n);
  return out;
}

/// "a, b, c" (or with another separator: "a | b | c").
inline std::string join_names(const std::vector<std::string>& names, std::string_view separator = ", ") {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += separator;
    out += n;
  }
  return out;
}

}  // namespace tessera::params
