// The one way a whole input file (scenario and ASTRA-sim YAML, JSON, text workloads) is read: it
// must be a regular file of bounded size. A FIFO given by mistake is refused instead of blocking
// forever, /dev/zero instead of read until memory runs out, and a directory with a clear message.
#pragma once

#include <cstdint>
#include <string>

namespace tessera {

/// Largest configuration or text-workload file read (64 MiB; the largest shipped input is a few
/// hundred KiB, and a comm-group JSON for 100,000 NPUs is under 1 MiB).
inline constexpr std::int64_t kMaxInputFileBytes = std::int64_t{64} << 20;

/// Deepest nesting of an input document (YAML, JSON): configuration inputs are a few levels deep,
/// and the readers' conversions recurse once per level.
inline constexpr int kMaxInputDepth = 64;

/// Reads `path` whole. Throws InputError naming the file: `open_message` (with `open_fix`) when it
/// does not exist or cannot be opened; "not a regular file" for a directory, FIFO, device or
/// socket; "too large" above `max_bytes`. Opened with O_NONBLOCK, so the check happens before any
/// read can block.
std::string read_input_file(const std::string& path, const std::string& open_message, const std::string& open_fix,
                            std::int64_t max_bytes = kMaxInputFileBytes);

}  // namespace tessera
