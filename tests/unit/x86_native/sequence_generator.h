#pragma once

#include <cstdint>

#include "tests/unit/x86_native/harness.h"

namespace dynemu::x86::native {

// A random program of many instructions, deterministic in `seed`, that
// terminates and never faults on a real CPU: register and memory forms of
// ALU, shift, bit, multiply/divide, flag, move, exchange (XCHG, XADD,
// CMPXCHG, CMPXCHG8B), string (with REP and DF), stack (PUSH/POP of
// registers, memory, flags, PUSHA/POPA) and LEA instructions; memory
// operands in every ModRM/SIB form (base, base+disp8/32, base+index*scale+
// disp, index*scale+disp32, [disp32], [esp+disp]) with sizes 8/16/32 inside a
// scratch data area. With `branches`: forward and backward Jcc on every
// condition, loops on memory counters, LOOP/LOOPE/LOOPNE, JECXZ, SETcc/
// CMOVcc, CALL/RET (RET imm16) to subroutines directly, through a register
// and through a table in memory, ENTER/LEAVE frames, and indirect JMP
// through a table or a register chosen by CMOVcc.
Case generate_sequence(uint32_t seed, bool branches);

}  // namespace dynemu::x86::native
