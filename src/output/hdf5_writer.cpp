// The parallel HDF5 sink (docs/hdf5-layout.md). The only file of Tessera that includes hdf5.h.
//
// Every table is sorted by a key that does not depend on the partition (NPU id, then time; link
// name), and every rank computes the same global row offsets from an all-gather of counts, so
// the file written on 1, 2 or 4 ranks is the same. A rank's rows are then scattered blocks (NPUs
// are placed by the partitioner, not in id order); rather than a hyperslab union of thousands of
// blocks (HDF5 1.10 builds those in quadratic time), the rows are first moved with one
// all-to-all over the transport so that each rank holds one contiguous slice of the dataset, and every dataset is
// written with one collective H5Dwrite of one block per rank.
#include "tessera/output/hdf5_writer.hpp"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstring>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include <hdf5.h>
#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <exception>

#include "tessera/error.hpp"
#include "tessera/output/record_fields.hpp"
#include "tessera/output_file.hpp"
#include "tessera/version.hpp"

namespace tessera::output {
namespace {

// ---- RAII for hid_t: every handle is closed even when a step throws ----

class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer close) : id_(id), close_(close) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& o) noexcept {
    reset();
    id_ = o.id_;
    close_ = o.close_;
    o.id_ = H5I_INVALID_HID;
    return *this;
  }
  ~Handle() { reset(); }
  hid_t get() const { return id_; }
  /// Gives up the id without closing it.
  hid_t release() {
    const hid_t id = id_;
    id_ = H5I_INVALID_HID;
    return id;
  }
  void reset() {
    if (id_ >= 0 && close_ != nullptr) close_(id_);
    id_ = H5I_INVALID_HID;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer close_ = nullptr;
};

/// Throws when an HDF5 call failed. HDF5's own error stack printing is off (see write_hdf5), so
/// this message is what the user sees.
hid_t check(hid_t id, const std::string& what) {
  if (id < 0) throw Error("HDF5 output: " + what + " failed");
  return id;
}
void check_status(herr_t st, const std::string& what) {
  if (st < 0) throw Error("HDF5 output: " + what + " failed");
}

// ---- compound types: the in-memory structs, packed in the file ----

Handle compound(std::size_t size) { return {H5Tcreate(H5T_COMPOUND, size), H5Tclose}; }
void member(const Handle& t, const char* name, std::size_t offset, hid_t type) {
  check_status(H5Tinsert(t.get(), name, offset, type), std::string("compound member ") + name);
}

hid_t native_type(FieldType t) {
  switch (t) {
    case FieldType::kI8: return H5T_NATIVE_INT8;
    case FieldType::kU8: return H5T_NATIVE_UINT8;
    case FieldType::kI32: return H5T_NATIVE_INT32;
    case FieldType::kU32: return H5T_NATIVE_UINT32;
    case FieldType::kI64: return H5T_NATIVE_INT64;
    case FieldType::kU64: return H5T_NATIVE_UINT64;
    case FieldType::kF64: return H5T_NATIVE_DOUBLE;
  }
  return H5T_NATIVE_INT64;
}

/// The in-memory compound type of a record, from its field table (record_fields.hpp).
template <class T>
Handle memory_type() {
  Handle t = compound(sizeof(T));
  for (const Field& f : fields_of<T>()) member(t, f.name, f.offset, native_type(f.type));
  return t;
}

/// The file's copy of a memory type: the same members without the struct's padding.
Handle packed(const Handle& mem) {
  Handle t(check(H5Tcopy(mem.get()), "H5Tcopy"), H5Tclose);
  check_status(H5Tpack(t.get()), "H5Tpack");
  return t;
}

/// Rows [first, first + count) of a dataset that this rank writes.
struct Block {
  hsize_t first = 0;
  hsize_t count = 0;
};

/// Blocks for rows at sorted positions, merging neighbours so a contiguous partition is one block.
std::vector<Block> blocks_of(const std::vector<std::pair<hsize_t, hsize_t>>& first_count) {
  std::vector<Block> out;
  for (const auto& [first, count] : first_count) {
    if (count == 0) continue;
    if (!out.empty() && out.back().first + out.back().count == first)
      out.back().count += count;
    else
      out.push_back({first, count});
  }
  return out;
}

/// Hands the transport's communicator and info to H5Pset_fapl_mpio. Their types are deduced from
/// that function's declaration, so no file outside the transport names an MPI type; the pointers
/// come from Transport::parallel_io() (MpiTransport: its world communicator).
template <class Comm, class Info>
herr_t set_fapl_parallel(herr_t (*set_fapl_mpio)(hid_t, Comm, Info), hid_t fapl, const pdes::ParallelIo& io) {
  return set_fapl_mpio(fapl, *static_cast<const Comm*>(io.communicator), *static_cast<const Info*>(io.info));
}

/// The file: MPI-IO transfer properties and the collective write every dataset goes through.
class File {
 public:
  File(const std::string& path, pdes::Transport& t)
      : transport_(t), rank_(t.rank()), size_(t.size()), uncaught_at_open_(std::uncaught_exceptions()) {
    Handle fapl(check(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate"), H5Pclose);
    xfer_ = Handle(check(H5Pcreate(H5P_DATASET_XFER), "H5Pcreate"), H5Pclose);
    if (const pdes::ParallelIo* io = t.parallel_io()) {
      check_status(set_fapl_parallel(&H5Pset_fapl_mpio, fapl.get(), *io), "H5Pset_fapl_mpio");
      check_status(H5Pset_dxpl_mpio(xfer_.get(), H5FD_MPIO_COLLECTIVE), "H5Pset_dxpl_mpio");
    }
    // The oldest format that has what we use, so h5py of any Debian release reads it.
    check_status(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_LATEST), "libver bounds");
    file_ = Handle(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose);
    if (file_.get() < 0)
      throw Error("cannot create HDF5 output " + path +
                  ": check that the directory exists and is writable (--output)");
  }

  /// After a failure with the file open on several ranks the id is abandoned, not closed: HDF5's
  /// collective close would flush on every rank, and ranks whose writes failed differently take
  /// different paths through it, each waiting for the others forever. write_hdf5 then ends the
  /// job (Hdf5AbandonedError).
  ~File() {
    if (size_ > 1 && std::uncaught_exceptions() > uncaught_at_open_) (void)file_.release();
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  void close() {
    if (file_.get() < 0) return;
    // The id is given up before closing: after a failed H5Fclose (the final flush on a full disk)
    // the file is half closed, and closing it again from the destructor crashed inside HDF5.
    if (H5Fclose(file_.release()) < 0) {
      throw Error("HDF5 output: closing the file failed (its last data could not be written)");
    }
  }

  Handle group(const char* name) {
    return Handle(check(H5Gcreate2(file_.get(), name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                        std::string("creating group ") + name),
                  H5Gclose);
  }

  /// Creates `name` with `rows` x `cols` elements (cols 0 = a 1-D dataset) and writes this
  /// rank's `blocks` of whole rows from `data` (rows in block order). Rows no rank provides are
  /// zero. Collective.
  void write(const char* name, hid_t file_type, hid_t mem_type, hsize_t rows, hsize_t cols,
             const std::vector<Block>& blocks, const void* data) {
    const int rank = cols == 0 ? 1 : 2;
    const hsize_t dims[2] = {rows, cols};
    Handle space(check(H5Screate_simple(rank, dims, nullptr), "H5Screate_simple"), H5Sclose);
    Handle dcpl(check(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate"), H5Pclose);
    // Every row is written below (zeros where no rank has one), so HDF5 need not fill first
    // (parallel HDF5 would otherwise write every dataset twice).
    check_status(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER), "H5Pset_fill_time");
    Handle dset(
        check(H5Dcreate2(file_.get(), name, file_type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
              std::string("creating dataset ") + name),
        H5Dclose);
    if (rows == 0) return;
    const std::size_t row_bytes = H5Tget_size(mem_type) * static_cast<std::size_t>(cols == 0 ? 1 : cols);
    const hsize_t lo = rows * static_cast<hsize_t>(rank_) / static_cast<hsize_t>(size_);
    const hsize_t hi = rows * static_cast<hsize_t>(rank_ + 1) / static_cast<hsize_t>(size_);
    const std::vector<char> slice =
        gather_slice(blocks, static_cast<const char*>(data), row_bytes, rows, lo, hi);

    const hsize_t start[2] = {lo, 0};
    const hsize_t count[2] = {hi - lo, cols == 0 ? 1 : cols};
    if (hi > lo)
      check_status(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr),
                   std::string("selecting rows of ") + name);
    else
      check_status(H5Sselect_none(space.get()), "H5Sselect_none");
    const hsize_t elements = (hi - lo) * (cols == 0 ? 1 : cols);
    const hsize_t mem_dims[1] = {std::max<hsize_t>(elements, 1)};
    Handle mem(check(H5Screate_simple(1, mem_dims, nullptr), "H5Screate_simple"), H5Sclose);
    if (elements == 0) check_status(H5Sselect_none(mem.get()), "H5Sselect_none");
    static const char kEmpty[64] = {};
    check_status(agreed(H5Dwrite(dset.get(), mem_type, mem.get(), space.get(), xfer_.get(),
                                 elements == 0 ? kEmpty : slice.data())),
                 std::string("writing ") + name);
  }

  /// The lowest status of every rank. A collective write can fail on one rank alone (its rows hit
  /// a full disk): that rank must not close the file (collective) while the others go on to the
  /// next dataset's exchange, so every rank learns the failure here and throws at the same step.
  herr_t agreed(herr_t status) const {
    if (size_ == 1) return status;
    const std::int64_t all = transport_.all_reduce_min(std::int64_t{status < 0 ? -1 : 0});
    return all < 0 ? -1 : status;
  }

  /// One piece of rows sent to the rank whose slice holds them.
  struct Piece {
    std::int64_t first = 0;
    std::int64_t count = 0;
  };

  /// Rows [lo, hi) of the dataset, assembled from every rank's blocks (one all-to-all over the
  /// transport). Each rank's buffer to rank q is: piece count, the Pieces, then their rows.
  std::vector<char> gather_slice(const std::vector<Block>& blocks, const char* data, std::size_t row_bytes,
                                 hsize_t rows, hsize_t lo, hsize_t hi) const {
    const auto target_lo = [&](int q) {
      return rows * static_cast<hsize_t>(q) / static_cast<hsize_t>(size_);
    };
    std::vector<std::vector<Piece>> heads(static_cast<std::size_t>(size_));
    std::vector<std::vector<std::pair<const char*, std::size_t>>> parts(static_cast<std::size_t>(size_));
    const char* at = data;
    for (const Block& b : blocks) {
      hsize_t first = b.first, left = b.count;
      while (left > 0) {
        // The rank whose slice holds row `first` (slices are sorted; binary search).
        int qlo = 0, qhi = size_ - 1;
        while (qlo < qhi) {
          const int mid = (qlo + qhi + 1) / 2;
          if (target_lo(mid) <= first)
            qlo = mid;
          else
            qhi = mid - 1;
        }
        const hsize_t end = std::min(first + left, target_lo(qlo + 1));
        const hsize_t n = end - first;
        heads[static_cast<std::size_t>(qlo)].push_back({static_cast<std::int64_t>(first), static_cast<std::int64_t>(n)});
        parts[static_cast<std::size_t>(qlo)].emplace_back(at, n * row_bytes);
        at += n * row_bytes;
        first = end;
        left -= n;
      }
    }
    std::vector<std::vector<std::byte>> streams(static_cast<std::size_t>(size_));
    const auto append = [](std::vector<std::byte>& out, const void* p, std::size_t n) {
      const auto* b = static_cast<const std::byte*>(p);
      out.insert(out.end(), b, b + n);
    };
    for (std::size_t q = 0; q < streams.size(); ++q) {
      std::vector<std::byte>& out = streams[q];
      const std::int64_t pieces = static_cast<std::int64_t>(heads[q].size());
      append(out, &pieces, sizeof pieces);
      append(out, heads[q].data(), heads[q].size() * sizeof(Piece));
      for (const auto& [p, n] : parts[q]) append(out, p, n);
    }
    const pdes::RankBytes received = transport_.all_to_all(streams);
    std::vector<char> slice((hi - lo) * row_bytes, '\0');
    for (int q = 0; q < received.size(); ++q) {
      const char* in = reinterpret_cast<const char*>(received.of(q).data());
      std::int64_t pieces = 0;
      std::memcpy(&pieces, in, sizeof pieces);
      const char* head = in + sizeof pieces;
      const char* rows_at = head + pieces * static_cast<std::int64_t>(sizeof(Piece));
      for (std::int64_t i = 0; i < pieces; ++i) {
        Piece piece;
        std::memcpy(&piece, head + i * static_cast<std::int64_t>(sizeof(Piece)), sizeof piece);
        std::memcpy(slice.data() + (static_cast<hsize_t>(piece.first) - lo) * row_bytes, rows_at,
                    static_cast<std::size_t>(piece.count) * row_bytes);
        rows_at += static_cast<std::size_t>(piece.count) * row_bytes;
      }
    }
    return slice;
  }

  void string_attribute(hid_t obj, const std::string& name, const std::string& value) {
    Handle type(check(H5Tcopy(H5T_C_S1), "H5Tcopy"), H5Tclose);
    check_status(H5Tset_size(type.get(), std::max<std::size_t>(value.size(), 1)), "H5Tset_size");
    check_status(H5Tset_cset(type.get(), H5T_CSET_UTF8), "H5Tset_cset");
    Handle space(check(H5Screate(H5S_SCALAR), "H5Screate"), H5Sclose);
    Handle attr(check(H5Acreate2(obj, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                      "creating attribute " + name),
                H5Aclose);
    const std::string padded = value.empty() ? std::string(1, '\0') : value;
    check_status(H5Awrite(attr.get(), type.get(), padded.data()), "writing attribute " + name);
  }

  void int_attribute(hid_t obj, const std::string& name, std::int64_t value) {
    Handle space(check(H5Screate(H5S_SCALAR), "H5Screate"), H5Sclose);
    Handle attr(check(H5Acreate2(obj, name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                      "creating attribute " + name),
                H5Aclose);
    check_status(H5Awrite(attr.get(), H5T_NATIVE_INT64, &value), "writing attribute " + name);
  }

  hid_t id() const { return file_.get(); }

 private:
  pdes::Transport& transport_;  ///< moves rows between ranks; its parallel_io() opens the file
  int rank_ = 0;
  int size_ = 1;
  int uncaught_at_open_ = 0;  ///< exceptions in flight when the file was opened
  Handle xfer_;
  Handle file_;
};

/// The global string table: every rank's strings, sorted and unique, so indices do not depend
/// on the partition. "" is always index 0.
std::vector<std::string> merge_strings(pdes::Transport& t, const std::vector<std::string>& local) {
  std::set<std::string> all{""};
  for (auto& table : t.all_gather_strings(local))
    for (auto& s : table) all.insert(std::move(s));
  return {all.begin(), all.end()};
}

/// Per-NPU row counts summed over ranks, from this rank's sorted rows.
template <class Row>
std::vector<std::int64_t> npu_counts(pdes::Transport& t, const std::vector<Row>& rows,
                                     std::int32_t num_npus) {
  struct NpuRows {
    std::int64_t npu = 0;
    std::int64_t rows = 0;
  };
  std::vector<NpuRows> mine;
  for (std::size_t i = 0; i < rows.size();) {
    std::size_t j = i;
    while (j < rows.size() && rows[j].npu == rows[i].npu) ++j;
    mine.push_back({rows[i].npu, static_cast<std::int64_t>(j - i)});
    i = j;
  }
  std::vector<std::int64_t> counts(static_cast<std::size_t>(num_npus), 0);
  for (const NpuRows& x : t.all_gather_joined(mine)) counts[static_cast<std::size_t>(x.npu)] += x.rows;
  return counts;
}

/// offsets[n] = first row of NPU n; offsets[num_npus] = total rows.
std::vector<std::int64_t> prefix(const std::vector<std::int64_t>& counts) {
  std::vector<std::int64_t> off(counts.size() + 1, 0);
  std::partial_sum(counts.begin(), counts.end(), off.begin() + 1);
  return off;
}

/// This rank's blocks of a table whose rows are grouped by NPU at `offsets`. Two ranks reporting
/// rows for the same NPU would overlap; that is rejected earlier (see ownership check).
template <class Row>
std::vector<Block> npu_blocks(const std::vector<Row>& rows, const std::vector<std::int64_t>& offsets) {
  std::vector<std::pair<hsize_t, hsize_t>> fc;
  for (std::size_t i = 0; i < rows.size();) {
    std::size_t j = i;
    while (j < rows.size() && rows[j].npu == rows[i].npu) ++j;
    fc.emplace_back(static_cast<hsize_t>(offsets[static_cast<std::size_t>(rows[i].npu)]), j - i);
    i = j;
  }
  return blocks_of(fc);
}

/// The records after validation, with global string indices and in file order.
struct Prepared {
  std::vector<std::string> strings;
  std::vector<NodeInterval> intervals;
  std::vector<CollectiveRecord> collectives;
  std::vector<NpuSummary> npus;
  std::vector<NpuBreakdown> breakdowns;  ///< LLM runs only, by NPU
  std::vector<LinkTotals> links;  ///< one per local link, sorted by name (totals zero if only binned)
  std::vector<std::vector<LinkBin>> bins_of_link;  ///< parallel to links
};

/// Problems in this rank's records, as one message ("" when fine).
std::string validate(const RunRecords& r, std::int32_t num_npus_hint) {
  std::ostringstream err;
  const auto n_strings = r.strings.size();
  auto bad_string = [&](std::uint32_t i) { return i >= n_strings; };
  auto bad_npu = [&](std::int32_t n) { return n < 0 || (num_npus_hint > 0 && n >= num_npus_hint); };
  for (const auto& x : r.intervals) {
    if (bad_npu(x.npu)) {
      err << "interval of node " << x.node_id << " has NPU id " << x.npu << " out of range; ";
      break;
    }
    if (bad_string(x.name) || bad_string(x.algorithm)) {
      err << "interval of node " << x.node_id << " names a string index past the string table; ";
      break;
    }
    if (x.end < x.start) {
      err << "interval of node " << x.node_id << " on NPU " << x.npu << " ends before it starts; ";
      break;
    }
  }
  for (const auto& x : r.collectives) {
    if (bad_npu(x.npu)) {
      err << "collective record of node " << x.node_id << " has NPU id " << x.npu << " out of range; ";
      break;
    }
    if (bad_string(x.algorithm)) {
      err << "collective record of node " << x.node_id << " names a string index past the string table; ";
      break;
    }
  }
  for (const auto& x : r.npus)
    if (bad_npu(x.npu)) {
      err << "NPU summary has NPU id " << x.npu << " out of range; ";
      break;
    }
  for (const auto& x : r.breakdowns)
    if (bad_npu(x.npu)) {
      err << "NPU time breakdown has NPU id " << x.npu << " out of range; ";
      break;
    }
  for (const auto& x : r.links)
    if (bad_string(x.name)) {
      err << "link totals name a string index past the string table; ";
      break;
    }
  for (const auto& x : r.link_bins) {
    if (bad_string(x.name)) {
      err << "link bin names a string index past the string table; ";
      break;
    }
    if (x.bin < 0) {
      err << "link bin has a negative bin number; ";
      break;
    }
    if (r.link_bin_width <= 0) {
      err << "link bins given but link_bin_width is not positive; ";
      break;
    }
  }
  std::string e = err.str();
  if (e.size() >= 2) e.resize(e.size() - 2);  // the last "; "
  return e;
}

Prepared prepare(pdes::Transport& t, const RunRecords& r) {
  Prepared p;
  p.strings = merge_strings(t, r.strings.list());
  std::vector<std::uint32_t> remap(r.strings.size());
  for (std::size_t i = 0; i < r.strings.size(); ++i)
    remap[i] = static_cast<std::uint32_t>(std::lower_bound(p.strings.begin(), p.strings.end(), r.strings[i]) -
                                          p.strings.begin());

  p.intervals = r.intervals;
  for (auto& x : p.intervals) {
    x.name = remap[x.name];
    x.algorithm = remap[x.algorithm];
  }
  std::sort(p.intervals.begin(), p.intervals.end(), [](const NodeInterval& a, const NodeInterval& b) {
    return std::tie(a.npu, a.start, a.end, a.node_id, a.kind) <
           std::tie(b.npu, b.start, b.end, b.node_id, b.kind);
  });
  p.collectives = r.collectives;
  for (auto& x : p.collectives) x.algorithm = remap[x.algorithm];
  std::sort(p.collectives.begin(), p.collectives.end(),
            [](const CollectiveRecord& a, const CollectiveRecord& b) {
              return std::tie(a.npu, a.start, a.end, a.node_id) < std::tie(b.npu, b.start, b.end, b.node_id);
            });
  p.npus = r.npus;
  std::sort(p.npus.begin(), p.npus.end(),
            [](const NpuSummary& a, const NpuSummary& b) { return a.npu < b.npu; });
  p.breakdowns = r.breakdowns;
  std::sort(p.breakdowns.begin(), p.breakdowns.end(),
            [](const NpuBreakdown& a, const NpuBreakdown& b) { return a.npu < b.npu; });

  // Links: the union of names in totals and bins, sorted by (global) name index = by name.
  std::map<std::uint32_t, std::size_t> by_name;
  auto link_of = [&](std::uint32_t global_name) -> std::size_t {
    auto [it, fresh] = by_name.emplace(global_name, p.links.size());
    if (fresh) {
      LinkTotals lt;
      lt.name = global_name;
      p.links.push_back(lt);
      p.bins_of_link.emplace_back();
    }
    return it->second;
  };
  for (const auto& x : r.links) {
    LinkTotals& lt = p.links[link_of(remap[x.name])];
    lt.bytes += x.bytes;
    lt.busy += x.busy;
    lt.max_queue = std::max(lt.max_queue, x.max_queue);
    lt.credit_stall += x.credit_stall;
  }
  for (const auto& x : r.link_bins) {
    LinkBin b = x;
    b.name = remap[x.name];
    p.bins_of_link[link_of(b.name)].push_back(b);
  }
  std::vector<std::size_t> order(p.links.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return p.links[a].name < p.links[b].name; });
  std::vector<LinkTotals> links;
  std::vector<std::vector<LinkBin>> bins;
  for (std::size_t i : order) {
    links.push_back(p.links[i]);
    bins.push_back(std::move(p.bins_of_link[i]));
  }
  p.links = std::move(links);
  p.bins_of_link = std::move(bins);
  return p;
}

/// "" on every rank when every rank's `local_error` is "", else every distinct message (prefixed
/// with the ranks that saw it unless all did), the same on every rank.
std::string agree_on_errors(pdes::Transport& t, const std::string& local_error) {
  const auto errors = t.all_gather(local_error);
  std::vector<std::pair<std::string, std::vector<std::size_t>>> distinct;
  for (std::size_t r = 0; r < errors.size(); ++r) {
    if (errors[r].empty()) continue;
    auto it =
        std::find_if(distinct.begin(), distinct.end(), [&](const auto& d) { return d.first == errors[r]; });
    if (it == distinct.end())
      distinct.push_back({errors[r], {r}});
    else
      it->second.push_back(r);
  }
  std::string all;
  for (const auto& [message, ranks] : distinct) {
    if (!all.empty()) all += "; ";
    if (ranks.size() != errors.size()) {
      all += ranks.size() == 1 ? "rank " : "ranks ";
      for (std::size_t i = 0; i < ranks.size(); ++i) all += (i ? "," : "") + std::to_string(ranks[i]);
      all += ": ";
    }
    all += message;
  }
  return all;
}

/// NPUs whose rows of one table come from more than one rank (they would overwrite each other).
/// Different tables may come from different ranks: e.g. rank 0 holds every NPU's summary after a
/// gather while each rank holds its own NPUs' intervals.
std::string ownership_errors(pdes::Transport& t, const Prepared& p) {
  const auto npus_of = [](const auto& rows) {
    std::set<std::int64_t> s;
    for (const auto& x : rows) s.insert(x.npu);
    return std::vector<std::int64_t>(s.begin(), s.end());
  };
  const std::vector<std::pair<const char*, std::vector<std::int64_t>>> tables = {
      {"intervals", npus_of(p.intervals)},
      {"collective records", npus_of(p.collectives)},
      {"summaries", npus_of(p.npus)}};
  for (const auto& [what, mine] : tables) {
    std::map<std::int64_t, int> owners;
    for (const std::vector<std::int64_t>& of_rank : t.all_gather_records(mine))
      for (std::int64_t n : of_rank) ++owners[n];
    for (const auto& [npu, n] : owners)
      if (n > 1)
        return "NPU " + std::to_string(npu) + " has " + what + " on " + std::to_string(n) +
               " ranks; each NPU's rows of a table must come from one rank";
  }
  return "";
}

/// Refuses, on every rank alike, to start a file its file system has no room for: parallel
/// HDF5 does not fail collectively when the disk fills while the file is open (one rank takes an
/// error path the others wait in), so rank 0 first claims `bytes` (an upper bound of the file)
/// with fallocate on a sibling file and frees it just before HDF5 creates the file. A refusal
/// (no space, a quota, a file-size limit) is agreed before anyone opens the file. File systems
/// without fallocate are checked by their free space instead.
void reserve_space(pdes::Transport& t, const std::string& tmp, std::int64_t bytes) {
  std::string failure;
  if (t.rank() == 0) {
    const std::string reserve = tmp + ".reserve";
    const int fd = ::open(reserve.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    int err = fd < 0 ? errno : 0;
    bool checked = false;
    if (fd >= 0) {
      err = ::fallocate(fd, 0, 0, static_cast<off_t>(bytes)) == 0 ? 0 : errno;
      checked = err != EOPNOTSUPP && err != ENOSYS;
      ::close(fd);
      ::unlink(reserve.c_str());
    }
    if (!checked) {
      // No fallocate here (or the sibling could not be made): the free space must do.
      const std::size_t slash = tmp.find_last_of('/');
      const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : tmp.substr(0, slash);
      struct statvfs fs {};
      err = ::statvfs(dir.c_str(), &fs) == 0 &&
                    static_cast<std::int64_t>(fs.f_bavail) * static_cast<std::int64_t>(fs.f_frsize) < bytes
                ? ENOSPC
                : 0;
    }
    if (err != 0) {
      char text[512];
      std::snprintf(text, sizeof text,
                    "HDF5 output: the file needs up to %.2f MiB, more than its file system gives: %s; free some "
                    "space, or give --output a path on another file system",
                    static_cast<double>(bytes) / (1 << 20), std::strerror(err));
      failure = text;
    }
  }
  // Rank 0's finding, on every rank alike.
  if (const std::string all = t.all_gather(failure).at(0); !all.empty()) throw Error(all);
}

// partial (0/1) and sim_time_reached_ps, written on every file so that a reader can tell a run
// stopped by a signal or a limit from a complete one without knowing the writer's version.
void write_completion_marker(File& f, pdes::Transport& t, const RunRecords& local, std::int64_t end_time) {
  const std::int64_t partial = t.all_reduce_max(std::int64_t{local.partial ? 1 : 0});
  const std::int64_t reached = t.all_reduce_max(partial ? local.reached : end_time);
  f.int_attribute(f.id(), "partial", partial);
  f.int_attribute(f.id(), "sim_time_reached_ps", reached);
}

void write_file(const std::string& tmp, const Prepared& p, const RunRecords& local, const Hdf5Context& ctx,
                std::int32_t num_npus, bool& opened) {
  pdes::Transport& t = ctx.transport;
  const std::vector<std::int64_t> interval_off = prefix(npu_counts(t, p.intervals, num_npus));
  const std::vector<std::int64_t> collective_off = prefix(npu_counts(t, p.collectives, num_npus));

  // Links: global order by name; each rank learns the position of its own links.
  std::vector<std::int64_t> my_names;
  for (const auto& l : p.links) my_names.push_back(l.name);
  std::vector<std::int64_t> all_names = t.all_gather_joined(my_names);
  std::sort(all_names.begin(), all_names.end());
  const std::int64_t num_links = static_cast<std::int64_t>(all_names.size());
  std::vector<std::pair<hsize_t, hsize_t>> link_rows;
  for (std::int64_t n : my_names)
    link_rows.emplace_back(std::lower_bound(all_names.begin(), all_names.end(), n) - all_names.begin(), 1);
  const std::vector<Block> link_blocks = blocks_of(link_rows);

  std::int64_t local_bins = 0, local_end = 0;
  for (const auto& v : p.bins_of_link)
    for (const auto& b : v) local_bins = std::max<std::int64_t>(local_bins, b.bin + 1);
  for (const auto& x : p.intervals) local_end = std::max(local_end, x.end);
  for (const auto& x : p.npus) local_end = std::max(local_end, x.finish);
  const std::int64_t end_time = t.all_reduce_max(local_end);
  const std::int64_t bin_width = t.all_reduce_max(local.link_bin_width);
  std::int64_t num_bins = t.all_reduce_max(local_bins);
  if (bin_width > 0) num_bins = std::max(num_bins, (end_time + bin_width - 1) / bin_width);

  // Run-level attributes: rank 0's list, so that every rank writes the same metadata.
  std::vector<std::string> flat;
  for (const auto& [k, v] : local.attributes) {
    flat.push_back(k);
    flat.push_back(v);
  }
  const std::vector<std::string> run_attrs = t.all_gather_strings(flat).at(0);

  const Handle it_mem = memory_type<NodeInterval>(), ct_mem = memory_type<CollectiveRecord>(),
               ns_mem = memory_type<NpuSummary>(), lt_mem = memory_type<LinkTotals>();
  const Handle it_file = packed(it_mem), ct_file = packed(ct_mem), ns_file = packed(ns_mem),
               lt_file = packed(lt_mem);
  const Handle nb_size = packed(memory_type<NpuBreakdown>());  // npu/breakdown's rows, LLM runs
  {
    // An upper bound of the file: the datasets at their packed sizes (the link series dense),
    // the string table at its fixed width, and 64 KiB plus 1 KiB per attribute for HDF5's own
    // structures (superblock, a dozen object headers, the attributes, the heaps).
    std::size_t width = 1, attr_bytes = 0;
    for (const auto& x : p.strings) width = std::max(width, x.size());
    for (const auto& x : run_attrs) attr_bytes += x.size() + 1024;
    const auto rows = [](std::int64_t n, const Handle& file_type) {
      return n * static_cast<std::int64_t>(H5Tget_size(file_type.get()));
    };
    const std::int64_t bound = rows(interval_off.back(), it_file) + rows(collective_off.back(), ct_file) +
                               rows(num_npus, ns_file) + rows(num_npus, nb_size) + rows(num_links, lt_file) +
                               8 * static_cast<std::int64_t>(interval_off.size() + collective_off.size()) +
                               static_cast<std::int64_t>(p.strings.size() * width) +
                               (bin_width > 0 ? 16 * num_links * num_bins : 0) +
                               static_cast<std::int64_t>(attr_bytes) + (64 << 10);
    reserve_space(t, tmp, bound);
  }
  File f(tmp, t);
  opened = true;
  const bool root = t.rank() == 0;
  auto whole = [&](hsize_t rows) { return root ? std::vector<Block>{{0, rows}} : std::vector<Block>{}; };

  // Root attributes (metadata writes are collective: every rank writes the same values).
  f.string_attribute(f.id(), "format", "tessera-timeline");
  f.int_attribute(f.id(), "format_version", kHdf5FormatVersion);
  f.string_attribute(f.id(), "tessera_version", kVersion);
  unsigned maj = 0, min = 0, rel = 0;
  H5get_libversion(&maj, &min, &rel);
  f.string_attribute(f.id(), "hdf5_version",
                     std::to_string(maj) + "." + std::to_string(min) + "." + std::to_string(rel));
  f.int_attribute(f.id(), "num_npus", num_npus);
  f.int_attribute(f.id(), "end_time_ps", end_time);
  f.int_attribute(f.id(), "link_bin_width_ps", bin_width);
  f.string_attribute(
      f.id(), "interval_kinds",
      R"({"1":"metadata","2":"mem_load","3":"mem_store","4":"compute","5":"send","6":"recv","7":"collective"})");
  f.string_attribute(
      f.id(), "collective_types",
      R"({"0":"all_reduce","1":"reduce","2":"all_gather","3":"gather","4":"scatter","5":"broadcast",)"
      R"("6":"all_to_all","7":"reduce_scatter","8":"reduce_scatter_block","9":"barrier"})");
  write_completion_marker(f, t, local, end_time);
  for (std::size_t i = 0; i + 1 < run_attrs.size(); i += 2) {
    static const std::set<std::string> reserved{
        "format",      "format_version",    "tessera_version", "hdf5_version",    "num_npus",
        "end_time_ps", "link_bin_width_ps", "interval_kinds",  "collective_types", "partial",
        "sim_time_reached_ps"};
    const std::string key = reserved.count(run_attrs[i]) ? "run_" + run_attrs[i] : run_attrs[i];
    f.string_attribute(f.id(), key, run_attrs[i + 1]);
  }

  // /strings: fixed-length, NUL-padded (variable-length strings cannot be written in parallel).
  {
    std::size_t width = 1;
    for (const auto& s : p.strings) width = std::max(width, s.size());
    std::vector<char> buf(p.strings.size() * width, '\0');
    for (std::size_t i = 0; i < p.strings.size(); ++i)
      std::memcpy(buf.data() + i * width, p.strings[i].data(), p.strings[i].size());
    Handle type(check(H5Tcopy(H5T_C_S1), "H5Tcopy"), H5Tclose);
    check_status(H5Tset_size(type.get(), width), "H5Tset_size");
    check_status(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), "H5Tset_strpad");
    check_status(H5Tset_cset(type.get(), H5T_CSET_UTF8), "H5Tset_cset");
    f.write("strings", type.get(), type.get(), p.strings.size(), 0, whole(p.strings.size()), buf.data());
  }

  Handle g_npu = f.group("npu");
  Handle g_index = f.group("index");
  Handle g_links = f.group("links");

  f.write("npu/intervals", it_file.get(), it_mem.get(), interval_off.back(), 0,
          npu_blocks(p.intervals, interval_off), p.intervals.data());
  f.write("index/intervals", H5T_STD_I64LE, H5T_NATIVE_INT64, interval_off.size(), 0,
          whole(interval_off.size()), interval_off.data());
  f.write("collectives", ct_file.get(), ct_mem.get(), collective_off.back(), 0,
          npu_blocks(p.collectives, collective_off), p.collectives.data());
  f.write("index/collectives", H5T_STD_I64LE, H5T_NATIVE_INT64, collective_off.size(), 0,
          whole(collective_off.size()), collective_off.data());

  // One summary row per NPU, row n = NPU n.
  {
    std::vector<std::pair<hsize_t, hsize_t>> rows;
    for (const auto& x : p.npus) rows.emplace_back(static_cast<hsize_t>(x.npu), 1);
    f.write("npu/summary", ns_file.get(), ns_mem.get(), static_cast<hsize_t>(num_npus), 0, blocks_of(rows),
            p.npus.data());
    // NPUs without a summary read as zero rows.
  }
  // LLM runs: where each NPU's time went (docs/hdf5-layout.md), row n = NPU n; every rank learns
  // whether any rank has rows, since creating a dataset is collective.
  if (t.all_reduce_max(static_cast<std::int64_t>(p.breakdowns.size())) > 0) {
    const Handle nb_mem = memory_type<NpuBreakdown>(), nb_file = packed(nb_mem);
    std::vector<std::pair<hsize_t, hsize_t>> rows;
    for (const auto& x : p.breakdowns) rows.emplace_back(static_cast<hsize_t>(x.npu), 1);
    f.write("npu/breakdown", nb_file.get(), nb_mem.get(), static_cast<hsize_t>(num_npus), 0, blocks_of(rows),
            p.breakdowns.data());
  }

  f.write("links/totals", lt_file.get(), lt_mem.get(), static_cast<hsize_t>(num_links), 0, link_blocks,
          p.links.data());
  if (bin_width > 0 && num_bins > 0) {
    const std::size_t nb = static_cast<std::size_t>(num_bins);
    std::vector<std::int64_t> bytes(p.links.size() * nb, 0);
    std::vector<double> busy(p.links.size() * nb, 0.0);
    for (std::size_t l = 0; l < p.links.size(); ++l)
      for (const auto& b : p.bins_of_link[l]) {
        bytes[l * nb + static_cast<std::size_t>(b.bin)] += b.bytes;
        busy[l * nb + static_cast<std::size_t>(b.bin)] +=
            static_cast<double>(b.busy) / static_cast<double>(bin_width);
      }
    f.write("links/bytes", H5T_STD_I64LE, H5T_NATIVE_INT64, static_cast<hsize_t>(num_links), nb, link_blocks,
            bytes.data());
    f.write("links/busy_fraction", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, static_cast<hsize_t>(num_links), nb,
            link_blocks, busy.data());
  }
  g_npu.reset();
  g_index.reset();
  g_links.reset();
  f.close();
}

/// A failed write, naming the file and what is left of it (HDF5 keeps no system error code).
std::string fmt_failure(const std::string& path, const std::string& what) {
  return "--output " + path + ": " + what +
         " (a full disk or an unwritable file system; any previous " + path + " is unchanged)";
}

}  // namespace

void write_hdf5(const std::string& path, const RunRecords& local, const Hdf5Context& ctx) {
  pdes::Transport& t = ctx.transport;
  if (t.parallel_io() == nullptr && t.size() != 1)
    throw Error("HDF5 output on " + std::to_string(t.size()) +
                " ranks needs a transport with parallel I/O (MpiTransport); in-process (loopback) ranks "
                "cannot share one parallel HDF5 file");
  // No HDF5 clean-up at exit: after a failed write (a full disk) H5Fclose fails and leaves the
  // file half closed, and the library's exit handler then crashes closing it again. Every file
  // this writer opens is closed (or abandoned after an error) before it returns, so there is
  // nothing for that handler to do. Must precede every other HDF5 call; a no-op after the first.
  H5dont_atexit();
  // HDF5 prints its error stack on failures by default; our messages say what failed instead.
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);

  if (const std::string e = agree_on_errors(t, validate(local, ctx.num_npus)); !e.empty())
    throw Error("HDF5 output " + path + ": inconsistent records: " + e, ExitCode::kBadInput);

  std::int64_t max_npu = -1;
  for (const auto& x : local.intervals) max_npu = std::max<std::int64_t>(max_npu, x.npu);
  for (const auto& x : local.collectives) max_npu = std::max<std::int64_t>(max_npu, x.npu);
  for (const auto& x : local.npus) max_npu = std::max<std::int64_t>(max_npu, x.npu);
  const std::int32_t num_npus =
      ctx.num_npus > 0 ? ctx.num_npus : static_cast<std::int32_t>(t.all_reduce_max(max_npu) + 1);

  const Prepared p = prepare(t, local);
  if (const std::string e = agree_on_errors(t, ownership_errors(t, p)); !e.empty())
    throw Error("HDF5 output " + path + ": inconsistent records: " + e, ExitCode::kBadInput);

  // Written through the output-file rules (tessera/output_file.hpp): a temporary with one name on
  // every rank (parallel HDF5 creates the file collectively), made by rank 0, renamed at the end.
  const std::int64_t tag = t.all_reduce_max(random_tag());
  std::string failure;
  std::optional<OutputFile> out;
  try {
    out.emplace(resolve_output(path, "--output", true), std::to_string(tag), t.rank() == 0);
  } catch (const InputError& e) {
    failure = e.diagnostics().front().str();
  } catch (const Error& e) {
    failure = e.what();
  }
  std::string all = agree_on_errors(t, failure);
  if (!all.empty()) throw Error(all);
  bool opened = false;
  try {
    write_file(out->path(), p, local, ctx, num_npus, opened);
  } catch (const Error& e) {
    // The dataset writes agree on their status (File::agreed), so every rank is here together.
    failure = fmt_failure(path, e.what());
  }
  all = agree_on_errors(t, failure);
  // The file was open on several ranks when it failed and is abandoned (File::~File); rank 0's
  // OutputFile removes the temporary as this unwinds.
  if (!all.empty() && opened && t.size() > 1) throw Hdf5AbandonedError(all);
  if (all.empty() && t.rank() == 0) {
    try {
      out->commit();
    } catch (const Error& e) {
      failure = e.what();
    }
  }
  if (all.empty()) all = agree_on_errors(t, failure);
  // On failure rank 0's OutputFile removes the temporary (and nothing else).
  if (!all.empty()) throw Error(all);
}

}  // namespace tessera::output
