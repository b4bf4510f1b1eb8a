#include "hw/pci/pci_host.h"

#include "hw/pci/pci_bus.h"

namespace dynemu::pci {
namespace {

uint32_t ones(unsigned size) {
  return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

}  // namespace

void PciHost::map_ports(hw::IoBus& io) {
  io.map(kAddressPort, 8, this);
}

uint32_t PciHost::io_read(uint16_t port, unsigned size) {
  if (port < kDataPort) {
    // Reads of any width see the register (QEMU does the same).
    return (m_address >> (8 * (port - kAddressPort))) & ones(size);
  }
  if (!(m_address & 0x80000000u) || ((m_address >> 16) & 0xff) != 0) return ones(size);
  const uint8_t devfn = (m_address >> 8) & 0xff;
  const uint8_t reg = static_cast<uint8_t>((m_address & 0xfc) | (port & 3));
  return m_bus.config_read(devfn, reg, size);
}

void PciHost::io_write(uint16_t port, unsigned size, uint32_t value) {
  if (port < kDataPort) {
    // Only a dword write at 0xCF8 is CONFIG_ADDRESS; narrower cycles there
    // belong to other registers of the chipset (Linux probes with them).
    // The low two bits read back as written (QEMU); cycles ignore them.
    if (port == kAddressPort && size == 4) m_address = value;
    return;
  }
  if (!(m_address & 0x80000000u) || ((m_address >> 16) & 0xff) != 0) return;
  const uint8_t devfn = (m_address >> 8) & 0xff;
  const uint8_t reg = static_cast<uint8_t>((m_address & 0xfc) | (port & 3));
  m_bus.config_write(devfn, reg, size, value);
}

}  // namespace dynemu::pci
