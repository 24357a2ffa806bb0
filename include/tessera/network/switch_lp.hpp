// A switch as a logical process: packets in on any port, routed, queued on the output port with
// credit flow control (packet model) or as whole messages on unbounded FIFO links (ASTRA
// congestion-aware model). In the packet model it also runs the NVSwitch group operations of
// its multicast groups (Network::add_multicast_group): multicast replication at the output ports
// and in-switch reduction (docs/network.md "Multicast groups").
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "tessera/network/forwarder.hpp"
#include "tessera/pdes/logical_process.hpp"

namespace tessera::network {

class SwitchLp final : public pdes::LogicalProcess {
 public:
  SwitchLp(const Network& net, NodeId node) : fwd_(net, node) {}
  void handle(const pdes::Event& ev, pdes::Context& ctx) override;
  /// False while packets wait for credits (only possible at the end in a deadlock) or a
  /// reduction still waits for members' data.
  bool finished() const override { return fwd_.waiting_packets() == 0 && reductions_.empty(); }
  std::string stall_report() const override;
  const std::vector<LinkStats>& link_stats() const { return fwd_.link_stats(); }
  NodeId node() const { return fwd_.self(); }

 private:
  // One in-switch reduction: per packet index, how many members' shares have arrived.
  struct Reduction {
    std::uint64_t tag = 0;         // the requester's tag, for the result
    pdes::LocalPort out_port = 0;  // towards the requester
    std::size_t members = 0;
    std::vector<std::uint16_t> arrived;  // per packet of the share
    std::size_t emitted = 0;             // result packets sent
  };
  const MulticastGroup& group_of(const PacketHeader& h, std::uint32_t id) const;
  void replicate(pdes::Context& ctx, const PacketHeader& h, pdes::LocalPort in_port);
  void start_reduction(pdes::Context& ctx, const PacketHeader& h, pdes::LocalPort in_port);
  void reduce_share(pdes::Context& ctx, const PacketHeader& h, pdes::LocalPort in_port);

  Forwarder fwd_;
  std::unordered_map<std::uint64_t, Reduction> reductions_;  // (requester << 32 | msg_seq) -> state
};

}  // namespace tessera::network
