// The input-file reader, the output-file writer and the checked arithmetic of include/tessera:
// what each refuses, and that nothing the caller did not create is touched.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <functional>
#include <limits>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tessera/error.hpp"
#include "tessera/input_file.hpp"
#include "tessera/output_file.hpp"
#include "tessera/units.hpp"

namespace fs = std::filesystem;
using namespace tessera;

namespace {

fs::path scratch() {
  const fs::path dir = fs::temp_directory_path() / ("tessera-test-files-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string input_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

int entries(const fs::path& dir) {
  int n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

}  // namespace

TEST(InputFile, ReadsARegularFileAndRefusesTheRest) {
  const fs::path dir = scratch();
  { std::ofstream(dir / "a.yaml") << "x: 1\n"; }
  EXPECT_EQ(read_input_file((dir / "a.yaml").string(), "cannot open", ""), "x: 1\n");
  EXPECT_NE(input_error([&] { read_input_file((dir / "missing").string(), "cannot open", ""); }).find("cannot open"),
            std::string::npos);
  EXPECT_NE(input_error([&] { read_input_file(dir.string(), "x", ""); }).find("is a directory"), std::string::npos);
  EXPECT_NE(input_error([&] { read_input_file("/dev/zero", "x", ""); }).find("is a character device"),
            std::string::npos);
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  // Returns at once (a blocking open would hang the test).
  EXPECT_NE(input_error([&] { read_input_file((dir / "fifo").string(), "x", ""); }).find("is a FIFO"),
            std::string::npos);
  { std::ofstream(dir / "big") << std::string(100, 'x'); }
  EXPECT_NE(input_error([&] { read_input_file((dir / "big").string(), "x", "", 99); }).find("too large"),
            std::string::npos);
  EXPECT_EQ(read_input_file((dir / "big").string(), "x", "", 100).size(), 100u);
  fs::remove_all(dir);
}

TEST(OutputFile, RegularFilesAreReplacedAtomicallyAndLinksFollowed) {
  const fs::path dir = scratch();
  { std::ofstream(dir / "real.json") << "old"; }
  fs::create_symlink("real.json", dir / "link.json");
  fs::create_directories(dir / "real.json.partial" / "keep");
  write_output_file(resolve_output((dir / "link.json").string(), "--summary-json"), "new");
  EXPECT_TRUE(fs::is_symlink(dir / "link.json"));
  EXPECT_EQ(slurp(dir / "real.json"), "new");
  EXPECT_TRUE(fs::is_directory(dir / "real.json.partial" / "keep"));
  EXPECT_EQ(entries(dir), 3);  // real.json, link.json, real.json.partial: no temporary left
  // A dangling link names the file it will create.
  fs::create_symlink("made.json", dir / "dangling.json");
  write_output_file(resolve_output((dir / "dangling.json").string(), "--summary-json"), "made");
  EXPECT_EQ(slurp(dir / "made.json"), "made");
  fs::remove_all(dir);
}

TEST(OutputFile, AnUncommittedTemporaryIsRemovedAndNothingElse) {
  const fs::path dir = scratch();
  { std::ofstream(dir / "out.h5") << "previous"; }
  {
    OutputFile f(resolve_output((dir / "out.h5").string(), "--output", true));
    EXPECT_NE(f.path(), (dir / "out.h5").string());
    EXPECT_TRUE(fs::exists(f.path()));
  }
  EXPECT_EQ(slurp(dir / "out.h5"), "previous");
  EXPECT_EQ(entries(dir), 1);
  fs::remove_all(dir);
}

TEST(OutputFile, DevicesAreWrittenInPlaceAndChecksComeFirst) {
  const fs::path dir = scratch();
  write_output_file(resolve_output("/dev/null", "--summary-json"), "x");
  try {
    write_output_file(resolve_output("/dev/full", "--summary-json"), "x");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("No space left on device"), std::string::npos) << e.what();
  }
  struct stat st {};
  ASSERT_EQ(::stat("/dev/full", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_NE(input_error([] { resolve_output("/dev/null", "--output", true); }).find("must be a regular file"),
            std::string::npos);
  EXPECT_NE(input_error([] { resolve_output("/no-such-folder-tessera/x.json", "--summary-json"); })
                .find("the folder /no-such-folder-tessera does not exist"),
            std::string::npos);
  EXPECT_NE(input_error([&] { resolve_output(dir.string(), "--output"); }).find("is a directory"), std::string::npos);
  const auto a = resolve_output((dir / "x").string(), "--output");
  const auto b = resolve_output((dir / ".." / dir.filename() / "x").string(), "--summary-json");
  EXPECT_NE(input_error([&] { check_distinct_outputs({a, b}); }).find("is the same file as --output"),
            std::string::npos);
  fs::remove_all(dir);
}

TEST(CheckedArithmetic, RefusesInsteadOfWrapping) {
  EXPECT_EQ(checked_add(1, 2), 3);
  EXPECT_FALSE(checked_add(INT64_MAX, 1));
  EXPECT_FALSE(checked_mul(INT64_MAX / 2 + 1, 2));
  EXPECT_EQ(checked_scale(10, 2.5), 25);
  EXPECT_FALSE(checked_scale(10, 1e308));
  EXPECT_FALSE(checked_scale(10, std::numeric_limits<double>::quiet_NaN()));
  EXPECT_FALSE(checked_tx_time(Bytes{1} << 62, Bandwidth{1}));
  EXPECT_EQ(tx_time(Bytes{1} << 62, Bandwidth{1}), kTimeInfinity);
  EXPECT_EQ(format_time(INT64_MIN), "-9223372.037 s");
  EXPECT_EQ(format_time(-1500), "-1.500 ns");
}
