#include "tessera/workload/et.hpp"

#include <array>
#include <limits>

namespace tessera::workload {

namespace {
// 8..10 come from Chakra's storage/batch/checkpoint extension; the workload model rejects them.
constexpr std::array<const char*, 11> kNodeTypeNames{
    "INVALID_NODE", "METADATA_NODE",  "MEM_LOAD_NODE",  "MEM_STORE_NODE", "COMP_NODE",      "COMM_SEND_NODE",
    "COMM_RECV_NODE", "COMM_COLL_NODE", "STORAGE_NODE", "BATCH_NODE",     "CHECKPOINT_NODE"};
}  // namespace

std::string node_type_name(NodeType type) {
  const auto v = static_cast<std::int32_t>(type);
  if (v >= 0 && v < static_cast<std::int32_t>(kNodeTypeNames.size())) return kNodeTypeNames[v];
  return "NODE_TYPE_" + std::to_string(v);
}

bool EtAttribute::is_integer_scalar() const {
  switch (kind) {
    case AttrKind::kInt32: case AttrKind::kInt64: case AttrKind::kUint32: case AttrKind::kUint64:
    case AttrKind::kSint32: case AttrKind::kSint64: case AttrKind::kFixed32: case AttrKind::kFixed64:
    case AttrKind::kSfixed32: case AttrKind::kSfixed64: case AttrKind::kBool:
      return true;
    default:
      return false;
  }
}

bool EtAttribute::is_signed() const {
  switch (kind) {
    case AttrKind::kInt32: case AttrKind::kInt64: case AttrKind::kSint32: case AttrKind::kSint64:
    case AttrKind::kSfixed32: case AttrKind::kSfixed64: case AttrKind::kInt32List:
    case AttrKind::kInt64List: case AttrKind::kSint32List: case AttrKind::kSint64List:
    case AttrKind::kSfixed32List: case AttrKind::kSfixed64List:
      return true;
    default:
      return false;
  }
}

std::optional<std::int64_t> EtAttribute::as_int64() const {
  if (!is_integer_scalar()) return std::nullopt;
  if (is_signed()) return static_cast<std::int64_t>(bits);
  if (bits > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
  return static_cast<std::int64_t>(bits);
}

EtAttribute EtAttribute::make_bool(std::string name, bool v) {
  EtAttribute a;
  a.name = std::move(name);
  a.kind = AttrKind::kBool;
  a.bits = v ? 1 : 0;
  return a;
}

EtAttribute EtAttribute::make_int32(std::string name, std::int32_t v) {
  EtAttribute a;
  a.name = std::move(name);
  a.kind = AttrKind::kInt32;
  a.bits = static_cast<std::uint64_t>(static_cast<std::int64_t>(v));
  return a;
}

EtAttribute EtAttribute::make_int64(std::string name, std::int64_t v) {
  EtAttribute a;
  a.name = std::move(name);
  a.kind = AttrKind::kInt64;
  a.bits = static_cast<std::uint64_t>(v);
  return a;
}

EtAttribute EtAttribute::make_uint64(std::string name, std::uint64_t v) {
  EtAttribute a;
  a.name = std::move(name);
  a.kind = AttrKind::kUint64;
  a.bits = v;
  return a;
}

EtAttribute EtAttribute::make_string(std::string name, std::string v) {
  EtAttribute a;
  a.name = std::move(name);
  a.kind = AttrKind::kString;
  a.text = std::move(v);
  return a;
}

EtAttribute EtAttribute::make_bool_list(std::string name, const std::vector<bool>& v) {
  EtAttribute a;
  a.name = std::move(name);
  a.kind = AttrKind::kBoolList;
  for (bool b : v) a.ints.push_back(b ? 1 : 0);
  return a;
}

namespace {
const EtAttribute* find_attr(const std::vector<EtAttribute>& attrs, std::string_view key) {
  for (const auto& a : attrs) {
    if (a.name == key) return &a;
  }
  return nullptr;
}
}  // namespace

const EtAttribute* EtGlobalMetadata::find(std::string_view key) const { return find_attr(attrs, key); }
const EtAttribute* EtNode::find(std::string_view key) const { return find_attr(attrs, key); }

void EtNode::clear() {
  id = 0;
  name.clear();
  type = NodeType::kInvalid;
  ctrl_deps.clear();
  data_deps.clear();
  start_time_micros = 0;
  duration_micros = 0;
  inputs.reset();
  outputs.reset();
  attrs.clear();
}

}  // namespace tessera::workload
