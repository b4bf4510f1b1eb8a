#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "emulator/mmu/phys_memory.h"
#include "hw/core/io_bus.h"
#include "hw/display/std_vga.h"
#include "hw/pci/pci_bus.h"
#include "hw/pci/pci_host.h"

namespace dynemu::display {
namespace {

struct Board {
  hw::IoBus io;
  mmu::PhysMemory mem{2 * 1024 * 1024};
  pci::PciBus bus{&io, &mem};
  pci::PciHost host{bus};
  StdVga vga;

  explicit Board(std::vector<uint8_t> rom = {}) : vga(std::move(rom)) {
    host.map_ports(io);
    vga.map_legacy(io, mem);
    bus.attach(pci::devfn(2, 0), &vga);
  }
  uint32_t cfg_read(uint8_t reg) {
    io.write(0xcf8, 4, 0x80000000u | pci::devfn(2, 0) << 8 | (reg & 0xfc));
    return io.read(0xcfc + (reg & 3), 4);
  }
  void cfg_write(uint8_t reg, uint32_t v) {
    io.write(0xcf8, 4, 0x80000000u | pci::devfn(2, 0) << 8 | (reg & 0xfc));
    io.write(0xcfc, 4, v);
  }
  uint8_t peek(uint32_t a) {
    uint8_t b;
    mem.read(a, &b, 1);
    return b;
  }
  void poke(uint32_t a, uint8_t v) { mem.write(a, &v, 1); }
  void seq(uint8_t i, uint8_t v) { io.write(0x3c4, 2, i | v << 8); }  // outw: index then data
  void gc(uint8_t i, uint8_t v) { io.write(0x3ce, 2, i | v << 8); }
  void crtc(uint8_t i, uint8_t v) { io.write(0x3d4, 2, i | v << 8); }
  void vbe(uint16_t i, uint16_t v) {
    io.write(0x1ce, 2, i);
    io.write(0x1cf, 2, v);
  }
  uint16_t vbe(uint16_t i) {
    io.write(0x1ce, 2, i);
    return static_cast<uint16_t>(io.read(0x1cf, 2));
  }
  // Mode 3 registers as SeaVGABIOS programs them, through the ports.
  void program_text_mode() {
    io.write(0x3c2, 1, 0x67);
    const uint8_t s[] = {0x03, 0x00, 0x03, 0x00, 0x02};
    for (uint8_t i = 0; i < 5; ++i) seq(i, s[i]);
    const uint8_t c[] = {0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00,
                         0x4f, 0x0d, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x8e,
                         0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff};
    crtc(0x11, 0);  // unlock CR0..7
    for (uint8_t i = 0; i < 25; ++i) crtc(i, c[i]);
    const uint8_t g[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff};
    for (uint8_t i = 0; i < 9; ++i) gc(i, g[i]);
  }
  void planar_mode() {
    seq(2, 0x0f);
    seq(4, 0x06);  // odd/even off, no chain-4
    gc(5, 0x00);
    gc(6, 0x05);  // graphics, A0000 64K
    gc(8, 0xff);  // bit mask: all bits from the CPU side
  }
};

TEST(StdVga, PciIdentityBarAndRom) {
  std::vector<uint8_t> rom(39936, 0);
  rom[0] = 0x55;
  rom[1] = 0xaa;
  Board b(rom);
  EXPECT_EQ(b.cfg_read(0x00), 0x11111234u);
  EXPECT_EQ(b.cfg_read(0x08) >> 8, 0x030000u);
  EXPECT_EQ(b.cfg_read(0x2c), 0x11001af4u);
  EXPECT_EQ(b.cfg_read(0x10), 0x8u);  // prefetchable memory
  b.cfg_write(0x10, 0xffffffff);
  EXPECT_EQ(b.cfg_read(0x10), 0xff000008u);  // 16 MiB
  b.cfg_write(0x30, 0xffffffff);
  EXPECT_EQ(b.cfg_read(0x30), 0xffff0001u);  // 64 KiB ROM
  b.cfg_write(0x18, 0xffffffff);
  EXPECT_EQ(b.cfg_read(0x18), 0xfffff000u);  // BAR2: 4 KiB MMIO
  b.cfg_write(0x10, 0xfd000000);
  b.cfg_write(0x30, 0xfebe0001);
  b.cfg_write(0x04, 0x0003);
  b.vga.vram()[0x123456] = 0x9a;
  EXPECT_EQ(b.peek(0xfd123456), 0x9a);  // the linear framebuffer
  b.poke(0xfd000010, 0x42);
  EXPECT_EQ(b.vga.vram()[0x10], 0x42);
  EXPECT_EQ(b.peek(0xfebe0000), 0x55);
  EXPECT_EQ(b.peek(0xfebe0001), 0xaa);
}

TEST(StdVga, MmioBarMirrorsPortsAndDispi) {
  Board b;
  b.cfg_write(0x18, 0xfebf0000);
  b.cfg_write(0x04, 0x0002);
  auto rd = [&](uint32_t off, unsigned size) {
    uint32_t v = 0;
    b.mem.read(0xfebf0000 + off, &v, size);
    return v;
  };
  auto wr = [&](uint32_t off, unsigned size, uint32_t v) {
    b.mem.write(0xfebf0000 + off, &v, size);
  };
  wr(0x400 + 2, 1, 0x01);                 // misc output (0x3C2): colour
  EXPECT_EQ(rd(0x400 + 0x0c, 1), 0x01u);  // read back at 0x3CC
  wr(0x400 + 4, 2, 0x0f02);               // sequencer index 2, data 0x0F in one word
  EXPECT_EQ(b.vga.sequencer(2), 0x0f);
  EXPECT_EQ(rd(0x400 + 4, 2), 0x0f02u);
  EXPECT_EQ(rd(0x500 + 2 * StdVga::kVbeId, 2), 0xb0c5u);
  EXPECT_EQ(rd(0x500 + 2 * StdVga::kVbeVideoMemory64k, 2), 256u);
  wr(0x500 + 2 * StdVga::kVbeXres, 2, 800);
  EXPECT_EQ(b.vbe(StdVga::kVbeXres), 800);
  EXPECT_EQ(rd(0x600, 4), 8u);
  EXPECT_EQ(rd(0x604, 4), 0x1e1e1e1eu);
  EXPECT_EQ(rd(0x000, 4), 0u);
}

TEST(StdVga, RegisterRoundTrips) {
  Board b;
  // Misc output picks colour addressing; the mono CRTC then reads 0xFF.
  b.io.write(0x3c2, 1, 0x67);
  EXPECT_EQ(b.io.read(0x3cc, 1), 0x67u);
  b.seq(0x04, 0x0e);
  b.io.write(0x3c4, 1, 0x04);
  EXPECT_EQ(b.io.read(0x3c5, 1), 0x0eu);
  EXPECT_EQ(b.io.read(0x3c4, 2), 0x0e04u);  // index and data in one word read
  b.seq(0x01, 0xff);
  EXPECT_EQ(b.vga.sequencer(1), 0x3d);  // reserved bits read 0
  b.gc(0x05, 0x40);
  b.gc(0x08, 0x5a);
  b.io.write(0x3ce, 1, 0x08);
  EXPECT_EQ(b.io.read(0x3cf, 1), 0x5au);
  b.crtc(0x0e, 0x12);
  b.io.write(0x3d4, 1, 0x0e);
  EXPECT_EQ(b.io.read(0x3d5, 1), 0x12u);
  EXPECT_EQ(b.io.read(0x3b5, 1), 0xffu);
  // CR11 bit 7 write-protects CR0..CR7 except CR7 bit 4.
  b.crtc(0x01, 0x4f);
  b.crtc(0x07, 0x00);
  b.crtc(0x11, 0x80);
  b.crtc(0x01, 0x27);
  b.crtc(0x07, 0xff);
  EXPECT_EQ(b.vga.crtc(0x01), 0x4f);
  EXPECT_EQ(b.vga.crtc(0x07), 0x10);
  // Mono addressing moves the CRTC to 0x3B4.
  b.io.write(0x3c2, 1, 0x66);
  b.io.write(0x3b4, 1, 0x0e);
  EXPECT_EQ(b.io.read(0x3b5, 1), 0x12u);
  EXPECT_EQ(b.io.read(0x3d5, 1), 0xffu);
}

TEST(StdVga, AttributeFlipFlopResetByStatusRead) {
  Board b;
  b.io.write(0x3c2, 1, 0x01);
  b.io.read(0x3da, 1);
  b.io.write(0x3c0, 1, 0x02);             // index
  b.io.write(0x3c0, 1, 0x3f);             // data
  b.io.write(0x3c0, 1, 0x30);             // index 0x10 with PAS set
  EXPECT_EQ(b.io.read(0x3c0, 1), 0x00u);  // data phase: the index does not read back
  b.io.write(0x3c0, 1, 0xff);             // data: bit 4 reserved
  EXPECT_EQ(b.io.read(0x3c1, 1), 0xefu);
  EXPECT_EQ(b.io.read(0x3c0, 1), 0x30u);  // index phase again
  b.io.write(0x3c0, 1, 0x02);
  EXPECT_EQ(b.io.read(0x3c1, 1), 0x3fu);
  // Now the flip-flop expects data; a status read puts it back to index.
  b.io.read(0x3da, 1);
  b.io.write(0x3c0, 1, 0x05);
  b.io.write(0x3c0, 1, 0x2a);
  EXPECT_EQ(b.vga.attribute(5), 0x2a);
  EXPECT_EQ(b.vga.attribute(2), 0x3f);
}

TEST(StdVga, InputStatusRetraceToggles) {
  Board b;
  b.io.write(0x3c2, 1, 0x01);
  const uint32_t a = b.io.read(0x3da, 1), c = b.io.read(0x3da, 1);
  EXPECT_EQ(a ^ c, 0x09u);
  EXPECT_EQ(b.io.read(0x3ba, 1), 0xffu);  // mono status hidden in colour mode
}

TEST(StdVga, DacCycles) {
  Board b;
  b.io.write(0x3c8, 1, 5);
  EXPECT_EQ(b.io.read(0x3c7, 1), 0u);  // write mode
  for (uint8_t v : {0x01, 0x02, 0x03, 0x3f, 0xff, 0x10}) b.io.write(0x3c9, 1, v);
  EXPECT_EQ(b.io.read(0x3c8, 1), 7u);  // advanced past two entries
  b.io.write(0x3c7, 1, 5);
  EXPECT_EQ(b.io.read(0x3c7, 1), 3u);  // read mode
  std::vector<uint32_t> got;
  for (int i = 0; i < 6; ++i) got.push_back(b.io.read(0x3c9, 1));
  EXPECT_EQ(got, (std::vector<uint32_t>{1, 2, 3, 0x3f, 0x3f, 0x10}));  // 6-bit DAC
  // A partial cycle is dropped when the write index is set again.
  b.io.write(0x3c8, 1, 9);
  b.io.write(0x3c9, 1, 0x11);
  b.io.write(0x3c8, 1, 9);
  for (uint8_t v : {0x21, 0x22, 0x23}) b.io.write(0x3c9, 1, v);
  EXPECT_EQ(b.vga.palette()[27], 0x21);
  EXPECT_EQ(b.vga.palette()[29], 0x23);
}

TEST(StdVga, VbeIdentityCapsAndModeSet) {
  Board b;
  EXPECT_EQ(b.vbe(StdVga::kVbeId), 0xb0c5);
  b.vbe(StdVga::kVbeId, 0xb0c0);
  EXPECT_EQ(b.vbe(StdVga::kVbeId), 0xb0c0);
  b.vbe(StdVga::kVbeId, 0x1234);  // unknown versions do not stick
  EXPECT_EQ(b.vbe(StdVga::kVbeId), 0xb0c0);
  b.vbe(StdVga::kVbeId, 0xb0c5);
  EXPECT_EQ(b.vbe(StdVga::kVbeVideoMemory64k), 256);
  b.vbe(StdVga::kVbeEnable, StdVga::kVbeGetCaps);
  EXPECT_EQ(b.vbe(StdVga::kVbeXres), 16000);
  EXPECT_EQ(b.vbe(StdVga::kVbeYres), 12000);
  EXPECT_EQ(b.vbe(StdVga::kVbeBpp), 32);
  b.vbe(StdVga::kVbeEnable, 0);

  // SeaVGABIOS's mode set: BPP, XRES, YRES, BANK, ENABLE | LFB.
  b.vga.vram()[100] = 0x77;
  b.vbe(StdVga::kVbeBpp, 32);
  b.vbe(StdVga::kVbeXres, 1024);
  b.vbe(StdVga::kVbeYres, 768);
  b.vbe(StdVga::kVbeBank, 0);
  b.vbe(StdVga::kVbeEnable, StdVga::kVbeEnabled | StdVga::kVbeLfbEnabled);
  EXPECT_TRUE(b.vga.vbe_enabled());
  EXPECT_EQ(b.vbe(StdVga::kVbeEnable), StdVga::kVbeEnabled | StdVga::kVbeLfbEnabled);
  EXPECT_EQ(b.vbe(StdVga::kVbeVirtWidth), 1024);
  EXPECT_EQ(b.vbe(StdVga::kVbeVirtHeight), 4096);  // as many lines as memory holds (QEMU)
  EXPECT_EQ(b.vga.vram()[100], 0);                 // cleared without NOCLEARMEM
  EXPECT_EQ(b.vga.graphics(6) & 1, 1);             // the VGA side shows graphics
  EXPECT_EQ(b.vga.crtc(0x01), 1024 / 8 - 1);
  EXPECT_EQ(b.vga.crtc(0x12), (768 - 1) & 0xff);
  EXPECT_EQ(b.vga.crtc(0x13), (4096 / 8) & 0xff);  // truncated, as on QEMU
  EXPECT_EQ(b.vga.sequencer(4), 0);                // the guest's sequencer stays as it was
  EXPECT_FALSE(b.vga.render_text().has_value());
  // Banked access through the 64K window at 0xA0000.
  b.vbe(StdVga::kVbeBank, 3);
  EXPECT_EQ(b.vbe(StdVga::kVbeBank), 3);
  b.poke(0xa0010, 0x5c);
  EXPECT_EQ(b.vga.vram()[3 * 0x10000 + 0x10], 0x5c);
  // A 4K-wide virtual screen and a display start.
  b.vbe(StdVga::kVbeVirtWidth, 2048);
  b.vbe(StdVga::kVbeYOffset, 10);
  EXPECT_EQ(b.vbe(StdVga::kVbeVirtWidth), 2048);
  EXPECT_EQ(b.vbe(StdVga::kVbeVirtHeight), 2048);  // 16 MiB / 8 KiB lines
  EXPECT_EQ(b.vbe(StdVga::kVbeYOffset), 10);
  // Invalid depth falls back to 8.
  b.vbe(StdVga::kVbeBpp, 7);
  EXPECT_EQ(b.vbe(StdVga::kVbeBpp), 8);
  b.vbe(StdVga::kVbeEnable, 0);
  EXPECT_FALSE(b.vga.vbe_enabled());
  EXPECT_EQ(b.vbe(StdVga::kVbeBank), 3);  // kept, as QEMU keeps it
}

TEST(StdVga, TextAtB8000ThroughRenderText) {
  Board b;
  b.program_text_mode();
  const std::string hello = "Hello, dynemu";
  for (size_t i = 0; i < hello.size(); ++i) {
    b.poke(0xb8000 + 2 * i, static_cast<uint8_t>(hello[i]));
    b.poke(0xb8000 + 2 * i + 1, 0x1f);
  }
  // Row 2, column 3: a box corner and a word write (character + attribute).
  uint16_t cell = 0x4ec9;
  b.mem.write(0xb8000 + (2 * 80 + 3) * 2, &cell, 2);
  b.crtc(0x0e, 0x00);
  b.crtc(0x0f, 80 + 5);  // cursor at row 1, column 5

  // Text mode memory is odd/even: characters in plane 0, attributes in plane 1.
  EXPECT_EQ(b.vga.vram()[0], 'H');
  EXPECT_EQ(b.vga.vram()[1], 0x1f);
  EXPECT_EQ(b.vga.vram()[4], 'e');
  EXPECT_EQ(b.peek(0xb8002), 'e');

  auto screen = b.vga.render_text();
  ASSERT_TRUE(screen.has_value());
  EXPECT_EQ(screen->columns, 80);
  EXPECT_EQ(screen->rows, 25);
  EXPECT_EQ(screen->attribute(0, 0), 0x1f);
  EXPECT_EQ(screen->character(2, 3), 0xc9);
  EXPECT_EQ(screen->attribute(2, 3), 0x4e);
  EXPECT_TRUE(screen->cursor_visible);
  EXPECT_EQ(screen->cursor_row, 1);
  EXPECT_EQ(screen->cursor_column, 5);
  const auto lines = screen->lines();
  ASSERT_EQ(lines.size(), 25u);
  EXPECT_EQ(lines[0], hello);
  EXPECT_EQ(lines[1], "");  // NUL cells are blanks
  EXPECT_EQ(lines[2], "   \u2554");
  EXPECT_EQ(screen->text(), hello + "\n\n   \u2554");
  // Scrolling by the start address.
  b.crtc(0x0c, 0x00);
  b.crtc(0x0d, 80);
  EXPECT_EQ(b.vga.render_text()->lines()[1], "   \u2554");
}

TEST(StdVga, InitTextModeForDirectBoot) {
  Board b;
  b.vga.init_text_mode();
  b.poke(0xb8000, 'A');
  auto screen = b.vga.render_text();
  ASSERT_TRUE(screen.has_value());
  EXPECT_EQ(screen->columns, 80);
  EXPECT_EQ(screen->rows, 25);
  EXPECT_EQ(screen->text(), "A");
  EXPECT_EQ(screen->attribute(24, 79), 0x07);
  EXPECT_EQ(b.io.read(0x3cc, 1), 0x67u);
}

TEST(StdVga, Mode13hChain4) {
  Board b;
  b.seq(2, 0x0f);
  b.seq(4, 0x0e);
  b.gc(5, 0x40);
  b.gc(6, 0x05);
  b.poke(0xa0000 + 321, 0x2c);
  EXPECT_EQ(b.vga.vram()[321], 0x2c);
  EXPECT_EQ(b.peek(0xa0000 + 321), 0x2c);
  uint32_t quad = 0x04030201;
  b.mem.write(0xa0000 + 1000, &quad, 4);
  EXPECT_EQ(b.vga.vram()[1003], 4);
  EXPECT_EQ(b.peek(0xb0000), 0xff);  // outside the 64K window
  b.seq(2, 0x01);                    // map mask: only plane 0 (addresses 4k) are written
  b.poke(0xa0000 + 5, 0x99);
  b.poke(0xa0000 + 8, 0x99);
  EXPECT_EQ(b.vga.vram()[5], 0);
  EXPECT_EQ(b.vga.vram()[8], 0x99);
}

TEST(StdVga, PlanarWriteModes) {
  Board b;
  b.planar_mode();
  uint8_t* v = b.vga.vram();
  // Write mode 0 with set/reset on planes 0 and 2 (colour 5), bit mask all.
  b.gc(1, 0x0f);
  b.gc(0, 0x05);
  b.poke(0xa0000, 0x00);
  EXPECT_EQ(v[0], 0xff);
  EXPECT_EQ(v[1], 0x00);
  EXPECT_EQ(v[2], 0xff);
  EXPECT_EQ(v[3], 0x00);
  // Write mode 0, no set/reset, rotate by 4, bit mask 0xF0: low nibble from the latches.
  b.gc(1, 0x00);
  b.gc(3, 0x04);
  b.gc(8, 0xf0);
  b.peek(0xa0000);        // load the latches
  b.poke(0xa0000, 0x0a);  // rotated: 0xa0
  EXPECT_EQ(v[0], 0xaf);
  EXPECT_EQ(v[1], 0xa0);
  // ALU XOR (GR3 = 0x18): data ^ latch.
  b.gc(3, 0x18);
  b.gc(8, 0xff);
  b.peek(0xa0000);
  b.poke(0xa0000, 0xff);
  EXPECT_EQ(v[0], 0x50);
  EXPECT_EQ(v[1], 0x5f);
  b.gc(3, 0x00);
  // Write mode 2: the low nibble is a colour; bit mask picks pixels.
  b.gc(5, 0x02);
  b.gc(8, 0x0f);
  b.peek(0xa0004);
  b.poke(0xa0004, 0x0a);  // colour 1010b: planes 1 and 3
  EXPECT_EQ(v[16], 0x00);
  EXPECT_EQ(v[17], 0x0f);
  EXPECT_EQ(v[18], 0x00);
  EXPECT_EQ(v[19], 0x0f);
  // Write mode 3: set/reset colour, bit mask ANDed with the rotated byte.
  b.gc(5, 0x03);
  b.gc(0, 0x0c);
  b.gc(8, 0xff);
  b.peek(0xa0004);
  b.poke(0xa0004, 0xc0);
  EXPECT_EQ(v[16], 0x00);
  EXPECT_EQ(v[17], 0x0f);
  EXPECT_EQ(v[18], 0xc0);
  EXPECT_EQ(v[19], 0xcf);
  // Write mode 1: the latches copied to another address.
  b.gc(5, 0x01);
  b.peek(0xa0004);
  b.poke(0xa0100, 0x00);
  EXPECT_EQ(v[0x400], 0x00);
  EXPECT_EQ(v[0x401], 0x0f);
  EXPECT_EQ(v[0x402], 0xc0);
  EXPECT_EQ(v[0x403], 0xcf);
  // The map mask limits which planes are written.
  b.gc(5, 0x00);
  b.seq(2, 0x02);
  b.poke(0xa0200, 0x77);
  EXPECT_EQ(v[0x800], 0x00);
  EXPECT_EQ(v[0x801], 0x77);
  b.seq(2, 0x0f);
}

TEST(StdVga, PlanarReadModes) {
  Board b;
  b.planar_mode();
  uint8_t* v = b.vga.vram();
  v[40] = 0xf0;  // plane 0
  v[41] = 0xcc;  // plane 1
  v[42] = 0xaa;  // plane 2
  v[43] = 0x0f;  // plane 3
  // Read mode 0: GR4 selects the plane.
  for (uint8_t p = 0; p < 4; ++p) {
    b.gc(4, p);
    EXPECT_EQ(b.peek(0xa000a), v[40 + p]) << int(p);
  }
  // Read mode 1: bits whose colour equals GR2 over the planes GR7 selects.
  b.gc(5, 0x08);
  b.gc(7, 0x0f);
  b.gc(2, 0x07);                     // colour 0111b: plane0=1, plane1=1, plane2=1, plane3=0
  EXPECT_EQ(b.peek(0xa000a), 0x80);  // only bit 7: f0 & cc & aa & ~0f = 0x80
  b.gc(7, 0x01);                     // compare plane 0 only
  EXPECT_EQ(b.peek(0xa000a), 0xf0);
  b.gc(7, 0x00);  // nothing compared: all match
  EXPECT_EQ(b.peek(0xa000a), 0xff);
}

// Odd/even addressing follows GR5 bit 4 for writes too, as on QEMU: the
// expectations are what a boot-sector probe read back under qemu-system-i386.
TEST(StdVga, OddEvenFollowsGraphicsMode) {
  Board b;
  uint8_t* v = b.vga.vram();
  b.seq(2, 0x03);
  b.seq(4, 0x06);  // sequencer odd/even disabled...
  b.gc(5, 0x10);   // ...but host odd/even on
  b.gc(6, 0x0e);
  b.gc(8, 0xff);
  b.poke(0xb8000, 'A');
  b.poke(0xb8001, 'B');
  b.poke(0xb8002, 'C');
  EXPECT_EQ(b.peek(0xb8001), 'B');
  EXPECT_EQ(v[0], 'A');  // plane 0, offset 0
  EXPECT_EQ(v[1], 'B');  // plane 1, offset 0
  EXPECT_EQ(v[4], 'C');  // plane 0, offset 1
  b.seq(4, 0x02);        // sequencer odd/even on, host odd/even off: planar
  b.gc(5, 0x00);
  b.poke(0xb8010, 'a');
  EXPECT_EQ(v[0x40], 'a');
  EXPECT_EQ(v[0x41], 'a');
  EXPECT_EQ(v[0x42], 0);
}

TEST(StdVga, MemoryMapSelect) {
  Board b;
  b.seq(2, 0x03);
  b.seq(4, 0x02);
  b.gc(5, 0x10);
  b.gc(6, 0x0e);  // B8000
  b.poke(0xb0000, 0x11);
  EXPECT_EQ(b.peek(0xb0000), 0xff);  // not decoded
  EXPECT_EQ(b.peek(0xa0000), 0xff);
  b.gc(6, 0x0a);  // B0000 (mono text)
  b.poke(0xb0000, 0x22);
  EXPECT_EQ(b.vga.vram()[0], 0x22);
  b.gc(6, 0x02);  // A0000 128K: B8000 is offset 0x18000
  b.poke(0xb8000, 0x33);
  EXPECT_EQ(b.vga.vram()[0x18000 * 2], 0x33);
}

// SeaBIOS runs a PCI option ROM only if its PCI data structure names the
// device's own vendor, device and class: check Debian's SeaVGABIOS against
// what this device reports, through the ROM BAR as firmware reads it.
TEST(StdVga, SeaVgaBiosRomMatchesTheDevice) {
  std::ifstream in("/usr/share/seabios/vgabios-stdvga.bin", std::ios::binary);
  if (!in) GTEST_SKIP() << "Debian's seabios package is not installed";
  std::vector<uint8_t> rom((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Board b(rom);
  b.cfg_write(0x30, 0xfebc0001);
  b.cfg_write(0x04, 0x0002);
  auto word = [&](uint32_t a) { return b.peek(a) | b.peek(a + 1) << 8; };
  const uint32_t base = 0xfebc0000;
  ASSERT_EQ(word(base), 0xaa55);
  EXPECT_GE(b.peek(base + 2) * 512u, rom.size() - 512);  // size in 512-byte blocks
  const uint32_t pcir = base + word(base + 0x18);
  ASSERT_EQ(std::string({char(b.peek(pcir)), char(b.peek(pcir + 1)), char(b.peek(pcir + 2)),
                         char(b.peek(pcir + 3))}),
            "PCIR");
  EXPECT_EQ(word(pcir + 4), b.cfg_read(0x00) & 0xffff);
  EXPECT_EQ(word(pcir + 6), b.cfg_read(0x00) >> 16);
  EXPECT_EQ(b.peek(pcir + 0x0f) << 16 | b.peek(pcir + 0x0e) << 8 | b.peek(pcir + 0x0d),
            b.cfg_read(0x08) >> 8);
}

}  // namespace
}  // namespace dynemu::display
