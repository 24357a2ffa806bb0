// Shared by the fuzz targets: the loaders under test take paths (they name the file in every
// message), so each input is written to one scratch file per process and loaded from there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <unistd.h>

namespace tessera::fuzz {

/// Writes `data` to $TMPDIR/tessera-fuzz-<pid>-<tag><ext> (overwriting) and returns the path. The
/// extension matters: the workload loader tells text workloads from .et prefixes by it.
inline std::string write_input(const std::uint8_t* data, std::size_t size, const char* tag,
                               const char* ext) {
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir && *dir ? dir : "/tmp") + "/tessera-fuzz-" +
                     std::to_string(::getpid()) + "-" + tag + ext;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();  // the harness itself is broken, not the code under test
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}

}  // namespace tessera::fuzz
