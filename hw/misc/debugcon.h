#pragma once

#include <cstdint>
#include <functional>

#include "hw/core/device.h"
#include "hw/core/io_bus.h"

namespace dynemu::misc {

// The Bochs/QEMU debug console (QEMU's isa-debugcon; 0x402 on the PC, where
// SeaBIOS logs). Reads return the readback byte (0xE9): SeaBIOS writes its
// debug log only after reading that back. Every byte written goes to the
// sink the board gives (a file, stderr, a test's buffer).
class DebugCon : public hw::Device, public hw::PortHandler {
 public:
  static constexpr uint16_t kDefaultPort = 0x402;
  static constexpr uint8_t kReadback = 0xe9;

  using Sink = std::function<void(uint8_t byte)>;
  explicit DebugCon(Sink sink = {}) : m_sink(std::move(sink)) {}
  void set_sink(Sink sink) { m_sink = std::move(sink); }
  void map_ports(hw::IoBus& io, uint16_t port = kDefaultPort);

  const char* name() const override { return "debugcon"; }
  void reset() override {}
  void visit_state(hw::StateVisitor&) override {}  // no state: the bytes are gone once written

  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, unsigned size, uint32_t value) override;

 private:
  Sink m_sink;
};

}  // namespace dynemu::misc
