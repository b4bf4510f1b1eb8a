#pragma once

// System control port A (0x92) of the PIIX/PS/2 chipset: bit 1 gates A20
// ("fast A20"), writing bit 0 as 1 resets the CPU. The board ORs this A20
// with the i8042's and performs the reset.

#include <cstdint>
#include <functional>

#include "hw/core/device.h"
#include "hw/core/io_bus.h"

namespace dynemu::hw::pc {

class Port92 : public Device, public PortHandler {
 public:
  static constexpr uint16_t kPort = 0x92;

  Port92(std::function<void(bool enabled)> a20, std::function<void()> reset_request)
      : m_a20(std::move(a20)), m_reset(std::move(reset_request)) {}

  void attach(IoBus& bus) { bus.map(kPort, 1, this, 1); }

  const char* name() const override { return "port92"; }
  void reset() override;
  void visit_state(StateVisitor& v) override { v("value", m_value); }

  uint32_t io_read(uint16_t port, unsigned size) override { return m_value; }
  void io_write(uint16_t port, unsigned size, uint32_t value) override;

  bool a20() const { return m_value & 2; }

 private:
  std::function<void(bool)> m_a20;
  std::function<void()> m_reset;
  uint8_t m_value = 0;
};

}  // namespace dynemu::hw::pc
