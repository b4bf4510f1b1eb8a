// The ATA disk on an IDE channel, driven through its ports with no CPU.
#include <gtest/gtest.h>

#include <map>

#include "hw/block/snapshot_overlay.h"
#include "hw/storage/ata_disk.h"
#include "tests/devices/ide_rig.h"

namespace dynemu::hw::storage::test {
namespace {

constexpr uint8_t kReady = 0x50;      // DRDY|DSC
constexpr uint8_t kDataReady = 0x58;  // DRDY|DSC|DRQ
constexpr uint8_t kError = 0x41;      // DRDY|ERR

struct AtaTest : ::testing::Test {
  static constexpr uint32_t kSectors = 4096;  // 2 MiB
  TempImage file{sector_pattern(kSectors)};
  IdeRig rig;
  AtaDisk* disk = nullptr;

  void SetUp() override {
    auto d = std::make_unique<AtaDisk>(file.open());
    disk = d.get();
    rig.ch.attach(0, std::move(d));
  }
  std::vector<uint16_t> identify() {
    rig.select(0);
    rig.command(0xEC);
    EXPECT_EQ(rig.status(), kDataReady);
    auto bytes = rig.read_data(512);
    std::vector<uint16_t> w(256);
    for (int i = 0; i < 256; ++i)
      w[i] = static_cast<uint16_t>(bytes[2 * i] | bytes[2 * i + 1] << 8);
    return w;
  }
};

std::string ata_string(const std::vector<uint16_t>& id, int word, int len) {
  std::string s;
  for (int i = 0; i < len / 2; ++i) {
    s += static_cast<char>(id[word + i] >> 8);
    s += static_cast<char>(id[word + i] & 0xFF);
  }
  return s;
}

TEST_F(AtaTest, PowerOnStateAndSignature) {
  EXPECT_EQ(rig.status(), kReady);
  EXPECT_EQ(rig.in8(1), 0x01);  // diagnostic passed
  EXPECT_EQ(rig.in8(2), 0x01);
  EXPECT_EQ(rig.in8(3), 0x01);
  EXPECT_EQ(rig.in8(4), 0x00);
  EXPECT_EQ(rig.in8(5), 0x00);
  EXPECT_EQ(rig.in8(6), 0xA0);
  // The empty slave position: status and error read 0.
  rig.select(1, 0);
  EXPECT_EQ(rig.in8(6), 0xB0);
  EXPECT_EQ(rig.status(), 0x00);
  EXPECT_EQ(rig.alt_status(), 0x00);
  EXPECT_EQ(rig.in8(1), 0x00);
  rig.command(0xEC);  // ignored
  EXPECT_EQ(rig.status(), 0x00);
  EXPECT_EQ(rig.edges, 0);
}

TEST_F(AtaTest, IdentifyDevice) {
  int before = rig.edges;
  auto id = identify();
  EXPECT_EQ(rig.edges, before + 1);
  EXPECT_EQ(rig.status(), kReady);  // DRQ drops after 256 words
  EXPECT_EQ(id[0], 0x0040);
  EXPECT_EQ(id[1], kSectors / (16 * 63));  // 4 cylinders
  EXPECT_EQ(id[3], 16);
  EXPECT_EQ(id[6], 63);
  EXPECT_EQ(ata_string(id, 27, 40), "DYNEMU HARDDISK                         ");
  EXPECT_EQ(ata_string(id, 10, 20), "DYNEMU-HD0          ");
  EXPECT_EQ(ata_string(id, 23, 8), "0.1     ");
  EXPECT_EQ(id[47], 0x8010);
  EXPECT_EQ(id[49] & 0x0300, 0x0300);  // LBA and DMA
  EXPECT_EQ(id[53], 7);
  EXPECT_EQ(id[59], 0x0110);  // multiple mode valid, 16 sectors
  EXPECT_EQ(id[60] | id[61] << 16, kSectors);
  EXPECT_EQ(id[83] & 0xC400, 0x4400);  // valid + LBA48
  EXPECT_EQ(id[86] & 0x0400, 0x0400);
  EXPECT_EQ(id[100] | id[101] << 16, kSectors);
  EXPECT_EQ(id[102] | id[103], 0);
  EXPECT_EQ(id[63] & 0x07, 0x07);
  EXPECT_EQ(id[255] & 0xFF, 0xA5);
  uint8_t sum = 0;
  for (auto w : id) sum += static_cast<uint8_t>(w + (w >> 8));
  EXPECT_EQ(sum, 0);
}

TEST_F(AtaTest, IdentifyReportsLba28LimitAndLba48Capacity) {
  // A sparse image just past the 28-bit limit.
  uint64_t sectors = (uint64_t{1} << 28) + 64;
  TempImage big({}, sectors * 512);
  IdeRig r2;
  r2.ch.attach(0, std::make_unique<AtaDisk>(big.open()));
  r2.select(0);
  r2.command(0xEC);
  auto bytes = r2.read_data(512);
  auto w = [&](int i) { return uint32_t{bytes[2 * i]} | uint32_t{bytes[2 * i + 1]} << 8; };
  EXPECT_EQ(w(60) | w(61) << 16, 0x0FFFFFFFu);
  EXPECT_EQ(w(100) | w(101) << 16, static_cast<uint32_t>(sectors));
  EXPECT_EQ(w(102), 0u);
  EXPECT_EQ(w(1), 16383u);

  // LBA48 write and read past sector 2^28.
  auto data = sector_pattern(2, 512, 0x77);
  r2.lba48(sectors - 2, 2);
  r2.command(0x34);  // WRITE SECTORS EXT
  for (int s = 0; s < 2; ++s) {
    ASSERT_EQ(r2.alt_status(), kDataReady);
    r2.write_data(data.data() + s * 512, 512);
  }
  EXPECT_EQ(r2.status(), kReady);
  EXPECT_EQ(big.read((sectors - 2) * 512, 1024), data);
  r2.lba48(sectors - 2, 2);
  r2.command(0x24);  // READ SECTORS EXT
  ASSERT_EQ(r2.status(), kDataReady);
  EXPECT_EQ(r2.read_data(1024), data);
  // Out of range: IDNF.
  r2.lba48(sectors - 1, 2);
  r2.command(0x24);
  EXPECT_EQ(r2.status(), kError);
  EXPECT_EQ(r2.in8(1), 0x10);
}

TEST_F(AtaTest, Lba28ReadOneSectorPerDrqWithAnInterruptEach) {
  rig.lba28(100, 3);
  int before = rig.edges;
  rig.command(0x20);
  std::vector<uint8_t> got;
  for (int s = 0; s < 3; ++s) {
    EXPECT_EQ(rig.edges, before + s + 1) << "one interrupt per DRQ block";
    EXPECT_TRUE(rig.irq());
    EXPECT_EQ(rig.status(), kDataReady);  // acknowledges
    EXPECT_FALSE(rig.irq());
    auto part = rig.read_data(512);
    got.insert(got.end(), part.begin(), part.end());
  }
  EXPECT_EQ(rig.edges, before + 3) << "no interrupt after the last block of a read";
  EXPECT_EQ(rig.status(), kReady);
  EXPECT_EQ(got, file.read(100 * 512, 3 * 512));
  // The address registers point past the transfer; the count ran down.
  EXPECT_EQ(rig.in8(3), 103);
  EXPECT_EQ(rig.in8(2), 0);
}

TEST_F(AtaTest, Lba28WriteRoundTrip) {
  auto data = sector_pattern(3, 512, 0x5A);
  rig.lba28(0x123, 3);
  int before = rig.edges;
  rig.command(0x30);
  // The first block is asked for without an interrupt.
  EXPECT_EQ(rig.edges, before);
  for (int s = 0; s < 3; ++s) {
    ASSERT_EQ(rig.alt_status(), kDataReady);
    rig.write_data(data.data() + s * 512, 512);
    EXPECT_EQ(rig.edges, before + s + 1);
    rig.status();
  }
  EXPECT_EQ(rig.status(), kReady);
  EXPECT_EQ(file.read(0x123 * 512, 3 * 512), data);
  // Read back through the device, 32 bits at a time.
  rig.lba28(0x123, 3);
  rig.command(0x20);
  std::vector<uint8_t> got;
  for (int s = 0; s < 3; ++s) {
    ASSERT_EQ(rig.status(), kDataReady);
    auto part = rig.read_data(512, 4);
    got.insert(got.end(), part.begin(), part.end());
  }
  EXPECT_EQ(got, data);
}

TEST_F(AtaTest, Lba48CountAbove256) {
  rig.lba48(1000, 300);
  rig.command(0x24);
  std::vector<uint8_t> got;
  for (int s = 0; s < 300; ++s) {
    ASSERT_EQ(rig.status(), kDataReady) << s;
    auto part = rig.read_data(512, 4);
    got.insert(got.end(), part.begin(), part.end());
  }
  EXPECT_EQ(rig.status(), kReady);
  EXPECT_EQ(got, file.read(1000 * 512, 300 * 512));
  // The registers show the next LBA, low and high (HOB) bytes.
  EXPECT_EQ(rig.in8(3), static_cast<uint8_t>(1300));
  EXPECT_EQ(rig.in8(4), 1300 >> 8);
  rig.control(0x80);
  EXPECT_EQ(rig.in8(3), 0);  // LBA 31:24
  rig.control(0x00);
}

TEST_F(AtaTest, HobReadsPreviousRegisterValues) {
  rig.out8(2, 0x12);
  rig.out8(2, 0x34);
  EXPECT_EQ(rig.in8(2), 0x34);
  rig.control(0x80);
  EXPECT_EQ(rig.in8(2), 0x12);
  rig.out8(3, 0x99);  // any register write clears HOB
  EXPECT_EQ(rig.in8(2), 0x34);
}

TEST_F(AtaTest, MultipleModeBlocks) {
  rig.out8(2, 4);
  rig.select(0);
  rig.command(0xC6);  // SET MULTIPLE MODE 4
  EXPECT_EQ(rig.status(), kReady);
  EXPECT_EQ(identify()[59], 0x0104);

  rig.lba28(10, 10);
  int before = rig.edges;
  rig.command(0xC4);  // READ MULTIPLE: blocks of 4, 4, 2
  std::vector<uint8_t> got;
  for (int size : {4, 4, 2}) {
    EXPECT_EQ(rig.status(), kDataReady);
    auto part = rig.read_data(size * 512);
    got.insert(got.end(), part.begin(), part.end());
  }
  EXPECT_EQ(rig.edges, before + 3);
  EXPECT_EQ(rig.status(), kReady);
  EXPECT_EQ(got, file.read(10 * 512, 10 * 512));

  auto data = sector_pattern(6, 512, 0x33);
  rig.lba48(200, 6);
  before = rig.edges;
  rig.command(0x39);  // WRITE MULTIPLE EXT: blocks of 4, 2
  rig.write_data(data.data(), 4 * 512);
  EXPECT_EQ(rig.edges, before + 1);
  EXPECT_EQ(rig.status(), kDataReady);
  rig.write_data(data.data() + 4 * 512, 2 * 512);
  EXPECT_EQ(rig.edges, before + 2);
  EXPECT_EQ(rig.status(), kReady);
  EXPECT_EQ(file.read(200 * 512, 6 * 512), data);

  // Invalid counts abort; 0 turns multiple mode off, and then READ MULTIPLE aborts.
  rig.out8(2, 3);
  rig.command(0xC6);
  EXPECT_EQ(rig.status(), kError);
  EXPECT_EQ(rig.in8(1), 0x04);
  rig.out8(2, 0);
  rig.command(0xC6);
  EXPECT_EQ(rig.status(), kReady);
  rig.lba28(0, 1);
  rig.command(0xC4);
  EXPECT_EQ(rig.status(), kError);
}

TEST_F(AtaTest, ChsAddressingWithInitializedGeometry) {
  // Default geometry 16/63: C/H/S 1/2/3 = (1*16+2)*63+2 = 1136.
  rig.chs(1, 2, 3, 1);
  rig.command(0x20);
  ASSERT_EQ(rig.status(), kDataReady);
  EXPECT_EQ(rig.read_data(512), file.read(1136 * 512, 512));

  // INITIALIZE DEVICE PARAMETERS: 4 heads, 17 sectors per track.
  rig.select(0, 0x03);
  rig.out8(2, 17);
  rig.command(0x91);
  EXPECT_EQ(rig.status(), kReady);
  auto id = identify();
  EXPECT_EQ(id[55], 4);
  EXPECT_EQ(id[56], 17);
  EXPECT_EQ(id[54], kSectors / (4 * 17));
  // C/H/S 2/3/5 = (2*4+3)*17+4 = 191.
  rig.chs(2, 3, 5, 1);
  rig.command(0x20);
  ASSERT_EQ(rig.status(), kDataReady);
  EXPECT_EQ(rig.read_data(512), file.read(191 * 512, 512));
  // Sector 0 does not exist in CHS, nor head 4 now.
  rig.chs(0, 0, 0, 1);
  rig.command(0x20);
  EXPECT_EQ(rig.status(), kError);
  EXPECT_EQ(rig.in8(1), 0x10);
  rig.chs(0, 4, 1, 1);
  rig.command(0x20);
  EXPECT_EQ(rig.status(), kError);
  EXPECT_EQ(rig.in8(1), 0x10);
}

TEST_F(AtaTest, NonDataCommands) {
  int before = rig.edges;
  rig.select(0);
  for (uint8_t cmd : {0xE7, 0xEA, 0xE0, 0xE1, 0xE2, 0xE3, 0x10, 0x70}) {
    rig.command(cmd);
    EXPECT_EQ(rig.status(), kReady) << int(cmd);
  }
  EXPECT_EQ(rig.edges, before + 8);
  rig.command(0xE5);  // CHECK POWER MODE
  EXPECT_EQ(rig.status(), kReady);
  EXPECT_EQ(rig.in8(2), 0xFF);
  rig.lba28(kSectors - 4, 4);
  rig.command(0x40);  // READ VERIFY
  EXPECT_EQ(rig.status(), kReady);
  rig.lba28(kSectors - 4, 5);
  rig.command(0x40);
  EXPECT_EQ(rig.status(), kError);
  EXPECT_EQ(rig.in8(1), 0x10);
}

TEST_F(AtaTest, UnsupportedCommandsAbort) {
  rig.select(0);
  for (uint8_t cmd : {0x00, 0x08, 0xA0, 0xA1, 0xB0, 0xF8, 0x27}) {
    int before = rig.edges;
    rig.command(cmd);
    EXPECT_EQ(rig.edges, before + 1);
    EXPECT_EQ(rig.status(), kError) << int(cmd);
    EXPECT_EQ(rig.in8(1), 0x04) << int(cmd);
  }
  // The next good command clears the error.
  rig.command(0xE7);
  EXPECT_EQ(rig.status(), kReady);
  EXPECT_EQ(rig.in8(1), 0x00);
}

TEST_F(AtaTest, SetFeaturesTransferMode) {
  rig.select(0);
  rig.out8(1, 0x03);
  rig.out8(2, 0x22);  // multiword DMA 2
  rig.command(0xEF);
  EXPECT_EQ(rig.status(), kReady);
  auto id = identify();
  EXPECT_EQ(id[63], 0x0407);
  EXPECT_EQ(id[88] & 0xFF00, 0);
  rig.out8(1, 0x03);
  rig.out8(2, 0x45);  // UDMA 5
  rig.command(0xEF);
  id = identify();
  EXPECT_EQ(id[63], 0x0007);
  EXPECT_EQ(id[88], 0x203F);
  rig.out8(1, 0x03);
  rig.out8(2, 0x27);  // no multiword DMA 7
  rig.command(0xEF);
  EXPECT_EQ(rig.status(), kError);
  rig.out8(1, 0x82);  // write cache off
  rig.command(0xEF);
  EXPECT_EQ(rig.status(), kReady);
  EXPECT_EQ(identify()[85] & 0x20, 0);
  rig.out8(1, 0x42);  // unknown subcommand
  rig.command(0xEF);
  EXPECT_EQ(rig.status(), kError);
}

TEST_F(AtaTest, SoftResetSignatures) {
  rig.lba28(5, 2);
  rig.command(0x20);  // leave a transfer half done
  ASSERT_EQ(rig.status(), kDataReady);
  rig.control(0x04);  // SRST
  EXPECT_EQ(rig.alt_status() & 0x80, 0x80);
  rig.control(0x00);
  EXPECT_EQ(rig.status(), kReady);
  EXPECT_EQ(rig.in8(1), 0x01);
  EXPECT_EQ(rig.in8(2), 1);
  EXPECT_EQ(rig.in8(3), 1);
  EXPECT_EQ(rig.in8(4), 0);
  EXPECT_EQ(rig.in8(5), 0);
  EXPECT_EQ(rig.in8(6) & 0x10, 0);                            // device 0 selected
  EXPECT_EQ(rig.read_data(2), (std::vector<uint8_t>{0, 0}));  // the transfer is gone
  // The empty slave reports no signature.
  rig.select(1, 0);
  EXPECT_EQ(rig.in8(4), 0xFF);
  EXPECT_EQ(rig.in8(5), 0xFF);
}

TEST_F(AtaTest, NienMasksTheInterrupt) {
  rig.control(0x02);
  rig.select(0);
  int before = rig.edges;
  rig.command(0xE7);
  EXPECT_EQ(rig.edges, before);
  EXPECT_EQ(rig.status(), kReady);
  rig.control(0x00);
  rig.command(0xE7);
  EXPECT_EQ(rig.edges, before + 1);
  // A new command also acknowledges.
  rig.command(0xE7);
  EXPECT_EQ(rig.edges, before + 2);
}

TEST_F(AtaTest, TaskFileIgnoredWhileDrq) {
  rig.lba28(7, 1);
  rig.command(0x20);
  rig.out8(3, 0x55);  // ignored: DRQ
  EXPECT_EQ(rig.in8(3), 7);
  rig.read_data(512);
  rig.out8(3, 0x55);
  EXPECT_EQ(rig.in8(3), 0x55);
}

TEST(AtaDisk, ReadOnlyImageAbortsWrites) {
  TempImage file(sector_pattern(64));
  IdeRig rig;
  rig.ch.attach(0, std::make_unique<AtaDisk>(file.open(block::Access::ReadOnly)));
  rig.lba28(1, 1);
  rig.command(0x30);
  EXPECT_EQ(rig.status(), kError);
  EXPECT_EQ(rig.in8(1), 0x04);
}

TEST(AtaDisk, SnapshotOverlayKeepsTheFileUnchanged) {
  auto original = sector_pattern(64);
  TempImage file(original);
  auto overlay = block::SnapshotOverlay::create(file.open(block::Access::ReadOnly));
  ASSERT_TRUE(overlay);
  IdeRig rig;
  rig.ch.attach(0, std::make_unique<AtaDisk>(std::move(overlay).value()));
  auto data = sector_pattern(1, 512, 0xC3);
  rig.lba28(9, 1);
  rig.command(0x30);
  rig.write_data(data.data(), 512);
  EXPECT_EQ(rig.status(), kReady);
  rig.lba28(8, 3);
  rig.command(0x20);
  std::vector<uint8_t> got;
  for (int s = 0; s < 3; ++s) {
    rig.status();
    auto p = rig.read_data(512);
    got.insert(got.end(), p.begin(), p.end());
  }
  std::vector<uint8_t> expect(original.begin() + 8 * 512, original.begin() + 11 * 512);
  std::copy(data.begin(), data.end(), expect.begin() + 512);
  EXPECT_EQ(got, expect);
  EXPECT_EQ(file.read(0, 64 * 512), original);
}

TEST(AtaDisk, HostIoErrorsBecomeMediaErrors) {
  IdeRig rig;
  rig.ch.attach(0, std::make_unique<AtaDisk>(std::make_unique<FailingImage>(64, 12)));
  // Sectors 10 and 11 come through, 12 fails: UNC with the LBA of the bad block.
  rig.lba28(10, 4);
  rig.command(0x20);
  EXPECT_EQ(rig.status(), kDataReady);
  rig.read_data(512);
  EXPECT_EQ(rig.status(), kDataReady);
  rig.read_data(512);
  EXPECT_EQ(rig.status(), kError);
  EXPECT_EQ(rig.in8(1), 0x40);
  EXPECT_EQ(rig.in8(3), 12);
  EXPECT_EQ(rig.in8(2), 2) << "two sectors were not transferred";
  // Writes and flushes fail the same way.
  rig.lba28(12, 1);
  rig.command(0x30);
  std::vector<uint8_t> data(512, 1);
  rig.write_data(data.data(), 512);
  EXPECT_EQ(rig.status(), kError);
  EXPECT_EQ(rig.in8(1), 0x40);
  rig.command(0xE7);
  EXPECT_EQ(rig.status(), kError);
  EXPECT_EQ(rig.in8(1), 0x04);
  // The channel keeps working.
  rig.lba28(0, 1);
  rig.command(0x20);
  EXPECT_EQ(rig.status(), kDataReady);
}

// visit_state names every field once and a load restores a transfer in flight.
class MapVisitor : public StateVisitor {
 public:
  bool loading = false;
  std::map<std::string, std::vector<uint8_t>> fields;
  void field(const char* name, void* data, size_t bytes) override {
    auto* p = static_cast<uint8_t*>(data);
    if (!loading) {
      EXPECT_FALSE(fields.count(name)) << "duplicate field " << name;
      fields[name].assign(p, p + bytes);
    } else {
      auto& v = fields.at(name);
      ASSERT_EQ(v.size(), bytes);
      std::copy(v.begin(), v.end(), p);
    }
  }
};

TEST_F(AtaTest, StateRoundTripMidTransfer) {
  rig.lba28(40, 2);
  rig.command(0x20);
  rig.status();
  auto first = rig.read_data(300);
  MapVisitor saved;
  rig.ch.visit_state(saved);
  EXPECT_TRUE(saved.fields.count("unit0.regs"));

  TempImage file2(file.read(0, kSectors * 512));
  IdeRig other;
  other.ch.attach(0, std::make_unique<AtaDisk>(file2.open()));
  saved.loading = true;
  other.ch.visit_state(saved);
  auto rest = other.read_data(212);
  first.insert(first.end(), rest.begin(), rest.end());
  EXPECT_EQ(other.status(), kDataReady);
  auto second = other.read_data(512);
  first.insert(first.end(), second.begin(), second.end());
  EXPECT_EQ(first, file.read(40 * 512, 1024));
}

TEST_F(AtaTest, StateRestoresAPendingInterrupt) {
  rig.select(0);
  rig.command(0xE7);
  ASSERT_TRUE(rig.irq());
  MapVisitor saved;
  rig.ch.visit_state(saved);
  IdeRig other;
  other.ch.attach(0, std::make_unique<AtaDisk>(file.open()));
  EXPECT_FALSE(other.irq());
  saved.loading = true;
  other.ch.visit_state(saved);
  EXPECT_TRUE(other.irq());
  EXPECT_EQ(other.status(), kReady);
  EXPECT_FALSE(other.irq());
}

}  // namespace
}  // namespace dynemu::hw::storage::test
