// A parameter's value as the resolved configuration records it (the `config` JSON of every output
// file): plain numbers in base units (ps, bytes, bytes/s), names, lists and mappings. The tables
// (table.hpp) produce it from the typed structs; the configuration layer writes it as JSON, so
// nothing below needs a JSON library.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tessera::params {

struct ValueEntry;

struct Value {
  enum class Kind { kNull, kBool, kInt, kReal, kString, kList, kMap };

  Kind kind = Kind::kNull;
  bool boolean = false;
  std::int64_t integer = 0;
  double real = 0;
  std::string text;
  std::vector<Value> items;         ///< kList
  std::vector<ValueEntry> entries;  ///< kMap, in insertion order

  // Every member that creates or destroys a Value is defined below ValueEntry: a vector of an
  // incomplete type may be declared, but clang's libstdc++ checks refuse to instantiate it.
  Value();
  explicit Value(Kind k);
  Value(const Value&);
  Value(Value&&) noexcept;
  Value& operator=(const Value&);
  Value& operator=(Value&&) noexcept;
  ~Value();

  static Value null();
  static Value list();
  static Value map();
  static Value of(bool b);
  static Value of(std::int64_t i);
  static Value of(int i);
  static Value of(double d);
  static Value of(std::string s);
  static Value of(const char* s);
  template <class T>
  static Value of(const std::vector<T>& items);
  /// Appends `key: value` to a mapping (no check for repeats: the tables' keys are unique).
  Value& add(std::string key, Value value);

 private:
  template <class T>
  static Value set(Kind k, T Value::*field, T x);
};

/// One key of a mapping (a struct, as NodeEntry, because a pair of the incomplete Value does not
/// compile with every standard library).
struct ValueEntry {
  ValueEntry(std::string k, Value v) : key(std::move(k)), value(std::move(v)) {}
  std::string key;
  Value value;
};

inline Value::Value() = default;
inline Value::Value(Kind k) : kind(k) {}
inline Value::Value(const Value&) = default;
inline Value::Value(Value&&) noexcept = default;
inline Value& Value::operator=(const Value&) = default;
inline Value& Value::operator=(Value&&) noexcept = default;
inline Value::~Value() = default;

template <class T>
Value Value::set(Kind k, T Value::*field, T x) {
  Value v(k);
  v.*field = std::move(x);
  return v;
}
inline Value Value::null() { return {}; }
inline Value Value::list() { return Value(Kind::kList); }
inline Value Value::map() { return Value(Kind::kMap); }
inline Value Value::of(bool b) { return set(Kind::kBool, &Value::boolean, b); }
inline Value Value::of(std::int64_t i) { return set(Kind::kInt, &Value::integer, i); }
inline Value Value::of(int i) { return of(static_cast<std::int64_t>(i)); }
inline Value Value::of(double d) { return set(Kind::kReal, &Value::real, d); }
inline Value Value::of(std::string s) { return set(Kind::kString, &Value::text, std::move(s)); }
inline Value Value::of(const char* s) { return of(std::string(s)); }
template <class T>
Value Value::of(const std::vector<T>& items) {
  Value v = list();
  for (const T& item : items) v.items.push_back(of(item));
  return v;
}

inline Value& Value::add(std::string key, Value value) {
  entries.emplace_back(std::move(key), std::move(value));
  return *this;
}

}  // namespace tessera::params
