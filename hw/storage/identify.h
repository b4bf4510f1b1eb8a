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

// SET FEATURES 03h: whether `value` (the sector count: mode class << 3 |
// mode) names a transfer mode we take: PIO 0-4, single-word and multiword
// DMA 0-2, Ultra DMA 0-5.
bool valid_transfer_mode(uint8_t value);
// Words 62, 63 and 88: the DMA modes supported, with the selected one marked.
void put_dma_modes(IdentifyData& id, uint8_t transfer_mode);

// Little-endian bytes, as the data port delivers them.
void copy_identify(const IdentifyData& id, uint8_t* out);

}  // namespace dynemu::hw::storage
