#pragma once

#include <cstdint>
#include <functional>

#include "hw/core/device.h"
#include "hw/core/io_bus.h"

namespace dynemu::misc {

// QEMU's isa-debug-exit: a write of v to its ports (default iobase 0x501,
// iosize 2) asks the emulator to exit with status (v << 1) | 1, so a test
// guest can report a result that never collides with a clean exit (0).
// The board gives the callback that stops the machine; reads return 0.
class DebugExit : public hw::Device, public hw::PortHandler {
 public:
  static constexpr uint16_t kDefaultBase = 0x501;
  static constexpr uint16_t kDefaultSize = 2;

  using ExitRequest = std::function<void(int status)>;
  explicit DebugExit(ExitRequest request = {}) : m_request(std::move(request)) {}
  void set_exit_request(ExitRequest request) { m_request = std::move(request); }
  void map_ports(hw::IoBus& io, uint16_t base = kDefaultBase, uint16_t size = kDefaultSize);

  const char* name() const override { return "isa-debug-exit"; }
  void reset() override {}
  void visit_state(hw::StateVisitor&) override {}  // no state

  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, unsigned size, uint32_t value) override;

 private:
  ExitRequest m_request;
};

}  // namespace dynemu::misc
