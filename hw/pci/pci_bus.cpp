#include "hw/pci/pci_bus.h"

#include <cassert>

#include "emulator/mmu/phys_memory.h"
#include "hw/pci/pci_device.h"

namespace dynemu::pci {

PciBus::PciBus(hw::IoBus* io, mmu::PhysMemory* memory) : m_io(io), m_memory(memory) {}

PciBus::~PciBus() {
  // Devices still attached stay where they are mapped; they only forget the bus.
  for (PciDevice* d : m_devices)
    if (d) d->m_bus = nullptr;
}

void PciBus::detach(PciDevice& device) {
  for (int slot = 0; slot <= kRomSlot; ++slot) unmap_region(device, slot);
  m_devices[device.m_devfn] = nullptr;
  device.m_bus = nullptr;
}

void PciBus::attach(uint8_t devfn, PciDevice* device) {
  assert(!m_devices[devfn] && !device->m_bus);
  m_devices[devfn] = device;
  device->m_bus = this;
  device->m_devfn = devfn;
  update_mappings(*device);
  irq_changed(*device);
}

uint32_t PciBus::config_read(uint8_t devfn, uint8_t offset, unsigned size) {
  PciDevice* d = m_devices[devfn];
  if (!d) return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
  return d->config_read(offset, size);
}

void PciBus::config_write(uint8_t devfn, uint8_t offset, unsigned size, uint32_t value) {
  if (PciDevice* d = m_devices[devfn]) d->config_write(offset, size, value);
}

void PciBus::update_mappings(PciDevice& device) {
  for (int slot = 0; slot <= kRomSlot; ++slot) {
    const uint32_t want = device.decoded_address(slot);
    if (want == device.m_regions[slot].mapped) continue;
    unmap_region(device, slot);
    if (want != PciDevice::kUnmapped) map_region(device, slot, want);
  }
}

void PciBus::map_region(PciDevice& device, int slot, uint32_t address) {
  PciDevice::Region& r = device.m_regions[slot];
  using Kind = PciDevice::Region::Kind;
  switch (r.kind) {
    case Kind::None: return;
    case Kind::Io:
      if (m_io)
        m_io->map(static_cast<uint16_t>(address), static_cast<uint16_t>(r.size), r.relative.get());
      break;
    case Kind::Mmio:
      if (m_memory) m_memory->map_mmio(address, r.size, r.mmio);
      break;
    case Kind::Ram:
      if (m_memory) m_memory->map_device_ram(address, r.size, r.ram);
      break;
    case Kind::Rom:
      if (m_memory) m_memory->map_rom(address, device.m_rom);
      break;
  }
  r.mapped = address;
}

void PciBus::unmap_region(PciDevice& device, int slot) {
  PciDevice::Region& r = device.m_regions[slot];
  if (r.mapped == PciDevice::kUnmapped) return;
  if (r.kind == PciDevice::Region::Kind::Io) {
    if (m_io) m_io->unmap(static_cast<uint16_t>(r.mapped), static_cast<uint16_t>(r.size));
  } else if (m_memory) {
    m_memory->unmap(r.mapped, r.size);
  }
  r.mapped = PciDevice::kUnmapped;
}

void PciBus::refresh() {
  for (PciDevice* d : m_devices) {
    if (!d) continue;
    // Loaded state may describe the same addresses as before with different
    // contents behind them: map everything afresh.
    for (int slot = 0; slot <= kRomSlot; ++slot) unmap_region(*d, slot);
    update_mappings(*d);
  }
  for (int pirq = 0; pirq < 4; ++pirq) update_pirq(pirq);
}

int PciBus::pirq_of(uint8_t devfn, uint8_t pin) {
  const int slot = devfn >> 3;
  return (slot - 1 + pin - 1) & 3;
}

void PciBus::irq_changed(PciDevice& device) {
  const uint8_t pin = device.m_pin;
  if (pin == 0) return;
  update_pirq(pirq_of(device.m_devfn, pin));
}

void PciBus::update_pirq(int pirq) {
  if (!m_router) return;
  // PIRQ wires are wired-OR: any device on them holds them asserted.
  bool level = false;
  for (PciDevice* d : m_devices)
    if (d && d->m_pin && pirq_of(d->m_devfn, d->m_pin) == pirq && d->irq_asserted()) level = true;
  m_router->set_pirq(pirq, level);
}

}  // namespace dynemu::pci
