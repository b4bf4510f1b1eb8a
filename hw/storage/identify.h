#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace dynemu::hw::storage {

// The 256-word IDENTIFY (PACKET) DEVICE block.
using IdentifyData = std::array<uint16_t, 256>;

// An ATA string: `len` characters padded with spaces, two per word with the
// first character in the high byte (ATA-6 3.2.9), at words [word, word+len/2).
void put_ata_string(IdentifyData& id, unsigned word, std::string_view text, unsigned len);

// Word 255: signature 0xA5 and the checksum that makes all 512 bytes sum to 0.
void put_integrity_word(IdentifyData& id);

// Little-endian bytes, as the data port delivers them.
void copy_identify(const IdentifyData& id, uint8_t* out);

}  // namespace dynemu::hw::storage
