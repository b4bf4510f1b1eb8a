#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "emulator/mmu/phys_memory.h"
#include "hw/core/io_bus.h"
#include "hw/display/text_screen.h"
#include "hw/pci/pci_device.h"

namespace dynemu::display {

// The standard VGA with Bochs VBE extensions, as QEMU's "VGA" device
// (PCI 1234:1111, class 0300) and SeaVGABIOS's vgabios-stdvga.bin know it.
//
//  - VGA registers at 0x3B0..0x3DF: misc output, sequencer, CRTC (at 0x3B4
//    or 0x3D4 as misc output bit 0 selects; the other set reads 0xFF),
//    graphics controller, attribute controller (one port pair with an
//    index/data flip-flop that reading input status 1 resets), DAC (read and
//    write indexes, three-byte cycles, 6-bit entries unless the VBE 8-bit
//    DAC is on), input status 1 whose retrace bits toggle on every read.
//  - Bochs VBE "dispi" at 0x1CE (index) / 0x1CF and 0x1D0 (data).
//  - The legacy window 0xA0000..0xBFFFF, placed by GR6's memory map select,
//    with the VGA's memory paths: chain-4, odd/even (text), and planar
//    latched access with write modes 0-3 and read modes 0-1.
//  - 16 MiB of video memory: BAR0 (prefetchable, the VBE linear
//    framebuffer, reached by the CPU directly) and the expansion ROM BAR
//    holding the VGA BIOS image the board gives.
//  - BAR2, 4 KiB of MMIO as QEMU's (docs/specs/standard-vga): 0x000 EDID
//    (none: zeros), 0x400 the VGA ports 0x3C0..0x3DF, 0x500 the dispi
//    registers at index * 2, 0x600 QEMU's extended registers (region size;
//    framebuffer endianness, little only).
//
// Video memory is kept as QEMU keeps it: four planes interleaved, plane p
// of VGA address a at byte 4a + p; chain-4 and VBE modes address it
// linearly. The legacy ports and window are always decoded (as an ISA VGA),
// whatever the PCI command register says.
//
// Register and memory behaviour was checked against qemu-system-i386 with
// boot-sector probes; where QEMU and a real VGA differ (odd/even writes
// follow GR5, not SR4), QEMU is followed. One deliberate difference: DAC
// entries keep 6 bits in 6-bit mode, as on the hardware (QEMU keeps 8 and
// drops 2 when drawing; the picture is the same).
class StdVga : public pci::PciDevice, public hw::PortHandler, public mmu::MmioHandler {
 public:
  static constexpr uint32_t kVramSize = 16 * 1024 * 1024;
  static constexpr uint32_t kLegacyBase = 0xa0000;
  static constexpr uint32_t kLegacySize = 0x20000;
  static constexpr uint32_t kMmioBarSize = 0x1000;
  static constexpr uint16_t kVbeIndexPort = 0x1ce;
  static constexpr uint16_t kVbeDataPort = 0x1cf;

  // VBE dispi register indexes and bits (the Bochs interface).
  enum VbeIndex : uint16_t {
    kVbeId = 0,
    kVbeXres = 1,
    kVbeYres = 2,
    kVbeBpp = 3,
    kVbeEnable = 4,
    kVbeBank = 5,
    kVbeVirtWidth = 6,
    kVbeVirtHeight = 7,
    kVbeXOffset = 8,
    kVbeYOffset = 9,
    kVbeVideoMemory64k = 10,
    kVbeRegisterCount = 10,  // 0..9 are stored; 10 is computed
  };
  static constexpr uint16_t kVbeId0 = 0xb0c0, kVbeId5 = 0xb0c5;
  static constexpr uint16_t kVbeEnabled = 0x01, kVbeGetCaps = 0x02, kVbe8BitDac = 0x20,
                            kVbeLfbEnabled = 0x40, kVbeNoClearMem = 0x80;
  static constexpr uint16_t kVbeMaxXres = 16000, kVbeMaxYres = 12000, kVbeMaxBpp = 32;

  // rom: the VGA BIOS (vgabios-stdvga.bin) for the expansion ROM BAR; empty: no ROM BAR.
  explicit StdVga(std::vector<uint8_t> rom = {});

  // Maps the VGA and VBE ports and the legacy window.
  void map_legacy(hw::IoBus& io, mmu::PhysMemory& memory);

  const char* name() const override { return "vga"; }
  void reset() override;
  void visit_state(hw::StateVisitor& v) override;

  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, unsigned size, uint32_t value) override;
  // The legacy window; offset from 0xA0000.
  uint64_t mmio_read(uint32_t offset, unsigned size) override;
  void mmio_write(uint32_t offset, unsigned size, uint64_t value) override;

  // Programs BIOS mode 3 (80x25 colour text at 0xB8000, the EGA palette in
  // the DAC) and clears the screen, as the VGA BIOS would: for a direct
  // kernel boot, where no VGA BIOS runs but the kernel expects a text
  // console. The font plane is not loaded (the text renderer needs none).
  void init_text_mode();

  // The text screen (characters, attributes, cursor) when the adapter is in
  // an alphanumeric mode; nullopt in graphics and VBE modes.
  std::optional<TextScreen> render_text() const;

  // For renderers and tests.
  const uint8_t* vram() const { return m_vram.data(); }
  uint8_t* vram() { return m_vram.data(); }
  uint8_t misc_output() const { return m_misc_output; }
  uint8_t sequencer(int i) const { return m_seq[i & 7]; }
  uint8_t graphics(int i) const { return m_gc[i & 15]; }
  uint8_t crtc(int i) const { return m_crtc[i & 0xff]; }
  uint8_t attribute(int i) const { return i < kAttrCount ? m_attr[i] : 0; }
  const uint8_t* palette() const { return m_palette.data(); }  // 256 x RGB, 6 or 8 bits
  uint16_t vbe(int i) const { return i < kVbeRegisterCount ? m_vbe[i] : 0; }
  bool vbe_enabled() const { return m_vbe[kVbeEnable] & kVbeEnabled; }

 private:
  static constexpr int kAttrCount = 0x15;

  // BAR2 (vga_mmio.cpp).
  class MmioBar : public mmu::MmioHandler {
   public:
    explicit MmioBar(StdVga& vga) : m_vga(vga) {}
    uint64_t mmio_read(uint32_t offset, unsigned size) override;
    void mmio_write(uint32_t offset, unsigned size, uint64_t value) override;

   private:
    StdVga& m_vga;
  };

  uint8_t read_port(uint16_t port);
  void write_port(uint16_t port, uint8_t value);
  bool port_hidden(uint16_t port) const;

  // vga_memory.cpp
  uint8_t read_window(uint32_t offset);
  void write_window(uint32_t offset, uint8_t value);
  // Maps a window offset to a VGA address per GR6 (and the VBE bank); false: not decoded.
  bool window_address(uint32_t offset, uint32_t& address) const;
  // Sequencer memory mode and map mask as the memory path sees them: a VBE
  // mode of more than 4 bpp is chain-4 with every plane, whatever the
  // guest-visible registers hold (as QEMU's).
  uint8_t memory_mode() const;
  uint8_t map_mask() const;

  // vbe.cpp
  uint16_t vbe_read();
  void vbe_write(uint16_t value);
  void vbe_fixup();
  void vbe_set_vga_registers();
  uint32_t vbe_line_bytes() const;

  std::vector<uint8_t> m_vram;
  MmioBar m_mmio_bar{*this};

  // VGA registers.
  uint8_t m_misc_output = 0;
  uint8_t m_feature_control = 0;
  uint8_t m_status1 = 0;
  uint8_t m_seq_index = 0;
  std::array<uint8_t, 8> m_seq{};
  uint8_t m_gc_index = 0;
  std::array<uint8_t, 16> m_gc{};
  uint8_t m_crtc_index = 0;
  std::array<uint8_t, 256> m_crtc{};
  uint8_t m_attr_index = 0;
  bool m_attr_flipflop = false;  // false: next 0x3C0 write is an index
  std::array<uint8_t, kAttrCount> m_attr{};
  uint8_t m_dac_mask = 0xff;
  uint8_t m_dac_read_index = 0;
  uint8_t m_dac_write_index = 0;
  uint8_t m_dac_sub_index = 0;
  uint8_t m_dac_state = 0;  // what 0x3C7 reads: 0 after a write index, 3 after a read index
  std::array<uint8_t, 3> m_dac_cache{};
  std::array<uint8_t, 768> m_palette{};
  uint32_t m_latch = 0;

  // VBE.
  uint16_t m_vbe_index = 0;
  std::array<uint16_t, kVbeRegisterCount> m_vbe{};
  // Where the 64K window at 0xA0000 starts in video memory (GR6 map 1): set
  // by the BANK register, back to 0 by any ENABLE write.
  uint32_t m_bank_offset = 0;
};

}  // namespace dynemu::display
