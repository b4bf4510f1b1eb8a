#include "hw/storage/ata_disk.h"

#include <algorithm>

namespace dynemu::hw::storage {

namespace {
constexpr uint32_t kSector = block::BlockDevice::kSectorSize;
constexpr uint64_t kLba28Max = 0x0FFFFFFF;
}  // namespace

AtaDisk::AtaDisk(std::unique_ptr<block::BlockDevice> image, AtaDiskConfig config)
    : m_image(std::move(image)), m_config(std::move(config)), m_sectors(m_image->sectors()) {
  m_cylinders = static_cast<unsigned>(std::clamp<uint64_t>(m_sectors / (16 * 63), 1, 16383));
}

uint8_t AtaDisk::status_after_reset() const {
  return status::kDrdy | status::kDsc;
}

void AtaDisk::power_on_reset() {
  m_multiple = kMaxMultiple;
  m_heads = 16;
  m_spt = 63;
  m_xfer_mode = 0x0C;
  m_write_cache = true;
  m_look_ahead = true;
  m_op = Op::None;
  m_lba = m_dma_pos = 0;
  m_left = m_cur = 0;
  m_block = 1;
  IdeDevice::power_on_reset();
}

IdentifyData AtaDisk::identify() const {
  IdentifyData id{};
  uint32_t logical_cyl =
      static_cast<uint32_t>(std::min<uint64_t>(m_sectors / (uint64_t{m_heads} * m_spt), 65535));
  uint32_t chs_capacity = logical_cyl * m_heads * m_spt;
  uint64_t lba28 = std::min<uint64_t>(m_sectors, kLba28Max);

  id[0] = 0x0040;  // fixed device
  id[1] = static_cast<uint16_t>(m_cylinders);
  id[3] = 16;
  id[6] = 63;
  put_ata_string(id, 10, m_config.serial, 20);
  id[20] = 3;    // buffer type (obsolete)
  id[21] = 512;  // buffer size in sectors (obsolete)
  id[22] = 4;    // ECC bytes (obsolete)
  put_ata_string(id, 23, m_config.firmware, 8);
  put_ata_string(id, 27, m_config.model, 40);
  id[47] = 0x8000 | kMaxMultiple;
  id[48] = 1;                                // 32-bit PIO (obsolete word, still read)
  id[49] = (1 << 11) | (1 << 9) | (1 << 8);  // IORDY, LBA, DMA
  id[50] = 0x4000;
  id[51] = 0x200;  // PIO timing mode 2 (obsolete)
  id[52] = 0x200;
  id[53] = 7;  // words 54-58, 64-70 and 88 are valid
  id[54] = static_cast<uint16_t>(logical_cyl);
  id[55] = m_heads;
  id[56] = m_spt;
  id[57] = static_cast<uint16_t>(chs_capacity);
  id[58] = static_cast<uint16_t>(chs_capacity >> 16);
  if (m_multiple) id[59] = 0x100 | m_multiple;
  id[60] = static_cast<uint16_t>(lba28);
  id[61] = static_cast<uint16_t>(lba28 >> 16);
  put_dma_modes(id, m_xfer_mode);                          // words 62, 63, 88
  id[64] = 0x03;                                           // PIO 3 and 4
  id[65] = id[66] = id[67] = id[68] = 120;                 // cycle times, ns
  id[80] = 0x7E;                                           // ATA-1 .. ATA-6
  id[82] = (1 << 14) | (1 << 6) | (1 << 5);                // NOP, look-ahead, write cache
  id[83] = (1 << 14) | (1 << 13) | (1 << 12) | (1 << 10);  // FLUSH EXT, FLUSH, LBA48
  id[84] = 1 << 14;
  id[85] = (1 << 14) | (m_look_ahead ? 1 << 6 : 0) | (m_write_cache ? 1 << 5 : 0);
  id[86] = (1 << 13) | (1 << 12) | (1 << 10);
  id[87] = 1 << 14;
  id[93] = (1 << 14) | (1 << 13) | 1;  // reset results, 80-wire cable
  for (unsigned i = 0; i < 4; ++i) id[100 + i] = static_cast<uint16_t>(m_sectors >> (16 * i));
  put_integrity_word(id);
  return id;
}

bool AtaDisk::decode_range(Addressing mode) {
  const TaskFile& t = m_regs;
  uint64_t lba = 0;
  uint32_t count = 0;
  switch (mode) {
    case Addressing::Chs: {
      unsigned cyl = t.hcyl << 8 | t.lcyl;
      unsigned head = t.select & 0x0F;
      if (t.sector == 0 || t.sector > m_spt || head >= m_heads) {
        fail(error::kIdnf);
        return false;
      }
      lba = (uint64_t{cyl} * m_heads + head) * m_spt + (t.sector - 1);
      count = t.nsector ? t.nsector : 256;
      break;
    }
    case Addressing::Lba28:
      lba = uint64_t{t.select & 0x0Fu} << 24 | t.hcyl << 16 | t.lcyl << 8 | t.sector;
      count = t.nsector ? t.nsector : 256;
      break;
    case Addressing::Lba48:
      lba = uint64_t{t.hob_hcyl} << 40 | uint64_t{t.hob_lcyl} << 32 | uint64_t{t.hob_sector} << 24 |
            t.hcyl << 16 | t.lcyl << 8 | t.sector;
      count = t.hob_nsector << 8 | t.nsector;
      if (count == 0) count = 65536;
      break;
  }
  m_mode = mode;
  if (lba >= m_sectors || count > m_sectors - lba) {
    fail(error::kIdnf);
    return false;
  }
  m_lba = lba;
  m_left = count;
  return true;
}

// The address registers follow the transfer (the next sector, or the
// failing one after an error), as the command's addressing mode spells it,
// and the sector count counts down what is left, as drives always did.
void AtaDisk::set_position(uint64_t lba, uint32_t left) {
  TaskFile& t = m_regs;
  t.nsector = static_cast<uint8_t>(left);
  if (m_mode == Addressing::Lba48) t.hob_nsector = static_cast<uint8_t>(left >> 8);
  switch (m_mode) {
    case Addressing::Chs: {
      uint64_t track = lba / m_spt;
      uint64_t cyl = track / m_heads;
      t.sector = static_cast<uint8_t>(lba % m_spt + 1);
      t.select = (t.select & 0xF0) | static_cast<uint8_t>(track % m_heads);
      t.lcyl = static_cast<uint8_t>(cyl);
      t.hcyl = static_cast<uint8_t>(cyl >> 8);
      break;
    }
    case Addressing::Lba28:
      t.sector = static_cast<uint8_t>(lba);
      t.lcyl = static_cast<uint8_t>(lba >> 8);
      t.hcyl = static_cast<uint8_t>(lba >> 16);
      t.select = (t.select & 0xF0) | static_cast<uint8_t>((lba >> 24) & 0x0F);
      break;
    case Addressing::Lba48:
      t.sector = static_cast<uint8_t>(lba);
      t.lcyl = static_cast<uint8_t>(lba >> 8);
      t.hcyl = static_cast<uint8_t>(lba >> 16);
      t.hob_sector = static_cast<uint8_t>(lba >> 24);
      t.hob_lcyl = static_cast<uint8_t>(lba >> 32);
      t.hob_hcyl = static_cast<uint8_t>(lba >> 40);
      break;
  }
}

void AtaDisk::io_error(uint64_t lba, uint32_t left) {
  m_op = Op::None;
  set_position(lba, left);
  fail(error::kUnc);
}

void AtaDisk::begin_pio(Op op, Addressing mode, unsigned block_sectors) {
  if (op == Op::Write && m_image->read_only()) return fail(error::kAbrt);
  if (block_sectors == 0) return fail(error::kAbrt);  // multiple mode is off
  if (!decode_range(mode)) return;
  m_op = op;
  m_block = block_sectors;
  if (op == Op::Read) return read_block();
  // Writes: the first block is requested without an interrupt (ATA-6 9.8).
  m_cur = std::min(m_left, m_block);
  start_pio(PioDirection::Out, m_cur * kSector);
}

void AtaDisk::read_block() {
  m_cur = std::min(m_left, m_block);
  if (auto r = m_image->read_sectors(m_lba, m_cur, buffer()); !r) {
    report_host_error(r.error());
    return io_error(m_lba, m_left);
  }
  start_pio(PioDirection::In, m_cur * kSector);
  raise_irq();
}

void AtaDisk::pio_block_done() {
  switch (m_op) {
    case Op::None: break;
    case Op::Identify:
      m_op = Op::None;
      set_ready();
      break;
    case Op::Read:
      m_lba += m_cur;
      m_left -= m_cur;
      set_position(m_lba, m_left);
      // The last block of a PIO read ends without an interrupt.
      if (m_left) {
        read_block();
      } else {
        m_op = Op::None;
        set_ready();
      }
      break;
    case Op::Write:
      if (auto r = m_image->write_sectors(m_lba, m_cur, buffer()); !r) {
        report_host_error(r.error());
        return io_error(m_lba, m_left);
      }
      m_lba += m_cur;
      m_left -= m_cur;
      set_position(m_lba, m_left);
      if (m_left) {
        m_cur = std::min(m_left, m_block);
        start_pio(PioDirection::Out, m_cur * kSector);
      } else {
        m_op = Op::None;
        set_ready();
      }
      raise_irq();
      break;
  }
}

void AtaDisk::begin_dma(DmaDirection dir, Addressing mode) {
  if (dir == DmaDirection::FromMemory && m_image->read_only()) return fail(error::kAbrt);
  if (!decode_range(mode)) return;
  m_dma_pos = 0;
  start_dma(dir, m_left * kSector);
}

bool AtaDisk::dma_data(std::span<uint8_t> buf) {
  bool to_memory = dma_direction() == DmaDirection::ToMemory;
  auto move = [&](uint64_t offset, std::span<uint8_t> part) {
    return to_memory ? m_image->read(offset, part) : m_image->write(offset, part);
  };
  uint64_t offset = m_lba * kSector + m_dma_pos;
  if (Result<void> r = move(offset, buf); !r) {
    report_host_error(r.error());
    // The error registers name the first bad sector: find it one sector at a time.
    uint64_t pos = offset - offset % kSector;
    while (pos < offset + buf.size()) {
      uint64_t from = std::max(pos, offset);
      uint64_t to = std::min(pos + kSector, offset + buf.size());
      if (!move(from, buf.subspan(from - offset, to - from))) break;
      pos += kSector;
    }
    uint64_t bad = pos / kSector;
    io_error(bad, static_cast<uint32_t>(m_lba + m_left - bad));
    return false;
  }
  m_dma_pos += buf.size();
  return true;
}

void AtaDisk::dma_complete() {
  set_position(m_lba + m_left, 0);
  m_left = 0;
  complete();
}

void AtaDisk::read_verify(Addressing mode) {
  if (!decode_range(mode)) return;
  complete();
}

// SET FEATURES (EFh): the subcommand is in the features register.
void AtaDisk::set_features() {
  switch (m_regs.feature) {
    case 0x03:  // set transfer mode from the sector count
      if (!valid_transfer_mode(m_regs.nsector)) return fail(error::kAbrt);
      m_xfer_mode = m_regs.nsector;
      break;
    case 0x02: m_write_cache = true; break;
    case 0x82: m_write_cache = false; break;
    case 0xAA: m_look_ahead = true; break;
    case 0x55: m_look_ahead = false; break;
    case 0x66:  // keep settings over a reset: ours always are
    case 0xCC: break;
    default: return fail(error::kAbrt);
  }
  complete();
}

void AtaDisk::command(uint8_t cmd) {
  m_op = Op::None;
  Addressing lba28 = (m_regs.select & kSelectLba) ? Addressing::Lba28 : Addressing::Chs;
  // RECALIBRATE (1xh) and SEEK (7xh) are families; old drivers use any code of them.
  if ((cmd & 0xF0) == 0x10 || (cmd & 0xF0) == 0x70) return complete();
  using C = AtaCommand;
  switch (static_cast<C>(cmd)) {
    case C::IDENTIFY_DEVICE:
      copy_identify(identify(), buffer());
      m_op = Op::Identify;
      start_pio(PioDirection::In, 512);
      raise_irq();
      break;
    case C::READ_SECTORS:
    case C::READ_SECTORS_NORETRY: begin_pio(Op::Read, lba28, 1); break;
    case C::READ_SECTORS_EXT: begin_pio(Op::Read, Addressing::Lba48, 1); break;
    case C::READ_MULTIPLE: begin_pio(Op::Read, lba28, m_multiple); break;
    case C::READ_MULTIPLE_EXT: begin_pio(Op::Read, Addressing::Lba48, m_multiple); break;
    case C::WRITE_SECTORS:
    case C::WRITE_SECTORS_NORETRY: begin_pio(Op::Write, lba28, 1); break;
    case C::WRITE_SECTORS_EXT: begin_pio(Op::Write, Addressing::Lba48, 1); break;
    case C::WRITE_MULTIPLE: begin_pio(Op::Write, lba28, m_multiple); break;
    case C::WRITE_MULTIPLE_EXT: begin_pio(Op::Write, Addressing::Lba48, m_multiple); break;
    case C::READ_DMA:
    case C::READ_DMA_NORETRY: begin_dma(DmaDirection::ToMemory, lba28); break;
    case C::READ_DMA_EXT: begin_dma(DmaDirection::ToMemory, Addressing::Lba48); break;
    case C::WRITE_DMA:
    case C::WRITE_DMA_NORETRY: begin_dma(DmaDirection::FromMemory, lba28); break;
    case C::WRITE_DMA_EXT: begin_dma(DmaDirection::FromMemory, Addressing::Lba48); break;
    case C::READ_VERIFY:
    case C::READ_VERIFY_NORETRY: read_verify(lba28); break;
    case C::READ_VERIFY_EXT: read_verify(Addressing::Lba48); break;
    case C::SET_MULTIPLE_MODE: {
      uint8_t n = m_regs.nsector;  // 0 turns multiple mode off
      if (n > kMaxMultiple || (n & (n - 1)) != 0) return fail(error::kAbrt);
      m_multiple = n;
      complete();
      break;
    }
    case C::INITIALIZE_DEVICE_PARAMETERS:
      if (m_regs.nsector == 0) return fail(error::kAbrt);
      m_heads = (m_regs.select & 0x0F) + 1;
      m_spt = m_regs.nsector;
      complete();
      break;
    case C::SET_FEATURES: set_features(); break;
    case C::FLUSH_CACHE:
    case C::FLUSH_CACHE_EXT:
      if (auto r = m_image->flush(); !r) {
        report_host_error(r.error());
        return fail(error::kAbrt);
      }
      complete();
      break;
    case C::CHECK_POWER_MODE:
      m_regs.nsector = 0xFF;  // active or idle
      complete();
      break;
    case C::STANDBY_IMMEDIATE:
    case C::IDLE_IMMEDIATE:
    case C::STANDBY:
    case C::IDLE: complete(); break;
    case C::EXECUTE_DEVICE_DIAGNOSTIC:
      set_signature();
      m_regs.error = 0x01;
      complete();
      break;
    default: fail(error::kAbrt); break;
  }
}

void AtaDisk::visit_state(StateVisitor& v) {
  IdeDevice::visit_state(v);
  v("multiple", m_multiple);
  v("heads", m_heads);
  v("spt", m_spt);
  v("xfer_mode", m_xfer_mode);
  v("write_cache", m_write_cache);
  v("look_ahead", m_look_ahead);
  v("op", m_op);
  v("mode", m_mode);
  v("lba", m_lba);
  v("left", m_left);
  v("block", m_block);
  v("cur", m_cur);
  v("dma_pos", m_dma_pos);
}

}  // namespace dynemu::hw::storage
