#include "hw/pci/i440fx.h"

#include <algorithm>

#include "emulator/mmu/phys_memory.h"

namespace dynemu::pci {
namespace {

constexpr uint8_t kSmramDOpen = 1u << 6;
constexpr uint8_t kSmramDLock = 1u << 4;
constexpr uint8_t kSmramReset = 0x02;  // C_BASE_SEG = 010b: SMRAM at 0xA0000

PciId bridge_id() {
  PciId id;
  id.vendor = 0x8086;
  id.device = 0x1237;
  id.revision = 0x02;
  id.class_code = 0x060000;  // host bridge
  return id;
}

}  // namespace

I440fx::I440fx(mmu::PhysMemory* memory) : PciDevice(bridge_id()), m_memory(memory) {
  I440fx::reset();
}

void I440fx::narrow_masks() {
  // A host bridge has no BARs or interrupt; of its own registers only the
  // PAMs and SMRAM are modelled, the rest keep what software writes.
  m_wmask[kInterruptLine] = 0;
  m_wmask[kPam0] = 0x30;
  for (int i = 1; i <= 6; ++i) m_wmask[kPam0 + i] = 0x33;
  m_wmask[kSmram] = 0x78;
}

void I440fx::reset() {
  PciDevice::reset();
  narrow_masks();
  m_config[kSmram] = kSmramReset;
  if (m_memory)
    m_config[kRamSize8M] = static_cast<uint8_t>(std::min(m_memory->ram_size() >> 23, 255u));
  apply_pam();
}

void I440fx::config_write(uint8_t offset, unsigned size, uint32_t value) {
  const uint8_t smram_before = m_config[kSmram];
  PciDevice::config_write(offset, size, value);
  uint8_t& smram = m_config[kSmram];
  // Locked: nothing in SMRAM changes until reset.
  if (smram_before & kSmramDLock) smram = smram_before;
  // Setting D_LCK closes SMRAM in the same write.
  if (smram & kSmramDLock) smram &= static_cast<uint8_t>(~kSmramDOpen);
  smram = static_cast<uint8_t>((smram & ~0x07) | kSmramReset);
}

void I440fx::config_written(uint8_t offset, unsigned size) {
  if (offset < kPam0 + 7 && kPam0 < offset + size) apply_pam();
}

void I440fx::apply_pam() {
  if (!m_memory) return;
  const uint8_t top = m_config[kPam0] >> 4;
  m_memory->set_shadow(0xf0000, 0x10000, top & 1, top & 2);
  for (int i = 0; i < 12; ++i) {
    const uint8_t nibble = (m_config[kPam0 + 1 + i / 2] >> (4 * (i & 1))) & 3;
    m_memory->set_shadow(0xc0000 + 0x4000 * i, 0x4000, nibble & 1, nibble & 2);
  }
}

}  // namespace dynemu::pci
