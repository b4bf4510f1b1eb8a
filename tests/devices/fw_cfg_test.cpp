#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "emulator/mmu/phys_memory.h"
#include "hw/core/io_bus.h"
#include "hw/pc/fw_cfg.h"

namespace dynemu::pc {
namespace {

struct Fixture {
  hw::IoBus io;
  mmu::PhysMemory mem{1024 * 1024};
  FwCfg cfg{&mem};
  Fixture() {
    cfg.map_ports(io);
    cfg.reset();
  }
  void select(uint16_t key) { io.write(0x510, 2, key); }
  // insb from the data port, as SeaBIOS does without DMA.
  std::vector<uint8_t> read(size_t n) {
    std::vector<uint8_t> out;
    for (size_t i = 0; i < n; ++i) out.push_back(static_cast<uint8_t>(io.read(0x511, 1)));
    return out;
  }
  uint32_t read_be32() {
    auto b = read(4);
    return uint32_t{b[0]} << 24 | b[1] << 16 | b[2] << 8 | b[3];
  }
  void put_be(uint32_t at, uint64_t v, unsigned bytes) {
    for (unsigned i = 0; i < bytes; ++i) mem.ram()[at + i] = v >> (8 * (bytes - 1 - i));
  }
  uint32_t get_be32(uint32_t at) {
    const uint8_t* p = mem.ram() + at;
    return uint32_t{p[0]} << 24 | p[1] << 16 | p[2] << 8 | p[3];
  }
  // SeaBIOS's qemu_cfg_dma_transfer: the access struct, then its address
  // (big-endian) written with one outl to 0x518.
  uint32_t dma(uint32_t control, uint32_t length, uint32_t address) {
    constexpr uint32_t kAccess = 0x1000;
    put_be(kAccess, control, 4);
    put_be(kAccess + 4, length, 4);
    put_be(kAccess + 8, address, 8);
    io.write(0x518, 4, __builtin_bswap32(kAccess));
    return get_be32(kAccess);
  }
};

TEST(FwCfg, SignatureAndIdAsSeaBiosReadsThem) {
  Fixture f;
  f.select(FwCfg::kSignature);
  EXPECT_EQ(f.read(5), (std::vector<uint8_t>{'Q', 'E', 'M', 'U', 0}));  // past the end: 0
  f.select(FwCfg::kSignature);                                          // selecting rewinds
  EXPECT_EQ(f.io.read(0x510, 1), 'Q');  // the selector port reads data too
  EXPECT_EQ(f.io.read(0x511, 1), 'E');
  EXPECT_EQ(f.io.read(0x511, 2), 0u);  // wide reads: 0, nothing consumed
  EXPECT_EQ(f.io.read(0x510, 2), 0u);
  EXPECT_EQ(f.io.read(0x511, 1), 'M');
  f.select(FwCfg::kId);
  EXPECT_EQ(f.read(4), (std::vector<uint8_t>{3, 0, 0, 0}));  // traditional + DMA
  // A byte write is not a selection.
  f.io.write(0x510, 4, 0x00);  // dword writes do not select either
  f.io.write(0x510, 1, 0x00);
  EXPECT_EQ(f.cfg.selector(), FwCfg::kId);
  EXPECT_EQ(f.read(1)[0], 0);
  // The DMA register reads "QEMU CFG".
  std::string sig;
  for (int i = 0; i < 8; ++i) sig.push_back(static_cast<char>(f.io.read(0x514 + i, 1)));
  EXPECT_EQ(sig, "QEMU CFG");
  EXPECT_EQ(f.io.read(0x514, 4), 0x554d4551u);
}

TEST(FwCfg, NumericItemsAreLittleEndian) {
  Fixture f;
  f.cfg.set_ram_size(0x4000000);
  f.cfg.set_cpus(1, 4);
  f.cfg.set_boot_menu(true);
  f.cfg.set_nographic(true);
  f.select(FwCfg::kRamSize);
  EXPECT_EQ(f.read(8), (std::vector<uint8_t>{0, 0, 0, 4, 0, 0, 0, 0}));
  f.select(FwCfg::kNbCpus);
  EXPECT_EQ(f.read(2), (std::vector<uint8_t>{1, 0}));
  f.select(FwCfg::kMaxCpus);
  EXPECT_EQ(f.read(2), (std::vector<uint8_t>{4, 0}));
  f.select(FwCfg::kBootMenu);
  EXPECT_EQ(f.read(2), (std::vector<uint8_t>{1, 0}));
  f.select(FwCfg::kNoGraphic);
  EXPECT_EQ(f.read(2), (std::vector<uint8_t>{1, 0}));
  f.select(FwCfg::kIrq0Override);
  EXPECT_EQ(f.read(4), (std::vector<uint8_t>{1, 0, 0, 0}));
  f.select(FwCfg::kNuma);
  EXPECT_EQ(f.read(8 * 5 + 1), std::vector<uint8_t>(41, 0));
  f.cfg.set_cmdline(0x20000, "console=ttyS0");
  f.select(FwCfg::kCmdlineSize);
  EXPECT_EQ(f.read(4), (std::vector<uint8_t>{14, 0, 0, 0}));
  f.select(FwCfg::kCmdlineData);
  auto s = f.read(14);
  EXPECT_EQ(std::string(s.begin(), s.end()), std::string("console=ttyS0\0", 14));
  f.select(0x7777);  // unknown: zeros
  EXPECT_EQ(f.read(2), (std::vector<uint8_t>{0, 0}));
}

TEST(FwCfg, FileDirectoryByteByByte) {
  Fixture f;
  const uint16_t sercon = f.cfg.add_file("etc/sercon-port", {0xf8, 0x03});
  f.cfg.add_file("bootorder", {'/', 'x', '\n'});
  f.cfg.add_file("etc/e820", std::vector<uint8_t>(40, 0x11));
  f.cfg.add_file("bootorder", {'/', 'y', '\n', 0});  // replaces, keeps its selector
  EXPECT_EQ(sercon, 0x20);

  // SeaBIOS: select 0x19, a big-endian count, then 64-byte entries.
  f.select(FwCfg::kFileDir);
  const uint32_t count = f.read_be32();
  ASSERT_EQ(count, 3u);
  struct Entry {
    uint32_t size;
    uint16_t select;
    std::string name;
  };
  std::vector<Entry> dir;
  for (uint32_t i = 0; i < count; ++i) {
    auto e = f.read(64);
    Entry d;
    d.size = uint32_t{e[0]} << 24 | e[1] << 16 | e[2] << 8 | e[3];
    d.select = static_cast<uint16_t>(e[4] << 8 | e[5]);
    EXPECT_EQ(e[6] | e[7], 0);
    d.name = reinterpret_cast<const char*>(&e[8]);
    dir.push_back(d);
  }
  EXPECT_EQ(dir[0].name, "bootorder");  // sorted by name
  EXPECT_EQ(dir[0].size, 4u);
  EXPECT_EQ(dir[0].select, 0x21);
  EXPECT_EQ(dir[1].name, "etc/e820");
  EXPECT_EQ(dir[1].size, 40u);
  EXPECT_EQ(dir[2].name, "etc/sercon-port");
  EXPECT_EQ(dir[2].select, 0x20);
  f.select(dir[2].select);
  EXPECT_EQ(f.read(3), (std::vector<uint8_t>{0xf8, 0x03, 0}));
  f.select(dir[0].select);
  EXPECT_EQ(f.read(4), (std::vector<uint8_t>{'/', 'y', '\n', 0}));
}

TEST(FwCfg, IntegerFilesAndE820Encoding) {
  Fixture f;
  f.cfg.add_file_int("etc/boot-fail-wait", 5000, 4);
  EXPECT_EQ(*f.cfg.file("etc/boot-fail-wait"), (std::vector<uint8_t>{0x88, 0x13, 0, 0}));
  const FwCfg::E820Entry map[] = {{0, 0x9fc00, 1}, {0xfffc0000, 0x40000, 2}};
  const auto e820 = FwCfg::encode_e820(map);
  ASSERT_EQ(e820.size(), 40u);
  EXPECT_EQ(e820[0], 0u);
  EXPECT_EQ(e820[8], 0x00u);  // length 0x9fc00, little-endian
  EXPECT_EQ(e820[9], 0xfcu);
  EXPECT_EQ(e820[10], 0x09u);
  EXPECT_EQ(e820[16], 1u);  // type RAM
  EXPECT_EQ(e820[20 + 2], 0xfcu);
  EXPECT_EQ(e820[20 + 3], 0xffu);
  EXPECT_EQ(e820[36], 2u);
  EXPECT_EQ(f.cfg.file("nothing"), nullptr);
}

TEST(FwCfg, DmaReadSkipAndErrors) {
  Fixture f;
  std::vector<uint8_t> e820(48);
  for (size_t i = 0; i < e820.size(); ++i) e820[i] = static_cast<uint8_t>(i + 1);
  const uint16_t key = f.cfg.add_file("etc/e820", e820);

  // Select + read in one go, as qemu_cfg_read_entry does.
  std::memset(f.mem.ram() + 0x2000, 0xcc, 64);
  EXPECT_EQ(f.dma(uint32_t{key} << 16 | FwCfg::kDmaSelect | FwCfg::kDmaRead, 48, 0x2000), 0u);
  EXPECT_EQ(std::memcmp(f.mem.ram() + 0x2000, e820.data(), 48), 0);
  EXPECT_EQ(f.mem.ram()[0x2030], 0xcc);
  // The ID through DMA, as SeaBIOS detects the feature.
  EXPECT_EQ(f.dma(FwCfg::kId << 16 | FwCfg::kDmaSelect | FwCfg::kDmaRead, 4, 0x2100), 0u);
  EXPECT_EQ(f.mem.ram()[0x2100], 3);
  // Skip then read continues from the offset; past the end reads zeros.
  f.select(key);
  EXPECT_EQ(f.dma(FwCfg::kDmaSkip, 40, 0), 0u);
  EXPECT_EQ(f.dma(FwCfg::kDmaRead, 12, 0x2000), 0u);
  EXPECT_EQ(f.mem.ram()[0x2000], 41);
  EXPECT_EQ(f.mem.ram()[0x2007], 48);
  EXPECT_EQ(f.mem.ram()[0x2008], 0);
  EXPECT_EQ(f.mem.ram()[0x200b], 0);
  // The data port continues where DMA left off.
  f.select(key);
  EXPECT_EQ(f.dma(FwCfg::kDmaSkip, 2, 0), 0u);
  EXPECT_EQ(f.io.read(0x511, 1), 3u);
  // Nothing is writable.
  EXPECT_EQ(f.dma(uint32_t{key} << 16 | FwCfg::kDmaSelect | FwCfg::kDmaWrite, 4, 0x2000),
            FwCfg::kDmaError);
  // A 64-bit address: high half at 0x514, then the low half starts it.
  f.put_be(0x3000, uint32_t{FwCfg::kSignature} << 16 | FwCfg::kDmaSelect | FwCfg::kDmaRead, 4);
  f.put_be(0x3004, 4, 4);
  f.put_be(0x3008, 0x2200, 8);
  f.io.write(0x514, 4, 0);
  f.io.write(0x518, 4, __builtin_bswap32(0x3000));
  EXPECT_EQ(f.get_be32(0x3000), 0u);
  EXPECT_EQ(std::memcmp(f.mem.ram() + 0x2200, "QEMU", 4), 0);
}

TEST(FwCfg, WithoutDma) {
  hw::IoBus io;
  FwCfg cfg(nullptr, FwCfg::Dma::Disabled);
  cfg.map_ports(io);
  io.write(0x510, 2, FwCfg::kId);
  EXPECT_EQ(io.read(0x511, 1), 1u);  // traditional interface only
  EXPECT_EQ(io.read(0x514, 1), 0xffu);
}

}  // namespace
}  // namespace dynemu::pc
