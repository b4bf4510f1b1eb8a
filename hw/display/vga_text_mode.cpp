// BIOS mode 3 for boots that run no VGA BIOS.
#include <cstring>

#include "hw/display/std_vga.h"

namespace dynemu::display {
namespace {

// The standard VGA register values of mode 3 (IBM VGA technical reference).
constexpr uint8_t kMisc = 0x67;
constexpr uint8_t kSeq[5] = {0x03, 0x00, 0x03, 0x00, 0x02};
constexpr uint8_t kCrtc[25] = {0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00,
                               0x4f, 0x0d, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x8e,
                               0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff};
constexpr uint8_t kGc[9] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff};
constexpr uint8_t kAttr[21] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a,
                               0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x0c, 0x00, 0x0f, 0x08, 0x00};

}  // namespace

void StdVga::init_text_mode() {
  m_misc_output = kMisc;
  std::memcpy(m_seq.data(), kSeq, sizeof kSeq);
  std::memcpy(m_crtc.data(), kCrtc, sizeof kCrtc);
  std::memcpy(m_gc.data(), kGc, sizeof kGc);
  std::memcpy(m_attr.data(), kAttr, sizeof kAttr);
  m_attr_index = 0x20;  // palette address source set: the screen is on
  m_attr_flipflop = false;
  // DAC 0..63: the EGA's 64 colours, each of R, G, B from a high (2/3)
  // and a low (1/3) intensity bit.
  for (int i = 0; i < 64; ++i) {
    m_palette[i * 3 + 0] = static_cast<uint8_t>(((i >> 2) & 1) * 0x2a + ((i >> 5) & 1) * 0x15);
    m_palette[i * 3 + 1] = static_cast<uint8_t>(((i >> 1) & 1) * 0x2a + ((i >> 4) & 1) * 0x15);
    m_palette[i * 3 + 2] = static_cast<uint8_t>((i & 1) * 0x2a + ((i >> 3) & 1) * 0x15);
  }
  // Blank cells: space on light grey, planes 0 and 1 of the first 32 KiB.
  for (uint32_t i = 0; i < 0x4000; ++i) {
    m_vram[i * 4] = ' ';
    m_vram[i * 4 + 1] = 0x07;
  }
}

}  // namespace dynemu::display
