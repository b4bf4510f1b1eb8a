#include "hw/pc/linux_boot.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace dynemu::hw::pc {

namespace {

uint32_t le(std::span<const uint8_t> b, size_t off, unsigned bytes) {
  uint32_t v = 0;
  for (unsigned i = 0; i < bytes; ++i) v |= uint32_t(b[off + i]) << (8 * i);
  return v;
}

void put(std::vector<uint8_t>& b, size_t off, uint64_t v, unsigned bytes) {
  for (unsigned i = 0; i < bytes; ++i) b[off + i] = uint8_t(v >> (8 * i));
}

constexpr uint8_t kLoadedHigh = 0x01;  // loadflags: protected-mode code at 0x100000

// boot_params (arch/x86/include/uapi/asm/bootparam.h, zero-page.rst).
constexpr size_t kZeroPageSize = 4096;
constexpr size_t kOrigVideoMode = 0x06, kOrigVideoCols = 0x07, kOrigVideoLines = 0x0e,
                 kOrigVideoIsVga = 0x0f, kOrigVideoPoints = 0x10, kExtMemK = 0x02;
constexpr size_t kAltMemK = 0x1e0, kE820Entries = 0x1e8, kE820Table = 0x2d0;
constexpr size_t kTypeOfLoader = 0x210, kRamdiskImage = 0x218, kRamdiskSize = 0x21c,
                 kHeapEndPtr = 0x224, kCmdLinePtr = 0x228;
constexpr uint32_t kE820Ram = 1, kE820Reserved = 2;

}  // namespace

Result<SetupHeader> parse_setup_header(std::span<const uint8_t> image) {
  if (image.size() < 0x264 || le(image, 0x202, 4) != 0x53726448 /* "HdrS" */)
    return Error{"not a Linux bzImage (no \"HdrS\" boot header)"};
  SetupHeader h;
  h.version = uint16_t(le(image, 0x206, 2));
  if (h.version < 0x203)
    return Error{"Linux boot protocol " + std::to_string(h.version >> 8) + "." +
                 std::to_string(h.version & 0xff) + " is too old (2.03 or later needed)"};
  h.setup_sects = image[0x1f1];
  h.syssize = le(image, 0x1f4, 4);
  h.loadflags = image[0x211];
  if (!(h.loadflags & kLoadedHigh))
    return Error{"a zImage (loaded below 1 MiB) cannot be booted, only a bzImage"};
  h.code32_start = le(image, 0x214, 4);
  h.initrd_addr_max = le(image, 0x22c, 4);
  h.cmdline_size = h.version >= 0x206 ? le(image, 0x238, 4) : 255;
  h.init_size = h.version >= 0x20a ? le(image, 0x260, 4) : 0;
  h.header_end = 0x202 + image[0x201];  // the jump at 0x200 skips the header
  const unsigned sects = h.setup_sects ? h.setup_sects : 4;
  h.kernel_offset = (sects + 1) * 512;
  if (h.kernel_offset >= image.size() || h.header_end > h.kernel_offset)
    return Error{"bzImage is truncated (setup_sects " + std::to_string(sects) + ")"};
  return h;
}

Result<LinuxBootLayout> load_linux(std::span<const uint8_t> kernel, std::span<const uint8_t> initrd,
                                   const std::string& cmdline, uint32_t ram_bytes,
                                   const PhysWriter& write) {
  const SetupHeader h = TRY(parse_setup_header(kernel));
  LinuxBootLayout l;
  l.boot_params = kBootParamsAddr;
  l.gdt = kBootGdtAddr;
  l.cmdline = kBootCmdlineAddr;
  l.kernel = kKernelLoadAddr;
  l.entry = h.code32_start;

  const auto pm = kernel.subspan(h.kernel_offset);
  // The kernel decompresses itself in place and needs init_size bytes from
  // its load address (older headers: assume 4x the compressed size).
  const uint64_t kernel_end =
      uint64_t(l.kernel) + std::max<uint64_t>(h.init_size, uint64_t(pm.size()) * 4);
  if (kernel_end > ram_bytes)
    return Error{"-kernel: the kernel needs " + std::to_string((kernel_end + 0xfffff) >> 20) +
                 " MiB of RAM, the machine has " + std::to_string(ram_bytes >> 20) + " MiB"};
  if (cmdline.size() > h.cmdline_size)
    return Error{"-append: command line of " + std::to_string(cmdline.size()) +
                 " bytes, the kernel accepts at most " + std::to_string(h.cmdline_size)};

  if (!initrd.empty()) {
    // As high as the kernel and RAM allow, page aligned.
    const uint64_t top = std::min<uint64_t>(uint64_t(h.initrd_addr_max) + 1, ram_bytes);
    const uint64_t base = top >= initrd.size() ? (top - initrd.size()) & ~uint64_t(0xfff) : 0;
    if (top < initrd.size() || base < kernel_end)
      return Error{"-initrd: initrd of " + std::to_string(initrd.size() >> 10) +
                   " KiB does not fit in RAM above the kernel (need more -m)"};
    l.initrd = uint32_t(base);
    l.initrd_size = uint32_t(initrd.size());
  }

  // The zero page: the setup header as the image has it, plus what a boot
  // loader fills in.
  std::vector<uint8_t> zp(kZeroPageSize, 0);
  std::copy(kernel.begin() + 0x1f1, kernel.begin() + h.header_end, zp.begin() + 0x1f1);
  zp[kTypeOfLoader] = 0xff;  // undefined loader
  put(zp, kCmdLinePtr, l.cmdline, 4);
  put(zp, kRamdiskImage, l.initrd, 4);
  put(zp, kRamdiskSize, l.initrd_size, 4);
  put(zp, kHeapEndPtr, 0, 2);
  // No BIOS ran: describe an 80x25 colour VGA text console so that vgacon
  // (tty0) has a screen; the VGA's legacy window at 0xb8000 is always there.
  zp[kOrigVideoMode] = 3;
  zp[kOrigVideoCols] = 80;
  zp[kOrigVideoLines] = 25;
  zp[kOrigVideoIsVga] = 1;
  put(zp, kOrigVideoPoints, 16, 2);
  const uint32_t ext_kb = (ram_bytes - 0x100000) >> 10;
  put(zp, kExtMemK, std::min<uint32_t>(ext_kb, 0xffff), 2);
  put(zp, kAltMemK, ext_kb, 4);
  // e820: conventional RAM, the VGA/ROM hole, extended RAM.
  struct E820 {
    uint64_t addr, size;
    uint32_t type;
  };
  const E820 map[] = {{0, 0x9fc00, kE820Ram},
                      {0x9fc00, 0x100000 - 0x9fc00, kE820Reserved},
                      {0x100000, uint64_t(ram_bytes) - 0x100000, kE820Ram},
                      {0xfffc0000, 0x40000, kE820Reserved}};  // the BIOS ROM below 4 GiB
  zp[kE820Entries] = uint8_t(std::size(map));
  for (size_t i = 0; i < std::size(map); ++i) {
    put(zp, kE820Table + 20 * i, map[i].addr, 8);
    put(zp, kE820Table + 20 * i + 8, map[i].size, 8);
    put(zp, kE820Table + 20 * i + 16, map[i].type, 4);
  }

  // GDT: null, null, __BOOT_CS (flat 4 GiB execute/read), __BOOT_DS (flat read/write).
  std::vector<uint8_t> gdt(32, 0);
  put(gdt, kBootCs, 0x00cf9b000000ffffull, 8);
  put(gdt, kBootDs, 0x00cf93000000ffffull, 8);

  std::vector<uint8_t> cmd(cmdline.begin(), cmdline.end());
  cmd.push_back(0);

  write(l.kernel, pm);
  if (!initrd.empty()) write(l.initrd, initrd);
  write(l.cmdline, cmd);
  write(l.gdt, gdt);
  write(l.boot_params, zp);
  return l;
}

void enter_linux(const LinuxBootLayout& layout, x86::CpuState& cpu) {
  // Descriptor-cache flags are bits 8..23 of the descriptor's high dword,
  // shifted down by 8:
  // P, DPL 0, S, type; D/B and G set.
  constexpr uint32_t kCodeFlags = 0xc09b, kDataFlags = 0xc093;
  for (int s = 0; s < 6; ++s) {
    const bool code = s == x86::kCs;
    cpu.seg[s] =
        x86::SegmentCache{code ? kBootCs : kBootDs, 0, 0xffffffff, code ? kCodeFlags : kDataFlags};
  }
  cpu.gdtr = x86::DescriptorTable{layout.gdt, 0x1f};
  cpu.idtr = x86::DescriptorTable{0, 0};
  cpu.cr[0] = 0x11;  // PE, ET; paging and caches as the kernel sets them later
  cpu.cr[2] = cpu.cr[3] = cpu.cr[4] = 0;
  cpu.eflags = 0x2;  // IF = 0
  for (uint32_t& r : cpu.gpr) r = 0;
  cpu.gpr[x86::kEsi] = layout.boot_params;
  // The protocol leaves ESP undefined; a stack below the zero page keeps a
  // stray push harmless.
  cpu.gpr[x86::kEsp] = layout.boot_params;
  cpu.eip = layout.entry;
}

}  // namespace dynemu::hw::pc
