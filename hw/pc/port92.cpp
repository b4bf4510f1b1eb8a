#include "hw/pc/port92.h"

namespace dynemu::hw::pc {

void Port92::reset() {
  m_value = 0;
  if (m_a20) m_a20(false);
}

void Port92::io_write(uint16_t port, unsigned size, uint32_t value) {
  const uint8_t old = m_value;
  m_value = uint8_t(value & 0x02);  // bit 0 reads back 0: the reset is a pulse
  if (((old ^ m_value) & 2) && m_a20) m_a20(m_value & 2);
  if ((value & 1) && m_reset) m_reset();
}

}  // namespace dynemu::hw::pc
