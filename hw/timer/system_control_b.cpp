#include "hw/timer/system_control_b.h"

namespace dynemu::hw {

SystemControlB::SystemControlB(Scheduler& sched, I8254& pit) : m_sched(sched), m_pit(pit) {
  reset();
}

void SystemControlB::reset() {
  m_value = 0;
  m_pit.set_gate(2, false);
}

void SystemControlB::visit_state(StateVisitor& v) {
  v("value", m_value);
}

void SystemControlB::attach(IoBus& bus) {
  bus.map(0x61, 1, this, 1);
}

uint32_t SystemControlB::io_read(uint16_t port, unsigned size) {
  const bool refresh = (m_sched.now() / kRefreshToggleNs) & 1;
  return (m_value & 0x0f) | (refresh << 4) | (m_pit.out(2) << 5);
}

void SystemControlB::io_write(uint16_t port, unsigned size, uint32_t value) {
  m_value = value & 0x0f;
  m_pit.set_gate(2, m_value & 1);
}

}  // namespace dynemu::hw
