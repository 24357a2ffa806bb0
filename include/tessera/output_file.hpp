// The one way Tessera writes an output file (summary JSON, HDF5 timelines, converted and
// generated traces). The rules, so that nothing of the user's is destroyed:
//  - symlinks are followed: the file written is the one the link points to, the link stays;
//  - a regular (or new) file is written atomically: into a temporary created next to it with a
//    name no other run uses (O_EXCL), renamed over it only when complete. A run that fails or is
//    killed leaves the old file as it was; two runs writing one file each leave a complete file;
//  - anything else (a device such as /dev/null or /dev/full, /dev/stdout, a FIFO) is written in
//    place: it is never replaced by a regular file;
//  - only the temporary this run created is ever removed;
//  - a folder that does not exist, a directory as the target, or one file named by two outputs is
//    an input error found before the simulation (resolve_output, check_distinct_outputs).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tessera {

/// An output path as checked before the run.
struct OutputTarget {
  std::string given;     ///< the path as the user wrote it
  std::string flag;      ///< the flag or key that named it ("--summary-json"), for messages
  std::string resolved;  ///< absolute, symlinks resolved: the file the bytes go to
  bool regular = true;   ///< a regular or new file (atomic write); false: a device, FIFO or socket
};

/// Checks and resolves an output path. Throws InputError naming `flag` when the path is empty, is
/// a directory, lies in a folder that does not exist or cannot be written, or (with
/// `needs_regular_file`, for formats that seek, such as HDF5) is not a regular file.
OutputTarget resolve_output(const std::string& path, const std::string& flag, bool needs_regular_file = false);

/// Throws InputError when two targets are the same file (after resolving symlinks and "..").
void check_distinct_outputs(const std::vector<OutputTarget>& targets);

/// 63 random bits (non-negative), e.g. for ranks to agree on one temporary name by a max-reduction.
std::int64_t random_tag();

/// A unique part for temporary names: the process id and random_tag(), in hex.
std::string unique_suffix();

/// One output being written. For a regular target, path() is a fresh temporary next to it and
/// commit() renames it over the target; for another kind, path() is the target and commit() does
/// nothing. Destroyed without commit(), it removes the temporary it created, and nothing else.
class OutputFile {
 public:
  /// `suffix` makes the temporary's name ("" = unique_suffix()); processes writing one file
  /// together (parallel HDF5) pass the same suffix, and only one of them `create`s it.
  explicit OutputFile(OutputTarget target, std::string suffix = "", bool create = true);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  /// Where to write.
  const std::string& path() const { return path_; }
  const OutputTarget& target() const { return target_; }
  /// Puts the written file in place (throws Error when the rename fails).
  void commit();

 private:
  OutputTarget target_;
  std::string path_;
  bool created_ = false;
  bool committed_ = false;
};

/// Writes `bytes` to the target by the rules above. Throws Error naming the file (with the
/// system's reason, e.g. "No space left on device") when it cannot; the target is then unchanged
/// (regular files) or holds what was written before the failure (devices).
void write_output_file(const OutputTarget& target, std::string_view bytes);

}  // namespace tessera
