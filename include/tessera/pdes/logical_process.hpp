// What a model implements: one object per simulated entity (an NPU, a switch).
#pragma once

#include <string>

#include "tessera/pdes/event.hpp"

namespace tessera::pdes {

class Context;

/// A logical process. The engine calls init() once (time 0, LP id order), then handle() for every
/// event addressed to it in (time, priority, source port, sequence) order. It must touch no other
/// LP's state: everything crosses through Context::send / send_direct.
class LogicalProcess {
 public:
  virtual ~LogicalProcess() = default;
  /// Schedule the first events here.
  virtual void init(Context& ctx) { (void)ctx; }
  virtual void handle(const Event& ev, Context& ctx) = 0;
  /// Asked when no event is left anywhere: false means work is stuck (a stall).
  virtual bool finished() const { return true; }
  /// One line on what it still waits for, shown in the stall error.
  virtual std::string stall_report() const { return "has unfinished work"; }
};

}  // namespace tessera::pdes
