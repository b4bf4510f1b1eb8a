#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "emulator/ir/helper.h"
#include "emulator/ir/opcodes.h"
#include "emulator/ir/types.h"

namespace dynemu::ir {

// One IR instruction. Straight-line: control leaves only through exits.
struct Inst {
  Opcode op = Opcode::Const32;
  Value dst;                    // the temp it defines (invalid if none)
  std::array<Value, 4> args{};  // invalid = absent
  uint64_t imm = 0;             // see ImmKind of the op
  uint32_t aux = 0;
  const HelperInfo* helper = nullptr;  // Call only
};

// Mode flags a block was translated for; part of the cache key, so a block
// runs only in the mode it was made for.
enum BlockMode : uint32_t {
  kMode32BitCode = 1u << 0,   // CS.D: default operand/address size 32
  kMode32BitStack = 1u << 1,  // SS.B: ESP rather than SP
  kModeFlatSegs = 1u << 2,    // CS, DS, ES, SS have base 0 (no segment adds needed)
  kModeProtected = 1u << 3,   // CR0.PE
  kModeVm86 = 1u << 4,        // EFLAGS.VM
  // Bits 5-6: CPL 0-3 (user mode runs at CPL 3). System-mode memory
  // accesses pick the TLB set by it (supervisor or user).
  kModeCplShift = 5,
  kModeCplMask = 3u << kModeCplShift,
  // System mode: privileged instructions are legal at CPL 0, memory goes
  // through the MMU, I/O through the SystemBus.
  kModeSystem = 1u << 7,
};
inline constexpr uint32_t mode_cpl(uint32_t mode) {
  return (mode & kModeCplMask) >> kModeCplShift;
}

// A translated block: the guest code at [linear_start, linear_start +
// guest_bytes) lowered to IR. It starts at guest EIP `start_eip` (an offset
// in CS; linear_start = cs_base + start_eip) and ends with a terminator.
struct Block {
  uint32_t start_eip = 0;
  uint32_t cs_base = 0;
  uint32_t mode = 0;         // BlockMode bits
  uint32_t guest_bytes = 0;  // guest code bytes covered (for SMC page tracking)
  uint32_t num_insns = 0;    // guest instructions (InsnStart count)
  std::vector<Inst> insts;
  std::vector<Type> temp_types;  // by Value::id

  uint32_t linear_start() const { return cs_base + start_eip; }
  Type type_of(Value v) const { return v.valid() ? temp_types[v.id] : Type::Void; }
  // Number of direct exits (ExitIf and ExitJump), numbered 0.. in Inst::aux.
  uint32_t num_direct_exits = 0;
};

}  // namespace dynemu::ir
