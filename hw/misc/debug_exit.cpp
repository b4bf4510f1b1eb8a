#include "hw/misc/debug_exit.h"

namespace dynemu::misc {

void DebugExit::map_ports(hw::IoBus& io, uint16_t base, uint16_t size) {
  io.map(base, size, this);
}

uint32_t DebugExit::io_read(uint16_t port, unsigned size) {
  return 0;
}

// The whole value written counts, whatever its width (QEMU does the same).
void DebugExit::io_write(uint16_t port, unsigned size, uint32_t value) {
  if (m_request) m_request(static_cast<int>((value << 1) | 1));
}

}  // namespace dynemu::misc
