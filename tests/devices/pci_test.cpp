#include <gtest/gtest.h>

#include <cstring>
#include <utility>
#include <vector>

#include "emulator/mmu/phys_memory.h"
#include "hw/core/io_bus.h"
#include "hw/pci/i440fx.h"
#include "hw/pci/pci_bus.h"
#include "hw/pci/pci_device.h"
#include "hw/pci/pci_host.h"
#include "hw/pci/piix3.h"

namespace dynemu::pci {
namespace {

// A port handler that answers with its offset and logs writes.
class OffsetPorts : public hw::PortHandler {
 public:
  uint32_t io_read(uint16_t port, unsigned size) override { return 0x100 + port; }
  void io_write(uint16_t port, unsigned size, uint32_t value) override {
    writes.push_back({port, value});
  }
  std::vector<std::pair<uint16_t, uint32_t>> writes;
};

class TestDevice : public PciDevice {
 public:
  explicit TestDevice(std::vector<uint8_t> rom = {}) : PciDevice(test_id()) {
    set_io_bar(0, 0x20, &ports);
    set_ram_bar(2, 0x10000, ram.data(), Prefetch::Yes);
    if (!rom.empty()) set_rom(std::move(rom));
    set_interrupt_pin(1);
  }
  const char* name() const override { return "test"; }
  static PciId test_id() {
    PciId id;
    id.vendor = 0x1234;
    id.device = 0x5678;
    id.revision = 3;
    id.class_code = 0x020000;
    return id;
  }
  OffsetPorts ports;
  std::vector<uint8_t> ram = std::vector<uint8_t>(0x10000, 0x5a);
};

// The board around the bus: ports, memory, host bridge, ISA bridge.
struct Board {
  hw::IoBus io;
  mmu::PhysMemory mem{2 * 1024 * 1024};
  PciBus bus{&io, &mem};
  PciHost host{bus};
  I440fx nb{&mem};
  Piix3 sb;
  std::vector<std::pair<int, bool>> irqs;
  int resets = 0;

  Board() {
    host.map_ports(io);
    sb.map_ports(io);
    sb.set_isa_irq_sink([this](int irq, bool level) { irqs.push_back({irq, level}); });
    sb.set_reset_request([this] { ++resets; });
    bus.attach(devfn(0, 0), &nb);
    bus.attach(devfn(1, 0), &sb);
    bus.set_irq_router(&sb);
  }
  // As firmware does it: CONFIG_ADDRESS then the data window.
  uint32_t cfg_read(uint8_t devfn, uint8_t reg, unsigned size) {
    io.write(0xcf8, 4, 0x80000000u | devfn << 8 | (reg & 0xfc));
    return io.read(0xcfc + (reg & 3), size);
  }
  void cfg_write(uint8_t devfn, uint8_t reg, unsigned size, uint32_t value) {
    io.write(0xcf8, 4, 0x80000000u | devfn << 8 | (reg & 0xfc));
    io.write(0xcfc + (reg & 3), size, value);
  }
  uint8_t peek(uint32_t phys) {
    uint8_t b;
    mem.read(phys, &b, 1);
    return b;
  }
};

TEST(PciHost, AddressRegisterAndIdentity) {
  Board b;
  b.io.write(0xcf8, 4, 0x80000000u);
  EXPECT_EQ(b.io.read(0xcf8, 4), 0x80000000u);
  // Byte writes near 0xCF8 do not touch CONFIG_ADDRESS (Linux's probe);
  // narrower reads see parts of it; the low bits read back (all as QEMU).
  b.io.write(0xcfb, 1, 0x01);
  EXPECT_EQ(b.io.read(0xcf8, 4), 0x80000000u);
  EXPECT_EQ(b.io.read(0xcf8, 2), 0x0000u);
  EXPECT_EQ(b.io.read(0xcfa, 1), 0x00u);
  b.io.write(0xcf8, 4, 0x80000003u);
  EXPECT_EQ(b.io.read(0xcf8, 4), 0x80000003u);
  EXPECT_EQ(b.io.read(0xcfc, 4), 0x12378086u);  // the low bits do not shift the register

  EXPECT_EQ(b.cfg_read(devfn(0, 0), 0x00, 4), 0x12378086u);
  EXPECT_EQ(b.cfg_read(devfn(0, 0), 0x08, 4), 0x06000002u);  // class 0600, rev 02
  EXPECT_EQ(b.cfg_read(devfn(0, 0), 0x2c, 2), 0x1af4u);      // SeaBIOS's QEMU check
  EXPECT_EQ(b.cfg_read(devfn(0, 0), 0x2e, 2), 0x1100u);
  EXPECT_EQ(b.cfg_read(devfn(0, 0), 0x57, 1), 0u);           // 2 MiB of RAM in 8 MiB units
  EXPECT_EQ(b.cfg_read(devfn(1, 0), 0x04, 4), 0x02000000u);  // PIIX3: command 0, medium DEVSEL
  EXPECT_EQ(b.cfg_read(devfn(1, 0), 0x00, 4), 0x70008086u);
  EXPECT_EQ(b.cfg_read(devfn(1, 0), 0x0a, 2), 0x0601u);
  EXPECT_EQ(b.cfg_read(devfn(1, 0), 0x0e, 1), 0x80u);  // multi-function
  // Byte and word reads pick their bytes out of the dword.
  EXPECT_EQ(b.cfg_read(devfn(0, 0), 0x01, 1), 0x80u);
  EXPECT_EQ(b.cfg_read(devfn(0, 0), 0x02, 2), 0x1237u);
  EXPECT_EQ(b.cfg_read(devfn(0, 0), 0x03, 1), 0x12u);
  // Nothing at 00:05.0, nothing on bus 1, nothing with the enable bit clear.
  EXPECT_EQ(b.cfg_read(devfn(5, 0), 0x00, 4), 0xffffffffu);
  EXPECT_EQ(b.cfg_read(devfn(5, 0), 0x00, 2), 0xffffu);
  b.io.write(0xcf8, 4, 0x80010000u);
  EXPECT_EQ(b.io.read(0xcfc, 4), 0xffffffffu);
  b.io.write(0xcf8, 4, 0x00000000u);
  EXPECT_EQ(b.io.read(0xcfc, 4), 0xffffffffu);
}

TEST(PciDevice, ReadOnlyAndWritableHeaderBits) {
  Board b;
  TestDevice d;
  b.bus.attach(devfn(3, 0), &d);
  const uint8_t f = devfn(3, 0);
  b.cfg_write(f, 0x00, 4, 0);  // IDs are read-only
  EXPECT_EQ(b.cfg_read(f, 0x00, 4), 0x56781234u);
  b.cfg_write(f, 0x3c, 1, 0x0b);
  EXPECT_EQ(b.cfg_read(f, 0x3c, 1), 0x0bu);
  EXPECT_EQ(b.cfg_read(f, 0x3d, 1), 1u);  // INTA#, read-only
  b.cfg_write(f, 0x3d, 1, 3);
  EXPECT_EQ(b.cfg_read(f, 0x3d, 1), 1u);
  b.cfg_write(f, 0x04, 2, 0xffff);
  EXPECT_EQ(b.cfg_read(f, 0x04, 2), 0x0507u);  // as QEMU: no parity bit
}

TEST(PciDevice, BarSizingAndIoDecode) {
  Board b;
  TestDevice d;
  b.bus.attach(devfn(3, 0), &d);
  const uint8_t f = devfn(3, 0);
  EXPECT_EQ(b.cfg_read(f, 0x10, 4), 0x1u);  // I/O BAR, unassigned
  EXPECT_EQ(b.cfg_read(f, 0x18, 4), 0x8u);  // prefetchable memory BAR
  EXPECT_EQ(b.cfg_read(f, 0x14, 4), 0x0u);  // not implemented
  // Sizing as SeaBIOS does: write all ones, read back, restore.
  b.cfg_write(f, 0x10, 4, 0xffffffff);
  EXPECT_EQ(b.cfg_read(f, 0x10, 4), 0xffffffe1u);  // 32 ports
  b.cfg_write(f, 0x18, 4, 0xffffffff);
  EXPECT_EQ(b.cfg_read(f, 0x18, 4), 0xffff0008u);  // 64 KiB
  b.cfg_write(f, 0x14, 4, 0xffffffff);
  EXPECT_EQ(b.cfg_read(f, 0x14, 4), 0x0u);

  b.cfg_write(f, 0x10, 4, 0xc000);
  EXPECT_EQ(b.cfg_read(f, 0x10, 4), 0xc001u);
  EXPECT_EQ(b.io.read(0xc004, 1), 0xffu);  // I/O decoding still off
  b.cfg_write(f, 0x04, 2, kCommandIo);
  EXPECT_EQ(b.io.read(0xc004, 2), 0x104u);  // handler sees the offset
  b.io.write(0xc01f, 1, 0x77);
  ASSERT_EQ(d.ports.writes.size(), 1u);
  EXPECT_EQ(d.ports.writes[0].first, 0x1f);
  EXPECT_EQ(b.io.read(0xc020, 1), 0xffu);  // past the BAR
  // Moving the BAR moves the ports.
  b.cfg_write(f, 0x10, 4, 0xd000);
  EXPECT_EQ(b.io.read(0xc004, 1), 0xffu);
  EXPECT_EQ(b.io.read(0xd008, 2), 0x108u);
  b.cfg_write(f, 0x04, 2, 0);
  EXPECT_EQ(b.io.read(0xd008, 2), 0xffffu);
}

TEST(PciDevice, MemoryBarAndRomBar) {
  Board b;
  std::vector<uint8_t> rom(40 * 1024);
  rom[0] = 0x55;
  rom[1] = 0xaa;
  rom[40 * 1024 - 1] = 0x77;
  TestDevice d(rom);
  b.bus.attach(devfn(3, 0), &d);
  const uint8_t f = devfn(3, 0);
  b.cfg_write(f, 0x30, 4, 0xfffffffe);             // size probe leaves the enable bit alone
  EXPECT_EQ(b.cfg_read(f, 0x30, 4), 0xffff0000u);  // 40 KiB rounds up to 64 KiB
  b.cfg_write(f, 0x30, 4, 0xffffffff);
  EXPECT_EQ(b.cfg_read(f, 0x30, 4), 0xffff0001u);

  b.cfg_write(f, 0x18, 4, 0xe0000000);
  b.cfg_write(f, 0x30, 4, 0xfeb00000);  // ROM decode disabled
  b.cfg_write(f, 0x04, 2, kCommandMemory);
  EXPECT_EQ(b.peek(0xe0000000), 0x5a);  // device RAM reached directly
  d.ram[5] = 0x33;
  EXPECT_EQ(b.peek(0xe0000005), 0x33);
  EXPECT_EQ(b.peek(0xfeb00000), 0xff);
  b.cfg_write(f, 0x30, 4, 0xfeb00001);
  EXPECT_EQ(b.peek(0xfeb00000), 0x55);
  EXPECT_EQ(b.peek(0xfeb00001), 0xaa);
  EXPECT_EQ(b.peek(0xfeb00000 + 40 * 1024 - 1), 0x77);
  const uint8_t junk = 0;
  b.mem.write(0xfeb00000, &junk, 1);  // ROM: writes dropped
  EXPECT_EQ(b.peek(0xfeb00000), 0x55);
  b.cfg_write(f, 0x04, 2, 0);  // memory decode off: both gone
  EXPECT_EQ(b.peek(0xfeb00000), 0xff);
  EXPECT_EQ(b.peek(0xe0000000), 0xff);
  // Reset puts the BARs back to zero and unmaps them.
  b.cfg_write(f, 0x04, 2, kCommandMemory);
  EXPECT_EQ(b.peek(0xe0000000), 0x5a);
  d.reset();
  EXPECT_EQ(b.cfg_read(f, 0x18, 4), 0x8u);
  EXPECT_EQ(b.peek(0xe0000000), 0xff);
}

TEST(I440fx, PamShadowsTheBios) {
  Board b;
  std::vector<uint8_t> bios(0x20000, 0xaa);
  b.mem.map_rom(0xe0000, bios);
  const uint8_t nb = devfn(0, 0);
  auto poke = [&](uint32_t a, uint8_t v) { b.mem.write(a, &v, 1); };

  // Power-on: every PAM is 0, 0xF0000 reads the ROM, writes are lost.
  EXPECT_EQ(b.cfg_read(nb, 0x59, 1), 0u);
  EXPECT_EQ(b.peek(0xf0000), 0xaa);
  poke(0xf0000, 0x11);
  EXPECT_EQ(b.peek(0xf0000), 0xaa);

  // SeaBIOS: dword read-modify-write at 0x58 and 0x5C, PAM0 = 0x30, others 0x33.
  uint32_t lo = b.cfg_read(nb, 0x58, 4), hi = b.cfg_read(nb, 0x5c, 4);
  lo = (lo & 0xff) | 0x30 << 8 | 0x33 << 16 | 0x33u << 24;
  hi = 0x33333333u;
  b.cfg_write(nb, 0x58, 4, lo);
  b.cfg_write(nb, 0x5c, 4, hi);
  EXPECT_EQ(b.cfg_read(nb, 0x59, 1), 0x30u);
  EXPECT_EQ(b.cfg_read(nb, 0x5f, 1), 0x33u);
  EXPECT_EQ(b.peek(0xf0000), 0x00);  // now RAM
  poke(0xf0000, 0x55);
  EXPECT_EQ(b.peek(0xf0000), 0x55);
  poke(0xc0000, 0x66);
  EXPECT_EQ(b.peek(0xc0000), 0x66);

  // Write-protect: 0x10 reads RAM, writes go to the ROM side (dropped).
  b.cfg_write(nb, 0x59, 1, 0x10);
  poke(0xf0000, 0x99);
  EXPECT_EQ(b.peek(0xf0000), 0x55);
  // Write-only: reads see the ROM again, writes land in RAM below it.
  b.cfg_write(nb, 0x59, 1, 0x20);
  EXPECT_EQ(b.peek(0xf0000), 0xaa);
  poke(0xf0001, 0x42);
  b.cfg_write(nb, 0x59, 1, 0x30);
  EXPECT_EQ(b.peek(0xf0001), 0x42);
  // PAM0's low nibble is reserved; each PAM1..6 nibble is its own 16 KiB.
  b.cfg_write(nb, 0x59, 1, 0xff);
  EXPECT_EQ(b.cfg_read(nb, 0x59, 1), 0x30u);
  b.cfg_write(nb, 0x5e, 1, 0x03);  // 0xE0000 RAM, 0xE4000 back to ROM
  EXPECT_EQ(b.peek(0xe0000), 0x00);
  EXPECT_EQ(b.peek(0xe4000), 0xaa);
  // Reset returns everything to the ROM.
  b.nb.reset();
  EXPECT_EQ(b.peek(0xf0000), 0xaa);
  EXPECT_EQ(b.peek(0xc0000), 0xff);  // nothing mapped there
}

TEST(I440fx, RamSizeRegister) {
  mmu::PhysMemory mem(64u << 20);
  I440fx nb(&mem);
  EXPECT_EQ(nb.config_byte(I440fx::kRamSize8M), 8);  // QEMU's value for -m 64
}

TEST(I440fx, SmramLock) {
  Board b;
  const uint8_t nb = devfn(0, 0);
  EXPECT_EQ(b.cfg_read(nb, 0x72, 1), 0x02u);
  b.cfg_write(nb, 0x72, 1, 0x4a);  // D_OPEN | G_SMRAME
  EXPECT_EQ(b.cfg_read(nb, 0x72, 1), 0x4au);
  b.cfg_write(nb, 0x72, 1, 0x5a);  // D_LCK closes D_OPEN
  EXPECT_EQ(b.cfg_read(nb, 0x72, 1), 0x1au);
  b.cfg_write(nb, 0x72, 1, 0x40);
  EXPECT_EQ(b.cfg_read(nb, 0x72, 1), 0x1au);
  b.nb.reset();
  EXPECT_EQ(b.cfg_read(nb, 0x72, 1), 0x02u);
}

TEST(Piix3, PirqRoutingToIsaIrqs) {
  Board b;
  TestDevice d;  // slot 3, INTA# -> PIRQC# (SeaBIOS: (3 - 1 + 0) & 3)
  b.bus.attach(devfn(3, 0), &d);
  EXPECT_EQ(PciBus::pirq_of(devfn(3, 0), 1), 2);
  EXPECT_EQ(PciBus::pirq_of(devfn(1, 0), 4), 3);
  EXPECT_EQ(PciBus::pirq_of(devfn(4, 0), 2), 0);
  const uint8_t sb = devfn(1, 0);
  EXPECT_EQ(b.cfg_read(sb, 0x60, 4), 0x80808080u);

  d.set_irq(true);  // route disabled: nothing reaches the PICs
  EXPECT_TRUE(b.irqs.empty());
  EXPECT_EQ(b.cfg_read(devfn(3, 0), 0x06, 2) & kStatusInterrupt, kStatusInterrupt);
  // SeaBIOS writes the routes {10, 10, 11, 11}; PIRQC -> 11 raises it at once.
  b.cfg_write(sb, 0x60, 4, 0x0b0b0a0a);
  ASSERT_EQ(b.irqs.size(), 1u);
  EXPECT_EQ(b.irqs[0], std::make_pair(11, true));
  d.set_irq(false);
  ASSERT_EQ(b.irqs.size(), 2u);
  EXPECT_EQ(b.irqs[1], std::make_pair(11, false));
  d.set_irq(true);
  // Moving the route while asserted lowers the old IRQ and raises the new.
  b.irqs.clear();
  b.cfg_write(sb, 0x62, 1, 0x05);
  ASSERT_EQ(b.irqs.size(), 2u);
  EXPECT_EQ(b.irqs[0], std::make_pair(5, true));
  EXPECT_EQ(b.irqs[1], std::make_pair(11, false));
  EXPECT_EQ(b.sb.isa_levels(), 1u << 5);
  // The command register's interrupt-disable bit masks INTx.
  b.irqs.clear();
  b.cfg_write(devfn(3, 0), 0x04, 2, kCommandIntxDisable);
  ASSERT_EQ(b.irqs.size(), 1u);
  EXPECT_EQ(b.irqs[0], std::make_pair(5, false));
  b.cfg_write(devfn(3, 0), 0x04, 2, 0);
  EXPECT_EQ(b.irqs.back(), std::make_pair(5, true));
}

TEST(Piix3, SharedPirqIsWiredOr) {
  Board b;
  TestDevice d3, d7;  // slot 3 INTA# -> PIRQC#, slot 7 INTA# -> (7-1) & 3 = PIRQC#
  b.bus.attach(devfn(3, 0), &d3);
  b.bus.attach(devfn(7, 0), &d7);
  b.cfg_write(devfn(1, 0), 0x62, 1, 11);
  d3.set_irq(true);
  d7.set_irq(true);
  d3.set_irq(false);
  EXPECT_EQ(b.sb.isa_levels(), 1u << 11);  // d7 still holds it
  d7.set_irq(false);
  EXPECT_EQ(b.sb.isa_levels(), 0u);
}

TEST(Piix3, ResetControlPort) {
  Board b;
  b.io.write(0xcf8, 4, 0x80000000u);
  b.io.write(0xcf9, 1, 0x02);
  EXPECT_EQ(b.io.read(0xcf9, 1), 0x02u);
  EXPECT_EQ(b.io.read(0xcf8, 4) & 0xff0000ffu, 0x80000000u);
  EXPECT_EQ(b.resets, 0);
  b.io.write(0xcf9, 1, 0x06);
  EXPECT_EQ(b.resets, 1);
}

}  // namespace
}  // namespace dynemu::pci
