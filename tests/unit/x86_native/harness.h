#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "emulator/core/result.h"
#include "emulator/exec/cpu.h"

// Runs generated i386 code natively (native_runner, a gcc -m32 process) and
// on dynemu's CPU loop (exec::Cpu: translator, optimizer, block cache,
// chaining, and the interpreter or JIT), in the same memory layout
// (layout.h), and prints both results the same way so they compare as text.
namespace dynemu::x86::native {

struct Case {
  std::vector<uint8_t> code;  // run at X86N_CODE; falls off its end to finish
  uint32_t regs[8] = {};      // ESP ignored (X86N_STACK_TOP)
  uint32_t eflags = 0x202;
  uint32_t code_bytes = 0;  // bytes of instructions before data (jump tables); 0: all
  uint32_t seed = 0;        // what generated it, for the failure message
};

// "eax ecx edx ebx esp ebp esi edi flags data-sum stack-sum", "fault SIG" or "timeout".
using Outcome = std::string;

// The native runner's results, one per case, in order.
Result<std::vector<Outcome>> run_native(const std::string& runner, const std::vector<Case>& cases);

// One case natively with its final data area and stack page (for a diff).
struct Detailed {
  Outcome outcome;
  std::vector<uint8_t> memory;  // X86N_DATA_SIZE data bytes, then the 4 KiB stack page
};
Result<Detailed> run_native_detailed(const std::string& runner, const Case& c);

// One exec::Cpu for many cases (each new case's code invalidates the
// previous translations, as an mmap over code would). A case that runs
// longer than 5 seconds is stopped and reported as "timeout".
class Emulator {
 public:
  explicit Emulator(exec::Engine engine);
  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  Outcome run(const Case& c);
  // After run(): the data area and stack page, as in Detailed::memory.
  std::vector<uint8_t> memory() const;
  // The CPU's counters over all cases run so far.
  const exec::CpuStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// The case for a failure message: seed, registers, flags, the code's hex
// bytes and an Intel-syntax listing (Zydis, independent of our decoder).
std::string describe(const Case& c);

// Up to `max` lines "address: native xx emulated yy" where memories differ.
std::string memory_diff(const std::vector<uint8_t>& native, const std::vector<uint8_t>& emulated,
                        unsigned max = 16);

}  // namespace dynemu::x86::native
