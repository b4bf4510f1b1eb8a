#pragma once

#include <string>

#include "emulator/x86/insn.h"

namespace dynemu::x86 {

// The mnemonic alone, with size and condition suffixes resolved
// ("cwde", "jnz", "movsb", "pushfd"), in Zydis' spelling.
std::string mnemonic(const Insn& insn);

// Intel-syntax text of one instruction, e.g. "lock add dword ptr fs:[eax+ecx*4+0x10], 0x1",
// for `-d in_asm`. Branch targets are absolute.
std::string disassemble(const Insn& insn);

}  // namespace dynemu::x86
