// The PIIX3 IDE function on a PCI bus: config space, BAR4 bus-master
// registers and DMA through a PRD table into PhysMemory, no CPU.
#include <gtest/gtest.h>

#include <cstring>

#include "emulator/mmu/phys_memory.h"
#include "hw/pci/pci_bus.h"
#include "hw/pci/pci_regs.h"
#include "hw/storage/ata_disk.h"
#include "hw/storage/atapi_cdrom.h"
#include "hw/storage/piix_ide.h"
#include "tests/devices/ide_rig.h"

namespace dynemu::hw::storage::test {
namespace {

constexpr uint16_t kBmBase = 0xC000;
constexpr uint32_t kPrdTable = 0x1000;

struct DmaTest : ::testing::Test {
  static constexpr uint32_t kSectors = 2048;
  TempImage disk_file{sector_pattern(kSectors)};
  TempImage iso{sector_pattern(64, 2048, 3)};
  mmu::PhysMemory mem{4 * 1024 * 1024};
  IoBus io;
  pci::PciBus bus{&io, &mem};
  PiixIde piix{&mem};
  int edges[2] = {0, 0};

  void SetUp() override {
    piix.channel(0).attach(0, std::make_unique<AtaDisk>(disk_file.open()));
    piix.channel(1).attach(0, std::make_unique<AtapiCdrom>(iso.open(block::Access::ReadOnly)));
    for (int n = 0; n < 2; ++n) {
      piix.channel(n).irq() = IrqLine([this, n](bool level) {
        if (level) ++edges[n];
      });
    }
    piix.map_legacy_ports(io);
    bus.attach(pci::devfn(1, 1), &piix);
    // What the firmware does: BAR4, I/O decode and bus mastering on.
    bus.config_write(pci::devfn(1, 1), pci::kBar0 + 16, 4, kBmBase);
    bus.config_write(pci::devfn(1, 1), pci::kCommand, 2, pci::kCommandIo | pci::kCommandMaster);
  }

  void prd(unsigned index, uint32_t addr, uint32_t bytes, bool eot) {
    uint32_t d[2] = {addr, (bytes & 0xFFFF) | (eot ? 0x80000000u : 0)};
    mem.write(kPrdTable + 8 * index, d, sizeof d);
  }
  uint8_t bm_status(unsigned ch = 0) {
    return static_cast<uint8_t>(io.read(kBmBase + 8 * ch + 2, 1));
  }
  void bm_setup(bool to_memory, unsigned ch = 0) {
    io.write(kBmBase + 8 * ch + 4, 4, kPrdTable);
    io.write(kBmBase + 8 * ch + 2, 1, 0x06);  // clear interrupt and error
    io.write(kBmBase + 8 * ch, 1, to_memory ? 0x08 : 0x00);
  }
  void bm_start(bool to_memory, unsigned ch = 0) {
    io.write(kBmBase + 8 * ch, 1, to_memory ? 0x09 : 0x01);
  }
  void bm_stop(unsigned ch = 0) { io.write(kBmBase + 8 * ch, 1, 0x00); }
  void ata(uint8_t reg, uint8_t v) { io.write(0x1F0 + reg, 1, v); }
  uint8_t ata_status() { return static_cast<uint8_t>(io.read(0x1F7, 1)); }
  void lba28(uint32_t lba, uint8_t count) {
    ata(6, static_cast<uint8_t>(0xE0 | (lba >> 24)));
    ata(2, count);
    ata(3, static_cast<uint8_t>(lba));
    ata(4, static_cast<uint8_t>(lba >> 8));
    ata(5, static_cast<uint8_t>(lba >> 16));
  }
  void lba48(uint64_t lba, uint16_t count) {
    ata(6, 0x40);
    for (int base : {24, 0}) {  // the high (HOB) bytes first, then the low ones
      ata(2, static_cast<uint8_t>(count >> (base ? 8 : 0)));
      ata(3, static_cast<uint8_t>(lba >> base));
      ata(4, static_cast<uint8_t>(lba >> (base + 8)));
      ata(5, static_cast<uint8_t>(lba >> (base + 16)));
    }
  }
  std::vector<uint8_t> ram(uint32_t addr, uint32_t len) {
    std::vector<uint8_t> v(len);
    mem.read(addr, v.data(), len);
    return v;
  }
};

TEST_F(DmaTest, ConfigSpaceAndBar) {
  uint8_t fn = pci::devfn(1, 1);
  EXPECT_EQ(bus.config_read(fn, pci::kVendorId, 2), 0x8086u);
  EXPECT_EQ(bus.config_read(fn, pci::kDeviceId, 2), 0x7010u);
  EXPECT_EQ(bus.config_read(fn, pci::kClassProgIf, 1), 0x80u);
  EXPECT_EQ(bus.config_read(fn, pci::kClassProgIf + 1, 2), 0x0101u);
  EXPECT_EQ(bus.config_read(fn, 0x40, 2), 0x8000u);
  EXPECT_EQ(bus.config_read(fn, 0x42, 2), 0x8000u);
  // BAR4 is 16 I/O bytes.
  bus.config_write(fn, pci::kBar0 + 16, 4, 0xFFFFFFFF);
  EXPECT_EQ(bus.config_read(fn, pci::kBar0 + 16, 4), 0xFFFFFFF1u);
  bus.config_write(fn, pci::kBar0 + 16, 4, kBmBase);
  EXPECT_EQ(bus.config_read(fn, pci::kBar0 + 16, 4), kBmBase | 1u);
  // The PRD pointer register reads back dword aligned.
  io.write(kBmBase + 4, 4, 0x12345677);
  EXPECT_EQ(io.read(kBmBase + 4, 4), 0x12345674u);
  io.write(kBmBase + 8 + 4, 4, 0xABCD0000);
  EXPECT_EQ(io.read(kBmBase + 8 + 4, 4), 0xABCD0000u);
  EXPECT_EQ(io.read(kBmBase + 4, 4), 0x12345674u);
  // Drive-capable bits are plain read/write.
  io.write(kBmBase + 2, 1, 0x60);
  EXPECT_EQ(bm_status(), 0x60);
}

TEST_F(DmaTest, ReadDmaThroughTwoPrds) {
  prd(0, 0x10000, 4096, false);
  prd(1, 0x20000, 2048, true);
  bm_setup(true);
  lba28(5, 12);
  ata(7, 0xC8);  // READ DMA
  EXPECT_EQ(ata_status() & 0x08, 0x08) << "DRQ while the DMA is pending";
  EXPECT_EQ(edges[0], 0);
  bm_start(true);
  EXPECT_EQ(edges[0], 1);
  EXPECT_EQ(bm_status(), 0x04) << "interrupt, not active: PRDs and device done together";
  EXPECT_EQ(ata_status(), 0x50);
  bm_stop();
  EXPECT_EQ(ram(0x10000, 4096), disk_file.read(5 * 512, 4096));
  EXPECT_EQ(ram(0x20000, 2048), disk_file.read(5 * 512 + 4096, 2048));
  // The interrupt bit clears by writing one.
  io.write(kBmBase + 2, 1, 0x04);
  EXPECT_EQ(bm_status(), 0x00);
}

TEST_F(DmaTest, StartBeforeCommandAndDeviceShorterThanPrd) {
  prd(0, 0x30000, 0, true);  // 64 KiB
  bm_setup(true);
  bm_start(true);
  EXPECT_EQ(bm_status(), 0x01) << "active, waiting for a device";
  lba28(100, 4);
  ata(7, 0xC8);
  EXPECT_EQ(edges[0], 1);
  EXPECT_EQ(bm_status(), 0x05) << "device done early: interrupt and still active";
  bm_stop();
  EXPECT_EQ(bm_status(), 0x04);
  EXPECT_EQ(ata_status(), 0x50);
  EXPECT_EQ(ram(0x30000, 2048), disk_file.read(100 * 512, 2048));
}

TEST_F(DmaTest, PrdShorterThanDevice) {
  prd(0, 0x40000, 1024, true);
  bm_setup(true);
  lba28(0, 4);
  ata(7, 0xC8);
  bm_start(true);
  EXPECT_EQ(bm_status(), 0x00) << "PRDs exhausted: not active, no interrupt";
  EXPECT_EQ(edges[0], 0);
  EXPECT_EQ(ata_status() & 0x08, 0x08) << "the device still waits";
  EXPECT_EQ(ram(0x40000, 1024), disk_file.read(0, 1024));
  // A soft reset recovers the channel.
  io.write(0x3F6, 1, 0x04);
  io.write(0x3F6, 1, 0x00);
  EXPECT_EQ(ata_status(), 0x50);
}

TEST_F(DmaTest, WriteDmaAndLba48) {
  auto data = sector_pattern(8, 512, 0x42);
  mem.write(0x50000, data.data(), 3000);
  mem.write(0x60000, data.data() + 3000, data.size() - 3000);
  prd(0, 0x50000, 3000, false);
  prd(1, 0x60000, 4096 - 3000, true);
  bm_setup(false);
  lba48(1500, 8);
  ata(7, 0x35);  // WRITE DMA EXT
  bm_start(false);
  EXPECT_EQ(bm_status(), 0x04);
  EXPECT_EQ(ata_status(), 0x50);
  EXPECT_EQ(disk_file.read(1500 * 512, 4096), data);

  // READ DMA EXT of it back.
  prd(0, 0x70000, 4096, true);
  bm_stop();
  bm_setup(true);
  lba48(1500, 8);
  ata(7, 0x25);  // READ DMA EXT
  bm_start(true);
  EXPECT_EQ(bm_status(), 0x04);
  EXPECT_EQ(ram(0x70000, 4096), data);
}

TEST_F(DmaTest, DmaOutOfRangeFailsWithoutTransfer) {
  prd(0, 0x10000, 4096, true);
  bm_setup(true);
  lba28(kSectors - 2, 4);
  ata(7, 0xC8);
  EXPECT_EQ(ata_status(), 0x41);
  EXPECT_EQ(io.read(0x1F1, 1), 0x10u);
  bm_start(true);
  EXPECT_EQ(bm_status(), 0x05) << "the abort's interrupt; nothing to move";
}

TEST_F(DmaTest, HostErrorDuringDma) {
  piix.channel(0).attach(1, std::make_unique<AtaDisk>(std::make_unique<FailingImage>(64, 20)));
  prd(0, 0x10000, 8192, true);
  bm_setup(true);
  ata(6, 0xF0);  // slave, LBA
  ata(2, 8);
  ata(3, 16);
  ata(4, 0);
  ata(5, 0);
  ata(7, 0xC8);
  bm_start(true);
  EXPECT_EQ(edges[0], 1);
  EXPECT_EQ(ata_status(), 0x41);
  EXPECT_EQ(io.read(0x1F1, 1), 0x40u);
  EXPECT_EQ(io.read(0x1F3, 1), 20u) << "the failing sector";
  EXPECT_EQ(bm_status(), 0x05);
}

TEST_F(DmaTest, AtapiReadByDma) {
  prd(0, 0x80000, 4 * 2048, true);
  bm_setup(true, 1);
  io.write(0x176, 1, 0xA0);
  io.write(0x171, 1, 0x01);  // DMA
  io.write(0x177, 1, 0xA0);
  EXPECT_EQ(io.read(0x377, 1) & 0x08, 0x08u);
  uint8_t cdb[12] = {0x28, 0, 0, 0, 0, 9, 0, 0, 4};
  for (int i = 0; i < 12; i += 2) io.write(0x170, 2, cdb[i] | cdb[i + 1] << 8);
  EXPECT_EQ(edges[1], 0) << "nothing until the bus master runs";
  bm_start(true, 1);
  EXPECT_EQ(edges[1], 1);
  EXPECT_EQ(bm_status(1), 0x04);
  EXPECT_EQ(io.read(0x177, 1), 0x50u);
  EXPECT_EQ(io.read(0x172, 1) & 3, 3u);
  EXPECT_EQ(ram(0x80000, 4 * 2048), iso.read(9 * 2048, 4 * 2048));
  bm_stop(1);

  // A reply shorter than the PRD: interrupt with active still set.
  prd(0, 0x90000, 96, true);
  bm_setup(true, 1);
  io.write(0x171, 1, 0x01);
  io.write(0x177, 1, 0xA0);
  uint8_t inquiry[12] = {0x12, 0, 0, 0, 96};
  for (int i = 0; i < 12; i += 2) io.write(0x170, 2, inquiry[i] | inquiry[i + 1] << 8);
  bm_start(true, 1);
  EXPECT_EQ(bm_status(1), 0x05);
  EXPECT_EQ(ram(0x90000 + 8, 6), (std::vector<uint8_t>{'D', 'Y', 'N', 'E', 'M', 'U'}));
}

}  // namespace
}  // namespace dynemu::hw::storage::test
