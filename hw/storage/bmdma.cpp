#include "hw/storage/bmdma.h"

#include <algorithm>

#include "emulator/mmu/phys_memory.h"

namespace dynemu::hw::storage {

namespace {
constexpr uint32_t kPrdEot = 0x80000000u;
// A PRD table may not cross a 64 KiB boundary: at most 8192 entries.
constexpr unsigned kMaxPrds = 8192;
}  // namespace

BusMasterDma::BusMasterDma(IdeChannel& channel, mmu::PhysMemory* memory)
    : m_channel(channel), m_memory(memory) {}

void BusMasterDma::reset() {
  m_command = 0;
  m_status = 0;
  m_prd = 0;
}

void BusMasterDma::visit_state(StateVisitor& v) {
  v("command", m_command);
  v("status", m_status);
  v("prd", m_prd);
}

uint32_t BusMasterDma::read(unsigned offset, unsigned size) {
  uint32_t value = 0;
  for (unsigned i = 0; i < size && offset + i < 8; ++i) {
    value |= uint32_t{read_byte(offset + i)} << (8 * i);
  }
  return value;
}

void BusMasterDma::write(unsigned offset, unsigned size, uint32_t value) {
  for (unsigned i = 0; i < size && offset + i < 8; ++i) {
    write_byte(offset + i, static_cast<uint8_t>(value >> (8 * i)));
  }
}

uint8_t BusMasterDma::read_byte(unsigned offset) const {
  switch (offset) {
    case 0: return m_command;
    case 2: return m_status;
    case 4:
    case 5:
    case 6:
    case 7: return static_cast<uint8_t>(m_prd >> (8 * (offset - 4)));
    default: return 0;
  }
}

void BusMasterDma::write_byte(unsigned offset, uint8_t value) {
  switch (offset) {
    case 0: {
      bool was_started = m_command & kCmdStart;
      // The direction only changes while stopped.
      uint8_t dir = was_started ? (m_command & kCmdToMemory) : (value & kCmdToMemory);
      m_command = static_cast<uint8_t>((value & kCmdStart) | dir);
      if (!was_started && (value & kCmdStart)) {
        m_status |= kStatActive;
        run();
      } else if (was_started && !(value & kCmdStart)) {
        // Stopping aborts whatever is left; the device keeps waiting.
        m_status &= ~kStatActive;
      }
      break;
    }
    case 2:
      // Error and interrupt are cleared by writing ones; the DMA-capable bits are plain.
      m_status = static_cast<uint8_t>((m_status & ~(kStatError | kStatInterrupt | 0x60)) |
                                      (m_status & ~value & (kStatError | kStatInterrupt)) |
                                      (value & 0x60));
      break;
    case 4: m_prd = (m_prd & 0xFFFFFF00u) | (value & 0xFCu); break;
    case 5: m_prd = (m_prd & 0xFFFF00FFu) | uint32_t{value} << 8; break;
    case 6: m_prd = (m_prd & 0xFF00FFFFu) | uint32_t{value} << 16; break;
    case 7: m_prd = (m_prd & 0x00FFFFFFu) | uint32_t{value} << 24; break;
    default: break;
  }
}

void BusMasterDma::run() {
  if (!(m_command & kCmdStart) || !(m_status & kStatActive) || !m_memory) return;
  IdeDevice* dev = m_channel.dma_device();
  if (!dev) return;  // the command comes later; dma_ready() calls again
  bool to_memory = dev->dma_direction() == DmaDirection::ToMemory;
  uint32_t prd = m_prd;
  for (unsigned entry = 0; entry < kMaxPrds; ++entry, prd += 8) {
    uint32_t desc[2];
    m_memory->read(prd, desc, sizeof desc);
    uint32_t addr = desc[0] & ~1u;
    uint32_t bytes = desc[1] & 0xFFFE;
    if (bytes == 0) bytes = 0x10000;
    bool eot = desc[1] & kPrdEot;
    uint32_t done = 0;
    while (done < bytes && dev->dma_direction() != DmaDirection::None) {
      uint32_t chunk = std::min<uint32_t>(bytes - done, static_cast<uint32_t>(m_scratch.size()));
      uint32_t n;
      if (to_memory) {
        n = dev->dma_transfer({m_scratch.data(), chunk});
        m_memory->write(addr + done, m_scratch.data(), n);
      } else {
        // Only what the device still takes is read from memory.
        chunk = std::min(chunk, dev->dma_remaining());
        m_memory->read(addr + done, m_scratch.data(), chunk);
        n = dev->dma_transfer({m_scratch.data(), chunk});
      }
      if (n == 0) break;  // the device failed the command
      done += n;
    }
    bool device_done = dev->dma_direction() == DmaDirection::None;
    if (device_done) {
      if (eot && done == bytes) m_status &= ~kStatActive;
      return;
    }
    if (eot) {
      m_status &= ~kStatActive;  // PRDs exhausted, the device wants more
      return;
    }
  }
  m_status = static_cast<uint8_t>((m_status & ~kStatActive) | kStatError);  // no EOT
}

}  // namespace dynemu::hw::storage
