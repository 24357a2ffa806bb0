#include "tessera/network/switch_lp.hpp"

#include <fmt/format.h>

namespace tessera::network {

void SwitchLp::handle(const pdes::Event& ev, pdes::Context& ctx) {
  switch (ev.kind) {
    case kPacketArrival:
      fwd_.forward(ctx, ev.payload.as<PacketHeader>(), ev.port);
      return;
    case kCredit:
      fwd_.on_credit(ctx, ev.port, ev.payload.as<CreditReturn>());
      return;
    case kCreditWake:
      fwd_.on_wake(ctx, ev.payload.as<CreditWake>());
      return;
    case kCreditFlush:
      fwd_.on_flush(ctx, ev.payload.as<CreditWake>());
      return;
    default:
      throw Error(fmt::format("switch {}: unexpected event kind {:#x}",
                              fwd_.network().topology().node(fwd_.self()).name, ev.kind));
  }
}

}  // namespace tessera::network
