#pragma once

#include <array>
#include <cstdint>

#include "emulator/ir/types.h"

namespace dynemu::ir {

enum class Opcode : uint8_t {
#define OPCODE(id, name, res, a0, a1, a2, a3, imm, fx) id,
#include "emulator/ir/opcodes.inc"
#undef OPCODE
  Count
};
inline constexpr unsigned kNumOpcodes = static_cast<unsigned>(Opcode::Count);

// Shape of a result or argument slot.
enum class Slot : uint8_t {
  None,    // V: unused
  I32,     // required i32
  I64,     // required i64
  OptI32,  // O32: i32 or absent (reads as 0)
  Any,     // ANY: i32, i64 or absent (helper arguments)
  Dyn,     // DYN: result type decided by the called helper
};

// What Inst::imm and Inst::aux hold.
enum class ImmKind : uint8_t {
  NoImm,
  ImmU32,          // imm: constant
  ImmU64,          // imm: constant
  ImmGpr,          // imm: x86::Gpr
  ImmSeg,          // imm: x86::SegReg
  ImmStateOffset,  // imm: byte offset into x86::CpuState
  ImmBitField,     // imm: lsb | width << 8
  ImmSize,         // imm: operand size in bytes (1, 2, 4)
  ImmCcOp,         // imm: x86::CcOp
  ImmCond,         // imm: x86 condition 0..15
  ImmHelper,       // Inst::helper
  ImmEip,          // imm: guest EIP; aux: chain slot for direct exits
  ImmFault,        // aux: vector, imm: error code | fault address << 32
  ImmTrap,         // aux: vector, imm: EIP of the next instruction
};

// Effects of an op, for the verifier, optimizer and JIT.
enum Effect : uint16_t {
  kPure = 0,
  kReadsState = 1 << 0,  // CpuState other than cc
  kWritesState = 1 << 1,
  kReadsCc = 1 << 2,  // CpuState::cc (lazy flags)
  kWritesCc = 1 << 3,
  kReadsMem = 1 << 4,
  kWritesMem = 1 << 5,
  kMayRaise = 1 << 6,    // may raise a guest exception (precise: see InsnStart)
  kMayExit = 1 << 7,     // may leave the block (ExitIf)
  kTerminator = 1 << 8,  // always leaves the block; must be last
  // Helpers only: its CpuState writes leave what the block key depends on
  // (x86::system_block_mode, CS base) as the block found it, or
  // it sets GuestEnv::block_invalidated, so exec may chain the block's exits
  // (block_keeps_mode). The engines check that flag after a call that may
  // store (then leave at the next instruction boundary, no chained exit):
  // a helper that may set it declares kWritesMem too.
  kKeepsKey = 1 << 9,
};

// Inst::aux of SetState8/16/32: the translator declares that the write
// changes nothing the block key depends on (e.g. CLI, CLD, STD write only
// EFLAGS.IF/DF), so exec may chain the block's exits.
inline constexpr uint32_t kStateKeepsKey = 1;

struct OpInfo {
  const char* name;
  Slot result;
  std::array<Slot, 4> args;
  ImmKind imm;
  uint16_t effects;
};

namespace detail {
inline constexpr Slot V = Slot::None, I32 = Slot::I32, I64 = Slot::I64, O32 = Slot::OptI32,
                      ANY = Slot::Any, DYN = Slot::Dyn;
inline constexpr uint16_t PURE = kPure, RS = kReadsState, WS = kWritesState, RC = kReadsCc,
                          WC = kWritesCc, RM = kReadsMem, WM = kWritesMem, RAISE = kMayRaise,
                          EXIT = kMayExit, TERM = kTerminator;
using enum ImmKind;
inline constexpr OpInfo kOpInfo[] = {
#define OPCODE(id, name, res, a0, a1, a2, a3, imm, fx) {name, res, {a0, a1, a2, a3}, imm, fx},
#include "emulator/ir/opcodes.inc"
#undef OPCODE
};
}  // namespace detail

constexpr const OpInfo& op_info(Opcode op) {
  return detail::kOpInfo[static_cast<unsigned>(op)];
}
constexpr const char* op_name(Opcode op) {
  return op_info(op).name;
}

}  // namespace dynemu::ir
