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

void copy_identify(const IdentifyData& id, uint8_t* out) {
  for (unsigned i = 0; i < 256; ++i) {
    out[2 * i] = static_cast<uint8_t>(id[i]);
    out[2 * i + 1] = static_cast<uint8_t>(id[i] >> 8);
  }
}

}  // namespace dynemu::hw::storage
