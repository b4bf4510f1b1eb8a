#pragma once

#include <cstdint>
#include <functional>

#include "hw/core/device.h"
#include "hw/core/io_bus.h"

namespace dynemu::misc {

// The POST code port 0x80 (a spare DMA page register on the PC): firmware
// writes progress codes there, and OSes write to it as an I/O delay. It
// keeps the last code and reads it back, as the PIIX3's DMA page register
// does (QEMU's dummy port reads 0xFF instead); the board may watch writes.
class PostPort : public hw::Device, public hw::PortHandler {
 public:
  static constexpr uint16_t kPort = 0x80;

  void set_observer(std::function<void(uint8_t code)> observer) {
    m_observer = std::move(observer);
  }
  void map_ports(hw::IoBus& io);

  uint8_t last_code() const { return m_code; }

  const char* name() const override { return "post"; }
  void reset() override { m_code = 0; }
  void visit_state(hw::StateVisitor& v) override { v("code", m_code); }

  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, unsigned size, uint32_t value) override;

 private:
  std::function<void(uint8_t)> m_observer;
  uint8_t m_code = 0;
};

}  // namespace dynemu::misc
