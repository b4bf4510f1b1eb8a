#pragma once

#include <cstdint>

#include "emulator/ir/helper.h"
#include "emulator/ir/opcodes.h"
#include "emulator/x86/cpu_state.h"
#include "emulator/x86/fpu/x87_forms.h"

namespace dynemu::x86::fpu {

// One x87 instruction as the translator describes it to the helper, packed
// into a single helper argument.
struct X87Insn {
  uint8_t op = 0;     // D8..DF; 0x9B for FWAIT; 0xAE for FXSAVE/FXRSTOR (0F AE /0 /1)
  uint8_t modrm = 0;  // the guest's ModRM byte (memory forms: as encoded)
  X87ImageFormat format = X87ImageFormat::Protected32;
  uint8_t segment = kDs;  // segment of the memory operand (for FDS)

  constexpr uint32_t pack() const {
    return op | uint32_t(modrm) << 8 | uint32_t(format) << 16 | uint32_t(segment) << 24;
  }
  static constexpr X87Insn unpack(uint32_t v) {
    return {uint8_t(v), uint8_t(v >> 8), X87ImageFormat(uint8_t(v >> 16)), uint8_t(v >> 24)};
  }
};

// What translated code does after the helper returns.
enum X87Outcome : uint32_t {
  kX87Done = 0,      // finished; perform the operand store if the form has one
  kX87NoStore = 1,   // finished, but an unmasked exception suppressed the store
  kX87RaiseUd = 6,   // raise #UD at this instruction (nothing changed)
  kX87RaiseNm = 7,   // raise #NM: CR0.EM or CR0.TS (the OS's lazy FPU switching)
  kX87RaiseMf = 16,  // raise #MF at this instruction: an unmasked exception was pending
  kX87RaiseGp = 13,  // raise #GP(0): misaligned FXSAVE/FXRSTOR operand
};

// Executes one x87 instruction (or FWAIT, FXSAVE, FXRSTOR) on the guest
// state: the guest's registers, control and status words are loaded into the
// host's x87 unit, the same instruction runs there, and the result comes
// back, so values, rounding and flags are the hardware's.
//   eip: offset of the instruction (for FIP); ea: offset of its memory
//   operand (for FDP), whose bytes are staged in cpu.fpu.operand.
// FCMOVcc reads and FCOMI writes the guest EFLAGS through read_eflags /
// write_eflags; FNSTSW AX writes AX.
uint32_t x87_execute(CpuState& cpu, uint32_t packed_insn, uint32_t eip, uint32_t ea);

// The IR helper for one x87 instruction: (X87Insn::pack(), eip, ea) ->
// 0, or 1 when an unmasked exception suppressed the operand store; #UD,
// #NM, #MF and #GP are raised into env. Two registrations of the same
// function so that only FCMOVcc and FCOMI/FUCOMI(P) tell the optimizer they
// touch the lazy flags. The x64 JIT runs the common forms inline
// (emulator/backend/x64/emit_x87.cpp) and recognizes calls by these.
uint64_t x87_helper(ir::GuestEnv& env, uint64_t insn, uint64_t eip, uint64_t ea, uint64_t);
inline constexpr uint16_t kX87Effects = ir::kReadsState | ir::kWritesState | ir::kMayRaise;
inline constexpr ir::HelperInfo kX87Helper{"x87", &x87_helper, ir::Type::I32, 3, kX87Effects};
inline constexpr ir::HelperInfo kX87FlagsHelper{"x87_eflags", &x87_helper, ir::Type::I32, 3,
                                                kX87Effects | ir::kReadsCc | ir::kWritesCc};

// CR0 bits that make x87 instructions fault (SDM vol. 3, 2.5, table 2-2).
inline constexpr uint32_t kCr0Mp = 1u << 1, kCr0Em = 1u << 2, kCr0Ts = 1u << 3;

}  // namespace dynemu::x86::fpu
