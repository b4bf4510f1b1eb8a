#include "hw/display/std_vga.h"

#include <algorithm>
#include <cstring>

namespace dynemu::display {
namespace {

pci::PciId vga_id() {
  pci::PciId id;
  id.vendor = 0x1234;
  id.device = 0x1111;
  id.revision = 0x02;
  id.class_code = 0x030000;  // VGA-compatible display controller
  return id;
}

// Writable bits of the sequencer and graphics controller registers; the
// others read as zero.
constexpr uint8_t kSeqMask[8] = {0x03, 0x3d, 0x0f, 0x3f, 0x0e, 0x00, 0x00, 0xff};
constexpr uint8_t kGcMask[16] = {0x0f, 0x0f, 0x0f, 0x1f, 0x03, 0x7b, 0x0f, 0x0f, 0xff};

// Misc output bit 0: CRTC and status at 0x3Dx (colour) rather than 0x3Bx.
constexpr uint8_t kMiscColor = 0x01;
// Input status 1: display enable (0) and vertical retrace (3).
constexpr uint8_t kStatus1Toggle = 0x09;
// CRTC 0x11 bit 7 write-protects CR0..CR7 (except CR7 bit 4).
constexpr uint8_t kCrtcProtect = 0x80;

}  // namespace

StdVga::StdVga(std::vector<uint8_t> rom) : pci::PciDevice(vga_id()), m_vram(kVramSize, 0) {
  set_ram_bar(0, kVramSize, m_vram.data(), pci::Prefetch::Yes);
  set_mmio_bar(2, kMmioBarSize, &m_mmio_bar, pci::Prefetch::No);
  if (!rom.empty()) set_rom(std::move(rom));
  StdVga::reset();
}

void StdVga::map_legacy(hw::IoBus& io, mmu::PhysMemory& memory) {
  // VGA registers are byte-wide: a word OUT to an index port is the index
  // then the data, split by the bus.
  io.map(0x3b0, 0x30, this, 1);
  io.map(kVbeIndexPort, 3, this, 2);
  memory.map_mmio(kLegacyBase, kLegacySize, this);
}

void StdVga::reset() {
  pci::PciDevice::reset();
  m_misc_output = 0;
  m_feature_control = 0;
  m_status1 = 0;
  m_seq_index = 0;
  m_seq.fill(0);
  m_gc_index = 0;
  m_gc.fill(0);
  m_crtc_index = 0;
  m_crtc.fill(0);
  m_attr_index = 0;
  m_attr_flipflop = false;
  m_attr.fill(0);
  m_dac_mask = 0xff;
  m_dac_read_index = m_dac_write_index = m_dac_sub_index = m_dac_state = 0;
  m_dac_cache.fill(0);
  m_palette.fill(0);
  m_latch = 0;
  m_vbe_index = 0;
  m_vbe.fill(0);
  m_vbe[kVbeId] = kVbeId5;
  m_bank_offset = 0;
  // Video memory keeps its contents across a reset, as on the card.
}

void StdVga::visit_state(hw::StateVisitor& v) {
  pci::PciDevice::visit_state(v);
  v.field("vram", m_vram.data(), m_vram.size());
  v("misc_output", m_misc_output);
  v("feature_control", m_feature_control);
  v("status1", m_status1);
  v("seq_index", m_seq_index);
  v("seq", m_seq);
  v("gc_index", m_gc_index);
  v("gc", m_gc);
  v("crtc_index", m_crtc_index);
  v("crtc", m_crtc);
  v("attr_index", m_attr_index);
  v("attr_flipflop", m_attr_flipflop);
  v("attr", m_attr);
  v("dac_mask", m_dac_mask);
  v("dac_read_index", m_dac_read_index);
  v("dac_write_index", m_dac_write_index);
  v("dac_sub_index", m_dac_sub_index);
  v("dac_state", m_dac_state);
  v("dac_cache", m_dac_cache);
  v("palette", m_palette);
  v("latch", m_latch);
  v("vbe_index", m_vbe_index);
  v("vbe", m_vbe);
  v("bank_offset", m_bank_offset);
}

uint32_t StdVga::io_read(uint16_t port, unsigned size) {
  if (port >= kVbeIndexPort && port <= kVbeIndexPort + 2) {
    if (port == kVbeIndexPort) return m_vbe_index;
    return vbe_read();
  }
  return read_port(port);
}

void StdVga::io_write(uint16_t port, unsigned size, uint32_t value) {
  if (port >= kVbeIndexPort && port <= kVbeIndexPort + 2) {
    if (port == kVbeIndexPort)
      m_vbe_index = static_cast<uint16_t>(value);
    else
      vbe_write(static_cast<uint16_t>(value));
    return;
  }
  write_port(port, static_cast<uint8_t>(value));
}

bool StdVga::port_hidden(uint16_t port) const {
  // Only the CRTC / status set matching the misc output's addressing answers.
  if (m_misc_output & kMiscColor) return port >= 0x3b0 && port <= 0x3bf;
  return port >= 0x3d0 && port <= 0x3df;
}

uint8_t StdVga::read_port(uint16_t port) {
  if (port_hidden(port)) return 0xff;
  switch (port) {
    case 0x3c0:
      // The index reads back only while the flip-flop expects an index
      // (QEMU; checked against it): in the data phase this reads 0.
      return m_attr_flipflop ? 0 : m_attr_index;
    case 0x3c1: {
      const uint8_t i = m_attr_index & 0x1f;
      return i < kAttrCount ? m_attr[i] : 0;
    }
    case 0x3c2: return 0;  // input status 0: no switch sense, no CRT interrupt
    case 0x3c4: return m_seq_index;
    case 0x3c5: return m_seq[m_seq_index];
    case 0x3c6: return m_dac_mask;
    case 0x3c7: return m_dac_state;
    case 0x3c8: return m_dac_write_index;
    case 0x3c9: {
      const uint8_t v = m_palette[m_dac_read_index * 3 + m_dac_sub_index];
      if (++m_dac_sub_index == 3) {
        m_dac_sub_index = 0;
        ++m_dac_read_index;
      }
      return v;
    }
    case 0x3ca: return m_feature_control;
    case 0x3cc: return m_misc_output;
    case 0x3ce: return m_gc_index;
    case 0x3cf: return m_gc[m_gc_index];
    case 0x3b4:
    case 0x3d4: return m_crtc_index;
    case 0x3b5:
    case 0x3d5: return m_crtc[m_crtc_index];
    case 0x3ba:
    case 0x3da:
      // Reading input status 1 resets the attribute flip-flop to "index".
      // Retrace and display enable flip on every read, so polling loops
      // that wait for either edge finish without a time base.
      m_attr_flipflop = false;
      m_status1 ^= kStatus1Toggle;
      return m_status1;
    default: return 0;
  }
}

void StdVga::write_port(uint16_t port, uint8_t value) {
  if (port_hidden(port)) return;
  switch (port) {
    case 0x3c0:
      if (!m_attr_flipflop) {
        m_attr_index = value & 0x3f;  // bit 5: palette address source (screen on)
      } else {
        const uint8_t i = m_attr_index & 0x1f;
        switch (i) {
          case 0x10: m_attr[i] = value & ~0x10; break;
          case 0x12: m_attr[i] = value & 0x3f; break;
          case 0x13:
          case 0x14: m_attr[i] = value & 0x0f; break;
          default:
            if (i < 0x10)
              m_attr[i] = value & 0x3f;
            else if (i < kAttrCount)
              m_attr[i] = value;
        }
      }
      m_attr_flipflop = !m_attr_flipflop;
      break;
    case 0x3c2: m_misc_output = value & ~0x10; break;
    case 0x3c4: m_seq_index = value & 0x07; break;
    case 0x3c5: m_seq[m_seq_index] = value & kSeqMask[m_seq_index]; break;
    case 0x3c6: m_dac_mask = value; break;
    case 0x3c7:
      m_dac_read_index = value;
      m_dac_sub_index = 0;
      m_dac_state = 3;
      break;
    case 0x3c8:
      m_dac_write_index = value;
      m_dac_sub_index = 0;
      m_dac_state = 0;
      break;
    case 0x3c9:
      // 6-bit DAC unless VBE switched it to 8 bits.
      m_dac_cache[m_dac_sub_index] = (m_vbe[kVbeEnable] & kVbe8BitDac) ? value : value & 0x3f;
      if (++m_dac_sub_index == 3) {
        std::memcpy(&m_palette[m_dac_write_index * 3], m_dac_cache.data(), 3);
        m_dac_sub_index = 0;
        ++m_dac_write_index;
      }
      break;
    case 0x3ce: m_gc_index = value & 0x0f; break;
    case 0x3cf: m_gc[m_gc_index] = value & kGcMask[m_gc_index]; break;
    case 0x3b4:
    case 0x3d4: m_crtc_index = value; break;
    case 0x3b5:
    case 0x3d5:
      if ((m_crtc[0x11] & kCrtcProtect) && m_crtc_index <= 0x07) {
        if (m_crtc_index == 0x07) m_crtc[0x07] = (m_crtc[0x07] & ~0x10) | (value & 0x10);
        break;
      }
      m_crtc[m_crtc_index] = value;
      break;
    case 0x3ba:
    case 0x3da: m_feature_control = value & 0x10; break;
    default: break;
  }
}

std::optional<TextScreen> StdVga::render_text() const {
  if (vbe_enabled() || (m_gc[6] & 0x01)) return std::nullopt;
  TextScreen s;
  s.columns = m_crtc[0x01] + 1;
  const int char_height = (m_crtc[0x09] & 0x1f) + 1;
  int lines = (m_crtc[0x12] | (m_crtc[0x07] & 0x02) << 7 | (m_crtc[0x07] & 0x40) << 3) + 1;
  if (m_crtc[0x09] & 0x80) lines /= 2;  // double scan
  s.rows = std::max(1, lines / char_height);
  const int stride = m_crtc[0x13] * 2;  // characters per row (word addressing)
  const int start = m_crtc[0x0c] << 8 | m_crtc[0x0d];
  const uint32_t plane_size = kVramSize / 4;
  s.cells.resize(static_cast<size_t>(s.columns) * s.rows);
  for (int r = 0; r < s.rows; ++r) {
    for (int c = 0; c < s.columns; ++c) {
      const uint32_t at = (static_cast<uint32_t>(start + r * stride + c) % plane_size) * 4;
      s.cells[r * s.columns + c] = static_cast<uint16_t>(m_vram[at] | m_vram[at + 1] << 8);
    }
  }
  const int cursor = (m_crtc[0x0e] << 8 | m_crtc[0x0f]) - start;
  s.cursor_visible = !(m_crtc[0x0a] & 0x20) && stride > 0 && cursor >= 0;
  if (stride > 0 && cursor >= 0) {
    s.cursor_row = cursor / stride;
    s.cursor_column = cursor % stride;
    if (s.cursor_row >= s.rows || s.cursor_column >= s.columns) s.cursor_visible = false;
  }
  return s;
}

}  // namespace dynemu::display
