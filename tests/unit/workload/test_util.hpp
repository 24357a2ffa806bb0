// Helpers shared by the workload tests: fixture paths, scratch directories, raw bytes, a tiny
// protobuf wire encoder for hand-made (often malformed) traces, and error-message assertions.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "tessera/error.hpp"

namespace tessera::workload::test {

inline std::string fixture(const std::string& rel) {
  return std::string(TESSERA_SOURCE_DIR) + "/tests/unit/workload/fixtures/" + rel;
}

inline std::string repo(const std::string& rel) { return std::string(TESSERA_SOURCE_DIR) + "/" + rel; }

/// A fresh, empty directory under the build tree, named after the running test.
inline std::string scratch_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string dir = std::string(TESSERA_BINARY_DIR) + "/test-scratch/workload/" + info->test_suite_name() +
                          "." + info->name();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

/// Protobuf wire encoding, enough to hand-craft traces.
struct Wire {
  std::string b;
  Wire& varint(std::uint64_t v) {
    do {
      unsigned char c = v & 0x7f;
      v >>= 7;
      if (v) c |= 0x80;
      b += static_cast<char>(c);
    } while (v);
    return *this;
  }
  Wire& tag(int field, int wire_type) { return varint(static_cast<std::uint64_t>(field) << 3 | wire_type); }
  Wire& u(int field, std::uint64_t v) { return tag(field, 0).varint(v); }
  Wire& bytes(int field, const std::string& s) {
    tag(field, 2).varint(s.size());
    b += s;
    return *this;
  }
  Wire& msg(int field, const Wire& m) { return bytes(field, m.b); }
  /// The record framing: varint length, then the message.
  static std::string record(const Wire& m) {
    Wire w;
    w.varint(m.b.size());
    return w.b + m.b;
  }
};

/// An attribute message: name plus one oneof field given as raw wire bytes.
inline Wire int64_attr(const std::string& name, std::int64_t v) {
  Wire a;
  a.bytes(1, name).u(9, static_cast<std::uint64_t>(v));
  return a;
}

/// Runs `f`, expects an InputError whose text contains every one of `needles`.
inline void expect_input_error(const std::function<void()>& f, const std::vector<std::string>& needles) {
  try {
    f();
    ADD_FAILURE() << "expected an InputError";
  } catch (const InputError& e) {
    const std::string what = e.what();
    for (const auto& n : needles) EXPECT_NE(what.find(n), std::string::npos) << "missing '" << n << "' in:\n" << what;
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
  }
}

}  // namespace tessera::workload::test
