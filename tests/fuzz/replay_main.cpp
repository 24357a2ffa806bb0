// A main() for fuzz targets outside libFuzzer: feeds every file named on the command line (or found
// under a named directory) to LLVMFuzzerTestOneInput once. With it the normal (gcc) and sanitizer
// builds replay tests/fuzz/regressions/ and the seed corpora as ordinary CTest tests.
// Usage: replay_<target> [--ext .et]... PATH... [--any PATH...]
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  std::vector<std::string> exts;
  std::vector<fs::path> files;
  auto wanted = [&](const fs::path& p) {
    if (exts.empty()) return true;
    const std::string name = p.filename().string();
    return std::any_of(exts.begin(), exts.end(), [&](const std::string& e) {
      return name.size() >= e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0;
    });
  };
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--ext" && i + 1 < argc) {
      exts.push_back(argv[++i]);
      continue;
    }
    if (arg == "--any") {  // later directories: every file (regression inputs have no extension)
      exts.clear();
      continue;
    }
    const fs::path p(arg);
    if (fs::is_directory(p)) {
      for (const auto& e : fs::recursive_directory_iterator(p))
        if (e.is_regular_file() && e.path().filename().string()[0] != '.' && wanted(e.path()))
          files.push_back(e.path());
    } else if (fs::is_regular_file(p)) {
      files.push_back(p);  // named explicitly: always replayed
    } else {
      std::fprintf(stderr, "replay: %s: no such file or directory\n", arg.c_str());
      return 2;
    }
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& p : files) {
    std::ifstream in(p, std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", p.c_str(), bytes.size());
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
  std::printf("replay: %zu input(s) ok\n", files.size());
  return 0;
}
