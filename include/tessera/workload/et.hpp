// Plain C++ mirror of a Chakra execution trace (.et) record: what the streaming reader hands out
// and what the writer takes. It carries every field of the Chakra schema (docs/workload.md), so a
// read-then-write round trip reproduces the file byte for byte; protobuf stays inside
// src/workload/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/collective_type.hpp"  // the integer attribute "comm_type"

namespace tessera::workload {

/// Chakra NodeType. Values outside 0..7 (unmerged schema proposals) are kept as read.
enum class NodeType : std::int32_t {
  kInvalid = 0,
  kMetadata = 1,
  kMemLoad = 2,
  kMemStore = 3,
  kComp = 4,
  kCommSend = 5,
  kCommRecv = 6,
  kCommColl = 7,
};

/// "COMP_NODE", "COMM_COLL_NODE", ... (the schema's names); "NODE_TYPE_<n>" when unknown.
std::string node_type_name(NodeType type);

/// Which member of AttributeProto's `value` oneof is set; the value is the protobuf field number.
enum class AttrKind : std::uint8_t {
  kNone = 0,
  kDouble = 3, kDoubleList = 4, kFloat = 5, kFloatList = 6,
  kInt32 = 7, kInt32List = 8, kInt64 = 9, kInt64List = 10,
  kUint32 = 11, kUint32List = 12, kUint64 = 13, kUint64List = 14,
  kSint32 = 15, kSint32List = 16, kSint64 = 17, kSint64List = 18,
  kFixed32 = 19, kFixed32List = 20, kFixed64 = 21, kFixed64List = 22,
  kSfixed32 = 23, kSfixed32List = 24, kSfixed64 = 25, kSfixed64List = 26,
  kBool = 27, kBoolList = 28, kString = 29, kStringList = 30, kBytes = 31, kBytesList = 32,
};

/// One AttributeProto. The value lives in the member that matches `kind`:
/// integer and bool scalars in `bits` (signed values sign-extended), float/double in `real`,
/// string/bytes in `text`, integer/bool lists in `ints`, float/double lists in `reals`,
/// string/bytes lists in `texts`.
struct EtAttribute {
  std::string name;
  std::string doc_string;
  AttrKind kind = AttrKind::kNone;
  std::uint64_t bits = 0;
  double real = 0.0;
  std::string text;
  std::vector<std::uint64_t> ints;
  std::vector<double> reals;
  std::vector<std::string> texts;

  bool is_integer_scalar() const;  ///< any int/uint/sint/fixed/sfixed/bool scalar
  bool is_signed() const;          ///< int32/int64/sint*/sfixed* (scalar or list)
  /// The value as a signed integer, whatever integer encoding was used (Chakra's current reader
  /// coerces the same way). nullopt when the value is not an integer scalar (float, string, list,
  /// unset) or an unsigned value does not fit in int64.
  std::optional<std::int64_t> as_int64() const;

  static EtAttribute make_bool(std::string name, bool v);
  static EtAttribute make_int32(std::string name, std::int32_t v);
  static EtAttribute make_int64(std::string name, std::int64_t v);
  static EtAttribute make_uint64(std::string name, std::uint64_t v);
  static EtAttribute make_string(std::string name, std::string v);
  static EtAttribute make_bool_list(std::string name, const std::vector<bool>& v);
};

/// Node.inputs / Node.outputs (PyTorch traces store tensor tuples as strings here).
struct EtIOInfo {
  std::string values;
  std::string shapes;
  std::string types;
};

/// The first record of every .et file.
struct EtGlobalMetadata {
  std::string version;
  std::vector<EtAttribute> attrs;
  const EtAttribute* find(std::string_view name) const;  ///< first match, or nullptr
};

/// One Chakra Node exactly as stored.
struct EtNode {
  std::uint64_t id = 0;
  std::string name;
  NodeType type = NodeType::kInvalid;
  std::vector<std::uint64_t> ctrl_deps;
  std::vector<std::uint64_t> data_deps;
  std::uint64_t start_time_micros = 0;
  std::uint64_t duration_micros = 0;
  std::optional<EtIOInfo> inputs;   ///< present even when empty if the file had the field
  std::optional<EtIOInfo> outputs;
  std::vector<EtAttribute> attrs;

  const EtAttribute* find(std::string_view name) const;  ///< first match (as Chakra), or nullptr
  void clear();  ///< resets every field, keeping allocated capacity (for streaming)
};

}  // namespace tessera::workload
