// The VGA's memory paths behind the legacy window 0xA0000..0xBFFFF.
#include <cstring>

#include "hw/display/std_vga.h"

namespace dynemu::display {
namespace {

// Four plane-enable bits -> a byte mask per plane of a 32-bit latch word.
constexpr uint32_t expand_planes(uint8_t bits) {
  uint32_t m = 0;
  for (int p = 0; p < 4; ++p)
    if (bits & (1u << p)) m |= 0xffu << (8 * p);
  return m;
}

constexpr uint8_t kSeqChain4 = 0x08;  // SR4 bit 3
// GR5 bit 4, host odd/even, selects odd/even addressing for reads and
// writes alike. (On a real VGA, writes follow SR4 bit 2 instead; QEMU, which
// SeaVGABIOS and guests are tested on, uses GR5 for both: checked against it.)
constexpr uint8_t kGcOddEven = 0x10;
constexpr uint8_t kGcReadMode1 = 0x08;  // GR5 bit 3

uint32_t load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

}  // namespace

uint8_t StdVga::memory_mode() const {
  return vbe_enabled() && m_vbe[kVbeBpp] != 4 ? (m_seq[4] | kSeqChain4) : m_seq[4];
}

uint8_t StdVga::map_mask() const {
  return vbe_enabled() && m_vbe[kVbeBpp] != 4 ? 0x0f : (m_seq[2] & 0x0f);
}

bool StdVga::window_address(uint32_t offset, uint32_t& address) const {
  // GR6 bits 3..2: 0 = A0000 128K, 1 = A0000 64K (banked under VBE), 2 = B0000 32K,
  // 3 = B8000 32K.
  switch ((m_gc[6] >> 2) & 3) {
    case 0: address = offset; return true;
    case 1:
      if (offset >= 0x10000) return false;
      address = offset + m_bank_offset;
      return true;
    case 2:
      if (offset < 0x10000 || offset >= 0x18000) return false;
      address = offset - 0x10000;
      return true;
    default:
      if (offset < 0x18000) return false;
      address = offset - 0x18000;
      return true;
  }
}

uint8_t StdVga::read_window(uint32_t offset) {
  uint32_t a;
  if (!window_address(offset, a)) return 0xff;
  if (memory_mode() & kSeqChain4) {
    // Chain-4 (mode 13h, VBE banks): the address picks plane a & 3 directly.
    return a < kVramSize ? m_vram[a] : 0xff;
  }
  if (m_gc[5] & kGcOddEven) {
    // Odd/even (text): address bit 0 picks plane 0/1 (or 2/3 per GR4 bit 1).
    const uint32_t plane = (m_gc[4] & 2) | (a & 1);
    const uint32_t at = ((a & ~1u) << 1) | plane;
    return at < kVramSize ? m_vram[at] : 0xff;
  }
  // Planar: every read loads the four latches.
  if (uint64_t{a} * 4 >= kVramSize) return 0xff;
  m_latch = load32(&m_vram[a * 4]);
  if (!(m_gc[5] & kGcReadMode1)) return static_cast<uint8_t>(m_latch >> (8 * (m_gc[4] & 3)));
  // Read mode 1: a 1 for each pixel whose colour matches GR2 in the planes GR7 selects.
  uint32_t diff = (m_latch ^ expand_planes(m_gc[2])) & expand_planes(m_gc[7]);
  diff |= diff >> 16;
  diff |= diff >> 8;
  return static_cast<uint8_t>(~diff);
}

void StdVga::write_window(uint32_t offset, uint8_t value) {
  uint32_t a;
  if (!window_address(offset, a)) return;
  const uint8_t planes_enabled = map_mask();
  const uint8_t mode = memory_mode();
  if (mode & kSeqChain4) {
    if (a < kVramSize && (planes_enabled & (1u << (a & 3)))) m_vram[a] = value;
    return;
  }
  if (m_gc[5] & kGcOddEven) {
    const uint32_t plane = (m_gc[4] & 2) | (a & 1);
    const uint32_t at = ((a & ~1u) << 1) | plane;
    if (at < kVramSize && (planes_enabled & (1u << plane))) m_vram[at] = value;
    return;
  }
  if (uint64_t{a} * 4 >= kVramSize) return;

  const unsigned rotate = m_gc[3] & 7;
  const auto rotated = static_cast<uint8_t>((value >> rotate) | (value << (8 - rotate)));
  uint32_t data = 0;
  uint8_t bit_mask = m_gc[8];
  switch (m_gc[5] & 3) {
    case 0: {
      // Rotated byte in every plane; set/reset replaces the planes GR1 enables.
      data = rotated * 0x01010101u;
      const uint32_t sr_enable = expand_planes(m_gc[1]);
      data = (data & ~sr_enable) | (expand_planes(m_gc[0]) & sr_enable);
      break;
    }
    case 1:
      // The latches as they are (copies within video memory).
      data = m_latch;
      goto store;
    case 2:
      // The low four bits are a colour: each plane all ones or all zeros.
      data = expand_planes(value & 0x0f);
      break;
    case 3:
      // The rotated byte ANDed with the bit mask selects bits; GR0 is the colour.
      bit_mask &= rotated;
      data = expand_planes(m_gc[0]);
      break;
  }
  // The ALU function of GR3 bits 4..3 against the latches.
  switch ((m_gc[3] >> 3) & 3) {
    case 1: data &= m_latch; break;
    case 2: data |= m_latch; break;
    case 3: data ^= m_latch; break;
    default: break;
  }
  {
    const uint32_t bits = bit_mask * 0x01010101u;
    data = (data & bits) | (m_latch & ~bits);
  }
store:
  const uint32_t planes = expand_planes(planes_enabled);
  uint32_t word = load32(&m_vram[a * 4]);
  word = (word & ~planes) | (data & planes);
  std::memcpy(&m_vram[a * 4], &word, 4);
}

uint64_t StdVga::mmio_read(uint32_t offset, unsigned size) {
  uint64_t v = 0;
  for (unsigned i = 0; i < size; ++i) v |= uint64_t{read_window(offset + i)} << (8 * i);
  return v;
}

void StdVga::mmio_write(uint32_t offset, unsigned size, uint64_t value) {
  for (unsigned i = 0; i < size; ++i)
    write_window(offset + i, static_cast<uint8_t>(value >> (8 * i)));
}

}  // namespace dynemu::display
