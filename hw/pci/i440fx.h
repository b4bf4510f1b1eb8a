#pragma once

#include <cstdint>

#include "hw/pci/pci_device.h"

namespace dynemu::mmu {
class PhysMemory;
}

namespace dynemu::pci {

// The i440FX PMC host bridge (8086:1237, rev 02, class 0600), 00:00.0.
//
// PAM0..PAM6 (0x59..0x5F) decide for 0xC0000..0xFFFFF whether reads and
// writes reach DRAM or the PCI side (ROM / option ROMs). Each nibble is one
// segment: bit 0 (RE) reads from DRAM, bit 1 (WE) writes to DRAM; 00 is
// everything to PCI, 01 read-only shadow, 10 write-only (copying a ROM into
// RAM under itself), 11 plain RAM. PAM0's high nibble covers the 64 KiB
// 0xF0000..0xFFFFF (its low nibble is reserved); PAM1..PAM6 hold two 16 KiB
// segments each, low nibble first, from 0xC0000 up. SeaBIOS writes 0x33 /
// 0x30 to copy itself into RAM and then 0x11 / 0x10 to write-protect it.
//
// 0x57 holds the RAM size in 8 MiB units, as QEMU's does.
//
// SMRAM (0x72) is kept as a register (reset 0x02, C_BASE_SEG fixed at 010b;
// D_LCK locks D_OPEN and itself until reset). Nothing maps SMRAM: without a
// PIIX4 power-management function SeaBIOS never enables SMM.
class I440fx : public PciDevice {
 public:
  static constexpr uint8_t kPam0 = 0x59;
  static constexpr uint8_t kSmram = 0x72;
  // RAM size in 8 MiB units (at most 255), where QEMU puts it for coreboot.
  static constexpr uint8_t kRamSize8M = 0x57;

  explicit I440fx(mmu::PhysMemory* memory);

  const char* name() const override { return "i440fx"; }
  void reset() override;
  void visit_state(hw::StateVisitor& v) override { PciDevice::visit_state(v); }

  void config_write(uint8_t offset, unsigned size, uint32_t value) override;

  // Re-applies the PAM registers to memory (after loading a snapshot).
  void apply_pam();

 protected:
  void config_written(uint8_t offset, unsigned size) override;

 private:
  void narrow_masks();
  mmu::PhysMemory* m_memory;
};

}  // namespace dynemu::pci
