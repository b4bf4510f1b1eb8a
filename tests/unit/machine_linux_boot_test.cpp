// Direct Linux boot (hw/pc/linux_boot): setup header checks, where things
// land in RAM, the zero page and the CPU state at the 32-bit entry.
#include "hw/pc/linux_boot.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace dynemu::hw::pc {
namespace {

uint32_t rd(const std::vector<uint8_t>& b, size_t off, unsigned n) {
  uint32_t v = 0;
  for (unsigned i = 0; i < n; ++i) v |= uint32_t(b.at(off + i)) << (8 * i);
  return v;
}
void wr(std::vector<uint8_t>& b, size_t off, uint32_t v, unsigned n) {
  for (unsigned i = 0; i < n; ++i) b.at(off + i) = uint8_t(v >> (8 * i));
}

// A bzImage with protocol `version`, 2 setup sectors and `payload` bytes of
// protected-mode kernel (filled with a pattern).
std::vector<uint8_t> fake_bzimage(uint16_t version = 0x20f, size_t payload = 8192) {
  std::vector<uint8_t> img(3 * 512 + payload, 0);
  img[0x1f1] = 2;                             // setup_sects
  wr(img, 0x1f4, uint32_t(payload / 16), 4);  // syssize
  wr(img, 0x1fe, 0xaa55, 2);
  img[0x200] = 0xeb;
  img[0x201] = 0x6a;  // header ends at 0x26c
  std::memcpy(&img[0x202], "HdrS", 4);
  wr(img, 0x206, version, 2);
  img[0x211] = 0x01;              // LOADED_HIGH
  wr(img, 0x214, 0x100000, 4);    // code32_start
  wr(img, 0x22c, 0x37ffffff, 4);  // initrd_addr_max
  wr(img, 0x238, 2047, 4);        // cmdline_size
  wr(img, 0x260, 0x200000, 4);    // init_size: 2 MiB
  for (size_t i = 0; i < payload; ++i) img[3 * 512 + i] = uint8_t(i * 7 + 1);
  return img;
}

struct Ram {
  std::vector<uint8_t> bytes;
  explicit Ram(uint32_t size) : bytes(size, 0xcc) {}
  PhysWriter writer() {
    return [this](uint32_t phys, std::span<const uint8_t> b) {
      ASSERT_LE(uint64_t(phys) + b.size(), bytes.size());
      std::copy(b.begin(), b.end(), bytes.begin() + phys);
    };
  }
};

TEST(LinuxBoot, ParsesSetupHeader) {
  auto h = parse_setup_header(fake_bzimage());
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ(h.value().version, 0x20f);
  EXPECT_EQ(h.value().setup_sects, 2);
  EXPECT_EQ(h.value().kernel_offset, 3u * 512);
  EXPECT_EQ(h.value().header_end, 0x26cu);
  EXPECT_EQ(h.value().code32_start, 0x100000u);
  EXPECT_EQ(h.value().initrd_addr_max, 0x37ffffffu);
  EXPECT_EQ(h.value().cmdline_size, 2047u);
  EXPECT_EQ(h.value().init_size, 0x200000u);
}

TEST(LinuxBoot, RejectsWhatIsNotABzImage) {
  std::vector<uint8_t> junk(4096, 0x90);
  EXPECT_NE(parse_setup_header(junk).error().message.find("HdrS"), std::string::npos);
  EXPECT_NE(parse_setup_header(fake_bzimage(0x202)).error().message.find("too old"),
            std::string::npos);
  auto zimage = fake_bzimage();
  zimage[0x211] = 0;
  EXPECT_NE(parse_setup_header(zimage).error().message.find("zImage"), std::string::npos);
  auto truncated = fake_bzimage();
  truncated[0x1f1] = 60;
  EXPECT_FALSE(parse_setup_header(truncated).ok());
}

TEST(LinuxBoot, LoadsKernelInitrdCmdlineAndZeroPage) {
  const uint32_t ram_size = 16u << 20;
  Ram ram(ram_size);
  const auto kernel = fake_bzimage();
  std::vector<uint8_t> initrd(10000);
  for (size_t i = 0; i < initrd.size(); ++i) initrd[i] = uint8_t(i ^ 0x5a);
  auto r = load_linux(kernel, initrd, "console=ttyS0 quiet", ram_size, ram.writer());
  ASSERT_TRUE(r.ok()) << r.error().message;
  const LinuxBootLayout& l = r.value();

  // Kernel: the protected-mode part at 1 MiB.
  EXPECT_EQ(l.kernel, 0x100000u);
  EXPECT_TRUE(std::equal(kernel.begin() + 3 * 512, kernel.end(), ram.bytes.begin() + 0x100000));
  // Initrd: page aligned, ending as close to the top of RAM as alignment allows.
  EXPECT_EQ(l.initrd % 4096, 0u);
  EXPECT_LE(l.initrd + initrd.size(), ram_size);
  EXPECT_GT(l.initrd + initrd.size() + 4096, ram_size);
  EXPECT_TRUE(std::equal(initrd.begin(), initrd.end(), ram.bytes.begin() + l.initrd));
  // Command line, NUL-terminated.
  EXPECT_STREQ(reinterpret_cast<const char*>(&ram.bytes[l.cmdline]), "console=ttyS0 quiet");

  // Zero page: the setup header copied in, and the loader's fields.
  std::vector<uint8_t> zp(ram.bytes.begin() + l.boot_params,
                          ram.bytes.begin() + l.boot_params + 4096);
  EXPECT_TRUE(std::equal(kernel.begin() + 0x1f1, kernel.begin() + 0x210, zp.begin() + 0x1f1));
  EXPECT_EQ(rd(zp, 0x202, 4), 0x53726448u);
  EXPECT_EQ(zp[0x210], 0xff);  // type_of_loader
  EXPECT_EQ(rd(zp, 0x228, 4), l.cmdline);
  EXPECT_EQ(rd(zp, 0x218, 4), l.initrd);
  EXPECT_EQ(rd(zp, 0x21c, 4), initrd.size());
  EXPECT_EQ(zp[0x1ef], 0);  // sentinel: the kernel trusts the fields above
  EXPECT_EQ(zp[0x06], 3);   // 80x25 colour text
  EXPECT_EQ(zp[0x07], 80);
  EXPECT_EQ(zp[0x0e], 25);
  EXPECT_EQ(rd(zp, 0x1e0, 4), (ram_size >> 10) - 1024);  // alt_mem_k
  // e820: RAM below 640K, reserved to 1 MiB, RAM above.
  ASSERT_GE(zp[0x1e8], 3);
  auto entry = [&](int i, unsigned field) { return rd(zp, 0x2d0 + 20 * i + field, 4); };
  EXPECT_EQ(entry(0, 0), 0u);
  EXPECT_EQ(entry(0, 8), 0x9fc00u);
  EXPECT_EQ(entry(0, 16), 1u);
  EXPECT_EQ(entry(1, 0), 0x9fc00u);
  EXPECT_EQ(entry(1, 0) + entry(1, 8), 0x100000u);
  EXPECT_EQ(entry(1, 16), 2u);
  EXPECT_EQ(entry(2, 0), 0x100000u);
  EXPECT_EQ(entry(2, 8), ram_size - 0x100000);
  EXPECT_EQ(entry(2, 16), 1u);

  // GDT: flat code at 0x10, flat data at 0x18.
  EXPECT_EQ(rd(ram.bytes, l.gdt + 0x10, 4), 0x0000ffffu);
  EXPECT_EQ(rd(ram.bytes, l.gdt + 0x14, 4), 0x00cf9b00u);
  EXPECT_EQ(rd(ram.bytes, l.gdt + 0x18, 4), 0x0000ffffu);
  EXPECT_EQ(rd(ram.bytes, l.gdt + 0x1c, 4), 0x00cf9300u);
}

TEST(LinuxBoot, InitrdStaysBelowInitrdAddrMax) {
  const uint32_t ram_size = 64u << 20;
  Ram ram(ram_size);
  auto kernel = fake_bzimage();
  wr(kernel, 0x22c, (32u << 20) - 1, 4);
  std::vector<uint8_t> initrd(5000, 1);
  auto r = load_linux(kernel, initrd, "", ram_size, ram.writer());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_LE(r.value().initrd + initrd.size(), 32u << 20);
  EXPECT_EQ(r.value().initrd, (32u << 20) - 8192);
}

TEST(LinuxBoot, ErrorsForTooLittleRamAndLongCommandLines) {
  Ram ram(4u << 20);
  const auto kernel = fake_bzimage();
  std::vector<uint8_t> big(3u << 20, 0);
  auto r = load_linux(kernel, big, "", 4u << 20, ram.writer());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("-initrd"), std::string::npos);
  EXPECT_FALSE(
      load_linux(kernel, {}, "", 2u << 20, ram.writer()).ok());  // init_size 2 MiB at 1 MiB
  EXPECT_NE(load_linux(kernel, {}, std::string(3000, 'x'), 4u << 20, ram.writer())
                .error()
                .message.find("-append"),
            std::string::npos);
}

TEST(LinuxBoot, EntersFlatProtectedMode) {
  LinuxBootLayout l;
  l.boot_params = 0x10000;
  l.gdt = 0x11000;
  l.entry = 0x100000;
  x86::CpuState s;
  s.gpr[x86::kEbx] = s.gpr[x86::kEbp] = s.gpr[x86::kEdi] = 0x1234;
  s.eflags = 0x202;
  enter_linux(l, s);
  EXPECT_EQ(s.eip, 0x100000u);
  EXPECT_EQ(s.gpr[x86::kEsi], 0x10000u);
  EXPECT_EQ(s.gpr[x86::kEbx] | s.gpr[x86::kEbp] | s.gpr[x86::kEdi], 0u);
  EXPECT_EQ(s.eflags & x86::kIF, 0u);
  EXPECT_EQ(s.cr[0] & 0x80000001u, 1u);  // PE on, PG off
  EXPECT_EQ(s.gdtr.base, 0x11000u);
  EXPECT_EQ(s.gdtr.limit, 0x1f);
  EXPECT_EQ(s.seg[x86::kCs].selector, 0x10);
  EXPECT_EQ(s.seg[x86::kCs].limit, 0xffffffffu);
  EXPECT_EQ(s.seg[x86::kCs].flags, 0xc09bu);
  for (int seg : {x86::kDs, x86::kEs, x86::kSs}) {
    EXPECT_EQ(s.seg[seg].selector, 0x18);
    EXPECT_EQ(s.seg[seg].base, 0u);
    EXPECT_EQ(s.seg[seg].limit, 0xffffffffu);
    EXPECT_EQ(s.seg[seg].flags, 0xc093u);
  }
}

// Debian's i386 kernel, when scripts/mkguest has cached it.
TEST(LinuxBoot, DebianKernel) {
  const char* home = std::getenv("HOME");
  const std::string path = std::string(home ? home : "") + "/.cache/dynemu/guests/vmlinuz";
  std::ifstream f(path, std::ios::binary);
  if (!f) GTEST_SKIP() << path << " not cached (scripts/mkguest builds it)";
  std::vector<uint8_t> kernel((std::istreambuf_iterator<char>(f)),
                              std::istreambuf_iterator<char>());
  auto h = parse_setup_header(kernel);
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_GE(h.value().version, 0x20f);
  EXPECT_EQ(h.value().code32_start, 0x100000u);
  EXPECT_GT(h.value().init_size, kernel.size());
  const uint32_t ram_size = 64u << 20;
  Ram ram(ram_size);
  std::vector<uint8_t> initrd(1u << 20, 0x42);
  auto r = load_linux(kernel, initrd, "console=ttyS0", ram_size, ram.writer());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_GE(r.value().initrd, 0x100000u + h.value().init_size);
  EXPECT_EQ(rd(ram.bytes, r.value().boot_params + 0x202, 4), 0x53726448u);
  // 4 MiB cannot hold the decompressed kernel.
  EXPECT_FALSE(load_linux(kernel, initrd, "", 4u << 20, ram.writer()).ok());
}

}  // namespace
}  // namespace dynemu::hw::pc
