#pragma once

#include <cstdint>
#include <vector>

#include "hw/core/state.h"
#include "hw/storage/ide_channel.h"

namespace dynemu::mmu {
class PhysMemory;
}

namespace dynemu::hw::storage {

// The bus-master IDE function of one channel (82371SB PIIX3 datasheet,
// "Bus Master IDE"; SFF-8038i): 8 I/O bytes at BAR4 + 8 * channel:
//   +0 command: bit 0 start, bit 3 direction (1: device -> memory)
//   +2 status:  bit 0 active, bit 1 error (RWC), bit 2 interrupt (RWC),
//               bits 5/6 drive 0/1 DMA capable (R/W), bit 7 simplex (0)
//   +4 PRD table address (dword aligned)
// A PRD is two dwords: the physical address of a buffer and its byte count
// in bits 15:0 (0 = 64 KiB), bit 31 marking the last entry (EOT).
//
// Transfers are synchronous: once the start bit is set and a device on
// the channel has a DMA command set up (in either order), the whole
// transfer moves through PhysMemory at once and the device completes. The
// status then follows the datasheet's cases, as libata's ata_bmdma reads
// them: device done with the PRDs used up -> interrupt, not active; device
// done early -> interrupt, still active; PRDs used up first -> not active,
// no interrupt (the device waits).
class BusMasterDma final : public IdeBusMaster {
 public:
  static constexpr uint8_t kCmdStart = 0x01;
  static constexpr uint8_t kCmdToMemory = 0x08;
  static constexpr uint8_t kStatActive = 0x01;
  static constexpr uint8_t kStatError = 0x02;
  static constexpr uint8_t kStatInterrupt = 0x04;

  BusMasterDma(IdeChannel& channel, mmu::PhysMemory* memory);

  // Register access at offset 0..7 within this channel's 8 bytes.
  uint32_t read(unsigned offset, unsigned size);
  void write(unsigned offset, unsigned size, uint32_t value);

  void reset();
  void visit_state(StateVisitor& v);

  uint8_t command() const { return m_command; }
  uint8_t status() const { return m_status; }
  uint32_t prd_table() const { return m_prd; }

  // IdeBusMaster
  void dma_ready() override { run(); }
  void irq_raised() override { m_status |= kStatInterrupt; }

 private:
  uint8_t read_byte(unsigned offset) const;
  void write_byte(unsigned offset, uint8_t value);
  void run();

  IdeChannel& m_channel;
  mmu::PhysMemory* m_memory;
  std::vector<uint8_t> m_scratch = std::vector<uint8_t>(64 * 1024);

  uint8_t m_command = 0;
  uint8_t m_status = 0;
  uint32_t m_prd = 0;
};

}  // namespace dynemu::hw::storage
