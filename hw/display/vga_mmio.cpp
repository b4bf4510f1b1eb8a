// BAR2: QEMU's MMIO view of the VGA and dispi registers.
#include "hw/display/std_vga.h"

namespace dynemu::display {
namespace {

constexpr uint32_t kPorts = 0x400, kPortsEnd = 0x420;
constexpr uint32_t kDispi = 0x500, kDispiEnd = 0x500 + 2 * (StdVga::kVbeVideoMemory64k + 1);
constexpr uint32_t kQext = 0x600, kQextSize = 8;
constexpr uint32_t kLittleEndianFramebuffer = 0x1e1e1e1e;

}  // namespace

uint64_t StdVga::MmioBar::mmio_read(uint32_t offset, unsigned size) {
  if (offset >= kPorts && offset < kPortsEnd) {
    // Byte lanes in order: a word read is the index port then the data port.
    uint64_t v = 0;
    for (unsigned i = 0; i < size && offset + i < kPortsEnd; ++i)
      v |= uint64_t{m_vga.read_port(static_cast<uint16_t>(0x3c0 + offset - kPorts + i))} << (8 * i);
    return v;
  }
  if (offset >= kDispi && offset < kDispiEnd) {
    // As QEMU: the access goes through the index register.
    m_vga.m_vbe_index = static_cast<uint16_t>((offset - kDispi) >> 1);
    return m_vga.vbe_read();
  }
  if (offset == kQext) return kQextSize;
  if (offset == kQext + 4) return kLittleEndianFramebuffer;
  return 0;  // EDID (none) and unassigned bytes
}

void StdVga::MmioBar::mmio_write(uint32_t offset, unsigned size, uint64_t value) {
  if (offset >= kPorts && offset < kPortsEnd) {
    for (unsigned i = 0; i < size && offset + i < kPortsEnd; ++i)
      m_vga.write_port(static_cast<uint16_t>(0x3c0 + offset - kPorts + i),
                       static_cast<uint8_t>(value >> (8 * i)));
    return;
  }
  if (offset >= kDispi && offset < kDispiEnd) {
    m_vga.m_vbe_index = static_cast<uint16_t>((offset - kDispi) >> 1);
    m_vga.vbe_write(static_cast<uint16_t>(value));
  }
  // The endianness register only takes little-endian here: x86 guests.
}

}  // namespace dynemu::display
