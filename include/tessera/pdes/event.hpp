// The engine's event: a small trivially copyable record with an inline payload, so the queue
// never allocates per event and cross-rank events travel as raw bytes (no serialization).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "tessera/units.hpp"

namespace tessera::pdes {

/// Dense id of a logical process: its index among all LP names sorted (byte order).
using LpId = std::uint32_t;
/// Dense global id of a port (the source end of a channel, or an LP's self port).
using PortId = std::uint32_t;
/// A port number as the model numbers it on one LP (0 .. kMaxLocalPort).
using LocalPort = std::uint16_t;
/// Event kind, defined by the model.
using EventKind = std::uint16_t;
/// Tie-break priority among simultaneous events: lower runs first.
using Priority = std::uint8_t;

inline constexpr LocalPort kMaxLocalPort = 0xFFFD;
/// Event::port of an event the LP scheduled for itself (Context::schedule).
inline constexpr LocalPort kSelfPort = 0xFFFF;
/// Event::port of an event sent without a channel (Context::send_direct).
inline constexpr LocalPort kDirectPort = 0xFFFE;
inline constexpr PortId kNoPort = 0xFFFFFFFFu;
inline constexpr LpId kNoLp = 0xFFFFFFFFu;

/// Inline event payload: 40 bytes the model owns. Put a trivially copyable struct in it with
/// Payload::of(value) and read it back with payload.as<T>(); larger data lives in a model-side
/// pool and the payload carries its index.
struct Payload {
  static constexpr std::size_t kBytes = 40;
  alignas(8) unsigned char bytes[kBytes];

  template <class T>
  static Payload of(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>, "event payloads are copied as raw bytes");
    static_assert(sizeof(T) <= kBytes, "event payload is limited to 40 bytes; pool larger data");
    Payload p{};
    std::memcpy(p.bytes, &value, sizeof(T));
    return p;
  }
  template <class T>
  T as() const {
    static_assert(std::is_trivially_copyable_v<T>, "event payloads are copied as raw bytes");
    static_assert(sizeof(T) <= kBytes, "event payload is limited to 40 bytes");
    T value;
    std::memcpy(&value, bytes, sizeof(T));
    return value;
  }
  /// The i-th 64-bit word (i < 5), for models that just need a few integers.
  std::uint64_t word(std::size_t i) const {
    std::uint64_t w;
    std::memcpy(&w, bytes + 8 * i, 8);
    return w;
  }
  void set_word(std::size_t i, std::uint64_t w) { std::memcpy(bytes + 8 * i, &w, 8); }
};

/// One scheduled event. Ordering key: (time, order, seq) where order = priority << 56 | source
/// port id. Port ids and sequence numbers are assigned from sorted configuration names and per-port
/// counters, so the order of simultaneous events never depends on insertion order or rank count.
struct Event {
  SimTime time = 0;            ///< delivery time, ps
  std::uint64_t order = 0;     ///< priority << 56 | source PortId
  std::uint64_t seq = 0;       ///< per-source-port sequence number
  LpId target = kNoLp;         ///< receiving LP
  LocalPort port = kSelfPort;  ///< receiving port on the target, or kSelfPort / kDirectPort
  EventKind kind = 0;          ///< model-defined
  Payload payload{};

  Priority priority() const { return static_cast<Priority>(order >> 56); }
  PortId source_port() const { return static_cast<PortId>(order & 0xFFFFFFFFu); }
};

static_assert(std::is_trivially_copyable_v<Event>);
static_assert(sizeof(Event) == 72, "keep events small: they are copied through the heap and MPI");

inline std::uint64_t make_order(Priority priority, PortId source) {
  return (static_cast<std::uint64_t>(priority) << 56) | source;
}

/// Strict total order of events: (time, priority, source port, sequence).
inline bool event_before(const Event& a, const Event& b) {
  if (a.time != b.time) return a.time < b.time;
  if (a.order != b.order) return a.order < b.order;
  return a.seq < b.seq;
}

}  // namespace tessera::pdes
