// A switch as a logical process: packets in on any port, routed, queued on the output port with
// credit flow control (packet model) or as whole messages on unbounded FIFO links (ASTRA
// congestion-aware model).
#pragma once

#include <string>

#include "tessera/network/forwarder.hpp"
#include "tessera/pdes/logical_process.hpp"

namespace tessera::network {

class SwitchLp final : public pdes::LogicalProcess {
 public:
  SwitchLp(const Network& net, NodeId node) : fwd_(net, node) {}
  void handle(const pdes::Event& ev, pdes::Context& ctx) override;
  /// False while packets wait for credits (only possible at the end in a deadlock).
  bool finished() const override { return fwd_.waiting_packets() == 0; }
  std::string stall_report() const override { return fwd_.waiting_report(); }
  const std::vector<LinkStats>& link_stats() const { return fwd_.link_stats(); }
  NodeId node() const { return fwd_.self(); }

 private:
  Forwarder fwd_;
};

}  // namespace tessera::network
