// The MMC-2 packet commands of the ATAPI CD-ROM, one cmd_* per row of
// DYNEMU_ATAPI_COMMANDS. Each builds its reply in m_reply and sends at most
// the allocation length the host gave.
#include <algorithm>
#include <cstring>
#include <string_view>

#include "hw/storage/atapi_cdrom.h"

namespace dynemu::hw::storage {

namespace {

uint16_t be16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
uint32_t be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
void put_be16(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void put_be32(uint8_t* p, uint32_t v) {
  put_be16(p, v >> 16);
  put_be16(p + 2, v);
}
// A SCSI string: ASCII padded with spaces.
void put_padded(uint8_t* p, std::string_view s, size_t len) {
  for (size_t i = 0; i < len; ++i) p[i] = i < s.size() ? static_cast<uint8_t>(s[i]) : ' ';
}

// CD addresses as minutes/seconds/frames: LBA 0 is 00:02:00 (the 150-frame pregap).
void put_msf(uint8_t* p, uint32_t lba) {
  uint32_t f = lba + 150;
  p[0] = static_cast<uint8_t>(f / (75 * 60));
  p[1] = static_cast<uint8_t>(f / 75 % 60);
  p[2] = static_cast<uint8_t>(f % 75);
}

constexpr uint8_t kAdrControlData = 0x14;  // ADR 1 (position), control 4 (data track)
constexpr uint16_t kProfileCdRom = 0x0008;

}  // namespace

// TEST UNIT READY (00h): the medium check already ran.
void AtapiCdrom::cmd_TEST_UNIT_READY() {
  packet_ok();
}

// REQUEST SENSE (03h): fixed-format sense data of the previous command.
void AtapiCdrom::cmd_REQUEST_SENSE() {
  uint8_t* r = m_reply.data();
  std::memset(r, 0, 18);
  r[0] = 0x70;  // current error, fixed format
  r[2] = m_sense.key;
  r[7] = 10;  // additional sense length
  r[12] = m_sense.asc;
  r[13] = m_sense.ascq;
  m_sense = {};
  send_reply(18, m_cdb[4]);
}

// INQUIRY (12h): standard data only (no vital product data pages).
void AtapiCdrom::cmd_INQUIRY() {
  if (m_cdb[1] & 1) return packet_error(sense::kIllegalRequest, asc::kInvalidFieldInCdb);
  uint8_t* r = m_reply.data();
  std::memset(r, 0, 36);
  r[0] = 0x05;  // CD/DVD device
  r[1] = 0x80;  // removable
  r[2] = 0x00;  // ANSI version: none claimed, as ATAPI drives do
  r[3] = 0x21;  // ATAPI transport version 2, response data format 1
  r[4] = 36 - 5;
  put_padded(r + 8, m_config.vendor, 8);
  put_padded(r + 16, m_config.product, 16);
  put_padded(r + 32, m_config.firmware, 4);
  send_reply(36, be16(&m_cdb[3]));
}

// START STOP UNIT (1Bh): LoEj with Start=0 opens the tray, with Start=1 closes it.
void AtapiCdrom::cmd_START_STOP_UNIT() {
  bool start = m_cdb[4] & 1;
  bool load_eject = m_cdb[4] & 2;
  if (load_eject) {
    if (!start) {
      if (m_locked) return packet_error(sense::kIllegalRequest, asc::kMediumRemovalPrevented, 2);
      if (!m_tray_open && m_medium) m_event = MediaEvent::MediaRemoval;
      m_tray_open = true;
    } else if (m_tray_open) {
      m_tray_open = false;
      if (m_medium) m_event = MediaEvent::NewMedia;
    }
  }
  packet_ok();
}

// PREVENT ALLOW MEDIUM REMOVAL (1Eh).
void AtapiCdrom::cmd_PREVENT_ALLOW_MEDIUM_REMOVAL() {
  m_locked = m_cdb[4] & 1;
  packet_ok();
}

// READ CAPACITY (25h): last LBA and block size.
void AtapiCdrom::cmd_READ_CAPACITY() {
  put_be32(&m_reply[0], capacity() - 1);
  put_be32(&m_reply[4], kSectorSize);
  send_reply(8, 8);
}

// READ(10) (28h): LBA in bytes 2-5, count in 7-8.
void AtapiCdrom::cmd_READ_10() {
  send_sectors(be32(&m_cdb[2]), be16(&m_cdb[7]));
}

// READ(12) (A8h): count in bytes 6-9.
void AtapiCdrom::cmd_READ_12() {
  send_sectors(be32(&m_cdb[2]), be32(&m_cdb[6]));
}

// READ CD (BEh): only the 2048 user bytes of mode 1 sectors.
void AtapiCdrom::cmd_READ_CD() {
  uint8_t expected_type = (m_cdb[1] >> 2) & 7;  // 0 any, 2 mode 1
  uint8_t fields = m_cdb[9] & 0xF8;
  uint32_t count = uint32_t{m_cdb[6]} << 16 | be16(&m_cdb[7]);
  if (expected_type != 0 && expected_type != 2) {
    return packet_error(sense::kIllegalRequest, asc::kInvalidFieldInCdb);
  }
  if (fields == 0) return packet_ok();  // nothing asked for
  if (fields != 0x10) return packet_error(sense::kIllegalRequest, asc::kInvalidFieldInCdb);
  send_sectors(be32(&m_cdb[2]), count);
}

// SEEK(10) (2Bh): nothing to move.
void AtapiCdrom::cmd_SEEK_10() {
  if (be32(&m_cdb[2]) >= capacity()) {
    return packet_error(sense::kIllegalRequest, asc::kLbaOutOfRange);
  }
  packet_ok();
}

// A TOC address: 4 bytes, LBA or 0:M:S:F.
uint32_t AtapiCdrom::toc_address(uint32_t lba, bool msf, uint8_t* out) const {
  if (msf) {
    out[0] = 0;
    put_msf(out + 1, lba);
  } else {
    put_be32(out, lba);
  }
  return 4;
}

// READ TOC/PMA/ATIP (43h): format in byte 2 (or, from SFF-8020 drivers,
// bits 7:6 of byte 9); MSF addresses when byte 1 bit 1 is set.
void AtapiCdrom::cmd_READ_TOC() {
  bool msf = m_cdb[1] & 2;
  uint8_t format = m_cdb[2] & 0x0F;
  if (format == 0) format = m_cdb[9] >> 6;
  uint8_t start_track = m_cdb[6];
  uint16_t allocation = be16(&m_cdb[7]);
  uint8_t* r = m_reply.data();
  std::memset(r, 0, 64);
  uint32_t len = 4;
  r[2] = 1;  // first track / session
  r[3] = 1;  // last
  switch (format) {
    case 0:  // TOC: track 1 and the lead-out
      if (start_track > 1 && start_track != 0xAA) {
        return packet_error(sense::kIllegalRequest, asc::kInvalidFieldInCdb);
      }
      if (start_track <= 1) {
        r[len + 1] = kAdrControlData;
        r[len + 2] = 1;
        toc_address(0, msf, r + len + 4);
        len += 8;
      }
      r[len + 1] = kAdrControlData;
      r[len + 2] = 0xAA;
      toc_address(capacity(), msf, r + len + 4);
      len += 8;
      break;
    case 1:  // session information: the first track of the last session
      r[len + 1] = kAdrControlData;
      r[len + 2] = 1;
      toc_address(0, msf, r + len + 4);
      len += 8;
      break;
    case 2: {  // full TOC: points A0, A1, A2 and track 1, always MSF
      for (uint8_t point : {uint8_t{0xA0}, uint8_t{0xA1}, uint8_t{0xA2}, uint8_t{1}}) {
        uint8_t* d = r + len;
        d[0] = 1;  // session
        d[1] = kAdrControlData;
        d[3] = point;
        if (point == 0xA0 || point == 0xA1) {
          d[8] = 1;  // first / last track; A0's PSEC 0 = CD-DA or CD-ROM disc
        } else {
          put_msf(d + 8, point == 0xA2 ? capacity() : 0);
        }
        len += 11;
      }
      break;
    }
    default: return packet_error(sense::kIllegalRequest, asc::kInvalidFieldInCdb);
  }
  put_be16(r, len - 2);
  send_reply(len, allocation);
}

// GET CONFIGURATION (46h): the features of a CD-ROM drive. RT 0: all from
// the starting feature, 1: only current ones, 2: just that one.
void AtapiCdrom::cmd_GET_CONFIGURATION() {
  uint8_t rt = m_cdb[1] & 3;
  uint16_t first = be16(&m_cdb[2]);
  if (rt == 3) return packet_error(sense::kIllegalRequest, asc::kInvalidFieldInCdb);
  bool medium = has_medium();
  uint8_t* r = m_reply.data();
  std::memset(r, 0, 128);
  uint32_t len = 8;
  put_be16(r + 6, medium ? kProfileCdRom : 0);
  // Each feature: code, version << 2 | persistent << 1 | current, then its data.
  auto add = [&](uint16_t code, uint8_t version, bool persistent, bool current,
                 std::initializer_list<uint8_t> data) {
    bool wanted = rt == 2 ? code == first : code >= first && (rt == 0 || current);
    if (!wanted) return;
    uint8_t* f = r + len;
    put_be16(f, code);
    f[2] = static_cast<uint8_t>(version << 2 | (persistent ? 2 : 0) | (current ? 1 : 0));
    f[3] = static_cast<uint8_t>(data.size());
    std::copy(data.begin(), data.end(), f + 4);
    len += 4 + static_cast<uint32_t>(data.size());
  };
  add(0x0000, 0, true, true, {0x00, 0x08, uint8_t(medium ? 1 : 0), 0});  // profile list: CD-ROM
  add(0x0001, 1, true, true, {0, 0, 0, 2, 0, 0, 0, 0});                  // core: ATAPI
  add(0x0003, 0, true, true, {0x29, 0, 0, 0});  // removable medium: tray, eject, lock
  add(0x0010, 0, false, medium, {0, 0, 0x08, 0x00, 0, 1, 0, 0});  // random readable, 2048
  add(0x001E, 2, false, medium, {0, 0, 0, 0});                    // CD read
  put_be32(r, len - 4);
  send_reply(len, be16(&m_cdb[7]));
}

// GET EVENT STATUS NOTIFICATION (4Ah), polled only: the media class.
void AtapiCdrom::cmd_GET_EVENT_STATUS_NOTIFICATION() {
  if (!(m_cdb[1] & 1)) return packet_error(sense::kIllegalRequest, asc::kInvalidFieldInCdb);
  constexpr uint8_t kMediaClass = 1 << 4;
  uint8_t* r = m_reply.data();
  std::memset(r, 0, 8);
  r[3] = kMediaClass;  // supported classes
  uint32_t len = 4;
  if (m_cdb[4] & kMediaClass) {
    r[2] = 4;  // media class
    r[4] = static_cast<uint8_t>(m_event);
    r[5] = static_cast<uint8_t>((has_medium() ? 2 : 0) | (m_tray_open ? 1 : 0));
    m_event = MediaEvent::None;
    len = 8;
  } else {
    r[2] = 0x80;  // no event available
  }
  put_be16(r, len - 2);
  send_reply(len, be16(&m_cdb[7]));
}

// READ DISC INFORMATION (51h): a finalized disc with one complete session.
void AtapiCdrom::cmd_READ_DISC_INFORMATION() {
  if (m_cdb[1] & 7) return packet_error(sense::kIllegalRequest, asc::kInvalidFieldInCdb);
  uint8_t* r = m_reply.data();
  std::memset(r, 0, 34);
  put_be16(r, 32);
  r[2] = 0x0E;                   // last session complete, disc finalized
  r[3] = 1;                      // first track
  r[4] = 1;                      // sessions
  r[5] = 1;                      // first track of the last session
  r[6] = 1;                      // last track of the last session
  r[7] = 0x20;                   // unrestricted use
  r[8] = 0x00;                   // CD-DA or CD-ROM
  put_be32(r + 16, 0xFFFFFFFF);  // no next session lead-in
  put_be32(r + 20, 0xFFFFFFFF);  // nor lead-out
  send_reply(34, be16(&m_cdb[7]));
}

// One mode page; changeable values are all zero (nothing can be set).
uint32_t AtapiCdrom::mode_page(uint8_t page, bool changeable, uint8_t* p) const {
  uint32_t len = 0;
  switch (page) {
    case 0x01:  // read error recovery
      len = 12;
      std::memset(p, 0, len);
      if (!changeable) p[3] = 5;  // read retry count
      break;
    case 0x0D:  // CD device parameters
      len = 8;
      std::memset(p, 0, len);
      if (!changeable) {
        p[3] = 1;             // inactivity timer
        put_be16(p + 4, 60);  // seconds per minute
        put_be16(p + 6, 75);  // frames per second
      }
      break;
    case 0x2A:  // CD capabilities and mechanical status
      len = 20;
      std::memset(p, 0, len);
      if (!changeable) {
        p[4] = 0x71;  // audio play, mode 2 form 1 and 2, multi-session
        p[5] = 0x60;  // ISRC, UPC
        p[6] = static_cast<uint8_t>(0x29 | (m_locked ? 0x02 : 0));  // tray, eject, lock (+state)
        put_be16(p + 8, 4 * 176);                                   // max read speed, kB/s
        put_be16(p + 10, 2);                                        // volume levels
        put_be16(p + 12, 512);                                      // buffer, KiB
        put_be16(p + 14, 4 * 176);                                  // current read speed
      }
      break;
    default: return 0;
  }
  p[0] = page;
  p[1] = static_cast<uint8_t>(len - 2);
  return len;
}

// MODE SENSE(10) (5Ah): pages 01h, 0Dh, 2Ah, or all (3Fh); no block descriptors.
void AtapiCdrom::cmd_MODE_SENSE_10() {
  uint8_t pc = m_cdb[2] >> 6;
  uint8_t page = m_cdb[2] & 0x3F;
  if (pc == 3) return packet_error(sense::kIllegalRequest, asc::kSavingParametersNotSupported);
  bool changeable = pc == 1;
  uint8_t* r = m_reply.data();
  std::memset(r, 0, 8);
  uint32_t len = 8;
  if (page == 0x3F) {
    for (uint8_t p : {0x01, 0x0D, 0x2A}) len += mode_page(p, changeable, r + len);
  } else {
    uint32_t n = mode_page(page, changeable, r + len);
    if (n == 0) return packet_error(sense::kIllegalRequest, asc::kInvalidFieldInCdb);
    len += n;
  }
  put_be16(r, len - 2);
  r[2] = has_medium() ? 0x01 : 0x70;  // 120 mm CD-ROM data / no disc, door closed
  send_reply(len, be16(&m_cdb[7]));
}

// SET CD SPEED (BBh): accepted; the image reads as fast as the host does.
void AtapiCdrom::cmd_SET_CD_SPEED() {
  packet_ok();
}

// MECHANISM STATUS (BDh): not a changer; tray state only.
void AtapiCdrom::cmd_MECHANISM_STATUS() {
  uint8_t* r = m_reply.data();
  std::memset(r, 0, 8);
  r[1] = m_tray_open ? 0x10 : 0;
  send_reply(8, be16(&m_cdb[8]));
}

}  // namespace dynemu::hw::storage
