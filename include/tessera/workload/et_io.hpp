// Streaming reader and writer of Chakra .et files: a varint-delimited GlobalMetadata followed by
// varint-delimited Nodes (docs/workload.md, "File framing"). The reader holds one node at a time,
// so tools can scan traces of any size; the writer follows Chakra's byte layout exactly.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tessera/workload/et.hpp"

namespace tessera::workload {

/// Reads one .et file record by record. Gzip-compressed files are recognised and inflated.
/// Every problem (missing file, truncation, garbage, pre-2023 schema) throws InputError naming the
/// file, the byte offset and the node index.
class EtReader {
 public:
  /// Opens `path` and reads its GlobalMetadata.
  explicit EtReader(const std::string& path);
  ~EtReader();
  EtReader(const EtReader&) = delete;
  EtReader& operator=(const EtReader&) = delete;

  const EtGlobalMetadata& metadata() const;
  /// Reads the next node into `node` (reusing its capacity); false at a clean end of file.
  bool next(EtNode& node);
  /// Nodes returned so far.
  std::uint64_t nodes_read() const;
  /// Bytes consumed so far (of the decompressed stream for gzip input).
  std::uint64_t offset() const;
  const std::string& path() const;
  /// True if the file is gzip-compressed.
  bool compressed() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Writes one .et file: the GlobalMetadata at construction, then one record per write().
/// Throws Error if the file cannot be written, and on a node that would serialize to zero bytes
/// (Chakra's Python tools would read it as end of file).
class EtWriter {
 public:
  EtWriter(const std::string& path, const EtGlobalMetadata& metadata);
  ~EtWriter();
  EtWriter(const EtWriter&) = delete;
  EtWriter& operator=(const EtWriter&) = delete;

  void write(const EtNode& node);
  /// Flushes and closes; throws on an I/O error. The destructor closes silently.
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Reads every record of `path` and writes them to `out_path` (the round-trip used by tests and
/// by `tessera trace` to normalise files). Returns the number of nodes.
std::uint64_t copy_trace_file(const std::string& path, const std::string& out_path);

}  // namespace tessera::workload
