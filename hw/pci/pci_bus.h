#pragma once

#include <array>
#include <cstdint>

#include "hw/core/io_bus.h"

namespace dynemu::mmu {
class PhysMemory;
}

namespace dynemu::pci {

class PciDevice;

// Where the bus sends INTx: the four PIRQ# wires of the PC's interrupt
// router (the PIIX3), level-triggered and shared.
class PciIrqRouter {
 public:
  virtual ~PciIrqRouter() = default;
  virtual void set_pirq(int pirq, bool level) = 0;  // pirq 0..3 = PIRQA#..PIRQD#
};

// PCI bus 0 of the PC: the functions by devfn, their BARs mapped into the
// machine's I/O and memory spaces while decoding is enabled, and INTx
// swizzled onto the PIRQ wires. Either space may be null (tests).
class PciBus {
 public:
  PciBus(hw::IoBus* io, mmu::PhysMemory* memory);
  ~PciBus();
  PciBus(const PciBus&) = delete;
  PciBus& operator=(const PciBus&) = delete;

  // Puts a function at devfn (slot << 3 | function). The bus does not own it.
  void attach(uint8_t devfn, PciDevice* device);
  // Takes a function off the bus, unmapping its regions (a device's
  // destructor does this: the I/O bus and memory must outlive devices).
  void detach(PciDevice& device);
  PciDevice* device(uint8_t devfn) const { return m_devices[devfn]; }
  void set_irq_router(PciIrqRouter* router) { m_router = router; }
  PciIrqRouter* irq_router() const { return m_router; }

  // Configuration cycles on this bus; an empty devfn reads all ones.
  uint32_t config_read(uint8_t devfn, uint8_t offset, unsigned size);
  void config_write(uint8_t devfn, uint8_t offset, unsigned size, uint32_t value);

  // Brings the I/O and memory maps in line with a device's BARs and command
  // register (called by the device on every change that matters).
  void update_mappings(PciDevice& device);
  // Every device's mappings and INTx levels recomputed, e.g. after loading a snapshot.
  void refresh();

  // The PIIX3's swizzle (and SeaBIOS's): INTx of slot s goes to PIRQ (s - 1 + pin - 1) mod 4.
  static int pirq_of(uint8_t devfn, uint8_t pin);
  // Recomputes the PIRQ wire a device's INTx is on and tells the router.
  void irq_changed(PciDevice& device);

 private:
  void map_region(PciDevice& device, int slot, uint32_t address);
  void unmap_region(PciDevice& device, int slot);
  void update_pirq(int pirq);

  hw::IoBus* m_io;
  mmu::PhysMemory* m_memory;
  PciIrqRouter* m_router = nullptr;
  std::array<PciDevice*, 256> m_devices{};
};

}  // namespace dynemu::pci
