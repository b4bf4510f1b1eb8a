#include "hw/misc/post_port.h"

namespace dynemu::misc {

void PostPort::map_ports(hw::IoBus& io) {
  io.map(kPort, 1, this, 1);
}

uint32_t PostPort::io_read(uint16_t port, unsigned size) {
  return m_code;
}

void PostPort::io_write(uint16_t port, unsigned size, uint32_t value) {
  m_code = static_cast<uint8_t>(value);
  if (m_observer) m_observer(m_code);
}

}  // namespace dynemu::misc
