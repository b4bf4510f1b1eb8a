#pragma once

#include <array>
#include <memory>
#include <string>

#include "hw/block/block_device.h"
#include "hw/storage/atapi_defs.h"
#include "hw/storage/ide_device.h"
#include "hw/storage/identify.h"

namespace dynemu::hw::storage {

struct AtapiConfig {
  std::string vendor = "DYNEMU";        // INQUIRY, 8 characters
  std::string product = "CD-ROM";       // INQUIRY, 16 characters
  std::string model = "DYNEMU CD-ROM";  // IDENTIFY PACKET DEVICE, 40 characters
  std::string serial = "DYNEMU-CD0";
  std::string firmware = "0.1";
};

// An ATAPI CD-ROM drive (ATA/ATAPI-6 PACKET feature set, MMC-2 commands)
// reading 2048-byte sectors from an ISO image: one data track, one
// session. 12-byte packets; data in by PIO (DRQ blocks up to the host's
// byte count limit) or by DMA through the bus master. The drive has a tray:
// the guest may lock it and eject; the board may change the disc.
class AtapiCdrom final : public IdeDevice {
 public:
  static constexpr uint32_t kSectorSize = 2048;

  explicit AtapiCdrom(std::unique_ptr<block::BlockDevice> medium = nullptr,
                      AtapiConfig config = {});

  const char* name() const override { return "atapi-cdrom"; }
  IdentifyData identify() const;

  // --- host side (the board, the control protocol) ---
  // A new disc in a closed tray: the guest sees a unit attention and a new-media event.
  void insert(std::unique_ptr<block::BlockDevice> medium);
  // Takes the disc out (whatever the guest's lock says: the user pulled it).
  void eject();
  bool has_medium() const { return m_medium && !m_tray_open; }
  bool tray_open() const { return m_tray_open; }
  bool locked() const { return m_locked; }
  uint32_t capacity() const;  // 2048-byte sectors of the disc, 0 without one

  bool accepts_while_busy(uint8_t command) const override;
  void power_on_reset() override;
  void visit_state(StateVisitor& v) override;

 private:
  enum class Phase : uint8_t { Idle, Packet, DataIn, DmaIn };
  enum class Source : uint8_t { Reply, Medium };
  struct Sense {
    uint8_t key = 0, asc = 0, ascq = 0;
  };
  enum class MediaEvent : uint8_t { None = 0, EjectRequest = 1, NewMedia = 2, MediaRemoval = 3 };

  uint16_t signature_cylinder() const override { return 0xEB14; }
  uint8_t status_after_reset() const override { return 0; }  // DRDY is not set on ATAPI
  void command(uint8_t command) override;
  void pio_block_done() override;
  bool dma_data(std::span<uint8_t> buf) override;
  void dma_complete() override;

  // Packet level.
  void start_packet();
  void run_packet();
  void packet_ok();
  void packet_error(uint8_t key, uint8_t asc, uint8_t ascq = 0);
  // Sends min(len, allocation) bytes of the reply (or medium) to the host.
  void send_reply(uint32_t len, uint32_t allocation);
  void send_sectors(uint32_t lba, uint32_t count);
  void start_data_in();  // m_left bytes from m_source
  void send_next_block();
  bool fill(uint8_t* out, uint32_t len);  // from the current source; false on an I/O error

  // The packet commands, one per row of DYNEMU_ATAPI_COMMANDS.
#define DYNEMU_ATAPI_DECLARE(code, name, flags) void cmd_##name();
  DYNEMU_ATAPI_COMMANDS(DYNEMU_ATAPI_DECLARE)
#undef DYNEMU_ATAPI_DECLARE

  uint32_t mode_page(uint8_t page, bool changeable, uint8_t* out) const;
  uint32_t toc_address(uint32_t lba, bool msf, uint8_t* out) const;

  std::unique_ptr<block::BlockDevice> m_medium;
  AtapiConfig m_config;

  // Drive state.
  bool m_tray_open = false;
  bool m_locked = false;
  bool m_unit_attention = false;
  MediaEvent m_event = MediaEvent::None;
  Sense m_sense;
  uint8_t m_xfer_mode = 0x0C;  // PIO 4

  // The packet in progress.
  Phase m_phase = Phase::Idle;
  std::array<uint8_t, 12> m_cdb{};
  bool m_dma = false;         // features bit 0 of the PACKET command
  uint16_t m_byte_limit = 0;  // byte count limit of the PACKET command
  Source m_source = Source::Reply;
  uint32_t m_left = 0;                 // bytes still to send
  uint32_t m_reply_pos = 0;            // next byte of m_reply
  uint64_t m_medium_pos = 0;           // next byte of the disc
  std::array<uint8_t, 512> m_reply{};  // a command's reply built in place
};

}  // namespace dynemu::hw::storage
