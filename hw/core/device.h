#pragma once

#include "hw/core/state.h"

namespace dynemu::hw {

// What every device of the board is. Wiring (port maps, IRQ lines, timers,
// backends) is set up by the board and is not state; everything else is.
class Device {
 public:
  virtual ~Device() = default;
  virtual const char* name() const = 0;
  virtual void reset() = 0;                       // power-on / system reset state
  virtual void visit_state(StateVisitor& v) = 0;  // every field that is not wiring
};

}  // namespace dynemu::hw
