#pragma once

// Direct Linux boot through the 32-bit boot protocol
// (Documentation/arch/x86/boot.rst, "32-bit boot protocol"): the kernel's
// protected-mode part at 1 MiB, the initrd high, the command line and a zero
// page (struct boot_params), then the CPU enters code32_start in flat
// protected mode. The BIOS does not run at all.

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "emulator/core/result.h"
#include "emulator/x86/cpu_state.h"

namespace dynemu::hw::pc {

// The fields of a bzImage's setup header the loader needs (offsets from the
// start of the file / of the zero page).
struct SetupHeader {
  uint8_t setup_sects = 0;       // 0x1f1 (0 means 4)
  uint32_t syssize = 0;          // 0x1f4, in 16-byte paragraphs
  uint16_t version = 0;          // 0x206
  uint8_t loadflags = 0;         // 0x211
  uint32_t code32_start = 0;     // 0x214
  uint32_t initrd_addr_max = 0;  // 0x22c (highest address the initrd may occupy)
  uint32_t cmdline_size = 0;     // 0x238 (2.06+; 255 before), without the NUL
  uint32_t init_size = 0;        // 0x260 (2.10+): memory the kernel needs from its load address
  uint32_t header_end = 0;       // file offset just past the setup header
  uint32_t kernel_offset = 0;    // file offset of the protected-mode kernel
};

Result<SetupHeader> parse_setup_header(std::span<const uint8_t> image);

// Where the loader put things (physical addresses), for the CPU and tests.
struct LinuxBootLayout {
  uint32_t boot_params = 0;
  uint32_t gdt = 0;
  uint32_t cmdline = 0;
  uint32_t kernel = 0;  // load address of the protected-mode part
  uint32_t initrd = 0;  // 0 without an initrd
  uint32_t initrd_size = 0;
  uint32_t entry = 0;  // code32_start
};

// Physical memory writes (RAM only; the board passes PhysMemory::write).
using PhysWriter = std::function<void(uint32_t phys, std::span<const uint8_t> bytes)>;

inline constexpr uint32_t kBootParamsAddr = 0x10000;
inline constexpr uint32_t kBootGdtAddr = 0x11000;
inline constexpr uint32_t kBootCmdlineAddr = 0x20000;
inline constexpr uint32_t kKernelLoadAddr = 0x100000;
inline constexpr uint16_t kBootCs = 0x10;  // __BOOT_CS
inline constexpr uint16_t kBootDs = 0x18;  // __BOOT_DS

// Checks the image and writes kernel, initrd (may be empty), command line,
// zero page and GDT into guest RAM of `ram_bytes` bytes.
Result<LinuxBootLayout> load_linux(std::span<const uint8_t> kernel, std::span<const uint8_t> initrd,
                                   const std::string& cmdline, uint32_t ram_bytes,
                                   const PhysWriter& write);

// The CPU state at the kernel's 32-bit entry: flat 4 GiB __BOOT_CS/__BOOT_DS
// from the GDT the loader wrote, CR0.PE=1 with paging off, IF=0,
// ESI = boot_params, EBP = EDI = EBX = 0, EIP = code32_start. Applied on top
// of the power-on state (exec::Cpu::reset).
void enter_linux(const LinuxBootLayout& layout, x86::CpuState& cpu);

}  // namespace dynemu::hw::pc
