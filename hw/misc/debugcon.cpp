#include "hw/misc/debugcon.h"

namespace dynemu::misc {

// One byte-wide port. As QEMU's isa-debugcon (checked against it), wider
// accesses are not split: writes are dropped and reads give 0.
void DebugCon::map_ports(hw::IoBus& io, uint16_t port) {
  io.map(port, 1, this);
}

uint32_t DebugCon::io_read(uint16_t port, unsigned size) {
  return size == 1 ? kReadback : 0;
}

void DebugCon::io_write(uint16_t port, unsigned size, uint32_t value) {
  if (size == 1 && m_sink) m_sink(static_cast<uint8_t>(value));
}

}  // namespace dynemu::misc
