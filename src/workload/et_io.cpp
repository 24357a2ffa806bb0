// The only translation unit that includes the generated protobuf code: converts between
// ChakraProtoMsg messages and the plain EtNode/EtGlobalMetadata, and does the file framing.
#include "tessera/workload/et_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/gzip_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/unknown_field_set.h>

#include "et_def.pb.h"
#include "tessera/error.hpp"
#include "tessera/output_file.hpp"

namespace tessera::workload {
namespace pb = ChakraProtoMsg;
namespace gpio = google::protobuf::io;

namespace {

// A record longer than this is not a plausible node or metadata: the length prefix is garbage.
constexpr std::uint64_t kMaxRecordBytes = 1ULL << 30;

template <typename List>
void ints_from(const List& list, std::vector<std::uint64_t>& out, bool is_signed) {
  out.clear();
  out.reserve(list.values_size());
  for (auto v : list.values()) {
    out.push_back(is_signed ? static_cast<std::uint64_t>(static_cast<std::int64_t>(v))
                            : static_cast<std::uint64_t>(v));
  }
}

void attr_from_pb(const pb::AttributeProto& p, EtAttribute& a) {
  a.name = p.name();
  a.doc_string = p.doc_string();
  a.kind = static_cast<AttrKind>(p.value_case());
  a.bits = 0;
  a.real = 0;
  a.text.clear();
  a.ints.clear();
  a.reals.clear();
  a.texts.clear();
  using P = pb::AttributeProto;
  switch (p.value_case()) {
    case P::kDoubleVal: a.real = p.double_val(); break;
    case P::kDoubleList: a.reals.assign(p.double_list().values().begin(), p.double_list().values().end()); break;
    case P::kFloatVal: a.real = p.float_val(); break;
    case P::kFloatList: a.reals.assign(p.float_list().values().begin(), p.float_list().values().end()); break;
    case P::kInt32Val: a.bits = static_cast<std::uint64_t>(static_cast<std::int64_t>(p.int32_val())); break;
    case P::kInt32List: ints_from(p.int32_list(), a.ints, true); break;
    case P::kInt64Val: a.bits = static_cast<std::uint64_t>(p.int64_val()); break;
    case P::kInt64List: ints_from(p.int64_list(), a.ints, true); break;
    case P::kUint32Val: a.bits = p.uint32_val(); break;
    case P::kUint32List: ints_from(p.uint32_list(), a.ints, false); break;
    case P::kUint64Val: a.bits = p.uint64_val(); break;
    case P::kUint64List: ints_from(p.uint64_list(), a.ints, false); break;
    case P::kSint32Val: a.bits = static_cast<std::uint64_t>(static_cast<std::int64_t>(p.sint32_val())); break;
    case P::kSint32List: ints_from(p.sint32_list(), a.ints, true); break;
    case P::kSint64Val: a.bits = static_cast<std::uint64_t>(p.sint64_val()); break;
    case P::kSint64List: ints_from(p.sint64_list(), a.ints, true); break;
    case P::kFixed32Val: a.bits = p.fixed32_val(); break;
    case P::kFixed32List: ints_from(p.fixed32_list(), a.ints, false); break;
    case P::kFixed64Val: a.bits = p.fixed64_val(); break;
    case P::kFixed64List: ints_from(p.fixed64_list(), a.ints, false); break;
    case P::kSfixed32Val: a.bits = static_cast<std::uint64_t>(static_cast<std::int64_t>(p.sfixed32_val())); break;
    case P::kSfixed32List: ints_from(p.sfixed32_list(), a.ints, true); break;
    case P::kSfixed64Val: a.bits = static_cast<std::uint64_t>(p.sfixed64_val()); break;
    case P::kSfixed64List: ints_from(p.sfixed64_list(), a.ints, true); break;
    case P::kBoolVal: a.bits = p.bool_val() ? 1 : 0; break;
    case P::kBoolList: ints_from(p.bool_list(), a.ints, false); break;
    case P::kStringVal: a.text = p.string_val(); break;
    case P::kStringList: a.texts.assign(p.string_list().values().begin(), p.string_list().values().end()); break;
    case P::kBytesVal: a.text = p.bytes_val(); break;
    case P::kBytesList: a.texts.assign(p.bytes_list().values().begin(), p.bytes_list().values().end()); break;
    case P::VALUE_NOT_SET: break;
  }
}

template <typename T, typename List>
void ints_to(const std::vector<std::uint64_t>& in, List* list) {
  for (auto v : in) list->add_values(static_cast<T>(v));
}

void attr_to_pb(const EtAttribute& a, pb::AttributeProto& p) {
  p.set_name(a.name);
  if (!a.doc_string.empty()) p.set_doc_string(a.doc_string);
  // Each case sets the oneof member even when it holds the default, as Chakra's writers do
  // (bool_val=false is written as `d8 01 00`).
  switch (a.kind) {
    case AttrKind::kNone: break;
    case AttrKind::kDouble: p.set_double_val(a.real); break;
    case AttrKind::kDoubleList: { auto* l = p.mutable_double_list(); for (double d : a.reals) l->add_values(d); break; }
    case AttrKind::kFloat: p.set_float_val(static_cast<float>(a.real)); break;
    case AttrKind::kFloatList: { auto* l = p.mutable_float_list(); for (double d : a.reals) l->add_values(static_cast<float>(d)); break; }
    case AttrKind::kInt32: p.set_int32_val(static_cast<std::int32_t>(a.bits)); break;
    case AttrKind::kInt32List: ints_to<std::int32_t>(a.ints, p.mutable_int32_list()); break;
    case AttrKind::kInt64: p.set_int64_val(static_cast<std::int64_t>(a.bits)); break;
    case AttrKind::kInt64List: ints_to<std::int64_t>(a.ints, p.mutable_int64_list()); break;
    case AttrKind::kUint32: p.set_uint32_val(static_cast<std::uint32_t>(a.bits)); break;
    case AttrKind::kUint32List: ints_to<std::uint32_t>(a.ints, p.mutable_uint32_list()); break;
    case AttrKind::kUint64: p.set_uint64_val(a.bits); break;
    case AttrKind::kUint64List: ints_to<std::uint64_t>(a.ints, p.mutable_uint64_list()); break;
    case AttrKind::kSint32: p.set_sint32_val(static_cast<std::int32_t>(a.bits)); break;
    case AttrKind::kSint32List: ints_to<std::int32_t>(a.ints, p.mutable_sint32_list()); break;
    case AttrKind::kSint64: p.set_sint64_val(static_cast<std::int64_t>(a.bits)); break;
    case AttrKind::kSint64List: ints_to<std::int64_t>(a.ints, p.mutable_sint64_list()); break;
    case AttrKind::kFixed32: p.set_fixed32_val(static_cast<std::uint32_t>(a.bits)); break;
    case AttrKind::kFixed32List: ints_to<std::uint32_t>(a.ints, p.mutable_fixed32_list()); break;
    case AttrKind::kFixed64: p.set_fixed64_val(a.bits); break;
    case AttrKind::kFixed64List: ints_to<std::uint64_t>(a.ints, p.mutable_fixed64_list()); break;
    case AttrKind::kSfixed32: p.set_sfixed32_val(static_cast<std::int32_t>(a.bits)); break;
    case AttrKind::kSfixed32List: ints_to<std::int32_t>(a.ints, p.mutable_sfixed32_list()); break;
    case AttrKind::kSfixed64: p.set_sfixed64_val(static_cast<std::int64_t>(a.bits)); break;
    case AttrKind::kSfixed64List: ints_to<std::int64_t>(a.ints, p.mutable_sfixed64_list()); break;
    case AttrKind::kBool: p.set_bool_val(a.bits != 0); break;
    case AttrKind::kBoolList: { auto* l = p.mutable_bool_list(); for (auto v : a.ints) l->add_values(v != 0); break; }
    case AttrKind::kString: p.set_string_val(a.text); break;
    case AttrKind::kStringList: { auto* l = p.mutable_string_list(); for (const auto& s : a.texts) l->add_values(s); break; }
    case AttrKind::kBytes: p.set_bytes_val(a.text); break;
    case AttrKind::kBytesList: { auto* l = p.mutable_bytes_list(); for (const auto& s : a.texts) l->add_values(s); break; }
  }
}

void io_from_pb(const pb::IOInfo& p, EtIOInfo& io) {
  io.values = p.values();
  io.shapes = p.shapes();
  io.types = p.types();
}

void io_to_pb(const EtIOInfo& io, pb::IOInfo& p) {
  p.set_values(io.values);
  p.set_shapes(io.shapes);
  p.set_types(io.types);
}

void node_from_pb(const pb::Node& p, EtNode& n) {
  n.id = p.id();
  n.name = p.name();
  n.type = static_cast<NodeType>(p.type());
  n.ctrl_deps.assign(p.ctrl_deps().begin(), p.ctrl_deps().end());
  n.data_deps.assign(p.data_deps().begin(), p.data_deps().end());
  n.start_time_micros = p.start_time_micros();
  n.duration_micros = p.duration_micros();
  if (p.has_inputs()) io_from_pb(p.inputs(), n.inputs.emplace()); else n.inputs.reset();
  if (p.has_outputs()) io_from_pb(p.outputs(), n.outputs.emplace()); else n.outputs.reset();
  n.attrs.resize(p.attr_size());
  for (int i = 0; i < p.attr_size(); ++i) attr_from_pb(p.attr(i), n.attrs[i]);
}

void node_to_pb(const EtNode& n, pb::Node& p) {
  p.Clear();
  p.set_id(n.id);
  p.set_name(n.name);
  p.set_type(static_cast<pb::NodeType>(n.type));
  for (auto d : n.ctrl_deps) p.add_ctrl_deps(d);
  for (auto d : n.data_deps) p.add_data_deps(d);
  p.set_start_time_micros(n.start_time_micros);
  p.set_duration_micros(n.duration_micros);
  if (n.inputs) io_to_pb(*n.inputs, *p.mutable_inputs());
  if (n.outputs) io_to_pb(*n.outputs, *p.mutable_outputs());
  for (const auto& a : n.attrs) attr_to_pb(a, *p.add_attr());
}

/// The lowest field number in `fields` that is at most `max_number`, or 0.
int unknown_field_at_most(const google::protobuf::UnknownFieldSet& fields, int max_number) {
  int found = 0;
  for (int i = 0; i < fields.field_count(); ++i) {
    const int num = fields.field(i).number();
    if (num <= max_number && (found == 0 || num < found)) found = num;
  }
  return found;
}

/// Field 11 of a Node was `repeated AttributeProto attribute` before Oct 2023 and is `StorageInfo
/// storage` in current Chakra. Both are length-delimited; an old attribute starts with its name
/// (field 1, string: tag 0x0a) while StorageInfo starts with `level` (a varint, tag 0x08) or one
/// of its detail messages (fields 10..12).
bool is_pre_2023_node(const google::protobuf::UnknownFieldSet& fields) {
  for (int i = 0; i < fields.field_count(); ++i) {
    const auto& f = fields.field(i);
    if (f.number() != 11) continue;
    if (f.type() != google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) return true;
    const std::string& payload = f.length_delimited();
    if (!payload.empty() && static_cast<unsigned char>(payload[0]) == 0x0a) return true;
  }
  return false;
}

constexpr const char* kFormatFix =
    "give a Chakra execution trace (.et) written by Chakra >= 0.0.4 (Oct 2023) or by `tessera trace`";

}  // namespace

// ------------------------------------------------------------------------------------------------
struct EtReader::Impl {
  std::string path;
  int fd = -1;
  std::unique_ptr<gpio::FileInputStream> file;
  std::unique_ptr<gpio::GzipInputStream> gzip;
  gpio::ZeroCopyInputStream* in = nullptr;
  EtGlobalMetadata gm;
  pb::GlobalMetadata gm_msg;
  pb::Node node_msg;
  std::string buf;
  std::uint64_t nodes = 0;
  std::uint64_t offset = 0;
  // Parse failures are reported by us, once: keep protobuf's own logging (e.g. its UTF-8
  // complaints) quiet while this reader exists. Held for the reader's lifetime, because taking
  // it per record costs a mutex per node.
  google::protobuf::LogSilencer quiet;

  ~Impl() {
    gzip.reset();
    file.reset();
    if (fd >= 0) ::close(fd);
  }

  [[noreturn]] void fail(const std::string& where, const std::string& message, const std::string& fix) const {
    throw InputError(Diagnostic{path, 0, where, message, fix});
  }
  template <typename Where>
  [[noreturn]] void fail(const Where& where, const std::string& message, const std::string& fix) const {
    fail(std::string(where()), message, fix);
  }
  [[noreturn]] void fail(const char* where, const std::string& message, const std::string& fix) const {
    fail(std::string(where), message, fix);
  }

  /// Reads one length-delimited record into `buf`; false at a clean end of file. `where` names
  /// the record in messages (only formatted when something is wrong).
  template <typename Where>
  bool read_record(const Where& where) {
    gpio::CodedInputStream cis(in);
    cis.SetTotalBytesLimit(INT_MAX);
    const void* data = nullptr;
    int size = 0;
    if (!cis.GetDirectBufferPointer(&data, &size)) return false;
    std::uint64_t len = 0;
    const int start = cis.CurrentPosition();
    if (!cis.ReadVarint64(&len)) {
      fail(where, "the file ends inside a record's length prefix, or the prefix is corrupt (truncated or not a Chakra trace)",
           "regenerate or re-copy the trace; " + std::string(kFormatFix));
    }
    const int prefix = cis.CurrentPosition() - start;
    if (len > kMaxRecordBytes) {
      fail(where, fmt::format("record length {} bytes is implausible: this is not a Chakra trace or it is corrupt", len),
           kFormatFix);
    }
    if (!cis.ReadString(&buf, static_cast<int>(len))) {
      fail(where, fmt::format("the file is truncated: the record needs {} bytes but the file ends first", len),
           "regenerate or re-copy the trace (an interrupted copy or converter run leaves a short file)");
    }
    offset += static_cast<std::uint64_t>(prefix) + len;
    return true;
  }

  void open() {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      fail("", fmt::format("trace file does not exist ({})", std::strerror(errno)),
           "check the trace prefix and the NPU count; files are named <prefix>.<npu>.et");
    }
    if (!S_ISREG(st.st_mode)) fail("", "not a regular file", "give the path of a .et trace file");
    fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) fail("", fmt::format("cannot open trace file: {}", std::strerror(errno)), "check its permissions");
    unsigned char magic[2] = {0, 0};
    const bool gz = ::pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    file = std::make_unique<gpio::FileInputStream>(fd, 1 << 16);
    in = file.get();
    if (gz) {
      gzip = std::make_unique<gpio::GzipInputStream>(file.get(), gpio::GzipInputStream::GZIP);
      in = gzip.get();
    }
    if (!read_record([] { return std::string("GlobalMetadata"); })) {
      fail("", "the file is empty: a Chakra trace starts with a GlobalMetadata record", kFormatFix);
    }
    if (!gm_msg.ParseFromString(buf)) {
      fail("GlobalMetadata",
           "the first record is not a Chakra GlobalMetadata (garbage, not a Chakra trace, or a pre-2023 trace that "
           "starts directly with a node)",
           kFormatFix);
    }
    if (int f = unknown_field_at_most(gm_msg.GetReflection()->GetUnknownFields(gm_msg), 10)) {
      fail("GlobalMetadata",
           fmt::format("the first record has field {} with an unexpected wire type: this looks like a pre-2023 "
                       "Chakra trace (no GlobalMetadata, different field numbers) or not a Chakra trace at all", f),
           "re-convert the workload with a current Chakra (>= 0.0.4), whose schema Tessera reads");
    }
    gm.version = gm_msg.version();
    gm.attrs.resize(gm_msg.attr_size());
    for (int i = 0; i < gm_msg.attr_size(); ++i) attr_from_pb(gm_msg.attr(i), gm.attrs[i]);
  }
};

EtReader::EtReader(const std::string& path) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  impl_->open();
}

EtReader::~EtReader() = default;

const EtGlobalMetadata& EtReader::metadata() const { return impl_->gm; }
std::uint64_t EtReader::nodes_read() const { return impl_->nodes; }
std::uint64_t EtReader::offset() const { return impl_->offset; }
const std::string& EtReader::path() const { return impl_->path; }
bool EtReader::compressed() const { return impl_->gzip != nullptr; }

bool EtReader::next(EtNode& node) {
  Impl& m = *impl_;
  const std::uint64_t start = m.offset;
  const auto where = [&m, start] { return fmt::format("node #{} (byte {})", m.nodes, start); };
  if (!m.read_record(where)) {
    if (m.gzip && m.gzip->ZlibErrorCode() < 0) {
      m.fail(where, fmt::format("gzip stream is corrupt ({})", m.gzip->ZlibErrorMessage() ? m.gzip->ZlibErrorMessage() : "zlib error"),
             "re-copy the file or decompress it with gunzip to see the error");
    }
    return false;
  }
  if (m.buf.empty()) {
    m.fail(where, "zero-length node record: Chakra's Python tools read this as end of file",
           "every node needs at least a name and a type; regenerate the trace");
  }
  if (!m.node_msg.ParseFromString(m.buf)) {
    m.fail(where, "not a valid Chakra Node (garbage, a truncated copy, or a pre-2023 trace)", kFormatFix);
  }
  const auto& unknown = m.node_msg.GetReflection()->GetUnknownFields(m.node_msg);
  if (unknown.field_count() > 0 && is_pre_2023_node(unknown)) {
    m.fail(where,
           "the node uses field numbers of the pre-October-2023 Chakra schema ('attribute' = 11), which is not "
           "wire-compatible",
           "re-convert the workload with a current Chakra (>= 0.0.4)");
  }
  // Fields of newer schemas (Node.storage = 11, any_val = 33 inside attributes) are skipped:
  // node_from_pb copies only known fields.
  node_from_pb(m.node_msg, node);
  ++m.nodes;
  return true;
}

// ------------------------------------------------------------------------------------------------
struct EtWriter::Impl {
  std::string path;
  /// The file by the output-file rules (tessera/output_file.hpp): a temporary renamed into place
  /// by close(); dropped without close() (an error while converting), the temporary is removed.
  std::unique_ptr<OutputFile> out;
  std::FILE* f = nullptr;
  pb::Node node_msg;
  std::string buf;
  std::uint64_t nodes = 0;

  ~Impl() {
    if (f) std::fclose(f);
  }

  void put_record(const std::string& what) {
    char prefix[10];
    std::size_t n = 0;
    std::uint64_t v = buf.size();
    do {
      unsigned char byte = v & 0x7f;
      v >>= 7;
      if (v) byte |= 0x80;
      prefix[n++] = static_cast<char>(byte);
    } while (v);
    if (std::fwrite(prefix, 1, n, f) != n || std::fwrite(buf.data(), 1, buf.size(), f) != buf.size()) {
      throw Error(fmt::format("{}: cannot write {}: {}", path, what, std::strerror(errno)));
    }
  }
};

EtWriter::EtWriter(const std::string& path, const EtGlobalMetadata& metadata) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  impl_->out = std::make_unique<OutputFile>(resolve_output(path, "trace output"));
  impl_->f = std::fopen(impl_->out->path().c_str(), "wb");
  if (!impl_->f) throw Error(fmt::format("{}: cannot create trace file: {}", path, std::strerror(errno)), ExitCode::kBadInput);
  pb::GlobalMetadata gm;
  gm.set_version(metadata.version);
  for (const auto& a : metadata.attrs) attr_to_pb(a, *gm.add_attr());
  impl_->buf = gm.SerializeAsString();
  impl_->put_record("GlobalMetadata");
}

EtWriter::~EtWriter() = default;

void EtWriter::write(const EtNode& node) {
  Impl& m = *impl_;
  if (!m.f) throw Error(fmt::format("{}: write after close", m.path));
  node_to_pb(node, m.node_msg);
  m.buf.clear();
  if (!m.node_msg.SerializeToString(&m.buf)) throw Error(fmt::format("{}: cannot serialize node {}", m.path, node.id));
  if (m.buf.empty()) {
    throw Error(fmt::format("{}: node #{} would serialize to zero bytes, which Chakra's Python tools read as end of "
                            "file; give every node a name and a type", m.path, m.nodes));
  }
  m.put_record(fmt::format("node #{}", m.nodes));
  ++m.nodes;
}

void EtWriter::close() {
  Impl& m = *impl_;
  if (!m.f) return;
  const bool ok = std::fflush(m.f) == 0 && !std::ferror(m.f);
  const bool closed = std::fclose(m.f) == 0;
  m.f = nullptr;
  if (!ok || !closed) throw Error(fmt::format("{}: error while writing the trace: {}", m.path, std::strerror(errno)));
  m.out->commit();
}

std::uint64_t copy_trace_file(const std::string& path, const std::string& out_path) {
  EtReader reader(path);
  EtWriter writer(out_path, reader.metadata());
  EtNode node;
  while (reader.next(node)) writer.write(node);
  writer.close();
  return reader.nodes_read();
}

}  // namespace tessera::workload
