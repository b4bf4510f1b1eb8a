#include "hw/input/ps2_keyboard.h"

#include <vector>

namespace dynemu::hw {

namespace {

enum : uint8_t {
  kEcho = 0xee,
};

}  // namespace

Ps2Keyboard::Ps2Keyboard() {
  reset();
}

void Ps2Keyboard::set_defaults() {
  m_s.scancode_set = 2;
  m_s.typematic = 0x2b;  // 10.9 cps, 500 ms
}

void Ps2Keyboard::reset() {
  clear_queue();
  m_s = State{};
  set_defaults();
  m_s.scan_enabled = 1;
}

void Ps2Keyboard::visit_state(StateVisitor& v) {
  v("state", m_s);
  visit_queue(v);
}

void Ps2Keyboard::write(uint8_t byte) {
  if (m_s.expecting) {
    const uint8_t cmd = m_s.expecting;
    m_s.expecting = 0;
    switch (cmd) {
      case 0xed:  // set LEDs
        m_s.leds = byte & 7;
        queue(kAck);
        return;
      case 0xf3:  // typematic rate/delay
        m_s.typematic = byte & 0x7f;
        queue(kAck);
        return;
      case 0xf0:  // scancode set
        if (byte == 0) {
          const uint8_t reply[] = {kAck, m_s.scancode_set};
          queue(reply);
        } else if (byte <= 3) {
          m_s.scancode_set = byte;
          queue(kAck);
        } else {
          queue(kResend);
        }
        return;
    }
  }
  // Every command makes the keyboard discard its pending output.
  clear_queue();
  switch (byte) {
    case 0xed:
    case 0xf0:
    case 0xf3:
      m_s.expecting = byte;
      queue(kAck);
      break;
    case 0xee: queue(kEcho); break;
    case 0xf2: {  // identify: MF2 keyboard
      const uint8_t reply[] = {kAck, 0xab, 0x83};
      queue(reply);
      break;
    }
    case 0xf4:
      m_s.scan_enabled = 1;
      queue(kAck);
      break;
    case 0xf5:
      set_defaults();
      m_s.scan_enabled = 0;
      queue(kAck);
      break;
    case 0xf6:
      set_defaults();
      queue(kAck);
      break;
    case 0xf7:
    case 0xf8:
    case 0xf9:
    case 0xfa:
    case 0xfb:
    case 0xfc:
    case 0xfd: queue(kAck); break;
    case 0xfe: queue(m_s.last_sent); break;
    case 0xff: {  // reset and self test (BAT)
      m_s.leds = 0;
      set_defaults();
      m_s.scan_enabled = 1;
      const uint8_t reply[] = {kAck, kBatOk};
      queue(reply);
      break;
    }
    default: queue(kResend); break;
  }
}

bool Ps2Keyboard::send_bytes(std::span<const uint8_t> bytes) {
  if (!m_s.scan_enabled || bytes.size() > free_space()) return false;
  queue(bytes);
  if (!bytes.empty()) m_s.last_sent = bytes.back();
  return true;
}

bool Ps2Keyboard::key_event(uint16_t key, bool down) {
  std::vector<uint8_t> seq;
  const bool set1 = m_s.scancode_set == 1;
  const bool extended = (key & 0xff00) == 0xe000;
  const uint8_t code = key & 0xff;
  if (key == kKeyPause) {
    if (!down) return true;  // Pause has no break sequence
    if (set1) {
      seq = {0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5};
    } else {
      seq = {0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77};
    }
  } else if (key == kKeyPrintScreen) {
    if (set1) {
      seq = down ? std::vector<uint8_t>{0xe0, 0x2a, 0xe0, 0x37}
                 : std::vector<uint8_t>{0xe0, 0xb7, 0xe0, 0xaa};
    } else {
      seq = down ? std::vector<uint8_t>{0xe0, 0x12, 0xe0, 0x7c}
                 : std::vector<uint8_t>{0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12};
    }
  } else if (set1) {
    if (extended) seq.push_back(0xe0);
    seq.push_back(set2_to_set1(code) | (down ? 0 : 0x80));
  } else {
    if (extended) seq.push_back(0xe0);
    if (!down) seq.push_back(0xf0);
    seq.push_back(code);
  }
  return send_bytes(seq);
}

}  // namespace dynemu::hw
