// The HDF5 sink: every rank writes its own NPUs' and links' rows into one file, collectively
// through parallel HDF5 (MPI-IO on the transport's ParallelIo handle). The layout is in
// docs/hdf5-layout.md. This header names no HDF5 or MPI type; only src/output/hdf5_writer.cpp
// includes hdf5.h, and no output file calls MPI or includes its header.
#pragma once

#include <string>

#include "tessera/error.hpp"
#include "tessera/output/records.hpp"
#include "tessera/pdes/transport.hpp"

namespace tessera::output {

/// Version of the file layout, stored as the root attribute "format_version". Bump it when a
/// reader written for the old layout would misread the new one.
inline constexpr int kHdf5FormatVersion = 1;

/// How this rank takes part in the write.
struct Hdf5Context {
  /// Agreement between ranks (string tables, row counts, errors) and the moving of rows go
  /// through the engine's transport; every rank must call write_hdf5 with the same path. The file
  /// is opened with its parallel_io() handle (MPI-IO); a transport without one (loopback) writes
  /// serially and must have one rank.
  pdes::Transport& transport;
  /// NPUs in the run; 0 = one more than the largest NPU id any rank reports.
  std::int32_t num_npus = 0;
};

/// Writes `local` (this rank's rows) into `path`. Collective: every rank calls it. The file is
/// written by the output-file rules (tessera/output_file.hpp): as a temporary
/// `path.partial.<tag>` next to it, renamed to `path` only when every rank succeeded, so a failed
/// run never leaves a file that looks complete and never removes anything it did not create;
/// `path` must be a regular (or new) file. The content does not depend on how NPUs
/// are spread over ranks. Throws tessera::Error (on every rank) when writing fails, and
/// tessera::Error with ExitCode::kBadInput when the records are inconsistent (a string index out
/// of range, an NPU id out of range, one link reported by two ranks).
///
/// Before the file is opened, rank 0 reserves an upper bound of its size on the file system
/// (fallocate of a sibling file, freed just before HDF5 creates the file), so a disk too full for
/// the file is refused on every rank before the first byte: parallel HDF5 does not fail
/// collectively once it has the file open (one rank takes an error path the others wait in).
/// Should a parallel write still fail after that (another process filled the disk), the file is
/// abandoned unclosed and Hdf5AbandonedError is thrown on every rank: the library then holds
/// collective state that no rank can release, so the job must end without finalizing MPI (the transport aborts it).
void write_hdf5(const std::string& path, const RunRecords& local, const Hdf5Context& ctx);

/// A parallel write failed with the file open: every rank throws it with the same message, and
/// the caller ends the job (MpiEnvironment::abort) once the message is out, because closing the
/// file or finalizing MPI would wait forever in HDF5.
class Hdf5AbandonedError : public Error {
 public:
  using Error::Error;
};

/// The start of the suffix of the temporary file write_hdf5 writes before renaming (a unique
/// tag follows).
inline constexpr const char* kHdf5PartialSuffix = ".partial.";

}  // namespace tessera::output
