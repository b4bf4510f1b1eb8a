#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "emulator/core/result.h"
#include "hw/core/state.h"
#include "hw/storage/ide_defs.h"

namespace dynemu::hw::storage {

// One device's copy of the task file. Both devices on a channel see every
// register write (ATA-6 5.2); reads come from the selected one. Each
// writable register keeps its previous value (hob_*): LBA48 commands take
// their high bytes from there, and reads return them while HOB is set.
struct TaskFile {
  uint8_t feature = 0, hob_feature = 0;
  uint8_t nsector = 0, hob_nsector = 0;
  uint8_t sector = 0, hob_sector = 0;  // LBA 7:0, 31:24
  uint8_t lcyl = 0, hob_lcyl = 0;      // LBA 15:8, 39:32 (ATAPI: byte count low)
  uint8_t hcyl = 0, hob_hcyl = 0;      // LBA 23:16, 47:40 (ATAPI: byte count high)
  uint8_t select = kSelectObsolete;    // device/head
  uint8_t status = 0;
  uint8_t error = 0;
};

enum class DmaDirection : uint8_t {
  None,
  ToMemory,    // device -> memory (READ DMA, ATAPI data in)
  FromMemory,  // memory -> device (WRITE DMA)
};

// What a device needs from the channel it sits on.
class IdeBus {
 public:
  virtual ~IdeBus() = default;
  // Asserts INTRQ (unless nIEN masks it); the status register read clears it.
  virtual void raise_irq() = 0;
  // The device has set up a DMA transfer; the bus master moves it when started.
  virtual void dma_ready() = 0;
};

// The part of an ATA or ATAPI device that is the same for both: the task
// file, the PIO data buffer with its DRQ block, the DMA byte stream, reset
// and signature. Subclasses implement commands.
//
// Transfers are synchronous: a command's data is ready (or its write done)
// as soon as the command, or the block that feeds it, arrives. BSY is never
// seen except during a software reset; SeaBIOS and libata both accept that.
class IdeDevice {
 public:
  // 64 KiB: the largest ATAPI DRQ block (byte count 0xFFFE) and 128 ATA sectors.
  static constexpr uint32_t kBufferSize = 64 * 1024;

  virtual ~IdeDevice() = default;
  virtual const char* name() const = 0;

  // Wiring, done by IdeChannel::attach.
  void connect(IdeBus* bus, unsigned unit) {
    m_bus = bus;
    m_unit = unit;
  }
  unsigned unit() const { return m_unit; }

  TaskFile& regs() { return m_regs; }
  const TaskFile& regs() const { return m_regs; }

  // A command register write (the channel has checked BSY/DRQ).
  void execute(uint8_t command);
  // Whether the device takes `command` while BSY or DRQ is set (ATAPI DEVICE RESET).
  virtual bool accepts_while_busy(uint8_t command) const { return false; }

  // The data port. size 2 or 4 (a byte access moves one byte).
  uint32_t data_read(unsigned size);
  void data_write(unsigned size, uint32_t value);
  bool drq() const { return m_regs.status & status::kDrq; }

  // Power-on (hardware) reset: everything, including settings.
  virtual void power_on_reset();
  // SRST asserted / released (ATA-6 9.2): BSY while asserted; on release the
  // signature in the task file and the post-reset status.
  void soft_reset_begin();
  void soft_reset_end();

  // DMA as the bus master sees it: the pending direction and byte count, and
  // the transfer itself, in pieces of any size. ToMemory: the device fills
  // `buf` and returns the bytes written to it. FromMemory: the device takes
  // `buf` and returns the bytes it consumed. Either way the device completes
  // the command (status, INTRQ) itself when its last byte has moved, or on an
  // error, after which the direction is None.
  DmaDirection dma_direction() const { return m_dma_dir; }
  uint32_t dma_remaining() const { return m_dma_left; }
  uint32_t dma_transfer(std::span<uint8_t> buf);

  virtual void visit_state(StateVisitor& v);

 protected:
  // Signature registers (nsector, sector, lcyl, hcyl) after reset/diagnostic.
  void set_signature();
  // The cylinder part of the signature: 0 for disks, EB14h for ATAPI.
  virtual uint16_t signature_cylinder() const = 0;
  // Status after a reset or diagnostic: DRDY|DSC for disks, 0 for ATAPI.
  virtual uint8_t status_after_reset() const = 0;
  virtual void command(uint8_t command) = 0;
  // The current PIO block has been moved through the data port.
  virtual void pio_block_done() = 0;
  // DMA data: produce (ToMemory) or consume (FromMemory) `buf`, all of it;
  // false on an I/O error (the device has then completed the command with an error).
  virtual bool dma_data(std::span<uint8_t> buf) = 0;
  // The last DMA byte has moved: finish the command.
  virtual void dma_complete() = 0;

  enum class PioDirection : uint8_t { None, In, Out };

  uint8_t* buffer() { return m_buf.data(); }
  // Offers buffer()[0, bytes) to the host (In) or waits for that many bytes (Out).
  void start_pio(PioDirection dir, uint32_t bytes);
  void stop_pio();
  // DRDY|DSC, no DRQ.
  void set_ready() { m_regs.status = status::kDrdy | status::kDsc; }
  // The command failed: ERR with `err` in the error register, INTRQ.
  void fail(uint8_t err);
  void raise_irq() {
    if (m_bus) m_bus->raise_irq();
  }
  // Sets up a DMA transfer of `bytes`; DRQ until it completes.
  void start_dma(DmaDirection dir, uint32_t bytes);
  void stop_dma();
  // A host I/O error the guest will see as a media error: said once on
  // stderr, so a failing image is not a silent guest mystery.
  void report_host_error(const Error& e);

  TaskFile m_regs;

 private:
  IdeBus* m_bus = nullptr;
  unsigned m_unit = 0;
  std::vector<uint8_t> m_buf = std::vector<uint8_t>(kBufferSize);
  PioDirection m_pio_dir = PioDirection::None;
  uint32_t m_pio_pos = 0;
  uint32_t m_pio_end = 0;
  DmaDirection m_dma_dir = DmaDirection::None;
  uint32_t m_dma_left = 0;
  bool m_error_reported = false;  // not state: host-side bookkeeping
};

}  // namespace dynemu::hw::storage
