// The columns of the record structs (records.hpp), one table per struct: the HDF5 writer builds
// its compound types from these tables and the JSON summary names its per-NPU keys from the
// NpuSummary table, so a new column is one row here. Rows are in struct order (the order of the
// HDF5 members).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

#include "tessera/output/records.hpp"

namespace tessera::output {

/// How a column is stored: its width and signedness (HDF5 native types, JSON numbers).
enum class FieldType : std::uint8_t { kI8, kU8, kI32, kU32, kI64, kU64, kF64 };

/// One column: its name (the HDF5 member), where it is in the struct, its type, and whether it is
/// a time in ps (the JSON summary then names it `<name>_ps`).
struct Field {
  const char* name;
  std::size_t offset;
  FieldType type;
  bool picoseconds = false;
};

namespace detail {
template <class T>
constexpr FieldType field_type() {
  if constexpr (std::is_enum_v<T>) {
    return field_type<std::underlying_type_t<T>>();
  } else if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::uint8_t>) {
    static_assert(sizeof(bool) == 1);
    return FieldType::kU8;
  } else if constexpr (std::is_same_v<T, std::int8_t>) {
    return FieldType::kI8;
  } else if constexpr (std::is_same_v<T, std::int32_t>) {
    return FieldType::kI32;
  } else if constexpr (std::is_same_v<T, std::uint32_t>) {
    return FieldType::kU32;
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    return FieldType::kI64;
  } else if constexpr (std::is_same_v<T, std::uint64_t>) {
    return FieldType::kU64;
  } else {
    static_assert(std::is_same_v<T, double>, "a record column is an integer, bool, enum or double");
    return FieldType::kF64;
  }
}
}  // namespace detail

// The type is taken from the member itself, so a row cannot disagree with the struct.
#define TESSERA_FIELD(S, m) Field{#m, offsetof(S, m), detail::field_type<decltype(S::m)>()}
#define TESSERA_TIME(S, m) Field{#m, offsetof(S, m), detail::field_type<decltype(S::m)>(), true}

inline constexpr Field kNodeIntervalFields[] = {
    TESSERA_FIELD(NodeInterval, npu),        TESSERA_FIELD(NodeInterval, node_id),
    TESSERA_FIELD(NodeInterval, name),       TESSERA_FIELD(NodeInterval, kind),
    TESSERA_FIELD(NodeInterval, is_cpu_op),  TESSERA_FIELD(NodeInterval, collective),
    TESSERA_FIELD(NodeInterval, peer),       TESSERA_FIELD(NodeInterval, bytes),
    TESSERA_TIME(NodeInterval, start),       TESSERA_TIME(NodeInterval, end),
    TESSERA_FIELD(NodeInterval, algorithm),  TESSERA_FIELD(NodeInterval, chunks),
};

inline constexpr Field kCollectiveRecordFields[] = {
    TESSERA_FIELD(CollectiveRecord, npu),        TESSERA_FIELD(CollectiveRecord, node_id),
    TESSERA_FIELD(CollectiveRecord, collective), TESSERA_FIELD(CollectiveRecord, group_size),
    TESSERA_FIELD(CollectiveRecord, bytes),      TESSERA_TIME(CollectiveRecord, start),
    TESSERA_TIME(CollectiveRecord, end),         TESSERA_FIELD(CollectiveRecord, algorithm),
    TESSERA_FIELD(CollectiveRecord, chunks),     TESSERA_FIELD(CollectiveRecord, protocol),
    TESSERA_FIELD(CollectiveRecord, channels),   TESSERA_FIELD(CollectiveRecord, algbw_gbps),
    TESSERA_FIELD(CollectiveRecord, busbw_gbps),
};

/// Per-NPU metrics: the HDF5 /npu/summary members and the JSON summary's per-NPU keys.
inline constexpr Field kNpuSummaryFields[] = {
    TESSERA_FIELD(NpuSummary, npu),           TESSERA_TIME(NpuSummary, finish),
    TESSERA_TIME(NpuSummary, compute),        TESSERA_TIME(NpuSummary, cpu),
    TESSERA_TIME(NpuSummary, communication),  TESSERA_TIME(NpuSummary, exposed_communication),
    TESSERA_FIELD(NpuSummary, nodes),
};

inline constexpr Field kLinkTotalsFields[] = {
    TESSERA_FIELD(LinkTotals, name),       TESSERA_FIELD(LinkTotals, bytes),
    TESSERA_TIME(LinkTotals, busy),        TESSERA_FIELD(LinkTotals, max_queue),
    TESSERA_TIME(LinkTotals, credit_stall),
};

// exposed[] in workload::CommParallelism order, one column per parallelism.
constexpr Field exposed_field(std::size_t k, const char* name) {
  return Field{name, offsetof(NpuBreakdown, exposed) + k * sizeof(SimTime), detail::field_type<SimTime>(),
               true};
}
inline constexpr Field kNpuBreakdownFields[] = {
    TESSERA_FIELD(NpuBreakdown, npu),    TESSERA_TIME(NpuBreakdown, finish),
    TESSERA_TIME(NpuBreakdown, compute), exposed_field(0, "exposed_tp"),
    exposed_field(1, "exposed_cp"),      exposed_field(2, "exposed_pp"),
    exposed_field(3, "exposed_dp"),      exposed_field(4, "exposed_ep"),
    TESSERA_TIME(NpuBreakdown, bubble),  TESSERA_TIME(NpuBreakdown, other),
};

#undef TESSERA_FIELD
#undef TESSERA_TIME

/// The table of a record type.
template <class T>
constexpr std::span<const Field> fields_of() {
  if constexpr (std::is_same_v<T, NodeInterval>) return kNodeIntervalFields;
  else if constexpr (std::is_same_v<T, CollectiveRecord>) return kCollectiveRecordFields;
  else if constexpr (std::is_same_v<T, NpuSummary>) return kNpuSummaryFields;
  else if constexpr (std::is_same_v<T, NpuBreakdown>) return kNpuBreakdownFields;
  else {
    static_assert(std::is_same_v<T, LinkTotals>, "no field table for this record");
    return kLinkTotalsFields;
  }
}

/// Calls fn(value) with column `f` of `row` as its own C++ type (std::int32_t, double, ...).
template <class T, class Fn>
void visit_field(const T& row, const Field& f, Fn&& fn) {
  const auto* at = reinterpret_cast<const unsigned char*>(&row) + f.offset;
  const auto load = [&]<class V>(V v) {
    std::memcpy(&v, at, sizeof v);
    fn(v);
  };
  switch (f.type) {
    case FieldType::kI8: return load(std::int8_t{});
    case FieldType::kU8: return load(std::uint8_t{});
    case FieldType::kI32: return load(std::int32_t{});
    case FieldType::kU32: return load(std::uint32_t{});
    case FieldType::kI64: return load(std::int64_t{});
    case FieldType::kU64: return load(std::uint64_t{});
    case FieldType::kF64: return load(double{});
  }
}

}  // namespace tessera::output
