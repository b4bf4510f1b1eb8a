#pragma once

#include <cstdint>
#include <vector>

#include "tests/unit/x86_native/harness.h"

namespace dynemu::x86::native {

// `count` single random instructions (ALU, shifts and rotates, MUL/IMUL,
// DIV/IDIV with #DE, BCD, bit ops, CMOVcc, SETcc, XADD, CMPXCHG, BSWAP,
// flag ops, string ops under REP prefixes; register and [ebx+disp8] memory
// forms, 16- and 32-bit operand sizes), each often followed by a flag
// reader (SETcc, CMOVcc, ADC, SBB, LAHF, Jcc), with random registers and
// flags. Deterministic in `seed`.
std::vector<Case> single_instruction_cases(uint32_t seed, int count);

}  // namespace dynemu::x86::native
