// Kernel descriptions as Chakra attributes, and COMP nodes timed by the GPU compute model when a
// run gives one (LoadOptions::gpu); without it the ASTRA-sim rules stay.
#include <gtest/gtest.h>

#include "tessera/compute/gpu.hpp"
#include "tessera/workload/kernel_attrs.hpp"
#include "tessera/workload/workload.hpp"
#include "test_util.hpp"

namespace tessera::workload {
namespace {

EtNode comp_node(std::uint64_t id) {
  EtNode n;
  n.id = id;
  n.name = "k" + std::to_string(id);
  n.type = NodeType::kComp;
  n.duration_micros = 7;
  return n;
}

TEST(KernelAttributes, RoundTrip) {
  compute::Kernel k;
  k.kind = compute::KernelKind::kAttentionBackward;
  k.precision = compute::Precision::kBf16;
  k.backend = compute::AttentionBackend::kCudnn;
  k.flops = 1.5e12;
  k.bytes = 3e8;
  k.m = 4096;
  k.n = 2048;
  k.k = 128;
  k.batch = 32;
  k.causal = true;
  k.reserved_sms = 4;
  EtNode n = comp_node(1);
  add_kernel_attributes(k, n);
  std::string err;
  const auto back = kernel_from_attributes(n, err);
  ASSERT_TRUE(back) << err;
  EXPECT_EQ(back->kind, k.kind);
  EXPECT_EQ(back->backend, k.backend);
  EXPECT_EQ(back->flops, k.flops);
  EXPECT_EQ(back->bytes, k.bytes);
  EXPECT_EQ(back->m, 4096);
  EXPECT_EQ(back->n, 2048);
  EXPECT_EQ(back->k, 128);
  EXPECT_EQ(back->batch, 32);
  EXPECT_TRUE(back->causal);
  EXPECT_EQ(back->reserved_sms, 4);
  // A plain roofline node (ASTRA-sim's keys only).
  EtNode plain = comp_node(2);
  plain.attrs.push_back(EtAttribute::make_int64("num_ops", 1000));
  plain.attrs.push_back(EtAttribute::make_int64("tensor_size", 10));
  const auto r = kernel_from_attributes(plain, err);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, compute::KernelKind::kRoofline);
  EXPECT_FALSE(kernel_from_attributes(comp_node(3), err));
  EtNode bad = comp_node(4);
  bad.attrs.push_back(EtAttribute::make_string("tessera_kernel", "conv"));
  EXPECT_FALSE(kernel_from_attributes(bad, err));
  EXPECT_NE(err.find("'conv' is not a kernel class"), std::string::npos) << err;
}

TEST(KernelAttributes, GpuModelTimesComputeNodesThatDescribeTheirKernel) {
  const compute::GpuModel gpu(*compute::find_gpu_preset("h100-sxm"));
  compute::Kernel mem;
  mem.kind = compute::KernelKind::kMemory;
  mem.bytes = 1e8;
  EtNode described = comp_node(0);
  add_kernel_attributes(mem, described);
  EtNode roofline = comp_node(1);
  roofline.attrs.push_back(EtAttribute::make_int64("num_ops", 1'000'000'000'000));
  roofline.attrs.push_back(EtAttribute::make_int64("tensor_size", 1000));
  roofline.data_deps = {0};
  EtNode replayed = comp_node(2);
  replayed.data_deps = {1};

  LoadOptions options;
  options.gpu = &gpu;
  WorkloadBuilder b(0, "t.et", options);
  b.add(described);
  b.add(roofline);
  b.add(replayed);
  const Workload w = b.finish();
  EXPECT_EQ(w.node(0).duration, gpu.time(mem));
  compute::Kernel r;
  r.flops = 1e12;
  r.bytes = 1000;
  EXPECT_EQ(w.node(1).duration, gpu.time(r));
  EXPECT_EQ(w.node(2).duration, 7 * kMicrosecond);  // no kernel description: replayed

  // Without a GPU model the same nodes replay duration_micros, as ASTRA-sim does.
  WorkloadBuilder plain(0, "t.et", LoadOptions{});
  plain.add(described);
  EXPECT_EQ(plain.finish().node(0).duration, 7 * kMicrosecond);
}

TEST(KernelAttributes, MalformedKernelIsAnInputError) {
  const compute::GpuModel a100(*compute::find_gpu_preset("a100-sxm"));
  EtNode n = comp_node(0);
  compute::Kernel k;
  k.kind = compute::KernelKind::kGemm;
  k.precision = compute::Precision::kFp8;
  k.m = k.n = k.k = 128;
  k.flops = 2.0 * 128 * 128 * 128;
  add_kernel_attributes(k, n);
  LoadOptions options;
  options.gpu = &a100;
  WorkloadBuilder b(0, "t.et", options);
  b.add(n);
  test::expect_input_error([&] { b.finish(); }, {"t.et", "node 0 'k0'", "no fp8 tensor-core rate"});
}

}  // namespace
}  // namespace tessera::workload
