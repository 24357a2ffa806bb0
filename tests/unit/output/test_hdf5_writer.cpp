// The HDF5 writer on one in-process rank (serial HDF5): the file appears only on success, bad
// records and unwritable paths give clear errors and leave nothing that looks complete. The
// multi-rank content checks run under mpirun (CMakeLists.txt here, tests/tools/).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "sample_records.hpp"
#include "tessera/error.hpp"
#include "tessera/output/hdf5_writer.hpp"
#include "tessera/pdes/loopback_transport.hpp"

namespace fs = std::filesystem;
using tessera::output::write_hdf5;
using tessera::output::testing::sample_records;

namespace {

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::path(TESSERA_BINARY_DIR) / "tests" / "unit" / "output" / "scratch";
  fs::create_directories(dir);
  fs::remove_all(dir / name);
  return dir / name;
}

/// Any temporary of `out` left in its folder (`out.partial.<tag>`, include/tessera/output_file.hpp).
bool temporary_left(const fs::path& out) {
  const std::string prefix = out.filename().string() + tessera::output::kHdf5PartialSuffix;
  if (!fs::is_directory(out.parent_path())) return false;
  for (const auto& e : fs::directory_iterator(out.parent_path()))
    if (e.path().filename().string().rfind(prefix, 0) == 0) return true;
  return false;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST(Hdf5Writer, WritesAnHdf5FileAndNoPartialOne) {
  tessera::pdes::LoopbackHub hub(1);
  tessera::pdes::LoopbackTransport t(hub, 0);
  const fs::path out = scratch("ok.h5");
  write_hdf5(out.string(), sample_records(8, 0, 1), {t, 8});
  ASSERT_TRUE(fs::exists(out));
  EXPECT_FALSE(temporary_left(out));
  EXPECT_EQ(slurp(out).substr(0, 8), std::string("\x89HDF\r\n\x1a\n", 8));
  EXPECT_GT(fs::file_size(out), 4096u);
}

TEST(Hdf5Writer, EmptyRecordsStillMakeAValidFile) {
  tessera::pdes::LoopbackHub hub(1);
  tessera::pdes::LoopbackTransport t(hub, 0);
  const fs::path out = scratch("empty.h5");
  write_hdf5(out.string(), tessera::output::RunRecords{}, {t, 0});
  EXPECT_TRUE(fs::exists(out));
}

TEST(Hdf5Writer, BadStringIndexIsBadInputAndKeepsTheOldFile) {
  tessera::pdes::LoopbackHub hub(1);
  tessera::pdes::LoopbackTransport t(hub, 0);
  const fs::path out = scratch("bad.h5");
  { std::ofstream(out) << "previous run"; }
  auto r = sample_records(4, 0, 1);
  r.intervals.at(2).name = 999;
  try {
    write_hdf5(out.string(), r, {t, 4});
    FAIL() << "expected an error";
  } catch (const tessera::Error& e) {
    EXPECT_EQ(e.code(), tessera::ExitCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("string index"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("bad.h5"), std::string::npos) << e.what();
  }
  EXPECT_EQ(slurp(out), "previous run");
  EXPECT_FALSE(temporary_left(out));
}

TEST(Hdf5Writer, NpuOutOfRangeIsBadInput) {
  tessera::pdes::LoopbackHub hub(1);
  tessera::pdes::LoopbackTransport t(hub, 0);
  const fs::path out = scratch("range.h5");
  try {
    write_hdf5(out.string(), sample_records(8, 0, 1), {t, 4});
    FAIL() << "expected an error";
  } catch (const tessera::Error& e) {
    EXPECT_EQ(e.code(), tessera::ExitCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("out of range"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(out));
}

TEST(Hdf5Writer, MissingDirectoryNamesThePathAndLeavesNothing) {
  tessera::pdes::LoopbackHub hub(1);
  tessera::pdes::LoopbackTransport t(hub, 0);
  const fs::path out = scratch("x.h5").parent_path() / "no-such-dir" / "run.h5";
  try {
    write_hdf5(out.string(), sample_records(2, 0, 1), {t, 2});
    FAIL() << "expected an error";
  } catch (const tessera::Error& e) {
    EXPECT_EQ(e.code(), tessera::ExitCode::kRuntime);
    EXPECT_NE(std::string(e.what()).find("no-such-dir/run.h5"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no-such-dir does not exist"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(temporary_left(out));
}

TEST(Hdf5Writer, LoopbackRanksWithoutMpiAreRefused) {
  tessera::pdes::LoopbackHub hub(2);
  tessera::pdes::LoopbackTransport t(hub, 0);
  const fs::path out = scratch("loop.h5");
  EXPECT_THROW(write_hdf5(out.string(), sample_records(2, 0, 2), {t, 2}), tessera::Error);
  EXPECT_FALSE(fs::exists(out));
}

TEST(Hdf5Writer, ADirectoryAsThePathIsRefusedAndKept) {
  tessera::pdes::LoopbackHub hub(1);
  tessera::pdes::LoopbackTransport t(hub, 0);
  const fs::path out = scratch("isdir.h5");
  fs::create_directories(out / "keep");
  try {
    write_hdf5(out.string(), sample_records(2, 0, 1), {t, 2});
    FAIL() << "expected an error";
  } catch (const tessera::Error& e) {
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(temporary_left(out));
  EXPECT_TRUE(fs::is_directory(out / "keep"));
}

TEST(Hdf5Writer, WhatTheRunDidNotCreateIsNeverRemoved) {
  // A directory named like a temporary of an older scheme, and a symlink as the output: the
  // link is followed, the directory stays.
  tessera::pdes::LoopbackHub hub(1);
  tessera::pdes::LoopbackTransport t(hub, 0);
  const fs::path target = scratch("target.h5");
  const fs::path link = scratch("link.h5");
  fs::remove_all(target.string() + ".partial");
  fs::create_directories(target.string() + ".partial/keep");
  fs::create_symlink(target.filename(), link);
  write_hdf5(link.string(), sample_records(2, 0, 1), {t, 2});
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(slurp(target).substr(0, 4), std::string("\x89HDF", 4));
  EXPECT_TRUE(fs::is_directory(target.string() + ".partial/keep"));
  EXPECT_FALSE(temporary_left(target));
}

TEST(Hdf5Writer, InternReusesIndices) {
  tessera::output::RunRecords r;
  const auto a = r.intern("a"), b = r.intern("b");
  EXPECT_EQ(r.intern("a"), a);
  EXPECT_NE(a, b);
  EXPECT_EQ(r.intern(""), 0u);
  EXPECT_EQ(r.intern(std::string_view("c")), 3u);
  EXPECT_EQ(r.strings.size(), 4u);
  EXPECT_EQ(r.strings[b], "b");
  // A copy keeps its own index (the map is not shared with the original).
  tessera::output::StringTable copy = r.strings;
  EXPECT_EQ(copy.intern("d"), 4u);
  EXPECT_EQ(r.strings.size(), 4u);
  EXPECT_EQ(copy.intern("a"), a);
}
