#include "hw/storage/atapi_cdrom.h"

#include <algorithm>
#include <cstring>

namespace dynemu::hw::storage {

AtapiCdrom::AtapiCdrom(std::unique_ptr<block::BlockDevice> medium, AtapiConfig config)
    : m_medium(std::move(medium)), m_config(std::move(config)) {}

uint32_t AtapiCdrom::capacity() const {
  if (!has_medium()) return 0;
  return static_cast<uint32_t>(std::min<uint64_t>(m_medium->size() / kSectorSize, 0xFFFFFFFF));
}

void AtapiCdrom::insert(std::unique_ptr<block::BlockDevice> medium) {
  m_medium = std::move(medium);
  m_tray_open = false;
  if (m_medium) {
    m_unit_attention = true;
    m_event = MediaEvent::NewMedia;
  }
}

void AtapiCdrom::eject() {
  m_medium.reset();
  m_locked = false;
  m_unit_attention = true;
  m_event = MediaEvent::MediaRemoval;
}

void AtapiCdrom::power_on_reset() {
  // The disc and the tray are mechanical: a reset keeps them.
  m_locked = false;
  m_unit_attention = false;
  m_event = MediaEvent::None;
  m_sense = {};
  m_xfer_mode = 0x0C;
  m_phase = Phase::Idle;
  m_left = m_reply_pos = 0;
  m_medium_pos = 0;
  IdeDevice::power_on_reset();
}

bool AtapiCdrom::accepts_while_busy(uint8_t command) const {
  return command == static_cast<uint8_t>(AtaCommand::DEVICE_RESET);
}

IdentifyData AtapiCdrom::identify() const {
  IdentifyData id{};
  // ATAPI, CD-ROM, removable, DRQ within 50 us of PACKET, 12-byte packets.
  id[0] = (2 << 14) | (5 << 8) | (1 << 7) | (2 << 5);
  put_ata_string(id, 10, m_config.serial, 20);
  id[20] = 3;
  id[21] = 512;
  put_ata_string(id, 23, m_config.firmware, 8);
  put_ata_string(id, 27, m_config.model, 40);
  id[48] = 1;                                // 32-bit PIO (obsolete word, still read)
  id[49] = (1 << 11) | (1 << 9) | (1 << 8);  // IORDY, LBA, DMA
  id[50] = 0x4000;
  id[53] = 6;  // words 64-70 and 88 are valid
  put_dma_modes(id, m_xfer_mode);
  id[64] = 0x03;  // PIO 3 and 4
  id[65] = id[66] = id[67] = id[68] = 120;
  id[71] = 30;  // PACKET to bus release, ns
  id[72] = 30;
  id[80] = 0x7E;                             // ATA/ATAPI-1 .. 6
  id[82] = (1 << 14) | (1 << 9) | (1 << 4);  // NOP, DEVICE RESET, PACKET
  id[83] = 1 << 14;
  id[84] = 1 << 14;
  id[85] = (1 << 14) | (1 << 9) | (1 << 4);
  id[87] = 1 << 14;
  id[93] = (1 << 14) | (1 << 13) | 1;
  put_integrity_word(id);
  return id;
}

void AtapiCdrom::command(uint8_t cmd) {
  m_phase = Phase::Idle;
  using C = AtaCommand;
  switch (static_cast<C>(cmd)) {
    case C::PACKET: start_packet(); break;
    case C::IDENTIFY_PACKET_DEVICE:
      copy_identify(identify(), buffer());
      start_pio(PioDirection::In, 512);
      raise_irq();
      break;
    case C::IDENTIFY_DEVICE:
      // ATAPI devices abort it and leave their signature for the host (ATA-6 8.15).
      set_signature();
      fail(error::kAbrt);
      break;
    case C::DEVICE_RESET:
      // No interrupt; DRDY stays clear until the next command (ATA-6 8.7).
      set_signature();
      m_regs.error = 0x01;
      m_regs.status = 0;
      break;
    case C::EXECUTE_DEVICE_DIAGNOSTIC:
      set_signature();
      m_regs.error = 0x01;
      m_regs.status = 0;
      raise_irq();
      break;
    case C::SET_FEATURES:
      if (m_regs.feature == 0x03) {
        if (!valid_transfer_mode(m_regs.nsector)) return fail(error::kAbrt);
        m_xfer_mode = m_regs.nsector;
      } else if (m_regs.feature != 0x66 && m_regs.feature != 0xCC) {
        return fail(error::kAbrt);
      }
      set_ready();
      raise_irq();
      break;
    case C::CHECK_POWER_MODE:
      m_regs.nsector = 0xFF;
      set_ready();
      raise_irq();
      break;
    case C::IDLE_IMMEDIATE:
    case C::STANDBY_IMMEDIATE:
    case C::IDLE:
    case C::STANDBY:
      set_ready();
      raise_irq();
      break;
    default: fail(error::kAbrt); break;
  }
}

// PACKET (A0h): the features register asks for DMA (bit 0); LBA mid/high
// hold the byte count limit for PIO. The device asks for the 12-byte
// packet with DRQ, CoD=1, I/O=0 and no interrupt.
void AtapiCdrom::start_packet() {
  m_dma = m_regs.feature & 1;
  m_byte_limit = static_cast<uint16_t>(m_regs.lcyl | m_regs.hcyl << 8);
  m_phase = Phase::Packet;
  start_pio(PioDirection::Out, 12);
  m_regs.nsector = (m_regs.nsector & 0xF8) | reason::kCoD;
}

void AtapiCdrom::pio_block_done() {
  switch (m_phase) {
    case Phase::Packet:
      std::memcpy(m_cdb.data(), buffer(), m_cdb.size());
      m_phase = Phase::Idle;
      run_packet();
      break;
    case Phase::DataIn:
      if (m_left) {
        send_next_block();
      } else {
        packet_ok();
      }
      break;
    case Phase::Idle:
      // IDENTIFY PACKET DEVICE data has gone out.
      set_ready();
      break;
    case Phase::DmaIn: break;
  }
}

void AtapiCdrom::run_packet() {
  using namespace packet_flags;
  uint8_t op = m_cdb[0];
  unsigned flags = 0;
  bool known = false;
  switch (op) {
#define DYNEMU_ATAPI_FLAGS(code, name, f) \
  case code:                              \
    flags = (f);                          \
    known = true;                         \
    break;
    DYNEMU_ATAPI_COMMANDS(DYNEMU_ATAPI_FLAGS)
#undef DYNEMU_ATAPI_FLAGS
  }
  // Sense data belongs to the command before REQUEST SENSE.
  if (op != 0x03) m_sense = {};
  if (!known) return packet_error(sense::kIllegalRequest, asc::kInvalidOpcode);
  if (m_unit_attention && !(flags & kAllowsAttention)) {
    m_unit_attention = false;
    return packet_error(sense::kUnitAttention, asc::kMediumMayHaveChanged);
  }
  if ((flags & kNeedsMedium) && !has_medium()) {
    return packet_error(sense::kNotReady, asc::kMediumNotPresent, m_tray_open ? 2 : 1);
  }
  switch (op) {
#define DYNEMU_ATAPI_DISPATCH(code, name, f) \
  case code: cmd_##name(); break;
    DYNEMU_ATAPI_COMMANDS(DYNEMU_ATAPI_DISPATCH)
#undef DYNEMU_ATAPI_DISPATCH
  }
}

// Command completion: status without DRQ, interrupt reason "status"
// (CoD=1, I/O=1), INTRQ.
void AtapiCdrom::packet_ok() {
  m_phase = Phase::Idle;
  set_ready();
  m_regs.nsector = (m_regs.nsector & 0xF8) | reason::kIo | reason::kCoD;
  raise_irq();
}

// CHECK CONDITION: the sense key goes to the error register's high nibble;
// the host fetches the rest with REQUEST SENSE.
void AtapiCdrom::packet_error(uint8_t key, uint8_t asc, uint8_t ascq) {
  m_phase = Phase::Idle;
  m_left = 0;
  m_sense = {key, asc, ascq};
  m_regs.nsector = (m_regs.nsector & 0xF8) | reason::kIo | reason::kCoD;
  fail(static_cast<uint8_t>(key << 4 | (key == sense::kIllegalRequest ? error::kAbrt : 0)));
}

void AtapiCdrom::send_reply(uint32_t len, uint32_t allocation) {
  m_source = Source::Reply;
  m_reply_pos = 0;
  m_left = std::min(len, allocation);
  start_data_in();
}

void AtapiCdrom::send_sectors(uint32_t lba, uint32_t count) {
  if (uint64_t{lba} + count > capacity()) {
    return packet_error(sense::kIllegalRequest, asc::kLbaOutOfRange);
  }
  if (uint64_t{count} * kSectorSize > 0xFFFFFFFFu - kSectorSize) {
    return packet_error(sense::kIllegalRequest, asc::kInvalidFieldInCdb);
  }
  m_source = Source::Medium;
  m_medium_pos = uint64_t{lba} * kSectorSize;
  m_left = count * kSectorSize;
  start_data_in();
}

// Starts sending m_left bytes to the host (by DMA when the packet asked
// for it), or completes the packet when there is nothing to send.
void AtapiCdrom::start_data_in() {
  if (m_left == 0) return packet_ok();
  if (m_dma) {
    m_phase = Phase::DmaIn;
    return start_dma(DmaDirection::ToMemory, m_left);
  }
  m_phase = Phase::DataIn;
  send_next_block();
}

// One PIO DRQ block: as much as the byte count limit allows (even unless it
// is the last; whole sectors when reading the disc), its size in LBA
// mid/high, interrupt reason "data to host", INTRQ.
void AtapiCdrom::send_next_block() {
  uint32_t limit = m_byte_limit;
  if (limit == 0 || limit == 0xFFFF) limit = 0xFFFE;  // 0 is invalid; FFFFh is odd
  uint32_t n = m_left;
  if (n > limit) {
    n = limit & ~1u;
    if (m_source == Source::Medium && n >= kSectorSize) n -= n % kSectorSize;
  }
  if (!fill(buffer(), n)) return;
  m_left -= n;
  start_pio(PioDirection::In, n);
  m_regs.lcyl = static_cast<uint8_t>(n);
  m_regs.hcyl = static_cast<uint8_t>(n >> 8);
  m_regs.nsector = (m_regs.nsector & 0xF8) | reason::kIo;
  raise_irq();
}

bool AtapiCdrom::fill(uint8_t* out, uint32_t len) {
  if (m_source == Source::Reply) {
    std::memcpy(out, m_reply.data() + m_reply_pos, len);
    m_reply_pos += len;
    return true;
  }
  Result<void> r = m_medium ? m_medium->read(m_medium_pos, {out, len}) : Error{"no disc"};
  if (!r) {
    report_host_error(r.error());
    packet_error(sense::kMediumError, asc::kUnrecoveredReadError);
    return false;
  }
  m_medium_pos += len;
  return true;
}

bool AtapiCdrom::dma_data(std::span<uint8_t> buf) {
  return fill(buf.data(), static_cast<uint32_t>(buf.size()));
}

void AtapiCdrom::dma_complete() {
  m_left = 0;
  packet_ok();
}

void AtapiCdrom::visit_state(StateVisitor& v) {
  IdeDevice::visit_state(v);
  v("tray_open", m_tray_open);
  v("locked", m_locked);
  v("unit_attention", m_unit_attention);
  v("event", m_event);
  v("sense", m_sense);
  v("xfer_mode", m_xfer_mode);
  v("phase", m_phase);
  v("cdb", m_cdb);
  v("dma", m_dma);
  v("byte_limit", m_byte_limit);
  v("source", m_source);
  v("left", m_left);
  v("reply_pos", m_reply_pos);
  v("medium_pos", m_medium_pos);
  v("reply", m_reply);
}

}  // namespace dynemu::hw::storage
