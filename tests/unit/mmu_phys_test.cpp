// mmu::PhysMemory: RAM, ROM, device RAM, MMIO dispatch, unmap, PAM shadow, A20.
#include "emulator/mmu/phys_memory.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace dynemu::mmu {
namespace {

struct RecordingMmio : MmioHandler {
  struct Access {
    bool write;
    uint32_t offset;
    unsigned size;
    uint64_t value;
  };
  std::vector<Access> log;
  uint64_t mmio_read(uint32_t offset, unsigned size) override {
    log.push_back({false, offset, size, 0});
    return 0x1122334455667788ull >> (8 * (8 - size)) ^ offset;
  }
  void mmio_write(uint32_t offset, unsigned size, uint64_t value) override {
    log.push_back({true, offset, size, value});
  }
};

uint32_t read32(PhysMemory& m, uint32_t a) {
  uint32_t v = 0;
  m.read(a, &v, 4);
  return v;
}
void write32(PhysMemory& m, uint32_t a, uint32_t v) {
  m.write(a, &v, 4);
}

TEST(MmuPhys, RamReadWriteAndUnassigned) {
  PhysMemory m(1 << 20);
  write32(m, 0x1234, 0xdeadbeef);
  EXPECT_EQ(read32(m, 0x1234), 0xdeadbeefu);
  EXPECT_EQ(m.ram()[0x1234], 0xef);
  // Across a page boundary.
  write32(m, 0x1ffe, 0x01020304);
  EXPECT_EQ(read32(m, 0x1ffe), 0x01020304u);
  // Past RAM: reads all ones, writes dropped.
  write32(m, 0x200000, 5);
  EXPECT_EQ(read32(m, 0x200000), 0xffffffffu);
  EXPECT_EQ(m.page(0x200000).read, nullptr);
}

TEST(MmuPhys, RomIgnoresWritesAndBumpsGeneration) {
  PhysMemory m(1 << 20);
  const uint64_t g0 = m.generation();
  std::vector<uint8_t> rom(0x1800, 0xab);
  rom[0] = 0x11;
  m.map_rom(0xfffe0000, rom);
  EXPECT_GT(m.generation(), g0);
  uint8_t b = 0;
  m.read(0xfffe0000, &b, 1);
  EXPECT_EQ(b, 0x11);
  b = 0x55;
  m.write(0xfffe0000, &b, 1);
  m.read(0xfffe0000, &b, 1);
  EXPECT_EQ(b, 0x11);
  // The ROM's last partial page is padded with zeros.
  m.read(0xfffe1900, &b, 1);
  EXPECT_EQ(b, 0);
}

TEST(MmuPhys, MmioDispatchWithOffsets) {
  PhysMemory m(1 << 20);
  RecordingMmio dev;
  m.map_mmio(0xa0000, 0x20000, &dev);
  write32(m, 0xa1004, 0xcafe);
  ASSERT_EQ(dev.log.size(), 1u);
  EXPECT_TRUE(dev.log[0].write);
  EXPECT_EQ(dev.log[0].offset, 0x1004u);
  EXPECT_EQ(dev.log[0].size, 4u);
  EXPECT_EQ(dev.log[0].value, 0xcafeu);
  uint16_t v = 0;
  m.read(0xa0002, &v, 2);
  EXPECT_EQ(dev.log.back().offset, 2u);
  EXPECT_EQ(dev.log.back().size, 2u);
  EXPECT_EQ(v, static_cast<uint16_t>(0x1122 ^ 2));
  // RAM under the window is hidden, and back after unmap.
  m.ram()[0xa0000] = 0x77;
  uint8_t b = 0;
  m.unmap(0xa0000, 0x20000);
  m.read(0xa0000, &b, 1);
  EXPECT_EQ(b, 0x77);
}

TEST(MmuPhys, PartialUnmapKeepsTheRest) {
  PhysMemory m(0);
  RecordingMmio dev;
  m.map_mmio(0xe0000000, 0x3000, &dev);
  m.unmap(0xe0001000, 0x1000);
  uint8_t b = 0;
  m.read(0xe0002010, &b, 1);
  ASSERT_EQ(dev.log.size(), 1u);
  EXPECT_EQ(dev.log[0].offset, 0x2010u);  // the tail keeps its offsets
  m.read(0xe0001010, &b, 1);
  EXPECT_EQ(b, 0xff);
  EXPECT_EQ(dev.log.size(), 1u);
}

TEST(MmuPhys, DeviceRamIsDirect) {
  PhysMemory m(1 << 20);
  std::vector<uint8_t> fb(0x2000);
  m.map_device_ram(0xfd000000, 0x2000, fb.data());
  write32(m, 0xfd001000, 0x12345678);
  uint32_t v;
  std::memcpy(&v, &fb[0x1000], 4);
  EXPECT_EQ(v, 0x12345678u);
  EXPECT_EQ(m.page(0xfd001000).read, fb.data() + 0x1000);
}

TEST(MmuPhys, PamShadow) {
  PhysMemory m(1 << 20);
  std::vector<uint8_t> bios(0x20000, 0);
  bios[0x1fff0] = 0xea;
  m.map_rom(0xe0000, bios);
  // Power on: reads and writes go to the ROM.
  uint8_t b = 0;
  m.read(0xffff0, &b, 1);
  EXPECT_EQ(b, 0xea);
  // Write-enable the RAM, copy the ROM there (as SeaBIOS does), then read RAM.
  m.set_shadow(0xf0000, 0x10000, false, true);
  b = 0x90;
  m.write(0xffff1, &b, 1);
  m.read(0xffff1, &b, 1);
  EXPECT_EQ(b, 0);  // still reads the ROM
  EXPECT_EQ(m.ram()[0xffff1], 0x90);
  m.set_shadow(0xf0000, 0x10000, true, false);
  m.read(0xffff1, &b, 1);
  EXPECT_EQ(b, 0x90);  // RAM now
  b = 0x33;
  m.write(0xffff1, &b, 1);  // write-protected shadow: goes to the ROM, dropped
  EXPECT_EQ(m.ram()[0xffff1], 0x90);
  // The other 16 KiB steps are untouched.
  m.read(0xe0000, &b, 1);
  EXPECT_NE(m.page(0xe0000).read, m.ram() + 0xe0000);
}

TEST(MmuPhys, A20Wraps) {
  PhysMemory m(4 << 20);
  write32(m, 0x100010, 0xaaaa5555);
  const uint64_t g = m.generation();
  m.set_a20(false);
  EXPECT_FALSE(m.a20());
  EXPECT_GT(m.generation(), g);
  EXPECT_EQ(read32(m, 0x10), 0u);
  write32(m, 0x100020, 0x77);  // lands at 0x20
  EXPECT_EQ(read32(m, 0x20), 0x77u);
  m.set_a20(true);
  EXPECT_EQ(read32(m, 0x100010), 0xaaaa5555u);
}

TEST(MmuPhys, WriteHookSeesRamWrites) {
  PhysMemory m(1 << 20);
  std::vector<std::pair<uint32_t, uint32_t>> seen;
  m.on_write = [&](uint32_t a, uint32_t n) { seen.emplace_back(a, n); };
  std::vector<uint8_t> data(0x1800, 1);
  m.write(0x3800, data.data(), static_cast<uint32_t>(data.size()));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], std::make_pair(0x3800u, 0x800u));
  EXPECT_EQ(seen[1], std::make_pair(0x4000u, 0x1000u));
}

}  // namespace
}  // namespace dynemu::mmu
