#include "hw/storage/identify.h"

namespace dynemu::hw::storage {

void put_ata_string(IdentifyData& id, unsigned word, std::string_view text, unsigned len) {
  for (unsigned i = 0; i < len; i += 2) {
    auto ch = [&](unsigned k) -> uint16_t {
      return k < text.size() ? static_cast<uint8_t>(text[k]) : ' ';
    };
    id[word + i / 2] = static_cast<uint16_t>(ch(i) << 8 | ch(i + 1));
  }
}

void put_integrity_word(IdentifyData& id) {
  id[255] = 0xA5;
  uint8_t sum = 0;
  for (unsigned i = 0; i < 255; ++i) sum += static_cast<uint8_t>(id[i] + (id[i] >> 8));
  sum += 0xA5;
  id[255] = static_cast<uint16_t>(static_cast<uint8_t>(-sum) << 8 | 0xA5);
}

bool valid_transfer_mode(uint8_t value) {
  uint8_t mode = value & 7;
  switch (value >> 3) {
    case 0: return mode <= 1;  // PIO default mode
    case 1: return mode <= 4;  // PIO flow control mode
    case 2:                    // single-word DMA
    case 4: return mode <= 2;  // multiword DMA
    case 8: return mode <= 5;  // Ultra DMA
    default: return false;
  }
}

void put_dma_modes(IdentifyData& id, uint8_t transfer_mode) {
  unsigned mode_class = transfer_mode >> 3, mode = transfer_mode & 7;
  id[62] = static_cast<uint16_t>(0x07 | (mode_class == 2 ? 0x100 << mode : 0));
  id[63] = static_cast<uint16_t>(0x07 | (mode_class == 4 ? 0x100 << mode : 0));
  id[88] = static_cast<uint16_t>(0x3F | (mode_class == 8 ? 0x100 << mode : 0));
}

void copy_identify(const IdentifyData& id, uint8_t* out) {
  for (unsigned i = 0; i < 256; ++i) {
    out[2 * i] = static_cast<uint8_t>(id[i]);
    out[2 * i + 1] = static_cast<uint8_t>(id[i] >> 8);
  }
}

}  // namespace dynemu::hw::storage
