// One declaration per parameter (key, type, unit, doc, how to read and check it, how to show its
// value), grouped in a Table per struct. The same Table drives the loader and `tessera schema`,
// in the spirit of ns-3 attributes: a key cannot be accepted without being documented. Generic
// (no file format, no configuration struct): the configuration layer declares its sections with
// it, and each topology of the network layer its own section.
#pragma once

#include <algorithm>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "tessera/did_you_mean.hpp"
#include "tessera/error.hpp"
#include "tessera/params/names.hpp"
#include "tessera/params/node.hpp"
#include "tessera/params/scalars.hpp"
#include "tessera/params/sink.hpp"
#include "tessera/params/value.hpp"

namespace tessera::params {

/// One parameter of one input format, as `tessera schema` shows it.
struct ParamDoc {
  std::string section;        ///< "network.hgx_h100", "astra-system-json", ...
  std::string key;            ///< the key as written in the input
  std::string type;           ///< "duration", "bandwidth", "int", "enum", ...
  std::string unit;           ///< unit or accepted values ("" when none)
  std::string default_value;  ///< "(required)" when there is none
  std::string doc;
};

/// One input section or file format with its parameters.
struct SectionDoc {
  std::string name;
  std::string doc;
  std::vector<ParamDoc> params;
};

template <class S>
struct Param {
  using Load = std::function<void(const Node&, S&, Sink&)>;
  using Show = std::function<std::string(const S&)>;
  using Record = std::function<Value(const S&)>;
  // A constructor rather than an aggregate, so that a declaration may leave out the record
  // (an unrecorded parameter) without a warning.
  Param(std::string key_, std::string type_, std::string unit_, std::string doc_, bool required_, Load load_,
        Show show_, std::string record_key_ = {}, Record record_ = {})
      : key(std::move(key_)),
        type(std::move(type_)),
        unit(std::move(unit_)),
        doc(std::move(doc_)),
        required(required_),
        load(std::move(load_)),
        show(std::move(show_)),
        record_key(std::move(record_key_)),
        record(std::move(record_)) {}

  std::string key;
  std::string type;
  std::string unit;
  std::string doc;
  bool required = false;
  Load load;
  /// The value as text, with its unit ("450.00 GB/s"): the schema shows it for a
  /// default-constructed S (the default), `describe` for the loaded one.
  Show show;
  /// Its key in the resolved configuration (the `config` JSON of output files): the input key,
  /// with the base unit for quantities ("latency_ps", "bandwidth_Bps"); "" = not recorded.
  std::string record_key;
  /// Its value there: a plain number in base units, a name, a list (unset when not recorded).
  Record record;
};

template <class S>
struct Table {
  std::string name;  ///< section name in the schema ("network.hgx_h100", "astra-system-json")
  std::string doc;
  std::vector<Param<S>> params;
  /// Keys the input may contain that the reader knowingly ignores, with the warning to give.
  std::vector<std::pair<std::string, std::string>> ignored;

  /// Reads every entry of `map` into `out`. Keys in `also_allowed` are left to the caller.
  /// Unknown keys are errors with "did you mean"; missing required keys are errors unless listed
  /// in `provided` (set elsewhere, e.g. by a file the section refers to).
  void load(const Node& map, S& out, Sink& sink, const std::vector<std::string>& also_allowed = {},
            std::set<std::string>* seen_out = nullptr, const std::string& missing_fix = "") const {
    if (!map.is_map()) {
      sink.error(map.diag(fmt::format("expected a mapping of {} keys, got {}", name, map.describe())));
      return;
    }
    std::set<std::string> seen;
    for (const NodeEntry& entry : map.entries) {
      // Named references, not a structured binding: clang 14 (the fuzz build) cannot capture one.
      const std::string& key = entry.first;
      const Node& value = entry.second;
      auto it = std::find_if(params.begin(), params.end(), [&](const Param<S>& p) { return p.key == key; });
      if (it != params.end()) {
        seen.insert(key);
        it->load(value, out, sink);
        continue;
      }
      if (std::find(also_allowed.begin(), also_allowed.end(), key) != also_allowed.end()) continue;
      auto ig = std::find_if(ignored.begin(), ignored.end(), [&](const auto& p) { return p.first == key; });
      if (ig != ignored.end()) {
        sink.warn(value.diag(ig->second));
        continue;
      }
      // A list of keys fits one line up to about a dozen (the network section: file, astra_network,
      // topology, one key per topology, packet).
      std::vector<std::string> keys = also_allowed;
      for (const auto& p : params) keys.push_back(p.key);
      const std::string near = did_you_mean(key, keys);
      sink.error(value.diag(
          fmt::format("unknown key \"{}\" in {}", key, name),
          near.empty()
              ? (keys.size() <= 12
                     ? fmt::format("valid keys: {}; see `tessera schema`", join_names(keys))
                     : fmt::format("`tessera schema` lists the {} valid keys of {}", keys.size(), name))
              : fmt::format("did you mean \"{}\"?", near)));
    }
    for (const auto& p : params) {
      if (p.required && !seen.count(p.key)) {
        Diagnostic d = map.diag(fmt::format("missing required key \"{}\": {}", p.key, p.doc),
                                missing_fix.empty() ? fmt::format("add \"{}\"", p.key) : missing_fix);
        d.key = join_path(map.path, p.key);
        sink.error(std::move(d));
      }
    }
    if (seen_out) seen_out->insert(seen.begin(), seen.end());
  }

  SectionDoc docs() const {
    SectionDoc d{name, doc, {}};
    const S defaults{};
    for (const auto& p : params) {
      d.params.push_back(
          ParamDoc{name, p.key, p.type, p.unit, p.required ? "(required)" : p.show(defaults), p.doc});
    }
    for (const auto& [key, why] : ignored) {
      d.params.push_back(ParamDoc{name, key, "ignored", "", "", why});
    }
    return d;
  }

  /// The resolved configuration of `s`: every recorded parameter, in table order.
  Value record(const S& s) const {
    Value out = Value::map();
    for (const auto& p : params) {
      if (!p.record_key.empty()) out.add(p.record_key, p.record(s));
    }
    return out;
  }

  /// The parameter with this key; throws Error when there is none (a programming error: callers
  /// name keys of their own table).
  const Param<S>& param(std::string_view key) const {
    for (const auto& p : params) {
      if (p.key == key) return p;
    }
    throw Error(fmt::format("internal: no parameter \"{}\" in {}", key, name));
  }

  /// `text` with every "{key}" replaced by that parameter's value as `show` writes it:
  /// fill("radix {radix}", spec) == "radix 8". The plain-text account (`describe`) is written so,
  /// with the units and formats of the one declaration.
  std::string fill(std::string_view text, const S& s) const {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
      const std::size_t open = text.find('{', i);
      if (open == std::string_view::npos) break;
      const std::size_t close = text.find('}', open);
      if (close == std::string_view::npos)
        throw Error(fmt::format("internal: unclosed \"{{\" in \"{}\"", text));
      out.append(text.substr(i, open - i));
      out += param(text.substr(open + 1, close - open - 1)).show(s);
      i = close + 1;
    }
    out.append(text.substr(i));
    return out;
  }
};

/// A parameter the resolved configuration leaves out (it changes no simulated result, or is
/// recorded with another parameter).
template <class S>
Param<S> unrecorded(Param<S> p) {
  p.record_key.clear();
  p.record = nullptr;
  return p;
}

// ----- builders: one line per parameter in the tables ------------------------------------------

template <class S, class T>
Param<S> p_int(std::string key, T S::*field, std::int64_t min, std::int64_t max, std::string doc) {
  return {key,
          "int",
          max >= INT32_MAX ? fmt::format(">= {}", min) : fmt::format("{}..{}", min, max),
          std::move(doc),
          false,
          [field, min, max](const Node& n, S& s, Sink& sink) {
            if (auto v = get_int(n, sink, min, max)) s.*field = static_cast<T>(*v);
          },
          [field](const S& s) { return fmt::format("{}", s.*field); },
          key,
          [field](const S& s) { return Value::of(static_cast<std::int64_t>(s.*field)); }};
}

template <class S>
Param<S> p_double(std::string key, double S::*field, double min, std::string unit, std::string doc,
                  bool min_exclusive = false) {
  return {key,
          "number",
          std::move(unit),
          std::move(doc),
          false,
          [field, min, min_exclusive](const Node& n, S& s, Sink& sink) {
            if (auto v = get_double(n, sink, min, HUGE_VAL, min_exclusive)) s.*field = *v;
          },
          [field](const S& s) { return format_number(s.*field); },
          key,
          [field](const S& s) { return Value::of(s.*field); }};
}

/// An oversubscription ratio: a number >= 1 or "N:1".
template <class S>
Param<S> p_ratio(std::string key, double S::*field, std::string doc) {
  return {key,
          "ratio",
          "number >= 1 or \"N:1\"",
          std::move(doc),
          false,
          [field](const Node& n, S& s, Sink& sink) {
            if (auto v = get_ratio(n, sink)) s.*field = *v;
          },
          [field](const S& s) { return format_number(s.*field); },
          key,
          [field](const S& s) { return Value::of(s.*field); }};
}

template <class S>
Param<S> p_bool(std::string key, bool S::*field, std::string doc) {
  return {key,
          "bool",
          "true/false (or 1/0)",
          std::move(doc),
          false,
          [field](const Node& n, S& s, Sink& sink) {
            if (auto v = get_bool(n, sink)) s.*field = *v;
          },
          [field](const S& s) { return std::string(s.*field ? "true" : "false"); },
          key,
          [field](const S& s) { return Value::of(s.*field); }};
}

template <class S>
Param<S> p_string(std::string key, std::string S::*field, std::string doc, std::string type = "string") {
  return {key,
          std::move(type),
          "",
          std::move(doc),
          false,
          [field](const Node& n, S& s, Sink& sink) {
            if (auto v = get_string(n, sink)) s.*field = *v;
          },
          [field](const S& s) { return (s.*field).empty() ? std::string("\"\"") : s.*field; },
          key,
          [field](const S& s) { return Value::of(s.*field); }};
}

/// A latency or delay of the model: a duration of at most kMaxDelay.
template <class S>
Param<S> p_time(std::string key, SimTime S::*field, std::string doc) {
  return {
      key,
      "duration",
      "ps, ns, us, ms, s (at most 10 s)",
      std::move(doc),
      false,
      [field](const Node& n, S& s, Sink& sink) {
        if (auto v = get_delay(n, sink)) s.*field = *v;
      },
      [field](const S& s) { return s.*field == kTimeInfinity ? std::string("none") : format_time(s.*field); },
      key + "_ps",
      [field](const S& s) { return s.*field == kTimeInfinity ? Value::null() : Value::of(s.*field); }};
}

/// A limit on the run (max_sim_time, max_wall_time): any duration in the time range.
template <class S>
Param<S> p_time_limit(std::string key, SimTime S::*field, std::string doc) {
  return {
      key,
      "duration",
      "ps, ns, us, ms, s",
      std::move(doc),
      false,
      [field](const Node& n, S& s, Sink& sink) {
        if (auto v = get_time(n, sink)) s.*field = *v;
      },
      [field](const S& s) { return s.*field == kTimeInfinity ? std::string("none") : format_time(s.*field); },
      key + "_ps",
      [field](const S& s) { return s.*field == kTimeInfinity ? Value::null() : Value::of(s.*field); }};
}

template <class S>
Param<S> p_bandwidth(std::string key, Bandwidth S::*field, std::string doc) {
  return {key,
          "bandwidth",
          "B/s, GB/s, GiB/s, Gb/s, ...",
          std::move(doc),
          false,
          [field](const Node& n, S& s, Sink& sink) {
            if (auto v = get_bandwidth(n, sink)) s.*field = *v;
          },
          [field](const S& s) {
            return (s.*field).bytes_per_second == 0 ? std::string("none") : format_bandwidth(s.*field);
          },
          key + "_Bps",
          [field](const S& s) { return Value::of((s.*field).bytes_per_second); }};
}

template <class S>
Param<S> p_bytes(std::string key, Bytes S::*field, Bytes min, std::string doc) {
  return {key,
          "size",
          "B, KB, KiB, MB, MiB, ...",
          std::move(doc),
          false,
          [field, min](const Node& n, S& s, Sink& sink) {
            if (auto v = get_bytes(n, sink)) {
              if (*v < min) {
                sink.error(
                    n.diag(fmt::format("expected at least {}, got {}", format_bytes(min), format_bytes(*v))));
              } else {
                s.*field = *v;
              }
            }
          },
          [field](const S& s) { return format_bytes(s.*field); },
          key,
          [field](const S& s) { return Value::of(static_cast<std::int64_t>(s.*field)); }};
}

/// An enumeration read by name, with the spellings of its one name table (names.hpp).
template <class S, class E>
Param<S> p_enum(std::string key, E S::*field, const Names<E>& names, std::string doc) {
  std::vector<std::string> choices = names_only(names);
  std::string unit = join_names(choices);
  return {key,
          "enum",
          unit,
          std::move(doc),
          false,
          [field, names, choices](const Node& n, S& s, Sink& sink) {
            if (auto v = get_choice(n, sink, choices)) s.*field = *value_named(names, *v);
          },
          [field, names](const S& s) { return std::string(name_of(names, s.*field)); },
          key,
          [field, names](const S& s) { return Value::of(name_of(names, s.*field)); }};
}

template <class S>
Param<S> required(Param<S> p) {
  p.required = true;
  return p;
}

}  // namespace tessera::params
