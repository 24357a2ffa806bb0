// compute::Kernel <-> Chakra attributes (kernel_attrs.hpp).
#include "tessera/workload/kernel_attrs.hpp"

#include <cmath>

#include <fmt/format.h>

namespace tessera::workload {

namespace {

constexpr const char* kKind = "tessera_kernel";
constexpr const char* kPrecision = "tessera_precision";
constexpr const char* kBackend = "tessera_attention";
constexpr const char* kM = "tessera_m";
constexpr const char* kN = "tessera_n";
constexpr const char* kK = "tessera_k";
constexpr const char* kBatch = "tessera_batch";
constexpr const char* kCausal = "tessera_causal";
constexpr const char* kReservedSms = "tessera_reserved_sms";

std::int64_t rounded(double v) { return static_cast<std::int64_t>(std::llround(v)); }

}  // namespace

void add_kernel_attributes(const compute::Kernel& k, EtNode& node) {
  node.attrs.push_back(EtAttribute::make_int64("num_ops", rounded(k.flops)));
  node.attrs.push_back(EtAttribute::make_int64("tensor_size", rounded(k.bytes)));
  node.attrs.push_back(EtAttribute::make_string(kKind, compute::to_string(k.kind)));
  if (k.kind == compute::KernelKind::kMemory) return;
  node.attrs.push_back(EtAttribute::make_string(kPrecision, compute::to_string(k.precision)));
  if (k.kind == compute::KernelKind::kRoofline) return;
  node.attrs.push_back(EtAttribute::make_int64(kM, k.m));
  node.attrs.push_back(EtAttribute::make_int64(kN, k.n));
  node.attrs.push_back(EtAttribute::make_int64(kK, k.k));
  if (k.batch != 1) node.attrs.push_back(EtAttribute::make_int64(kBatch, k.batch));
  if (k.reserved_sms != 0) node.attrs.push_back(EtAttribute::make_int64(kReservedSms, k.reserved_sms));
  if (k.kind == compute::KernelKind::kAttentionForward || k.kind == compute::KernelKind::kAttentionBackward) {
    node.attrs.push_back(EtAttribute::make_string(kBackend, compute::to_string(k.backend)));
    node.attrs.push_back(EtAttribute::make_bool(kCausal, k.causal));
  }
}

std::optional<compute::Kernel> kernel_from_attributes(const EtNode& node, std::string& error) {
  auto integer = [&](const char* name, std::int64_t fallback) -> std::int64_t {
    const EtAttribute* a = node.find(name);
    if (!a) return fallback;
    const auto v = a->as_int64();
    if (!v || *v < 0) {
      error = fmt::format("attribute '{}' must be a non-negative integer", name);
      return fallback;
    }
    return *v;
  };
  auto text = [&](const char* name) -> std::optional<std::string> {
    const EtAttribute* a = node.find(name);
    if (!a) return std::nullopt;
    if (a->kind != AttrKind::kString) {
      error = fmt::format("attribute '{}' must be a string", name);
      return std::nullopt;
    }
    return a->text;
  };
  error.clear();
  const EtAttribute* kind_attr = node.find(kKind);
  if (!kind_attr && !node.find("num_ops")) return std::nullopt;
  compute::Kernel k;
  k.flops = static_cast<double>(integer("num_ops", 0));
  k.bytes = static_cast<double>(integer("tensor_size", 0));
  if (const auto s = text(kKind)) {
    const auto kind = compute::kernel_kind_from_name(*s);
    if (!kind) {
      error = fmt::format(
          "{} '{}' is not a kernel class (roofline, gemm, attention_fwd, attention_bwd, memory)", kKind, *s);
      return std::nullopt;
    }
    k.kind = *kind;
  }
  if (const auto s = text(kPrecision)) {
    const auto p = compute::precision_from_name(*s);
    if (!p) {
      error = fmt::format("{} '{}' is not fp32, bf16 or fp8", kPrecision, *s);
      return std::nullopt;
    }
    k.precision = *p;
  }
  if (const auto s = text(kBackend)) {
    const auto b = compute::attention_backend_from_name(*s);
    if (!b) {
      error = fmt::format("{} '{}' is not flash2, flash3 or cudnn", kBackend, *s);
      return std::nullopt;
    }
    k.backend = *b;
  }
  k.m = integer(kM, 0);
  k.n = integer(kN, 0);
  k.k = integer(kK, 0);
  k.batch = integer(kBatch, 1);
  k.reserved_sms = static_cast<int>(integer(kReservedSms, 0));
  if (const EtAttribute* c = node.find(kCausal)) k.causal = c->bits != 0;
  if (!error.empty()) return std::nullopt;
  return k;
}

}  // namespace tessera::workload
