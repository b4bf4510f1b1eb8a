#pragma once

#include <memory>

#include "hw/core/io_bus.h"
#include "hw/pci/pci_device.h"
#include "hw/storage/bmdma.h"
#include "hw/storage/ide_channel.h"

namespace dynemu::mmu {
class PhysMemory;
}

namespace dynemu::hw::storage {

// The PIIX3 IDE controller, PCI function 00:01.1 (8086:7010, class 0101,
// prog-if 80h: both channels in legacy mode, bus-master capable).
//
// Legacy mode means fixed ports and ISA IRQs: the primary channel at
// 0x1F0-0x1F7/0x3F6 on IRQ 14, the secondary at 0x170-0x177/0x376 on IRQ
// 15; the board maps them with map_legacy_ports() and connects
// channel(n).irq(). BAR4 (16 I/O bytes) holds the two bus-master register
// blocks; the PCI bus maps it where the firmware puts it.
//
// IDETIM (0x40/0x42) comes up with IDE decode enabled (bit 15), as the BIOS
// leaves it: Linux's ata_piix ignores a channel without it, and a direct
// kernel boot runs no BIOS to set it.
class PiixIde final : public pci::PciDevice, private PortHandler {
 public:
  static constexpr uint8_t kIdetimPrimary = 0x40;
  static constexpr uint8_t kIdetimSecondary = 0x42;
  static constexpr uint16_t kIdetimDecodeEnable = 0x8000;

  // memory: where bus-master DMA reads and writes (may be null in tests
  // that use no DMA).
  explicit PiixIde(mmu::PhysMemory* memory);
  ~PiixIde() override;

  IdeChannel& channel(unsigned n) { return *m_channel[n & 1]; }
  BusMasterDma& bus_master(unsigned n) { return *m_bm[n & 1]; }
  // Maps both channels' legacy command and control ports.
  void map_legacy_ports(IoBus& io);

  const char* name() const override { return "piix3-ide"; }
  void reset() override;
  void visit_state(StateVisitor& v) override;

 private:
  // BAR4 (offsets 0..15).
  uint32_t io_read(uint16_t offset, unsigned size) override;
  void io_write(uint16_t offset, unsigned size, uint32_t value) override;

  std::unique_ptr<IdeChannel> m_channel[2];
  std::unique_ptr<BusMasterDma> m_bm[2];
};

}  // namespace dynemu::hw::storage
