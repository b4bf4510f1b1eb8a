#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "emulator/core/result.h"
#include "emulator/user/elf_loader.h"
#include "emulator/user/guest_space.h"

namespace dynemu::user {

// Auxiliary vector types (elf.h) that the loader emits.
enum AuxType : uint32_t {
  kAtNull = 0,
  kAtPhdr = 3,
  kAtPhent = 4,
  kAtPhnum = 5,
  kAtPagesz = 6,
  kAtBase = 7,
  kAtFlags = 8,
  kAtEntry = 9,
  kAtUid = 11,
  kAtEuid = 12,
  kAtGid = 13,
  kAtEgid = 14,
  kAtPlatform = 15,
  kAtHwcap = 16,
  kAtClktck = 17,
  kAtSecure = 23,
  kAtRandom = 25,
  kAtHwcap2 = 26,
  kAtExecfn = 31,
};

struct StackImage {
  std::vector<std::string> argv;
  std::vector<std::string> envp;
  std::string execfn;  // AT_EXECFN: the path the program was started by
  std::array<uint8_t, 16> random{};
  // AT_HWCAP: CPUID.1:EDX of the emulated CPU (glibc and ld.so choose
  // code paths from it, so it must agree with CPUID).
  uint32_t hwcap = 0;
  uint32_t uid = 0, euid = 0, gid = 0, egid = 0;
  bool secure = false;
};

struct AuxEntry {
  uint32_t type, value;
};

// The auxv for a loaded program, in the kernel's order; AT_PLATFORM,
// AT_RANDOM and AT_EXECFN point at the strings the stack builder placed.
std::vector<AuxEntry> make_auxv(const LoadedProgram& prog, const StackImage& img, uint32_t platform,
                                uint32_t random, uint32_t execfn);

// Writes the initial process stack below `top` as Linux's create_elf_tables
// does (strings at the top, then platform string, random bytes, then argc,
// argv[], NULL, envp[], NULL, auxv) and returns the initial ESP, 16-byte
// aligned and pointing at argc.
Result<uint32_t> build_initial_stack(GuestSpace& space, uint32_t top, const StackImage& img,
                                     const LoadedProgram& prog);

}  // namespace dynemu::user
