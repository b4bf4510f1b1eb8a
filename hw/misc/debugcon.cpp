#include "hw/misc/debugcon.h"

namespace dynemu::misc {

// One port, byte wide: a word write is two bytes, as on the ISA bus.
void DebugCon::map_ports(hw::IoBus& io, uint16_t port) {
  io.map(port, 1, this, 1);
}

uint32_t DebugCon::io_read(uint16_t port, unsigned size) {
  return kReadback;
}

void DebugCon::io_write(uint16_t port, unsigned size, uint32_t value) {
  if (m_sink) m_sink(static_cast<uint8_t>(value));
}

}  // namespace dynemu::misc
