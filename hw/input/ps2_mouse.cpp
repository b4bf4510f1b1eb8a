#include "hw/input/ps2_mouse.h"

#include <algorithm>

namespace dynemu::hw {

Ps2Mouse::Ps2Mouse() {
  reset();
}

void Ps2Mouse::set_defaults() {
  m_s.enabled = 0;
  m_s.remote = 0;
  m_s.scaling21 = 0;
  m_s.resolution = 2;  // 4 counts/mm
  m_s.sample_rate = 100;
  m_s.dx = m_s.dy = m_s.dz = 0;
  m_s.dirty = 0;
}

void Ps2Mouse::reset() {
  clear_queue();
  m_s = State{};
  set_defaults();
}

void Ps2Mouse::visit_state(StateVisitor& v) {
  v("state", m_s);
  visit_queue(v);
}

void Ps2Mouse::write(uint8_t byte) {
  if (m_s.expecting) {
    const uint8_t cmd = m_s.expecting;
    m_s.expecting = 0;
    if (cmd == 0xf3) {
      m_s.sample_rate = byte;
      m_s.knock[0] = m_s.knock[1];
      m_s.knock[1] = m_s.knock[2];
      m_s.knock[2] = byte;
      // IntelliMouse knocks: 200,100,80 -> ID 3; then 200,200,80 -> ID 4.
      if (m_s.knock[0] == 200 && m_s.knock[1] == 100 && m_s.knock[2] == 80) m_s.id = 3;
      if (m_s.knock[0] == 200 && m_s.knock[1] == 200 && m_s.knock[2] == 80 && m_s.id == 3)
        m_s.id = 4;
    } else {  // 0xe8
      m_s.resolution = byte & 3;
    }
    queue(kAck);
    return;
  }
  if (m_s.wrap) {
    if (byte != 0xff && byte != 0xec) {
      queue(byte);  // echo
      return;
    }
  }
  switch (byte) {
    case 0xe6:
      m_s.scaling21 = 0;
      queue(kAck);
      break;
    case 0xe7:
      m_s.scaling21 = 1;
      queue(kAck);
      break;
    case 0xe8:
    case 0xf3:
      m_s.expecting = byte;
      queue(kAck);
      break;
    case 0xe9: {  // status request
      const uint8_t status = (m_s.remote << 6) | (m_s.enabled << 5) | (m_s.scaling21 << 4) |
                             ((m_s.buttons & kLeft) << 2) | ((m_s.buttons & kMiddle) >> 1) |
                             ((m_s.buttons & kRight) >> 1);
      const uint8_t reply[] = {kAck, status, m_s.resolution, m_s.sample_rate};
      queue(reply);
      break;
    }
    case 0xea:
      m_s.remote = 0;
      queue(kAck);
      break;
    case 0xeb:  // read data
      queue(kAck);
      m_s.dirty = 1;
      send_packet();
      break;
    case 0xec:
      m_s.wrap = 0;
      queue(kAck);
      break;
    case 0xee:
      m_s.wrap = 1;
      queue(kAck);
      break;
    case 0xf0:
      m_s.remote = 1;
      queue(kAck);
      break;
    case 0xf2: {
      const uint8_t reply[] = {kAck, m_s.id};
      queue(reply);
      break;
    }
    case 0xf4:
      m_s.enabled = 1;
      queue(kAck);
      break;
    case 0xf5:
      m_s.enabled = 0;
      queue(kAck);
      break;
    case 0xf6:
      set_defaults();
      queue(kAck);
      break;
    case 0xff: {
      clear_queue();
      m_s.wrap = 0;
      m_s.id = 0;
      m_s.knock[0] = m_s.knock[1] = m_s.knock[2] = 0;
      set_defaults();
      const uint8_t reply[] = {kAck, kBatOk, 0x00};
      queue(reply);
      break;
    }
    default: queue(kResend); break;
  }
}

bool Ps2Mouse::send_packet() {
  const size_t size = m_s.id == 0 ? 3 : 4;
  if (free_space() < size) return false;
  // PS/2 counts Y upwards.
  const int dx = std::clamp<int32_t>(m_s.dx, -255, 255);
  const int dy = std::clamp<int32_t>(-m_s.dy, -255, 255);
  const int dz = std::clamp<int32_t>(m_s.dz, -8, 7);
  uint8_t p[4];
  p[0] = 0x08 | (m_s.buttons & 7) | (dx < 0 ? 0x10 : 0) | (dy < 0 ? 0x20 : 0);
  p[1] = static_cast<uint8_t>(dx);
  p[2] = static_cast<uint8_t>(dy);
  if (m_s.id == 3) {
    p[3] = static_cast<uint8_t>(dz);
  } else {
    p[3] = static_cast<uint8_t>((dz & 0x0f) | ((m_s.buttons & (kSide | kExtra)) << 1));
  }
  m_s.dx -= dx;
  m_s.dy += dy;
  m_s.dz -= dz;
  m_s.dirty = 0;
  queue(std::span<const uint8_t>(p, size));
  return true;
}

void Ps2Mouse::flush() {
  if (!m_s.enabled || m_s.remote || m_s.wrap || m_s.expecting) return;
  while (m_s.dirty || m_s.dx || m_s.dy || m_s.dz) {
    if (!send_packet()) break;
  }
}

void Ps2Mouse::move(int dx, int dy, int dz, uint8_t buttons) {
  if (buttons != m_s.buttons) m_s.dirty = 1;
  m_s.buttons = buttons;
  // In remote mode motion accumulates for READ DATA; while disabled it is
  // discarded.
  if (!m_s.enabled && !m_s.remote) return;
  m_s.dx += dx;
  m_s.dy += dy;
  m_s.dz += dz;
  flush();
}

}  // namespace dynemu::hw
