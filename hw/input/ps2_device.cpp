#include "hw/input/ps2_device.h"

namespace dynemu::hw {

uint8_t Ps2Device::read() {
  if (m_q.count == 0) return 0;
  const uint8_t b = m_q.data[m_q.head];
  m_q.head = (m_q.head + 1) % kQueueSize;
  --m_q.count;
  drained();
  return b;
}

void Ps2Device::queue(uint8_t b) {
  if (m_q.count == kQueueSize) return;
  m_q.data[(m_q.head + m_q.count) % kQueueSize] = b;
  ++m_q.count;
  if (m_data_ready) m_data_ready();
}

void Ps2Device::queue(std::span<const uint8_t> bytes) {
  if (bytes.size() > free_space()) return;
  for (uint8_t b : bytes) m_q.data[(m_q.head + m_q.count++) % kQueueSize] = b;
  if (m_data_ready) m_data_ready();
}

}  // namespace dynemu::hw
