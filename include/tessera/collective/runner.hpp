// What an NPU's host (the runtime's NPU LP) drives: a collective library for one NPU. Two exist:
// CollectiveExecutor (ASTRA-sim's system layer, executor.hpp) and nccl::NcclExecutor (NCCL's
// algorithms and protocols, nccl/executor.hpp); SystemConfig::library picks one per run.
#pragma once

#include <cstdint>
#include <string>

#include "tessera/collective/types.hpp"

namespace tessera::collective {

struct CollectiveRequest;
using TimerToken = std::uint64_t;
using CollectiveId = std::uint64_t;
struct MessageTag;

/// How a collective runs, as its records name it.
struct RunLabel {
  std::string algorithm;  ///< e.g. "ring", "ring/direct" (ASTRA), "nccl_ring", "nccl_nvls" (NCCL)
  std::string protocol;   ///< NCCL protocol ("LL", "LL128", "Simple"); "" for ASTRA algorithms
  int channels = 0;       ///< NCCL CTAs (channels) it ran on; 0 for ASTRA algorithms
  int chunks = 0;         ///< ASTRA chunks (preferred-dataset-splits); 0 for NCCL
};

class CollectiveRunner {
 public:
  virtual ~CollectiveRunner() = default;
  /// How `request` will run (what start() will do with it), for the records.
  virtual RunLabel describe(const CollectiveRequest& request) const = 0;
  virtual CollectiveId start(const CollectiveRequest& request) = 0;
  virtual void register_host_event(SimTime delay, std::uint64_t token) = 0;
  virtual void on_timer(TimerToken token) = 0;
  virtual void on_message(NpuId src, Bytes bytes, const MessageTag& tag) = 0;
  virtual void on_send_complete(NpuId dst, Bytes bytes, const MessageTag& tag) = 0;
  virtual bool idle() const = 0;
  virtual std::string stall_report() const = 0;
};

}  // namespace tessera::collective
