// The Bochs VBE "dispi" interface: mode registers behind ports 0x1CE/0x1CF.
#include <algorithm>
#include <cstring>

#include "hw/display/std_vga.h"

namespace dynemu::display {
namespace {

bool valid_bpp(uint16_t bpp) {
  return bpp == 4 || bpp == 8 || bpp == 15 || bpp == 16 || bpp == 24 || bpp == 32;
}

}  // namespace

uint32_t StdVga::vbe_line_bytes() const {
  const uint32_t width = m_vbe[kVbeVirtWidth];
  const uint16_t bpp = m_vbe[kVbeBpp];
  return bpp == 4 ? width / 2 : width * ((bpp + 7) / 8);
}

uint16_t StdVga::vbe_read() {
  if (m_vbe_index == kVbeVideoMemory64k) return kVramSize / (64 * 1024);
  if (m_vbe_index >= kVbeRegisterCount) return 0;
  // With GETCAPS set, the mode registers report the largest values instead.
  if (m_vbe[kVbeEnable] & kVbeGetCaps) {
    switch (m_vbe_index) {
      case kVbeXres: return kVbeMaxXres;
      case kVbeYres: return kVbeMaxYres;
      case kVbeBpp: return kVbeMaxBpp;
      default: break;
    }
  }
  return m_vbe[m_vbe_index];
}

void StdVga::vbe_write(uint16_t value) {
  switch (m_vbe_index) {
    case kVbeId:
      // Software announces the interface version it speaks; known ones stick.
      if (value >= kVbeId0 && value <= kVbeId5) m_vbe[kVbeId] = value;
      return;
    case kVbeXres:
    case kVbeYres:
    case kVbeBpp:
    case kVbeVirtWidth:
    case kVbeVirtHeight:
    case kVbeXOffset:
    case kVbeYOffset:
      m_vbe[m_vbe_index] = value;
      if (vbe_enabled()) {
        vbe_fixup();
        vbe_set_vga_registers();
      }
      return;
    case kVbeBank:
      m_vbe[kVbeBank] = value & ((kVramSize >> 16) - 1);
      m_bank_offset = uint32_t{m_vbe[kVbeBank]} << 16;
      return;
    case kVbeEnable: {
      if ((value & kVbeEnabled) && !vbe_enabled()) {
        // A mode set: the virtual screen starts as the visible one.
        m_vbe[kVbeVirtWidth] = m_vbe[kVbeXres];
        m_vbe[kVbeVirtHeight] = m_vbe[kVbeYres];
        m_vbe[kVbeXOffset] = m_vbe[kVbeYOffset] = 0;
        m_vbe[kVbeEnable] = value;
        vbe_fixup();
        if (!(value & kVbeNoClearMem)) {
          const uint64_t bytes = uint64_t{vbe_line_bytes()} * m_vbe[kVbeYres];
          std::memset(m_vram.data(), 0, std::min<uint64_t>(bytes, kVramSize));
        }
        vbe_set_vga_registers();
      }
      m_bank_offset = 0;
      m_vbe[kVbeEnable] = value;
      return;
    }
    default: return;
  }
}

// Keeps an enabled mode inside what the hardware can show and the memory
// holds. As QEMU (checked against it): the virtual height is always as many
// lines as video memory holds (writes to it do not stick), and a display
// start that would run past the memory falls back to line 0, then column 0.
void StdVga::vbe_fixup() {
  auto& r = m_vbe;
  if (!valid_bpp(r[kVbeBpp])) r[kVbeBpp] = 8;
  r[kVbeXres] &= ~7u;
  if (r[kVbeXres] == 0) r[kVbeXres] = 8;
  r[kVbeXres] = std::min(r[kVbeXres], kVbeMaxXres);
  r[kVbeVirtWidth] &= ~7u;
  if (r[kVbeVirtWidth] < r[kVbeXres]) r[kVbeVirtWidth] = r[kVbeXres];
  const uint32_t line = vbe_line_bytes();
  const uint32_t max_height = std::min<uint32_t>(kVramSize / line, 0xffff);
  if (r[kVbeYres] == 0) r[kVbeYres] = 1;
  r[kVbeYres] = std::min(r[kVbeYres], kVbeMaxYres);
  if (r[kVbeYres] > max_height) r[kVbeYres] = static_cast<uint16_t>(max_height);
  r[kVbeXOffset] = std::min(r[kVbeXOffset], kVbeMaxXres);
  r[kVbeYOffset] = std::min(r[kVbeYOffset], kVbeMaxYres);
  const uint32_t bits = r[kVbeBpp] == 15 ? 16 : r[kVbeBpp];
  const uint64_t screen = uint64_t{r[kVbeYres]} * line;
  const uint64_t x_bytes = uint64_t{r[kVbeXOffset]} * bits / 8;
  if (x_bytes + uint64_t{r[kVbeYOffset]} * line + screen > kVramSize) {
    r[kVbeYOffset] = 0;
    if (x_bytes + screen > kVramSize) r[kVbeXOffset] = 0;
  }
  r[kVbeVirtHeight] = static_cast<uint16_t>(max_height);
}

// Mirrors a VBE mode into the VGA registers, so that code looking at them
// (and the renderer) sees a graphics mode of the right geometry. The
// sequencer is left as the guest set it: memory_mode() and map_mask() make
// the window linear while VBE is on.
void StdVga::vbe_set_vga_registers() {
  m_gc[6] = (m_gc[6] & ~0x0c) | 0x05;  // graphics, A0000 64K window
  m_crtc[0x17] |= 0x03;                // no CGA/Hercules address wrap
  m_crtc[0x13] = static_cast<uint8_t>(vbe_line_bytes() >> 3);
  m_crtc[0x01] = static_cast<uint8_t>((m_vbe[kVbeXres] >> 3) - 1);
  const unsigned last_line = m_vbe[kVbeYres] - 1u;
  m_crtc[0x12] = static_cast<uint8_t>(last_line);
  m_crtc[0x07] = static_cast<uint8_t>((m_crtc[0x07] & ~0x42) | ((last_line >> 7) & 0x02) |
                                      ((last_line >> 3) & 0x40) | 0x10);
  m_crtc[0x18] = 0xff;  // line compare off
  m_crtc[0x09] = (m_crtc[0x09] & ~0x9f) | 0x40;
  // 256-colour shifting above 4 bpp.
  m_gc[5] = (m_gc[5] & ~0x60) | (m_vbe[kVbeBpp] == 4 ? 0x00 : 0x40);
}

}  // namespace dynemu::display
