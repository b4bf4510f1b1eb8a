// The ATAPI CD-ROM on an IDE channel, driven through its ports with no CPU.
#include <gtest/gtest.h>

#include <cstdlib>

#include "hw/storage/ata_disk.h"
#include "hw/storage/atapi_cdrom.h"
#include "tests/devices/ide_rig.h"

namespace dynemu::hw::storage::test {
namespace {

constexpr uint32_t kCdSector = 2048;

// What one packet command did, seen from the host.
struct PacketResult {
  std::vector<uint8_t> data;
  std::vector<uint32_t> blocks;  // byte count of each DRQ block
  uint8_t status = 0;
  uint8_t error = 0;
  uint8_t reason = 0;  // interrupt reason at the end
  int irqs = 0;
};

// Sends a 12-byte packet by PIO and collects the data the device offers,
// block by block, checking the protocol at every step (ATA-6 9.10).
PacketResult send_packet(IdeRig& rig, std::vector<uint8_t> cdb, uint16_t byte_limit = 0xFFFE) {
  cdb.resize(12);
  PacketResult res;
  rig.select(0, 0);
  rig.out8(1, 0);  // PIO
  rig.out8(4, static_cast<uint8_t>(byte_limit));
  rig.out8(5, static_cast<uint8_t>(byte_limit >> 8));
  int before = rig.edges;
  rig.command(0xA0);
  EXPECT_EQ(rig.edges, before) << "no interrupt before the packet";
  EXPECT_EQ(rig.alt_status() & 0x89, 0x08) << "DRQ for the packet";
  EXPECT_EQ(rig.in8(2) & 3, 1) << "CoD=1, I/O=0";
  rig.write_data(cdb.data(), 12);
  for (int guard = 0; guard < 10000; ++guard) {
    EXPECT_TRUE(rig.irq());
    uint8_t st = rig.status();
    if (!(st & 0x08)) {
      res.status = st;
      res.error = rig.in8(1);
      res.reason = rig.in8(2) & 3;
      break;
    }
    EXPECT_EQ(rig.in8(2) & 3, 2) << "data to host";
    uint32_t n = rig.in8(4) | rig.in8(5) << 8;
    EXPECT_LE(n, byte_limit);
    res.blocks.push_back(n);
    auto part = rig.read_data(n);
    res.data.insert(res.data.end(), part.begin(), part.end());
  }
  res.irqs = rig.edges - before;
  return res;
}

struct AtapiTest : ::testing::Test {
  static constexpr uint32_t kSectors = 300;
  TempImage iso{sector_pattern(kSectors, kCdSector)};
  IdeRig rig;
  AtapiCdrom* cd = nullptr;

  void SetUp() override {
    auto d = std::make_unique<AtapiCdrom>(iso.open(block::Access::ReadOnly));
    cd = d.get();
    rig.ch.attach(0, std::move(d));
  }

  PacketResult packet(std::vector<uint8_t> cdb, uint16_t byte_limit = 0xFFFE) {
    return send_packet(rig, std::move(cdb), byte_limit);
  }
  std::vector<uint8_t> sense() {
    auto r = packet({0x03, 0, 0, 0, 18});
    EXPECT_EQ(r.data.size(), 18u);
    return r.data;
  }
  void expect_sense(uint8_t key, uint8_t asc, uint8_t ascq = 0) {
    auto s = sense();
    EXPECT_EQ(s[0], 0x70);
    EXPECT_EQ(s[2], key);
    EXPECT_EQ(s[12], asc);
    EXPECT_EQ(s[13], ascq);
  }
};

std::vector<uint8_t> read10(uint32_t lba, uint16_t count) {
  return {0x28,         0, uint8_t(lba >> 24),  uint8_t(lba >> 16), uint8_t(lba >> 8),
          uint8_t(lba), 0, uint8_t(count >> 8), uint8_t(count)};
}

TEST_F(AtapiTest, SignatureAndIdentify) {
  EXPECT_EQ(rig.status(), 0x00) << "ATAPI: no DRDY after reset";
  EXPECT_EQ(rig.in8(2), 1);
  EXPECT_EQ(rig.in8(3), 1);
  EXPECT_EQ(rig.in8(4), 0x14);
  EXPECT_EQ(rig.in8(5), 0xEB);

  // IDENTIFY DEVICE aborts, leaving the signature.
  rig.select(0, 0);
  rig.out8(4, 0);
  rig.out8(5, 0);
  rig.command(0xEC);
  EXPECT_EQ(rig.status() & 0x01, 0x01);
  EXPECT_EQ(rig.in8(1), 0x04);
  EXPECT_EQ(rig.in8(4), 0x14);
  EXPECT_EQ(rig.in8(5), 0xEB);

  rig.command(0xA1);
  EXPECT_EQ(rig.status(), 0x58);
  auto b = rig.read_data(512);
  auto w = [&](int i) { return b[2 * i] | b[2 * i + 1] << 8; };
  EXPECT_EQ(w(0), 0x85C0);
  EXPECT_EQ(w(49) & 0x0300, 0x0300);
  std::string model;
  for (int i = 27; i < 47; ++i) {
    model += char(w(i) >> 8);
    model += char(w(i) & 0xFF);
  }
  EXPECT_EQ(model.substr(0, 14), "DYNEMU CD-ROM ");
  EXPECT_EQ(rig.status(), 0x50);
  uint8_t sum = 0;
  for (auto x : b) sum += x;
  EXPECT_EQ(sum, 0);
}

TEST_F(AtapiTest, InquiryAndAllocationLength) {
  auto r = packet({0x12, 0, 0, 0, 36});
  EXPECT_EQ(r.status, 0x50);
  EXPECT_EQ(r.reason, 3) << "status phase: CoD=1, I/O=1";
  ASSERT_EQ(r.data.size(), 36u);
  EXPECT_EQ(r.data[0], 0x05);
  EXPECT_EQ(r.data[1], 0x80);
  EXPECT_EQ(std::string(r.data.begin() + 8, r.data.begin() + 16), "DYNEMU  ");
  EXPECT_EQ(std::string(r.data.begin() + 16, r.data.begin() + 32), "CD-ROM          ");
  EXPECT_EQ(r.irqs, 2) << "one per data block and one for status";
  r = packet({0x12, 0, 0, 0, 5});
  EXPECT_EQ(r.data.size(), 5u);
  // VPD pages are not supported.
  r = packet({0x12, 1, 0x80, 0, 36});
  EXPECT_EQ(r.status, 0x41);
  EXPECT_EQ(r.error, 0x54) << "ILLEGAL REQUEST << 4 | ABRT";
  expect_sense(5, 0x24);
}

TEST_F(AtapiTest, ReadCapacity) {
  auto r = packet({0x25});
  ASSERT_EQ(r.data.size(), 8u);
  EXPECT_EQ(r.data, (std::vector<uint8_t>{0, 0, 0x01, 0x2B, 0, 0, 0x08, 0}));  // 299, 2048
}

TEST_F(AtapiTest, Read10InBlocksUpToTheByteCountLimit) {
  auto r = packet(read10(10, 20));
  EXPECT_EQ(r.status, 0x50);
  EXPECT_EQ(r.data, iso.read(10 * kCdSector, 20 * kCdSector));
  // 0xFFFE bytes allow 31 whole sectors per block: all 20 in one.
  EXPECT_EQ(r.blocks, (std::vector<uint32_t>{20 * kCdSector}));

  // SeaBIOS asks for one sector per block.
  r = packet(read10(100, 3), 2048);
  EXPECT_EQ(r.blocks, (std::vector<uint32_t>{2048, 2048, 2048}));
  EXPECT_EQ(r.irqs, 4);
  EXPECT_EQ(r.data, iso.read(100 * kCdSector, 3 * kCdSector));

  // An odd limit: blocks of whole sectors below it.
  r = packet(read10(0, 5), 5001);
  EXPECT_EQ(r.blocks, (std::vector<uint32_t>{4096, 4096, 2048}));
  EXPECT_EQ(r.data, iso.read(0, 5 * kCdSector));

  // A limit below one sector: even-sized pieces.
  r = packet(read10(7, 1), 1001);
  EXPECT_EQ(r.blocks, (std::vector<uint32_t>{1000, 1000, 48}));
  EXPECT_EQ(r.data, iso.read(7 * kCdSector, kCdSector));

  // 32-bit data port reads.
  rig.select(0, 0);
  rig.out8(1, 0);
  rig.out8(4, 0x00);
  rig.out8(5, 0x08);
  rig.command(0xA0);
  auto cdb = read10(299, 1);
  cdb.resize(12);
  rig.write_data(cdb.data(), 12, 4);
  EXPECT_EQ(rig.status(), 0x58);
  EXPECT_EQ(rig.read_data(2048, 4), iso.read(299 * kCdSector, kCdSector));
  EXPECT_EQ(rig.status(), 0x50);
}

TEST_F(AtapiTest, Read12AndReadCd) {
  auto r = packet({0xA8, 0, 0, 0, 0, 50, 0, 0, 0, 4});
  EXPECT_EQ(r.data, iso.read(50 * kCdSector, 4 * kCdSector));
  r = packet({0xBE, 0, 0, 0, 0, 60, 0, 0, 2, 0x10});
  EXPECT_EQ(r.data, iso.read(60 * kCdSector, 2 * kCdSector));
  r = packet({0xBE, 0, 0, 0, 0, 60, 0, 0, 2, 0xF8});  // raw sectors: not supported
  EXPECT_EQ(r.status, 0x41);
  // Zero sectors: no data phase.
  r = packet(read10(5, 0));
  EXPECT_EQ(r.status, 0x50);
  EXPECT_TRUE(r.data.empty());
  EXPECT_EQ(r.irqs, 1);
}

TEST_F(AtapiTest, ReadPastTheEndAndUnknownCommands) {
  auto r = packet(read10(299, 2));
  EXPECT_EQ(r.status, 0x41);
  EXPECT_EQ(r.reason, 3);
  expect_sense(5, 0x21);
  // Sense is cleared once read.
  expect_sense(0, 0);
  r = packet({0xFF});
  EXPECT_EQ(r.status, 0x41);
  expect_sense(5, 0x20);
}

TEST_F(AtapiTest, ReadToc) {
  // Format 0, LBA: track 1 at 0, lead-out at 300.
  auto r = packet({0x43, 0, 0, 0, 0, 0, 0, 0, 100});
  ASSERT_EQ(r.data.size(), 20u);
  EXPECT_EQ(r.data[1], 18);
  EXPECT_EQ(r.data[2], 1);
  EXPECT_EQ(r.data[3], 1);
  EXPECT_EQ(r.data[5], 0x14);
  EXPECT_EQ(r.data[6], 1);
  EXPECT_EQ(r.data[14], 0xAA);
  EXPECT_EQ(std::vector<uint8_t>(r.data.begin() + 16, r.data.end()),
            (std::vector<uint8_t>{0, 0, 0x01, 0x2C}));
  // MSF: lead-out at 300 + 150 frames = 00:06:00.
  r = packet({0x43, 2, 0, 0, 0, 0, 0, 0, 100});
  EXPECT_EQ(std::vector<uint8_t>(r.data.begin() + 8, r.data.begin() + 12),
            (std::vector<uint8_t>{0, 0, 2, 0}));
  EXPECT_EQ(std::vector<uint8_t>(r.data.begin() + 16, r.data.end()),
            (std::vector<uint8_t>{0, 0, 6, 0}));
  // Starting at the lead-out.
  r = packet({0x43, 0, 0, 0, 0, 0, 0xAA, 0, 100});
  EXPECT_EQ(r.data.size(), 12u);
  // Format 1: session info.
  r = packet({0x43, 0, 1, 0, 0, 0, 0, 0, 12});
  ASSERT_EQ(r.data.size(), 12u);
  EXPECT_EQ(r.data[1], 10);
  EXPECT_EQ(r.data[6], 1);
  // Format 2: full TOC, four points.
  r = packet({0x43, 2, 2, 0, 0, 0, 0, 0, 255});
  ASSERT_EQ(r.data.size(), 4u + 4 * 11);
  EXPECT_EQ(r.data[4 + 3], 0xA0);
  EXPECT_EQ(r.data[4 + 22 + 3], 0xA2);
  EXPECT_EQ(r.data[4 + 22 + 9], 6);  // lead-out seconds
  // Format 0 asked the SFF-8020 way is the same; unknown formats fail.
  r = packet({0x43, 0, 5});
  EXPECT_EQ(r.status, 0x41);
  // A short allocation truncates.
  r = packet({0x43, 0, 0, 0, 0, 0, 0, 0, 4});
  EXPECT_EQ(r.data.size(), 4u);
}

TEST_F(AtapiTest, ModeSense) {
  auto r = packet({0x5A, 0, 0x2A, 0, 0, 0, 0, 0, 128});
  ASSERT_EQ(r.data.size(), 28u);
  EXPECT_EQ(r.data[1], 26);
  EXPECT_EQ(r.data[6] | r.data[7], 0) << "no block descriptors";
  EXPECT_EQ(r.data[8], 0x2A);
  EXPECT_EQ(r.data[9], 18);
  EXPECT_EQ(r.data[8 + 6] & 0x08, 0x08) << "eject supported";
  EXPECT_EQ(r.data[8 + 8] << 8 | r.data[8 + 9], 704);
  r = packet({0x5A, 0, 0x3F, 0, 0, 0, 0, 0, 255});
  EXPECT_EQ(r.data.size(), 8u + 12 + 8 + 20);
  r = packet({0x5A, 0, 0x40 | 0x2A, 0, 0, 0, 0, 0, 128});  // changeable
  ASSERT_EQ(r.data.size(), 28u);
  EXPECT_EQ(r.data[8 + 6], 0);
  r = packet({0x5A, 0, 0xC0 | 0x2A, 0, 0, 0, 0, 0, 128});  // saved
  EXPECT_EQ(r.status, 0x41);
  expect_sense(5, 0x39);
  r = packet({0x5A, 0, 0x05, 0, 0, 0, 0, 0, 128});  // write parameters: none
  EXPECT_EQ(r.status, 0x41);
  expect_sense(5, 0x24);
}

TEST_F(AtapiTest, GetConfigurationAndDiscInformation) {
  auto r = packet({0x46, 0, 0, 0, 0, 0, 0, 0, 255});
  ASSERT_GE(r.data.size(), 16u);
  EXPECT_EQ(r.data[6] << 8 | r.data[7], 0x0008) << "current profile CD-ROM";
  uint32_t len = uint32_t(r.data[0]) << 24 | r.data[1] << 16 | r.data[2] << 8 | r.data[3];
  EXPECT_EQ(len + 4, r.data.size());
  EXPECT_EQ(r.data[8] << 8 | r.data[9], 0x0000) << "profile list first";
  EXPECT_EQ(r.data[12] << 8 | r.data[13], 0x0008);
  // RT=2: just the core feature.
  r = packet({0x46, 2, 0, 1, 0, 0, 0, 0, 255});
  ASSERT_EQ(r.data.size(), 8u + 12);
  EXPECT_EQ(r.data[9], 0x01);
  EXPECT_EQ(r.data[15], 2) << "ATAPI interface";

  r = packet({0x51, 0, 0, 0, 0, 0, 0, 0, 34});
  ASSERT_EQ(r.data.size(), 34u);
  EXPECT_EQ(r.data[1], 32);
  EXPECT_EQ(r.data[2], 0x0E);
  EXPECT_EQ(r.data[6], 1);
}

TEST_F(AtapiTest, TrayLockEjectAndEvents) {
  auto event = [&] {
    auto r = packet({0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8});
    EXPECT_EQ(r.data.size(), 8u);
    return std::pair<int, int>(r.data[4], r.data[5]);
  };
  EXPECT_EQ(event(), std::make_pair(0, 2)) << "no event, medium present";
  // Asynchronous notification is not supported.
  EXPECT_EQ(packet({0x4A, 0, 0, 0, 0x10, 0, 0, 0, 8}).status, 0x41);

  EXPECT_EQ(packet({0x1E, 0, 0, 0, 1}).status, 0x50);  // lock
  EXPECT_TRUE(cd->locked());
  auto r = packet({0x1B, 0, 0, 0, 2});  // eject
  EXPECT_EQ(r.status, 0x41);
  expect_sense(5, 0x53, 2);
  EXPECT_EQ(packet({0x1E, 0, 0, 0, 0}).status, 0x50);  // unlock
  EXPECT_EQ(packet({0x1B, 0, 0, 0, 2}).status, 0x50);
  EXPECT_TRUE(cd->tray_open());
  EXPECT_EQ(event(), std::make_pair(3, 1)) << "media removal, tray open";
  r = packet({0x00});
  EXPECT_EQ(r.status, 0x41);
  EXPECT_EQ(r.error >> 4, 2);
  expect_sense(2, 0x3A, 2);
  EXPECT_EQ(packet({0x1B, 0, 0, 0, 3}).status, 0x50);  // load
  EXPECT_EQ(event(), std::make_pair(2, 2)) << "new media";
  EXPECT_EQ(event(), std::make_pair(0, 2));
  EXPECT_EQ(packet({0x00}).status, 0x50);
}

TEST_F(AtapiTest, HostChangesTheDisc) {
  cd->eject();
  EXPECT_FALSE(cd->has_medium());
  // The first command sees the unit attention, then NOT READY.
  auto r = packet({0x00});
  EXPECT_EQ(r.error >> 4, 6);
  r = packet({0x25});
  EXPECT_EQ(r.error >> 4, 2);
  expect_sense(2, 0x3A, 1);
  EXPECT_EQ(cd->capacity(), 0u);

  TempImage other(sector_pattern(50, kCdSector, 9));
  cd->insert(other.open(block::Access::ReadOnly));
  // INQUIRY runs through a pending unit attention.
  EXPECT_EQ(packet({0x12, 0, 0, 0, 36}).status, 0x50);
  EXPECT_EQ(packet({0x00}).error >> 4, 6);
  expect_sense(6, 0x28);
  EXPECT_EQ(packet({0x00}).status, 0x50);
  r = packet({0x25});
  EXPECT_EQ(r.data[3], 49);
  r = packet(read10(49, 1));
  EXPECT_EQ(r.data, other.read(49 * kCdSector, kCdSector));
}

TEST(AtapiEmpty, NoDiscIsNotReady) {
  IdeRig rig;
  rig.ch.attach(0, std::make_unique<AtapiCdrom>());
  EXPECT_EQ(rig.in8(5), 0xEB);
  auto r = send_packet(rig, {0x00});
  EXPECT_EQ(r.status, 0x41);
  EXPECT_EQ(r.error, 0x20);
  r = send_packet(rig, {0x03, 0, 0, 0, 18});
  ASSERT_EQ(r.data.size(), 18u);
  EXPECT_EQ(r.data[2], 2);
  EXPECT_EQ(r.data[12], 0x3A);
  EXPECT_EQ(r.data[13], 1);
  EXPECT_EQ(send_packet(rig, {0x25}).status, 0x41);
  EXPECT_EQ(send_packet(rig, {0x12, 0, 0, 0, 36}).data.size(), 36u);
  r = send_packet(rig, {0x5A, 0, 0x2A, 0, 0, 0, 0, 0, 128});
  ASSERT_EQ(r.data.size(), 28u);
  EXPECT_EQ(r.data[2], 0x70);
  r = send_packet(rig, {0x46, 0, 0, 0, 0, 0, 0, 0, 255});
  EXPECT_EQ(r.data[6] << 8 | r.data[7], 0);
}

TEST_F(AtapiTest, DeviceResetDuringDataPhase) {
  rig.select(0, 0);
  rig.out8(4, 0x00);
  rig.out8(5, 0x08);
  rig.command(0xA0);
  auto cdb = read10(0, 4);
  cdb.resize(12);
  rig.write_data(cdb.data(), 12);
  EXPECT_EQ(rig.status(), 0x58);
  rig.read_data(100);
  int before = rig.edges;
  rig.command(0x08);  // DEVICE RESET, accepted while DRQ
  EXPECT_EQ(rig.edges, before);
  EXPECT_EQ(rig.status(), 0x00);
  EXPECT_EQ(rig.in8(1), 0x01);
  EXPECT_EQ(rig.in8(4), 0x14);
  EXPECT_EQ(rig.in8(5), 0xEB);
  // Other commands are ignored while DRQ is set.
  rig.command(0xA0);
  auto r = packet({0x00});
  EXPECT_EQ(r.status, 0x50);
}

TEST(AtapiEmpty, UnreadableSectorIsAMediumError) {
  IdeRig rig;
  // 2048-byte sector 3 holds 512-byte sector 13.
  rig.ch.attach(0, std::make_unique<AtapiCdrom>(std::make_unique<FailingImage>(64, 13)));
  auto r = send_packet(rig, read10(2, 1));
  EXPECT_EQ(r.status, 0x50);
  r = send_packet(rig, read10(2, 2), 2048);
  EXPECT_EQ(r.blocks, (std::vector<uint32_t>{2048}));
  EXPECT_EQ(r.status, 0x41);
  EXPECT_EQ(r.error >> 4, 3);
  r = send_packet(rig, {0x03, 0, 0, 0, 18});
  EXPECT_EQ(r.data[2], 3);
  EXPECT_EQ(r.data[12], 0x11);
}

TEST(AtapiChannel, DiskAndCdSignaturesAfterSoftReset) {
  TempImage disk_file(sector_pattern(64));
  TempImage iso(sector_pattern(16, kCdSector));
  IdeRig rig;
  rig.ch.attach(0, std::make_unique<AtaDisk>(disk_file.open()));
  rig.ch.attach(1, std::make_unique<AtapiCdrom>(iso.open(block::Access::ReadOnly)));
  rig.control(0x06);  // SRST + nIEN
  rig.control(0x02);
  EXPECT_EQ(rig.status(), 0x50);
  EXPECT_EQ(rig.in8(4), 0x00);
  EXPECT_EQ(rig.in8(5), 0x00);
  rig.select(1, 0);
  EXPECT_EQ(rig.status(), 0x00);
  EXPECT_EQ(rig.in8(1), 0x01);
  EXPECT_EQ(rig.in8(2), 0x01);
  EXPECT_EQ(rig.in8(3), 0x01);
  EXPECT_EQ(rig.in8(4), 0x14);
  EXPECT_EQ(rig.in8(5), 0xEB);
  // Each device answers only when selected.
  rig.command(0xA1);
  EXPECT_EQ(rig.status(), 0x58);
  EXPECT_EQ(rig.read_data(2), (std::vector<uint8_t>{0xC0, 0x85}));
  rig.select(0, 0);  // ignored while the selected device has DRQ (ATA-6 5.2.6)
  EXPECT_EQ(rig.status(), 0x58);
  rig.read_data(510);
  rig.select(0, 0);
  EXPECT_EQ(rig.status(), 0x50);
  EXPECT_EQ(rig.in8(5), 0x00);
}

// A real ISO 9660 image from xorriso (when installed): the primary volume
// descriptor at sector 16 reads back through READ(10).
TEST(AtapiIso, PrimaryVolumeDescriptorOfARealIso) {
  if (std::system("command -v xorriso >/dev/null 2>&1") != 0) GTEST_SKIP() << "no xorriso";
  char dir[] = "/tmp/dynemu-iso-XXXXXX";
  ASSERT_TRUE(mkdtemp(dir));
  std::string d = dir;
  std::string cmd = "echo hello > " + d + "/HELLO.TXT && xorriso -as mkisofs -quiet -V DYNEMU -o " +
                    d + "/t.iso " + d + "/HELLO.TXT >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto img = block::RawImage::open(d + "/t.iso", block::Access::ReadOnly);
  ASSERT_TRUE(img);
  IdeRig rig;
  rig.ch.attach(0, std::make_unique<AtapiCdrom>(std::move(img).value()));
  rig.select(0, 0);
  rig.out8(4, 0x00);
  rig.out8(5, 0x08);
  rig.command(0xA0);
  auto cdb = read10(16, 1);
  cdb.resize(12);
  rig.write_data(cdb.data(), 12);
  ASSERT_EQ(rig.status(), 0x58);
  auto pvd = rig.read_data(2048);
  EXPECT_EQ(pvd[0], 1);
  EXPECT_EQ(std::string(pvd.begin() + 1, pvd.begin() + 6), "CD001");
  EXPECT_EQ(std::string(pvd.begin() + 40, pvd.begin() + 46), "DYNEMU");
  std::system(("rm -rf " + d).c_str());
}

}  // namespace
}  // namespace dynemu::hw::storage::test
