#pragma once

#include <cstdint>
#include <functional>

#include "hw/core/io_bus.h"
#include "hw/pci/pci_bus.h"
#include "hw/pci/pci_device.h"

namespace dynemu::pci {

// The PIIX3 PCI-to-ISA bridge (8086:7000, class 0601), function 0 of a
// multi-function device at 00:01.0 (the IDE controller is 00:01.1).
//
// It is the PCI interrupt router: PIRQRC[A..D] (0x60..0x63) steer each
// PIRQ# wire to an ISA IRQ (bits 3..0) unless bit 7 disables the route
// (reset 0x80). Several PIRQs may share one IRQ: its level is the OR. The
// board gives the ISA side as a callback to the PICs (and sets those IRQs
// level-triggered in the ELCR, which is the PIC's).
//
// It also owns the reset control register at port 0xCF9: writing bit 2
// (RCPU) requests a system reset, bit 1 (SRST) is kept. SeaBIOS resets
// with 0x02 then 0x06.
class Piix3 : public PciDevice, public PciIrqRouter, public hw::PortHandler {
 public:
  static constexpr uint8_t kPirqRoute = 0x60;
  static constexpr uint16_t kResetControlPort = 0xcf9;

  using IsaIrqSink = std::function<void(int isa_irq, bool level)>;

  Piix3();
  ~Piix3() override;

  // Wiring.
  void set_isa_irq_sink(IsaIrqSink sink) { m_isa_irq = std::move(sink); }
  void set_reset_request(std::function<void()> request) { m_reset_request = std::move(request); }
  // Maps port 0xCF9 (after PciHost::map_ports, which it overrides there).
  void map_ports(hw::IoBus& io);

  const char* name() const override { return "piix3"; }
  void reset() override;
  void visit_state(hw::StateVisitor& v) override;

  // PciIrqRouter
  void set_pirq(int pirq, bool level) override;

  // Port 0xCF9.
  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, unsigned size, uint32_t value) override;

  // The ISA IRQs currently driven high (bit n = IRQ n).
  uint16_t isa_levels() const { return m_isa_levels; }
  // Which ISA IRQ a PIRQ goes to now, or -1 if its route is disabled.
  int route(int pirq) const;

 protected:
  void config_written(uint8_t offset, unsigned size) override;

 private:
  void update_isa_levels();

  IsaIrqSink m_isa_irq;
  std::function<void()> m_reset_request;
  uint8_t m_pirq_levels = 0;  // bit n: PIRQ n asserted
  uint16_t m_isa_levels = 0;  // bit n: what the ISA IRQ n sink last heard
  uint8_t m_reset_control = 0;
};

}  // namespace dynemu::pci
