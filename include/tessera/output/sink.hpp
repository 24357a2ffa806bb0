// Where a run's records go. Every output (console report, JSON summary, HDF5 timeline) is a
// RecordSink that reads the one RunRecords of the run (records.hpp) and the run's facts
// (RunReport); none keeps a copy of the rows.
#pragma once

#include <cstdio>
#include <string>

#include "tessera/output/hdf5_writer.hpp"
#include "tessera/output_file.hpp"
#include "tessera/output/records.hpp"
#include "tessera/output/summary.hpp"

namespace tessera::output {

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  /// Called on every rank with that rank's records, every sink in the same order on every rank:
  /// a sink that writes one file from all ranks (HDF5) is collective, and the sinks that print
  /// what rank 0 gathered (records.npus, records.collectives) do nothing on the other ranks.
  /// Throws tessera::Error when the output cannot be written.
  virtual void write(const RunRecords& records, const RunReport& run) = 0;
};

/// The console report on rank 0: the summary table or ASTRA-sim's per-NPU lines, flushed.
class TextReportSink final : public RecordSink {
 public:
  enum class Format { kSummary, kAstraSim };
  TextReportSink(std::FILE* out, Format format, int rank) : out_(out), format_(format), rank_(rank) {}
  void write(const RunRecords& records, const RunReport& run) override;
  /// Bytes the last write() printed (0 on ranks other than 0).
  std::size_t bytes_written() const { return bytes_; }

 private:
  std::FILE* out_;
  Format format_;
  int rank_;
  std::size_t bytes_ = 0;
};

/// The JSON summary (`--summary-json`) on rank 0, written by the output-file rules
/// (write_output_file: a regular file atomically, a device or stream in place).
class SummaryJsonSink final : public RecordSink {
 public:
  SummaryJsonSink(OutputTarget target, int rank) : target_(std::move(target)), rank_(rank) {}
  void write(const RunRecords& records, const RunReport& run) override;

 private:
  OutputTarget target_;
  int rank_;
};

/// The HDF5 timeline (`--output`, docs/hdf5-layout.md): write_hdf5 on every rank.
class Hdf5Sink final : public RecordSink {
 public:
  Hdf5Sink(std::string path, const Hdf5Context& ctx) : path_(std::move(path)), ctx_(ctx) {}
  void write(const RunRecords& records, const RunReport&) override { write_hdf5(path_, records, ctx_); }

 private:
  std::string path_;
  Hdf5Context ctx_;
};

}  // namespace tessera::output
