// Chakra .et reader and writer: byte-identical round trips over every fixture, decoding of
// hand-made wire variants, and one clear error for each kind of broken file.
#include <zlib.h>

#include <filesystem>

#include "tessera/workload/et_io.hpp"
#include "tessera/workload/workload.hpp"
#include "test_util.hpp"

namespace tessera::workload {
namespace {
using namespace test;

std::vector<std::string> all_fixture_traces() {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(fixture(""))) {
    if (e.path().extension() == ".et") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(EtRoundTrip, EveryFixtureIsByteIdentical) {
  const auto dir = scratch_dir();
  const auto files = all_fixture_traces();
  // 112 microbenchmarks + 8 custom-collective + 1 PyTorch + 14 text-converter outputs.
  ASSERT_EQ(files.size(), 135u);
  for (const auto& f : files) {
    const std::string out = dir + "/copy.et";
    copy_trace_file(f, out);
    EXPECT_EQ(read_bytes(out), read_bytes(f)) << f;
  }
}

TEST(EtReader, DecodesTheWorkedExample) {
  EtReader r(fixture("astra-sim/microbenchmarks/all_reduce/8npus_1MB/all_reduce.0.et"));
  EXPECT_EQ(r.metadata().version, "0.0.4");
  EXPECT_TRUE(r.metadata().attrs.empty());
  EtNode n;
  ASSERT_TRUE(r.next(n));
  EXPECT_EQ(n.id, 0u);
  EXPECT_EQ(n.name, "all_reduce_8npus_1MB");
  EXPECT_EQ(n.type, NodeType::kCommColl);
  ASSERT_EQ(n.attrs.size(), 3u);
  EXPECT_EQ(n.attrs[0].name, "is_cpu_op");
  EXPECT_EQ(n.attrs[0].kind, AttrKind::kBool);
  EXPECT_EQ(n.attrs[0].as_int64(), 0);
  EXPECT_EQ(n.find("comm_type")->kind, AttrKind::kInt64);
  EXPECT_EQ(n.find("comm_type")->as_int64(), 0);
  EXPECT_EQ(n.find("comm_size")->as_int64(), 1048576);
  EXPECT_FALSE(r.next(n));
  EXPECT_EQ(r.nodes_read(), 1u);
  EXPECT_EQ(r.offset(), 81u);
}

TEST(EtReader, DecodesTheCustomCollective) {
  EtReader r(fixture("astra-sim/custom_collectives/custom_ring_allreduce_8npus_1MB/custom_allreduce.3.et"));
  ASSERT_NE(r.metadata().find("schema"), nullptr);
  ASSERT_NE(r.metadata().find("input_file"), nullptr);
  EXPECT_EQ(r.metadata().find("collective")->text, "allreduce");
  EtNode n;
  int sends = 0, recvs = 0, comps = 0;
  while (r.next(n)) {
    if (n.id > 0) {
      ASSERT_EQ(n.data_deps.size(), 1u);
      EXPECT_EQ(n.data_deps[0], n.id - 1);
    }
    if (n.type == NodeType::kCommSend) {
      ++sends;
      EXPECT_EQ(n.find("comm_dst")->kind, AttrKind::kInt32);
      EXPECT_EQ(n.find("comm_dst")->as_int64(), 4);
      EXPECT_EQ(n.find("comm_size")->as_int64(), 131072);
    }
    if (n.type == NodeType::kCommRecv) {
      ++recvs;
      EXPECT_EQ(n.find("comm_src")->as_int64(), 2);
    }
    if (n.type == NodeType::kComp) {
      ++comps;
      EXPECT_EQ(n.duration_micros, 7u);
    }
  }
  EXPECT_EQ(sends, 14);
  EXPECT_EQ(recvs, 14);
  EXPECT_EQ(comps, 7);
}

TEST(EtReader, AcceptsUnpackedDepsLongVarintsAndSkipsUnknownFields) {
  const auto dir = scratch_dir();
  Wire gm;
  gm.bytes(1, "1.0.0");
  Wire attr_any;  // an unmerged-schema any_val (field 33) next to a known int32 value
  attr_any.bytes(1, "comm_src").u(7, 3).bytes(33, "ignored");
  Wire node;
  node.u(1, 42).bytes(2, "n").u(3, 5);
  node.u(4, 7).u(4, 8);                           // ctrl_deps unpacked, one tag per value
  node.bytes(5, Wire().varint(1).varint(300).b);  // data_deps packed
  node.u(40, 99).bytes(41, "future field");       // unknown to this schema: skipped
  node.msg(10, attr_any);
  std::string file = Wire::record(gm);
  // A non-minimal 6-byte varint length for the node (readers must take up to 10 bytes).
  std::string len = "\x80\x80\x80\x80\x80";
  len[0] = static_cast<char>(0x80 | (node.b.size() & 0x7f));
  len += static_cast<char>(node.b.size() >> 7);
  file += len + node.b;
  write_bytes(dir + "/t.0.et", file);

  EtReader r(dir + "/t.0.et");
  EXPECT_EQ(r.metadata().version, "1.0.0");
  EtNode n;
  ASSERT_TRUE(r.next(n));
  EXPECT_EQ(n.id, 42u);
  EXPECT_EQ(n.type, NodeType::kCommSend);
  EXPECT_EQ(n.ctrl_deps, (std::vector<std::uint64_t>{7, 8}));
  EXPECT_EQ(n.data_deps, (std::vector<std::uint64_t>{1, 300}));
  ASSERT_EQ(n.attrs.size(), 1u);
  EXPECT_EQ(n.attrs[0].as_int64(), 3);
  EXPECT_FALSE(r.next(n));
}

TEST(EtReader, SkipsTheStorageExtensionOfCurrentChakra) {
  const auto dir = scratch_dir();
  Wire node;  // type STORAGE_NODE (8) with Node.storage = 11: StorageInfo{level = 1, fs = {op = 3}}
  node.u(1, 3).bytes(2, "read").u(3, 8).msg(11, Wire().u(1, 1).msg(10, Wire().u(1, 3)));
  write_bytes(dir + "/s.et", Wire::record(Wire().bytes(1, "1.0.0")) + Wire::record(node));
  EtReader r(dir + "/s.et");
  EtNode n;
  ASSERT_TRUE(r.next(n));
  EXPECT_EQ(n.id, 3u);
  EXPECT_EQ(static_cast<int>(n.type), 8);  // kept as read; the workload model rejects it by name
}

TEST(EtReader, CoercesEveryIntegerEncoding) {
  const auto dir = scratch_dir();
  Wire node;
  node.u(1, 1).bytes(2, "c").u(3, 7);
  node.msg(10, Wire().bytes(1, "a_uint64").u(13, 5));
  node.msg(10, Wire().bytes(1, "a_int32_neg").u(7, static_cast<std::uint64_t>(-2)));
  node.msg(10, Wire().bytes(1, "a_sint64").u(17, 7));  // zigzag 7 = -4
  Wire fixed;
  fixed.bytes(1, "a_fixed32").tag(19, 5);
  fixed.b += std::string("\x09\x00\x00\x00", 4);
  node.msg(10, fixed);
  node.msg(10, Wire().bytes(1, "a_bool").u(27, 1));
  Wire dbl;
  dbl.bytes(1, "a_double").tag(3, 1);
  dbl.b += std::string("\x00\x00\x00\x00\x00\x00\xf0\x3f", 8);  // 1.0
  node.msg(10, dbl);
  write_bytes(dir + "/t.et", Wire::record(Wire().bytes(1, "v")) + Wire::record(node));
  EtReader r(dir + "/t.et");
  EtNode n;
  ASSERT_TRUE(r.next(n));
  EXPECT_EQ(n.find("a_uint64")->as_int64(), 5);
  EXPECT_EQ(n.find("a_int32_neg")->as_int64(), -2);
  EXPECT_EQ(n.find("a_sint64")->as_int64(), -4);
  EXPECT_EQ(n.find("a_fixed32")->as_int64(), 9);
  EXPECT_EQ(n.find("a_bool")->as_int64(), 1);
  EXPECT_EQ(n.find("a_double")->kind, AttrKind::kDouble);
  EXPECT_EQ(n.find("a_double")->real, 1.0);
  EXPECT_FALSE(n.find("a_double")->as_int64().has_value());
  EXPECT_EQ(n.find("missing"), nullptr);
}

TEST(EtReader, ReadsGzipCompressedTraces) {
  const auto dir = scratch_dir();
  const std::string src = fixture("astra-sim/custom_collectives/custom_ring_allreduce_8npus_1MB/custom_allreduce.0.et");
  const std::string raw = read_bytes(src);
  gzFile gz = gzopen((dir + "/c.0.et").c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  ASSERT_EQ(gzwrite(gz, raw.data(), static_cast<unsigned>(raw.size())), static_cast<int>(raw.size()));
  gzclose(gz);
  copy_trace_file(dir + "/c.0.et", dir + "/plain.et");
  EXPECT_EQ(read_bytes(dir + "/plain.et"), raw);
}

TEST(EtWriter, WritesTheMicrobenchmarkBytes) {
  const auto dir = scratch_dir();
  EtGlobalMetadata gm;
  gm.version = "0.0.4";
  EtNode n;
  n.id = 1;
  n.name = "all_reduce_8npus_1MB";
  n.type = NodeType::kCommColl;
  n.attrs = {EtAttribute::make_bool("is_cpu_op", false), EtAttribute::make_int64("comm_type", 0),
             EtAttribute::make_int64("comm_size", 1 << 20)};
  {
    EtWriter w(dir + "/a.et", gm);
    w.write(n);
    w.close();
  }
  EXPECT_EQ(read_bytes(dir + "/a.et"), read_bytes(fixture("astra-sim/microbenchmarks/all_reduce/8npus_1MB/all_reduce.1.et")));
}

TEST(EtWriter, RefusesAZeroLengthNode) {
  const auto dir = scratch_dir();
  EtWriter w(dir + "/z.et", EtGlobalMetadata{"1.0.0", {}});
  try {
    w.write(EtNode{});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("zero bytes"), std::string::npos) << e.what();
  }
}

// ---- one clear error per kind of broken file ----

TEST(EtReaderErrors, MissingFile) {
  expect_input_error([] { EtReader r("/nonexistent/dir/x.0.et"); }, {"/nonexistent/dir/x.0.et", "does not exist"});
}

TEST(EtReaderErrors, EmptyFile) {
  const auto dir = scratch_dir();
  write_bytes(dir + "/e.et", "");
  expect_input_error([&] { EtReader r(dir + "/e.et"); }, {"e.et", "the file is empty", "GlobalMetadata"});
}

TEST(EtReaderErrors, TruncatedNode) {
  const auto dir = scratch_dir();
  const std::string good = read_bytes(fixture("astra-sim/microbenchmarks/all_reduce/8npus_1MB/all_reduce.1.et"));
  write_bytes(dir + "/t.et", good.substr(0, 50));
  expect_input_error(
      [&] {
        EtReader r(dir + "/t.et");
        EtNode n;
        while (r.next(n)) {
        }
      },
      {"t.et", "node #0 (byte 8)", "truncated", "needs 74 bytes"});
}

TEST(EtReaderErrors, TruncatedLengthPrefix) {
  const auto dir = scratch_dir();
  const std::string good = read_bytes(fixture("astra-sim/custom_collectives/custom_ring_allreduce_8npus_1MB/custom_allreduce.0.et"));
  write_bytes(dir + "/t.et", good.substr(0, 2));  // "da d0" of a 3-byte prefix
  expect_input_error([&] { EtReader r(dir + "/t.et"); }, {"t.et", "GlobalMetadata", "length prefix"});
}

TEST(EtReaderErrors, Garbage) {
  const auto dir = scratch_dir();
  write_bytes(dir + "/g.et", "\x03\xff\xff\xff this is certainly not a Chakra trace");
  expect_input_error([&] { EtReader r(dir + "/g.et"); }, {"g.et", "not a Chakra GlobalMetadata"});
}

TEST(EtReaderErrors, ImplausibleLength) {
  const auto dir = scratch_dir();
  write_bytes(dir + "/g.et", Wire::record(Wire().bytes(1, "v")) + std::string("\xff\xff\xff\xff\x7f", 5) + "xx");
  expect_input_error(
      [&] {
        EtReader r(dir + "/g.et");
        EtNode n;
        r.next(n);
      },
      {"g.et", "node #0", "implausible"});
}

TEST(EtReaderErrors, GarbageNode) {
  const auto dir = scratch_dir();
  // A node whose field 2 (name) claims more bytes than the record holds.
  write_bytes(dir + "/g.et", Wire::record(Wire().bytes(1, "v")) + std::string("\x04\x12\x10" "ab"));
  expect_input_error(
      [&] {
        EtReader r(dir + "/g.et");
        EtNode n;
        r.next(n);
      },
      {"g.et", "node #0 (byte 4)", "not a valid Chakra Node"});
}

TEST(EtReaderErrors, ZeroLengthNode) {
  const auto dir = scratch_dir();
  write_bytes(dir + "/z.et", Wire::record(Wire().bytes(1, "v")) + std::string(1, '\0'));
  expect_input_error(
      [&] {
        EtReader r(dir + "/z.et");
        EtNode n;
        r.next(n);
      },
      {"z.et", "zero-length node"});
}

TEST(EtReaderErrors, Pre2023Schema) {
  const auto dir = scratch_dir();
  Wire old;  // old proto2 Node: attribute = 11
  old.u(1, 1).bytes(2, "x").msg(11, Wire().bytes(1, "comm_size"));
  write_bytes(dir + "/o.et", Wire::record(Wire().bytes(1, "v")) + Wire::record(old));
  expect_input_error(
      [&] {
        EtReader r(dir + "/o.et");
        EtNode n;
        r.next(n);
      },
      {"o.et", "pre-October-2023", "re-convert"});
}

TEST(EtReaderErrors, TraceWithoutMetadata) {
  const auto dir = scratch_dir();
  // Pre-2023 files start directly with a Node: id (varint) in field 1 where GM has a string.
  Wire node;
  node.u(1, 5).bytes(2, "x").u(3, 4);
  write_bytes(dir + "/m.et", Wire::record(node));
  expect_input_error([&] { EtReader r(dir + "/m.et"); }, {"m.et", "GlobalMetadata", "pre-2023"});
}

}  // namespace
}  // namespace tessera::workload

namespace tessera::workload {
namespace {
using namespace test;

/// Loads `bytes` as a one-NPU trace; returns "" on success or the InputError text. Any other
/// exception (or a crash) fails the test.
std::string load_bytes(const std::string& dir, const std::string& bytes) {
  write_bytes(dir + "/f.0.et", bytes);
  try {
    LoadOptions o;
    o.deps = DepPolicy::kLenient;
    load_workload_file(dir + "/f.0.et", 0, o);
    return "";
  } catch (const InputError& e) {
    return e.what();
  }
}

TEST(EtRobustness, EveryTruncationIsReported) {
  const auto dir = scratch_dir();
  const std::string good = read_bytes(fixture("astra-sim/custom_collectives/custom_ring_allreduce_8npus_1MB/custom_allreduce.5.et"));
  ASSERT_EQ(load_bytes(dir, good), "");
  // Every cut inside the last few nodes, and a sample of cuts elsewhere.
  for (std::size_t cut = 0; cut < good.size(); cut += cut + 400 < good.size() ? 97 : 1) {
    const std::string err = load_bytes(dir, good.substr(0, cut));
    // A cut exactly between two records is a valid shorter trace (then node 34's deps dangle or
    // it loads); anything else must say what is wrong.
    if (!err.empty()) {
      EXPECT_NE(err.find("f.0.et"), std::string::npos) << err;
    }
  }
}

TEST(EtRobustness, RandomCorruptionNeverCrashes) {
  const auto dir = scratch_dir();
  const std::string good = read_bytes(fixture("chakra-text-converter/MLP_HybridParallel_Data_Model.0.et"));
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;  // fixed seed: the same bytes every run
  const auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  int rejected = 0;
  for (int round = 0; round < 300; ++round) {
    std::string bad = good;
    const int flips = 1 + static_cast<int>(next() % 4);
    for (int k = 0; k < flips; ++k) bad[next() % bad.size()] = static_cast<char>(next() & 0xff);
    if (!load_bytes(dir, bad).empty()) ++rejected;
  }
  EXPECT_GT(rejected, 100);  // most corruptions are caught (others change only names or values)
}

}  // namespace
}  // namespace tessera::workload
