#include "hw/core/io_bus.h"

namespace dynemu::hw {

IoBus::IoBus() : m_ports(0x10000) {}

void IoBus::map(uint16_t first, uint16_t count, PortHandler* h, unsigned max_size) {
  const uint8_t width = max_size >= 4 ? 4 : max_size >= 2 ? 2 : 1;
  for (uint32_t i = 0; i < count; ++i) m_ports[(first + i) & 0xffff] = Slot{h, width};
}

void IoBus::unmap(uint16_t first, uint16_t count) {
  for (uint32_t i = 0; i < count; ++i) m_ports[(first + i) & 0xffff] = Slot{};
}

uint32_t IoBus::read(uint16_t port, unsigned size) {
  const Slot& s = m_ports[port];
  if (!s.handler) {
    if (size == 1) return 0xff;
    // Each byte of a wide access to a hole floats high, but a wide access
    // may straddle a hole and a device: split it.
    uint32_t v = 0;
    for (unsigned i = 0; i < size; ++i) v |= read(static_cast<uint16_t>(port + i), 1) << (8 * i);
    return v;
  }
  if (size <= s.max_size) return s.handler->io_read(port, size);
  const unsigned half = size / 2;
  const uint32_t lo = read(port, half);
  const uint32_t hi = read(static_cast<uint16_t>(port + half), half);
  return lo | (hi << (8 * half));
}

void IoBus::write(uint16_t port, unsigned size, uint32_t value) {
  const Slot& s = m_ports[port];
  if (!s.handler) {
    if (size == 1) return;
    for (unsigned i = 0; i < size; ++i)
      write(static_cast<uint16_t>(port + i), 1, (value >> (8 * i)) & 0xff);
    return;
  }
  if (size <= s.max_size) return s.handler->io_write(port, size, value);
  const unsigned half = size / 2;
  const uint32_t mask = half == 1 ? 0xff : 0xffff;
  write(port, half, value & mask);
  write(static_cast<uint16_t>(port + half), half, (value >> (8 * half)) & mask);
}

}  // namespace dynemu::hw
