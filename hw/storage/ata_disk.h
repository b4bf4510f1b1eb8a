#pragma once

#include <memory>
#include <string>

#include "hw/block/block_device.h"
#include "hw/storage/ide_device.h"
#include "hw/storage/identify.h"

namespace dynemu::hw::storage {

struct AtaDiskConfig {
  std::string model = "DYNEMU HARDDISK";
  std::string serial = "DYNEMU-HD0";  // the board makes it unique per disk
  std::string firmware = "0.1";
};

// An ATA hard disk (ATA/ATAPI-6 general and 48-bit feature sets): PIO in
// CHS, LBA28 and LBA48, single and multiple sector blocks, and DMA through
// the channel's bus master. Capacity comes from the image; the default CHS
// geometry is 16 heads, 63 sectors, as many cylinders as fit (1..16383).
class AtaDisk final : public IdeDevice {
 public:
  static constexpr unsigned kMaxMultiple = 16;  // sectors per DRQ block in READ/WRITE MULTIPLE

  explicit AtaDisk(std::unique_ptr<block::BlockDevice> image, AtaDiskConfig config = {});

  const char* name() const override { return "ata-disk"; }
  block::BlockDevice& image() { return *m_image; }
  uint64_t sectors() const { return m_sectors; }
  unsigned default_cylinders() const { return m_cylinders; }
  IdentifyData identify() const;

  void power_on_reset() override;
  void visit_state(StateVisitor& v) override;

 private:
  enum class Addressing : uint8_t { Chs, Lba28, Lba48 };
  enum class Op : uint8_t { None, Identify, Read, Write };

  uint16_t signature_cylinder() const override { return 0; }
  uint8_t status_after_reset() const override;
  void command(uint8_t command) override;
  void pio_block_done() override;
  bool dma_data(std::span<uint8_t> buf) override;
  void dma_complete() override;

  // Decodes the start address and count from the task file; false (command
  // failed with IDNF) when the range is outside the medium.
  bool decode_range(Addressing mode);
  void set_position(uint64_t lba, uint32_t left);
  void begin_pio(Op op, Addressing mode, unsigned block_sectors);
  void begin_dma(DmaDirection dir, Addressing mode);
  void read_block();
  void read_verify(Addressing mode);
  void set_features();
  void io_error(uint64_t lba, uint32_t left);
  void complete() {
    set_ready();
    raise_irq();
  }

  std::unique_ptr<block::BlockDevice> m_image;
  AtaDiskConfig m_config;
  uint64_t m_sectors;
  unsigned m_cylinders;  // default geometry (16 heads, 63 sectors)

  // Settings (SET MULTIPLE, INITIALIZE DEVICE PARAMETERS, SET FEATURES).
  uint8_t m_multiple = kMaxMultiple;
  uint8_t m_heads = 16;  // logical geometry for CHS addressing
  uint8_t m_spt = 63;
  uint8_t m_xfer_mode = 0x0C;  // SET FEATURES 03h value: PIO 4
  bool m_write_cache = true;
  bool m_look_ahead = true;

  // The command in progress.
  Op m_op = Op::None;
  Addressing m_mode = Addressing::Lba28;
  uint64_t m_lba = 0;      // next sector to move
  uint32_t m_left = 0;     // sectors still to move
  uint32_t m_block = 1;    // sectors per DRQ block
  uint32_t m_cur = 0;      // sectors in the current DRQ block
  uint64_t m_dma_pos = 0;  // bytes of the DMA transfer done
};

}  // namespace dynemu::hw::storage
