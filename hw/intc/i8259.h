#pragma once

// Two cascaded Intel 8259A programmable interrupt controllers as wired in
// every PC/AT: master at 0x20/0x21 (IRQ0-7), slave at 0xA0/0xA1 (IRQ8-15)
// with its INT output on the master's IR2, plus the PIIX edge/level control
// registers (ELCR) at 0x4D0/0x4D1.
//
// Modelled (8259A datasheet, QEMU's i8259 as the behavioural reference):
// ICW1-ICW4 (single/cascade, LTIM level mode, ICW4 or not, AEOI), OCW1 (IMR),
// OCW2 (non-specific, specific and rotating EOI, rotate in AEOI mode,
// set priority), OCW3 (IRR/ISR read, poll, special mask mode), special fully
// nested mode on the master, edge detection per input, level-triggered inputs
// through ELCR or LTIM, spurious IRQ7/IRQ15 when a request vanishes before
// INTA, ELCR masks of the PIIX (IRQ0-2, 8 and 13 are always edge).
// Left out: 8080/8085 call-address mode (ICW4 bit 0 = 0 is treated as 8086
// mode, as PCs never use it) and buffered mode bits (no effect on a PC).
//
// Wiring: devices drive input(n) (an IrqLine into IRQ n); the board connects
// intr() to the CPU's INTR pin and calls acknowledge() for the INTA cycle.

#include <cstdint>
#include <type_traits>

#include "hw/core/device.h"
#include "hw/core/io_bus.h"
#include "hw/core/irq.h"

namespace dynemu::hw {

class I8259 : public Device, public PortHandler {
 public:
  I8259();

  const char* name() const override { return "i8259"; }
  void reset() override;
  void visit_state(StateVisitor& v) override;

  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, unsigned size, uint32_t value) override;

  // Maps 0x20-0x21, 0xA0-0xA1 and 0x4D0-0x4D1 (byte-wide).
  void attach(IoBus& bus);

  // IRQ n (0-15) input pin level.
  void set_irq(int n, bool level);
  // An IrqLine driving IRQ n, for a device's output.
  IrqLine input(int n);
  // The master's INT output; the board connects it to the CPU's INTR.
  IrqLine& intr() { return m_intr; }

  // INTA cycle: the vector the CPU takes (acknowledging the request in the
  // chips), or -1 if INTR is not asserted. A request that vanished after
  // INTR was raised yields the spurious vector (base + 7), as hardware does.
  int acknowledge();

  // Introspection for tests and the monitor.
  uint8_t irr(int chip) const { return m_chip[chip].irr; }
  uint8_t isr(int chip) const { return m_chip[chip].isr; }
  uint8_t imr(int chip) const { return m_chip[chip].imr; }
  uint8_t elcr(int chip) const { return m_chip[chip].elcr; }

 private:
  // One 8259A. Field names follow the datasheet.
  struct Chip {
    uint8_t last_irr;  // input levels seen, for edge detection
    uint8_t irr;
    uint8_t imr;
    uint8_t isr;
    uint8_t priority_add;  // IR with the highest priority (rotation)
    uint8_t irq_base;      // ICW2 & 0xf8
    uint8_t read_isr;      // OCW3 RR/RIS: read ISR instead of IRR
    uint8_t poll;          // OCW3 P: next read is a poll
    uint8_t special_mask;
    uint8_t init_state;  // 0 ready, 1 expects ICW2, 2 ICW3, 3 ICW4
    uint8_t auto_eoi;
    uint8_t rotate_on_auto_eoi;
    uint8_t special_fully_nested;
    uint8_t init4;
    uint8_t single_mode;
    uint8_t ltim;  // ICW1 LTIM: all inputs level-triggered
    uint8_t elcr;  // PIIX ELCR: per-input level trigger
  };
  static_assert(std::has_unique_object_representations_v<Chip>);

  static int priority_of(const Chip& c, uint8_t mask);
  int pending_irq(int chip) const;  // IR to deliver, or -1
  void update(int chip);
  void intack(int chip, int irq);
  void init_reset(Chip& c);
  void chip_write(int chip, unsigned a0, uint8_t value);
  uint8_t chip_read(int chip, unsigned a0);
  uint8_t poll_read(int chip);
  void set_chip_irq(int chip, int irq, bool level);

  Chip m_chip[2] = {};
  IrqLine m_intr;
  static constexpr uint8_t kElcrMask[2] = {0xf8, 0xde};
};

}  // namespace dynemu::hw
