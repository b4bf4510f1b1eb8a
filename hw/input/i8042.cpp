#include "hw/input/i8042.h"

#include "hw/input/scancodes.h"

namespace dynemu::hw {

namespace {

enum : uint8_t {
  kStatOBF = 0x01,
  kStatSys = 0x04,
  kStatCmd = 0x08,  // the last write went to 0x64
  kStatUnlocked = 0x10,
  kStatAuxOBF = 0x20,

  kModeKbdInt = 0x01,
  kModeAuxInt = 0x02,
  kModeSys = 0x04,
  kModeDisableKbd = 0x10,
  kModeDisableAux = 0x20,
  kModeTranslate = 0x40,

  kOutReset = 0x01,  // active low
  kOutA20 = 0x02,
  kOutOBF = 0x10,
  kOutAuxOBF = 0x20,
};

}  // namespace

I8042::I8042() {
  m_kbd.set_data_ready([this] { refill(); });
  m_mouse.set_data_ready([this] { refill(); });
  reset();
}

// Power-on state as QEMU's: interrupts enabled, ports enabled, no
// translation until the BIOS asks for it, A20 enabled, reset line high.
void I8042::reset() {
  m_s = State{};
  m_s.ram[0] = kModeKbdInt | kModeAuxInt;
  m_s.status = kStatCmd | kStatUnlocked;
  m_s.outport = 0xc0 | 0x0c | kOutA20 | kOutReset;
  m_kbd.reset();
  m_mouse.reset();
  m_a20.set(true);
  update();
}

void I8042::visit_state(StateVisitor& v) {
  v("state", m_s);
  PrefixedVisitor kbd(v, "keyboard");
  m_kbd.visit_state(kbd);
  PrefixedVisitor mouse(v, "mouse");
  m_mouse.visit_state(mouse);
  m_a20.set(m_s.outport & kOutA20);
  update();
}

void I8042::attach(IoBus& bus) {
  bus.map(0x60, 1, this, 1);
  bus.map(0x64, 1, this, 1);
}

void I8042::update() {
  m_s.status &= ~(kStatOBF | kStatAuxOBF);
  m_s.outport &= ~(kOutOBF | kOutAuxOBF);
  if (m_s.obf) {
    m_s.status |= kStatOBF | (m_s.out_aux ? kStatAuxOBF : 0);
    m_s.outport |= m_s.out_aux ? kOutAuxOBF : kOutOBF;
  }
  m_irq1.set(m_s.obf && !m_s.out_aux && (m_s.ram[0] & kModeKbdInt));
  m_irq12.set(m_s.obf && m_s.out_aux && (m_s.ram[0] & kModeAuxInt));
}

// Fill the output buffer if it is empty: controller replies first, then
// the keyboard, then the mouse (when their ports are enabled).
void I8042::refill() {
  if (m_in_refill) return;  // a device queueing while we read from it
  m_in_refill = true;
  while (!m_s.obf) {
    if (m_s.ctrl_count) {
      m_s.out = m_s.ctrl[0];
      m_s.out_aux = m_s.ctrl_aux[0];
      for (int i = 1; i < m_s.ctrl_count; ++i) {
        m_s.ctrl[i - 1] = m_s.ctrl[i];
        m_s.ctrl_aux[i - 1] = m_s.ctrl_aux[i];
      }
      --m_s.ctrl_count;
      m_s.obf = 1;
    } else if (!(m_s.ram[0] & kModeDisableKbd) && m_kbd.has_data()) {
      const uint8_t b = m_kbd.read();
      if (m_s.ram[0] & kModeTranslate) {
        // Set 2 -> set 1: F0 is swallowed and sets bit 7 of the next code.
        if (b == 0xf0) {
          m_s.xlat_f0 = 1;
          continue;
        }
        m_s.out = set2_to_set1(b) | (m_s.xlat_f0 ? 0x80 : 0);
        m_s.xlat_f0 = 0;
      } else {
        m_s.out = b;
      }
      m_s.out_aux = 0;
      m_s.obf = 1;
    } else if (!(m_s.ram[0] & kModeDisableAux) && m_mouse.has_data()) {
      m_s.out = m_mouse.read();
      m_s.out_aux = 1;
      m_s.obf = 1;
    } else {
      break;
    }
  }
  m_in_refill = false;
  update();
}

void I8042::put_ctrl(uint8_t b) {
  if (m_s.ctrl_count < sizeof m_s.ctrl) {
    m_s.ctrl[m_s.ctrl_count] = b;
    m_s.ctrl_aux[m_s.ctrl_count] = 0;
    ++m_s.ctrl_count;
  }
  refill();
}

void I8042::set_outport(uint8_t v) {
  m_s.outport = v;
  m_a20.set(v & kOutA20);
  if (!(v & kOutReset) && m_reset_request) m_reset_request();
  update();
}

void I8042::write_command(uint8_t cmd) {
  if (cmd >= 0x20 && cmd <= 0x3f) {  // read command byte / internal RAM
    put_ctrl(m_s.ram[cmd & 0x1f]);
    return;
  }
  if (cmd >= 0x60 && cmd <= 0x7f) {  // write command byte / internal RAM
    m_s.pending_cmd = cmd;
    return;
  }
  if (cmd >= 0xf0) {
    // Pulse output port bits 0-3 low for 6 us; bit 0 is the CPU reset line.
    if (!(cmd & 1) && m_reset_request) m_reset_request();
    return;
  }
  switch (cmd) {
    case 0xa4: put_ctrl(0xf1); break;  // no password installed
    case 0xa7: m_s.ram[0] |= kModeDisableAux; break;
    case 0xa8:
      m_s.ram[0] &= ~kModeDisableAux;
      refill();
      break;
    case 0xa9: put_ctrl(0x00); break;  // aux interface test: OK
    case 0xaa:                         // self test
      m_s.status |= kStatSys;
      put_ctrl(0x55);
      break;
    case 0xab: put_ctrl(0x00); break;  // keyboard interface test: OK
    case 0xad: m_s.ram[0] |= kModeDisableKbd; break;
    case 0xae:
      m_s.ram[0] &= ~kModeDisableKbd;
      refill();
      break;
    case 0xc0: put_ctrl(0x80); break;  // input port: keyboard not inhibited
    case 0xd0: put_ctrl(m_s.outport); break;
    case 0xd1:
    case 0xd2:
    case 0xd3:
    case 0xd4: m_s.pending_cmd = cmd; break;
    case 0xdd: set_outport(m_s.outport & ~kOutA20); break;
    case 0xdf: set_outport(m_s.outport | kOutA20); break;
    case 0xe0: put_ctrl(0x00); break;  // test inputs
    default: break;                    // unknown: ignored, as the 8042 does
  }
  update();
}

void I8042::write_data(uint8_t v) {
  const uint8_t cmd = m_s.pending_cmd;
  m_s.pending_cmd = 0;
  if (cmd >= 0x60 && cmd <= 0x7f) {
    m_s.ram[cmd & 0x1f] = v;
    if (cmd == 0x60) {
      m_s.status = (m_s.status & ~kStatSys) | (v & kModeSys);
      refill();  // a port may have been enabled
    }
    update();
    return;
  }
  switch (cmd) {
    case 0xd1: set_outport(v); break;
    case 0xd2:
    case 0xd3:
      if (m_s.ctrl_count < sizeof m_s.ctrl) {
        m_s.ctrl[m_s.ctrl_count] = v;
        m_s.ctrl_aux[m_s.ctrl_count] = cmd == 0xd3;
        ++m_s.ctrl_count;
      }
      refill();
      break;
    case 0xd4: m_mouse.write(v); break;
    default:
      // Data for the keyboard; sending to it re-enables its port.
      m_s.ram[0] &= ~kModeDisableKbd;
      m_kbd.write(v);
      refill();
      break;
  }
}

uint32_t I8042::io_read(uint16_t port, unsigned size) {
  if (port == 0x64) return m_s.status;
  const uint8_t v = m_s.out;
  if (m_s.obf) {
    // The buffer empties (IRQ line drops) before the next byte moves in,
    // so each byte is a new interrupt edge.
    m_s.obf = 0;
    update();
    refill();
  }
  return v;
}

void I8042::io_write(uint16_t port, unsigned size, uint32_t value) {
  const uint8_t v = value & 0xff;
  if (port == 0x64) {
    m_s.status |= kStatCmd;
    write_command(v);
  } else {
    m_s.status &= ~kStatCmd;
    write_data(v);
  }
}

}  // namespace dynemu::hw
