#pragma once

#include <cstdint>

#include "hw/core/device.h"
#include "hw/core/io_bus.h"

namespace dynemu::pci {

class PciBus;

// PCI configuration mechanism #1: the CONFIG_ADDRESS register at 0xCF8
// (dword accesses only; bit 31 enable, bus 23..16, devfn 15..8, register
// 7..2) and the CONFIG_DATA window at 0xCFC..0xCFF (byte, word, dword; the
// port's low bits select the byte within the register). Only bus 0 exists;
// other buses, and data accesses with the enable bit clear, read all ones.
class PciHost : public hw::Device, public hw::PortHandler {
 public:
  static constexpr uint16_t kAddressPort = 0xcf8;
  static constexpr uint16_t kDataPort = 0xcfc;

  explicit PciHost(PciBus& bus) : m_bus(bus) {}

  // Maps 0xCF8..0xCFF. Map the PIIX3's reset control port 0xCF9 after this:
  // byte accesses there are its register, not CONFIG_ADDRESS.
  void map_ports(hw::IoBus& io);

  const char* name() const override { return "pci-host"; }
  void reset() override { m_address = 0; }
  void visit_state(hw::StateVisitor& v) override { v("address", m_address); }

  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, unsigned size, uint32_t value) override;

  uint32_t address() const { return m_address; }

 private:
  PciBus& m_bus;
  uint32_t m_address = 0;
};

}  // namespace dynemu::pci
