#pragma once

// System control port B (0x61) of the PC/AT chipset, the part of it that
// matters to software: PIT counter 2's GATE (bit 0) and OUT (bit 5), the
// speaker data enable (bit 1), and the DRAM refresh request toggle (bit 4),
// which flips every 15.085 us (one period of the refresh counter, PIT count
// 18) of virtual time. Linux calibrates the TSC by gating counter 2 here and
// polling bit 5; BIOS delay loops count bit 4 toggles.
//
// Bits 2 and 3 (parity and I/O channel check enables) read back as written;
// bits 6 and 7 (I/O channel check and parity error) are never set, since we
// model no memory errors. No sound is produced.

#include <cstdint>

#include "hw/core/device.h"
#include "hw/core/io_bus.h"
#include "hw/core/scheduler.h"
#include "hw/timer/i8254.h"

namespace dynemu::hw {

class SystemControlB : public Device, public PortHandler {
 public:
  static constexpr int64_t kRefreshToggleNs = 15'085;

  SystemControlB(Scheduler& sched, I8254& pit);

  const char* name() const override { return "port61"; }
  void reset() override;
  void visit_state(StateVisitor& v) override;

  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, unsigned size, uint32_t value) override;

  void attach(IoBus& bus);  // maps 0x61

  bool speaker_enabled() const { return m_value & 2; }

 private:
  Scheduler& m_sched;
  I8254& m_pit;
  uint8_t m_value = 0;  // bits 0-3 as written
};

}  // namespace dynemu::hw
