// `tessera schema` is generated from the loaders' own tables: every key a loader accepts is listed
// with a type and a doc, and the defaults shown are the structs' defaults.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <string>

#include "tables.hpp"
#include "tessera/config_load.hpp"
#include "tessera/config_schema.hpp"
#include "tessera/network/topology_type.hpp"

namespace tessera {
namespace {

const ParamDoc* find(const std::vector<SectionDoc>& sections, const std::string& section,
                     const std::string& key) {
  for (const auto& s : sections) {
    for (const auto& p : s.params) {
      if (s.name == section && p.key == key) return &p;
    }
  }
  return nullptr;
}

SectionDoc find_section(const std::string& name) {
  for (const auto& s : schema_sections()) {
    if (s.name == name) return s;
  }
  return {};
}

// Whether section, key, unit or meaning of a parameter contains `word` (lower case), ignoring case.
bool mentions(std::string section, std::string key, std::string unit, std::string doc,
              const std::string& word) {
  std::string all = section + '\n' + key + '\n' + unit + '\n' + doc;
  for (char& c : all) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return all.find(word) != std::string::npos;
}

TEST(Schema, EveryParameterIsDocumented) {
  const auto sections = schema_sections();
  std::size_t n = 0;
  for (const auto& s : sections) {
    EXPECT_FALSE(s.doc.empty()) << s.name;
    EXPECT_FALSE(s.params.empty()) << s.name;
    for (const auto& p : s.params) {
      ++n;
      EXPECT_FALSE(p.type.empty()) << s.name << "." << p.key;
      EXPECT_FALSE(p.doc.empty()) << s.name << "." << p.key;
      if (p.type != "ignored") {
        EXPECT_FALSE(p.default_value.empty()) << s.name << "." << p.key;
      }
    }
  }
  EXPECT_GT(n, 100u);
}

TEST(Schema, ListsTheKeysTheLoadersAccept) {
  const auto sections = schema_sections();
  // Every key of every ASTRA-sim shipped system JSON, and ASTRA-sim's silently ignored keys.
  for (const char* k :
       {"scheduling-policy", "endpoint-delay", "active-chunks-per-dimension", "preferred-dataset-splits",
        "all-reduce-implementation", "all-gather-implementation", "reduce-scatter-implementation",
        "all-to-all-implementation", "collective-optimization", "local-mem-bw", "boost-mode",
        "roofline-enabled", "peak-perf", "intra-dimension-scheduling", "inter-dimension-scheduling"}) {
    EXPECT_NE(find(sections, "astra-system-json", k), nullptr) << k;
  }
  for (const char* k : {"topology", "npus_count", "bandwidth", "latency"}) {
    EXPECT_NE(find(sections, "astra-network-yaml", k), nullptr) << k;
  }
  EXPECT_NE(find(sections, "astra-remote-memory-json", "memory-type"), nullptr);
  // The tables themselves: the schema shows each one's keys.
  // Every topology's own section, as the topology declares it.
  for (const network::TopologyType* t : network::topology_types()) {
    const SectionDoc d = t->docs();
    for (const auto& p : d.params)
      EXPECT_NE(find(sections, d.name, p.key), nullptr) << d.name << "." << p.key;
    EXPECT_NE(find(sections, "network", t->name()), nullptr) << t->name();
  }
  for (const auto& p : cfg::system_table().params)
    EXPECT_NE(find(sections, "system", p.key), nullptr) << p.key;
}

TEST(Schema, DefaultsComeFromTheStructs) {
  const auto sections = schema_sections();
  EXPECT_EQ(find(sections, "network.hgx_h100", "nvlink_bandwidth")->default_value, "450.00 GB/s");
  EXPECT_EQ(find(sections, "network.hgx_h100", "nvlink_latency")->default_value, "936.250 ns");
  EXPECT_EQ(find(sections, "network.packet", "packet_size")->default_value, "4.00 KiB");
  EXPECT_EQ(find(sections, "system", "endpoint_delay")->default_value, "10.000 ns");
  EXPECT_EQ(find(sections, "system", "scheduling_policy")->default_value, "LIFO");
  EXPECT_EQ(find(sections, "simulation", "network_model")->default_value, "packet");
  EXPECT_EQ(find(sections, "astra-system-json", "preferred-dataset-splits")->default_value, "(required)");
  EXPECT_EQ(find(sections, "astra-system-json", "endpoint-delay")->default_value, "10");
  EXPECT_EQ(find(sections, "astra-system-json", "endpoint-delay")->unit, "ns");
  EXPECT_EQ(find(sections, "astra-network-yaml", "bandwidth")->unit, "GB/s with GB = 2^30 bytes");
  EXPECT_EQ(find(sections, "astra-system-json", "local-mem-bw")->unit, "GB/s with GB = 10^9 bytes");
  EXPECT_EQ(find(sections, "astra-remote-memory-json", "remote-mem-bw")->unit,
            "bytes/ns (= GB/s with GB = 10^9)");
}

TEST(Schema, Formats) {
  const std::string text = format_schema("text");
  EXPECT_NE(text.find("[astra-system-json]"), std::string::npos);
  EXPECT_NE(text.find("preferred-dataset-splits"), std::string::npos);
  const std::string md = format_schema("markdown");
  EXPECT_NE(md.find("### `network.hgx_h100`"), std::string::npos);
  const auto j = nlohmann::json::parse(format_schema("json"));
  ASSERT_TRUE(j.is_array());
  EXPECT_EQ(j.size(), schema_sections().size());
  EXPECT_THROW(format_schema("xml"), InputError);
}

TEST(Schema, GrepKeepsTheMatchingParameters) {
  // Every parameter kept names the word (any case) in its section, key, unit or meaning; every
  // parameter that does is kept.
  const auto j = nlohmann::json::parse(format_schema("json", "LATENCY"));
  std::size_t kept = 0;
  for (const auto& s : j) {
    ASSERT_FALSE(s["params"].empty()) << s["section"];
    for (const auto& p : s["params"]) {
      EXPECT_TRUE(mentions(s["section"], p["key"], p["unit"], p["doc"], "latency")) << p["key"];
      ++kept;
    }
  }
  std::size_t want = 0;
  for (const auto& s : schema_sections()) {
    for (const auto& p : s.params) want += mentions(s.name, p.key, p.unit, p.doc, "latency") ? 1 : 0;
  }
  EXPECT_EQ(kept, want);
  EXPECT_GT(want, 2u);
  // A section name keeps the whole section.
  const auto hgx = nlohmann::json::parse(format_schema("json", "network.hgx_h100"));
  ASSERT_EQ(hgx.size(), 1u);
  EXPECT_EQ(hgx[0]["params"].size(), find_section("network.hgx_h100").params.size());
}

TEST(Schema, GrepWithoutAMatchSaysSo) {
  try {
    format_schema("text", "no-such-parameter-anywhere");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--grep: no parameter matches \"no-such-parameter-anywhere\""),
              std::string::npos)
        << e.what();
  }
}

// Each enumeration's one name table: every name reads back as its value, and to_string prints the
// first name of a value.
template <class E>
void expect_round_trip(const params::Names<E>& names) {
  ASSERT_FALSE(names.empty());
  for (const auto& [name, value] : names) {
    EXPECT_EQ(params::value_named(names, name), value) << name;
    EXPECT_STRNE(to_string(value), "?") << name;
    EXPECT_EQ(params::value_named(names, to_string(value)), value) << name;
  }
}

TEST(Names, EveryEnumerationHasOneTable) {
  expect_round_trip(enum_names(SchedulingPolicy{}));
  expect_round_trip(enum_names(Decomposition{}));
  expect_round_trip(enum_names(MemoryType{}));
  expect_round_trip(enum_names(WorkloadKind{}));
  expect_round_trip(enum_names(ControlDependencies{}));
  expect_round_trip(enum_names(LogFormat{}));
  expect_round_trip(enum_names(Placement{}));
  expect_round_trip(enum_names(NetworkModel{}));
  // The loaders list the same names.
  EXPECT_EQ(find(schema_sections(), "simulation", "network_model")->unit,
            params::join_names(params::names_only(enum_names(NetworkModel{}))));
  EXPECT_EQ(find(schema_sections(), "output", "log_format")->unit, "tessera, astra-sim");
}

TEST(Tables, RecordIsTheResolvedConfiguration) {
  // config_json writes each section as its table's record: the recorded keys in table order, with
  // quantities in base units under keys that say so.
  Config c;
  c.system.endpoint_delay = 1234;
  c.system.all_reduce.per_dimension = {"ring", "direct"};
  const auto j = nlohmann::ordered_json::parse(config_json(c));
  std::vector<std::string> keys;
  for (const auto& p : cfg::system_table().params) {
    if (!p.record_key.empty()) keys.push_back(p.record_key);
  }
  keys.push_back("source");
  std::vector<std::string> written;
  for (const auto& [k, v] : j["system"].items()) written.push_back(k);
  EXPECT_EQ(written, keys);
  EXPECT_EQ(j["system"]["endpoint_delay_ps"], 1234);
  EXPECT_EQ(j["system"]["all_reduce_implementation"]["per_dimension"][1], "direct");
  EXPECT_TRUE(j["simulation"]["max_sim_time_ps"].is_null());  // no limit
  EXPECT_EQ(j["workload"].begin().key(), "kind");             // derived, then the table's keys
  EXPECT_EQ(j["network"]["packet"]["packet_size"], 4096);
  // Left out on purpose (no simulated effect, or recorded with another key).
  EXPECT_FALSE(j["system"].contains("trace_enabled"));
  EXPECT_FALSE(j["system"].contains("all_reduce_implementation_custom"));
  EXPECT_FALSE(j["output"].contains("logging_folder"));
}

TEST(Tables, FillWritesValuesAsTheSchemaShowsThem) {
  SystemConfig s;
  const auto t = cfg::system_table();
  EXPECT_EQ(t.fill("delay {endpoint_delay}, policy {scheduling_policy}", s), "delay 10.000 ns, policy LIFO");
  EXPECT_EQ(t.fill("no keys", s), "no keys");
  EXPECT_THROW(t.fill("{no_such_key}", s), Error);
  EXPECT_THROW(t.fill("{endpoint_delay", s), Error);
}

}  // namespace
}  // namespace tessera
