// Save and load through visit_state(), as snapshots will: a device loaded
// into a freshly built board behaves as the one it was saved from.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "emulator/mmu/phys_memory.h"
#include "hw/core/io_bus.h"
#include "hw/core/state.h"
#include "hw/display/std_vga.h"
#include "hw/pc/fw_cfg.h"
#include "hw/pci/i440fx.h"
#include "hw/pci/pci_bus.h"
#include "hw/pci/pci_host.h"
#include "hw/pci/piix3.h"

namespace dynemu {
namespace {

using Fields = std::map<std::string, std::vector<uint8_t>>;

class Saver : public hw::StateVisitor {
 public:
  explicit Saver(Fields& out) : m_out(out) {}
  void field(const char* name, void* data, size_t bytes) override {
    EXPECT_EQ(m_out.count(name), 0u) << "field named twice: " << name;
    auto* p = static_cast<const uint8_t*>(data);
    m_out[name].assign(p, p + bytes);
  }

 private:
  Fields& m_out;
};

class Loader : public hw::StateVisitor {
 public:
  explicit Loader(const Fields& in) : m_in(in) {}
  void field(const char* name, void* data, size_t bytes) override {
    auto it = m_in.find(name);
    ASSERT_NE(it, m_in.end()) << name;
    ASSERT_EQ(it->second.size(), bytes) << name;
    std::memcpy(data, it->second.data(), bytes);
  }

 private:
  const Fields& m_in;
};

Fields save(hw::Device& d) {
  Fields f;
  Saver s(f);
  d.visit_state(s);
  return f;
}
void load(hw::Device& d, const Fields& f) {
  Loader l(f);
  d.visit_state(l);
}

struct Board {
  hw::IoBus io;
  mmu::PhysMemory mem{2 * 1024 * 1024};
  pci::PciBus bus{&io, &mem};
  pci::PciHost host{bus};
  pci::I440fx nb{&mem};
  pci::Piix3 sb;
  display::StdVga vga;
  pc::FwCfg cfg{&mem};
  std::vector<std::pair<int, bool>> irqs;

  Board() {
    host.map_ports(io);
    sb.map_ports(io);
    sb.set_isa_irq_sink([this](int irq, bool level) { irqs.push_back({irq, level}); });
    bus.attach(pci::devfn(0, 0), &nb);
    bus.attach(pci::devfn(1, 0), &sb);
    bus.attach(pci::devfn(2, 0), &vga);
    bus.set_irq_router(&sb);
    vga.map_legacy(io, mem);
    cfg.map_ports(io);
    cfg.add_file("etc/e820", std::vector<uint8_t>(20, 0x42));
    std::vector<uint8_t> bios(0x10000, 0xaa);
    mem.map_rom(0xf0000, bios);
  }
  void cfg_write(uint8_t devfn, uint8_t reg, unsigned size, uint32_t v) {
    io.write(0xcf8, 4, 0x80000000u | devfn << 8 | (reg & 0xfc));
    io.write(0xcfc + (reg & 3), size, v);
  }
  uint8_t peek(uint32_t a) {
    uint8_t b;
    mem.read(a, &b, 1);
    return b;
  }
  std::vector<hw::Device*> devices() { return {&host, &nb, &sb, &vga, &cfg}; }
};

TEST(PciSnapshot, LoadedBoardBehavesAsSaved) {
  Board a;
  // Firmware-like setup: shadow the BIOS, place the framebuffer, route PIRQs,
  // text on the screen, fw_cfg half way through a file.
  a.cfg_write(pci::devfn(0, 0), 0x59, 1, 0x30);
  uint8_t v = 0x5d;
  a.mem.write(0xf0000, &v, 1);
  a.cfg_write(pci::devfn(0, 0), 0x59, 1, 0x10);
  a.cfg_write(pci::devfn(1, 0), 0x60, 4, 0x0b0b0a0a);
  a.cfg_write(pci::devfn(2, 0), 0x10, 4, 0xfd000000);
  a.cfg_write(pci::devfn(2, 0), 0x04, 2, 0x0003);
  a.vga.init_text_mode();
  for (int i = 0; i < 5; ++i) a.peek(0);
  uint16_t cell = 0x1f41;
  a.mem.write(0xb8000, &cell, 2);
  a.io.write(0x3c8, 1, 7);
  a.io.write(0x3c9, 1, 0x11);  // a DAC cycle in flight
  a.io.write(0x510, 2, 0x20);  // etc/e820, the first file
  a.io.read(0x511, 1);
  a.io.write(0xcf8, 4, 0x80000800u);

  std::map<std::string, Fields> saved;
  for (hw::Device* d : a.devices()) saved[d->name()] = save(*d);
  // Memory is the board's to save; this test copies the RAM it wrote.
  std::vector<uint8_t> ram(a.mem.ram(), a.mem.ram() + a.mem.ram_size());

  Board b;
  for (hw::Device* d : b.devices()) load(*d, saved[d->name()]);
  std::memcpy(b.mem.ram(), ram.data(), ram.size());
  b.bus.refresh();
  b.nb.apply_pam();

  EXPECT_EQ(b.peek(0xf0000), 0x5d);  // shadow RAM, read-only
  v = 0;
  b.mem.write(0xf0000, &v, 1);
  EXPECT_EQ(b.peek(0xf0000), 0x5d);
  b.vga.vram()[7] = 0x99;
  EXPECT_EQ(b.peek(0xfd000007), 0x99);  // BAR0 mapped where it was
  EXPECT_EQ(b.io.read(0xcf8, 4), 0x80000800u);
  EXPECT_EQ(b.sb.route(2), 11);
  auto screen = b.vga.render_text();
  ASSERT_TRUE(screen.has_value());
  EXPECT_EQ(screen->text(), "A");
  EXPECT_EQ(screen->attribute(0, 0), 0x1f);
  b.io.write(0x3c9, 1, 0x22);
  b.io.write(0x3c9, 1, 0x33);
  EXPECT_EQ(b.vga.palette()[21], 0x11);
  EXPECT_EQ(b.vga.palette()[23], 0x33);
  EXPECT_EQ(b.io.read(0x511, 1), 0x42u);  // the second byte of etc/e820
  // Saving the loaded bridges gives the same fields (the VGA and fw_cfg
  // have moved on above).
  for (hw::Device* d : {static_cast<hw::Device*>(&b.host), static_cast<hw::Device*>(&b.nb),
                        static_cast<hw::Device*>(&b.sb)}) {
    EXPECT_EQ(save(*d), saved[d->name()]) << d->name();
  }
}

}  // namespace
}  // namespace dynemu
