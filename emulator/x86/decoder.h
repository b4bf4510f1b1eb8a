#pragma once

#include <cstddef>
#include <cstdint>

#include "emulator/x86/insn.h"

namespace dynemu::x86 {

enum class DecodeStatus : uint8_t {
  Ok,
  Invalid,   // no such instruction on a Pentium Pro: #UD
  TooLong,   // more than 15 bytes: #GP(0)
  NeedMore,  // `avail` ended before the instruction did (the caller fetches
             // the next page, or raises #PF there)
};

enum class CodeSize : uint8_t { Bits16, Bits32 };  // CS.D (default operand/address size)

// Decodes the instruction at `bytes` (with `avail` readable bytes; at most
// 15 are looked at) located at offset `eip` in CS. On Ok fills `out`.
DecodeStatus decode(const uint8_t* bytes, size_t avail, uint32_t eip, CodeSize code_size,
                    Insn& out);

}  // namespace dynemu::x86
