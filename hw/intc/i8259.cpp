#include "hw/intc/i8259.h"

namespace dynemu::hw {

namespace {
constexpr int kMaster = 0;
constexpr int kSlave = 1;
constexpr int kCascadeIr = 2;
}  // namespace

I8259::I8259() {
  reset();
}

void I8259::reset() {
  for (Chip& c : m_chip) {
    c.elcr = 0;
    init_reset(c);
    c.last_irr = 0;
    c.irr = 0;
  }
  m_intr.lower();
}

void I8259::visit_state(StateVisitor& v) {
  static const char* const kNames[2] = {"master", "slave"};
  for (int i = 0; i < 2; ++i) {
    // One named field per chip: the Chip struct is plain bytes.
    v(kNames[i], m_chip[i]);
  }
  // INTR follows from the chips (the cascade input's level is in the
  // master's last_irr, so the slave needs no re-evaluation).
  m_intr.set(pending_irq(kMaster) >= 0);
}

void I8259::attach(IoBus& bus) {
  bus.map(0x20, 2, this, 1);
  bus.map(0xa0, 2, this, 1);
  bus.map(0x4d0, 2, this, 1);
}

// ICW1 resets the chip's logic (datasheet "Initialization Command Words"):
// IMR and ISR cleared, IR7 lowest priority, special mask off, IRR selected,
// and the edge-sense latches cleared, so an input must go low then high
// again to interrupt. Level-triggered requests stay (the input is still
// asserted). ELCR belongs to the PIIX and is untouched.
void I8259::init_reset(Chip& c) {
  c.last_irr = 0;
  c.irr &= c.elcr;
  c.imr = 0;
  c.isr = 0;
  c.priority_add = 0;
  c.irq_base = 0;
  c.read_isr = 0;
  c.poll = 0;
  c.special_mask = 0;
  c.init_state = 0;
  c.auto_eoi = 0;
  c.rotate_on_auto_eoi = 0;
  c.special_fully_nested = 0;
  c.init4 = 0;
  c.single_mode = 0;
  c.ltim = 0;
}

// Priority 0 is the highest; priority p is IR (p + priority_add) & 7.
int I8259::priority_of(const Chip& c, uint8_t mask) {
  if (mask == 0) return 8;
  int p = 0;
  while (!(mask & (1 << ((p + c.priority_add) & 7)))) ++p;
  return p;
}

int I8259::pending_irq(int chip) const {
  const Chip& c = m_chip[chip];
  const int prio = priority_of(c, c.irr & ~c.imr);
  if (prio == 8) return -1;
  // In-service levels block equal and lower priorities, except those masked
  // in special mask mode and, in special fully nested mode, the cascade
  // input (so a higher-priority slave request can nest).
  uint8_t in_service = c.isr;
  if (c.special_mask) in_service &= ~c.imr;
  if (c.special_fully_nested && chip == kMaster) in_service &= ~(1 << kCascadeIr);
  if (prio < priority_of(c, in_service)) return (prio + c.priority_add) & 7;
  return -1;
}

void I8259::update(int chip) {
  const bool out = pending_irq(chip) >= 0;
  if (chip == kSlave) {
    set_chip_irq(kMaster, kCascadeIr, out);
  } else {
    m_intr.set(out);
  }
}

void I8259::set_chip_irq(int chip, int irq, bool level) {
  Chip& c = m_chip[chip];
  const uint8_t mask = 1 << irq;
  if (c.ltim || (c.elcr & mask)) {
    // Level triggered: IRR follows the input.
    if (level) {
      c.irr |= mask;
      c.last_irr |= mask;
    } else {
      c.irr &= ~mask;
      c.last_irr &= ~mask;
    }
  } else {
    // Edge triggered: a low-to-high transition latches a request.
    if (level) {
      if (!(c.last_irr & mask)) c.irr |= mask;
      c.last_irr |= mask;
    } else {
      c.last_irr &= ~mask;
    }
  }
  update(chip);
}

void I8259::set_irq(int n, bool level) {
  if (n < 0 || n > 15) return;
  set_chip_irq(n >> 3, n & 7, level);
}

IrqLine I8259::input(int n) {
  return IrqLine([this, n](bool level) { set_irq(n, level); });
}

void I8259::intack(int chip, int irq) {
  Chip& c = m_chip[chip];
  if (c.auto_eoi) {
    if (c.rotate_on_auto_eoi) c.priority_add = (irq + 1) & 7;
  } else {
    c.isr |= 1 << irq;
  }
  // A level-triggered request stays in IRR while its input is asserted.
  if (!(c.ltim || (c.elcr & (1 << irq)))) c.irr &= ~(1 << irq);
  update(chip);
}

int I8259::acknowledge() {
  if (!m_intr.level()) return -1;
  const int irq = pending_irq(kMaster);
  int vector;
  if (irq >= 0) {
    if (irq == kCascadeIr) {
      int irq2 = pending_irq(kSlave);
      if (irq2 >= 0) {
        intack(kSlave, irq2);
      } else {
        irq2 = 7;  // the slave's request went away: spurious IRQ15
      }
      vector = m_chip[kSlave].irq_base + irq2;
    } else {
      vector = m_chip[kMaster].irq_base + irq;
    }
    intack(kMaster, irq);
  } else {
    vector = m_chip[kMaster].irq_base + 7;  // spurious IRQ7: ISR untouched
    update(kMaster);
  }
  return vector;
}

void I8259::chip_write(int chip, unsigned a0, uint8_t value) {
  Chip& c = m_chip[chip];
  if (a0 == 0) {
    if (value & 0x10) {  // ICW1
      init_reset(c);
      c.init_state = 1;
      c.init4 = value & 1;
      c.single_mode = (value >> 1) & 1;
      c.ltim = (value >> 3) & 1;
      update(chip);
    } else if (value & 0x08) {  // OCW3
      if (value & 0x04) c.poll = 1;
      if (value & 0x02) c.read_isr = value & 1;
      if (value & 0x40) c.special_mask = (value >> 5) & 1;
      update(chip);
    } else {  // OCW2: R SL EOI
      const unsigned cmd = value >> 5;
      switch (cmd) {
        case 0:  // rotate in AEOI mode: clear
        case 4:  // rotate in AEOI mode: set
          c.rotate_on_auto_eoi = cmd >> 2;
          break;
        case 1:    // non-specific EOI
        case 5: {  // rotate on non-specific EOI
          const int prio = priority_of(c, c.isr);
          if (prio != 8) {
            const int irq = (prio + c.priority_add) & 7;
            c.isr &= ~(1 << irq);
            if (cmd == 5) c.priority_add = (irq + 1) & 7;
            update(chip);
          }
          break;
        }
        case 3:  // specific EOI
          c.isr &= ~(1 << (value & 7));
          update(chip);
          break;
        case 6:  // set priority: IR(value) becomes the lowest
          c.priority_add = (value + 1) & 7;
          update(chip);
          break;
        case 7:  // rotate on specific EOI
          c.isr &= ~(1 << (value & 7));
          c.priority_add = (value + 1) & 7;
          update(chip);
          break;
        default:  // 2: no operation
          break;
      }
    }
    return;
  }
  switch (c.init_state) {
    case 0:  // OCW1
      c.imr = value;
      update(chip);
      break;
    case 1:  // ICW2
      c.irq_base = value & 0xf8;
      c.init_state = c.single_mode ? (c.init4 ? 3 : 0) : 2;
      break;
    case 2:  // ICW3: the cascade wiring is fixed on a PC
      c.init_state = c.init4 ? 3 : 0;
      break;
    case 3:  // ICW4
      c.special_fully_nested = (value >> 4) & 1;
      c.auto_eoi = (value >> 1) & 1;
      c.init_state = 0;
      break;
  }
}

// Poll command: the read acknowledges the highest request as an INTA would,
// returning 0x80 | IR, or 0 if none.
uint8_t I8259::poll_read(int chip) {
  const int irq = pending_irq(chip);
  if (irq < 0) return 0;
  intack(chip, irq);
  return 0x80 | irq;
}

uint8_t I8259::chip_read(int chip, unsigned a0) {
  Chip& c = m_chip[chip];
  if (c.poll) {
    c.poll = 0;
    return poll_read(chip);
  }
  if (a0 == 0) return c.read_isr ? c.isr : c.irr;
  return c.imr;
}

uint32_t I8259::io_read(uint16_t port, unsigned size) {
  switch (port) {
    case 0x20:
    case 0x21: return chip_read(kMaster, port & 1);
    case 0xa0:
    case 0xa1: return chip_read(kSlave, port & 1);
    case 0x4d0: return m_chip[kMaster].elcr;
    case 0x4d1: return m_chip[kSlave].elcr;
  }
  return 0xff;
}

void I8259::io_write(uint16_t port, unsigned size, uint32_t value) {
  const uint8_t v = value & 0xff;
  switch (port) {
    case 0x20:
    case 0x21: chip_write(kMaster, port & 1, v); break;
    case 0xa0:
    case 0xa1: chip_write(kSlave, port & 1, v); break;
    case 0x4d0:
    case 0x4d1: {
      const int chip = port & 1;
      m_chip[chip].elcr = v & kElcrMask[chip];
      update(chip);
      break;
    }
  }
}

}  // namespace dynemu::hw
