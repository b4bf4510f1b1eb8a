#pragma once

#include <cstdint>
#include <string>

#include "emulator/core/result.h"
#include "emulator/user/guest_space.h"

namespace dynemu::user {

// One ELF32 image placed in guest memory.
struct LoadedImage {
  uint32_t bias = 0;   // load address minus link address (0 for ET_EXEC)
  uint32_t entry = 0;  // e_entry + bias
  uint32_t phdr = 0;   // guest address of the program headers (AT_PHDR)
  uint32_t phnum = 0;
  uint32_t end = 0;  // end of the highest segment (the brk starts above it)
  bool exec_stack = false;
  bool has_gnu_stack = false;  // PT_GNU_STACK present
  std::string interp;          // PT_INTERP path, empty for static programs
};

// A program and its dynamic loader, ready for the initial stack.
struct LoadedProgram {
  LoadedImage main;
  bool has_interp = false;
  LoadedImage interp;
  uint32_t entry = 0;  // where execution starts: the interpreter's entry if any
};

// Where a PIE main program is placed (what Linux used for 32-bit PIE before
// ELF_ET_DYN_BASE moved; any free address works).
inline constexpr uint32_t kPieBase = 0x56555000;

// Whether `path` starts with a valid ELF32 i386 header (for execve: programs
// that are not are run by the host directly).
bool is_elf32_i386(const std::string& path);

// Loads `path` (a host path) and, if it names one, its PT_INTERP looked up
// under `sysroot` first. Errors read like "Exec format error" or strerror().
Result<LoadedProgram> load_program(GuestSpace& space, const std::string& path,
                                   const std::string& sysroot);

// Loads one image. ET_DYN images go to `dyn_base` when non-zero, else to a
// free range found top-down.
Result<LoadedImage> load_image(GuestSpace& space, const std::string& path, uint32_t dyn_base);

}  // namespace dynemu::user
