#pragma once

#include <cstdint>

namespace dynemu::x86 {

// What an instruction does; one value per translator method (ops.inc and
// the X87_OP rows of decode_x87.inc).
enum class Op : uint16_t {
#define OP(name, mnemonic) name,
#define X87_OP(name, mnemonic) name,
#define X87_MEM(...)
#define X87_REG(...)
#define X87_ONE(...)
#include "emulator/x86/ops.inc"
  X87First_,
#include "emulator/x86/decode_x87.inc"
  X87Last_,
#undef OP
#undef X87_OP
#undef X87_MEM
#undef X87_REG
#undef X87_ONE
};

// The x87 hook (translate_x87.h) owns these.
constexpr bool is_x87(Op op) {
  return (op > Op::X87First_ && op < Op::X87Last_) || op == Op::Fwait || op == Op::Fxsave ||
         op == Op::Fxrstor;
}

const char* op_mnemonic(Op op);

enum class OperandKind : uint8_t {
  None,
  Reg,     // general register; size 1 uses AL CL DL BL AH CH DH BH numbering
  Seg,     // segment register (SegReg numbering)
  Mem,     // the instruction's memory operand, Insn::mem
  Imm,     // immediate in `value` (already sign- or zero-extended to `size`)
  Rel,     // branch target: absolute EIP in `value` (wrapped to 16 bits for o16)
  Far,     // ptr16:16/32 immediate: offset in `value`, selector in `sel`
  Cr,      // control register
  Dr,      // debug register
  St,      // x87 stack register ST(reg)
  StrSrc,  // string source DS:eSI (segment overridable: Insn::mem.seg)
  StrDst,  // string destination ES:eDI (never overridden)
};

struct Operand {
  OperandKind kind = OperandKind::None;
  uint8_t size = 0;  // bytes accessed (0 for LEA/INVLPG's M, which is not accessed)
  uint8_t reg = 0;
  uint16_t sel = 0;
  uint32_t value = 0;
};

// ModRM/SIB/moffs memory reference; the effective address is
// base + (index << scale) + disp, truncated to the address size.
struct MemRef {
  int8_t base = -1;   // Gpr or -1
  int8_t index = -1;  // Gpr or -1
  uint8_t scale = 0;  // shift 0..3
  uint8_t seg = 3;    // effective segment (SegReg), override applied
  uint32_t disp = 0;
};

enum Prefix : uint8_t {
  kPrefixLock = 1u << 0,
  kPrefixRep = 1u << 1,    // F3 (REP/REPE)
  kPrefixRepne = 1u << 2,  // F2
  kPrefixOpSize = 1u << 3,
  kPrefixAddrSize = 1u << 4,
  kPrefixSeg = 1u << 5,  // a segment override is present (MemRef::seg has it)
};

// One decoded instruction.
struct Insn {
  Op op = Op::Invalid;
  uint8_t length = 0;
  uint8_t opsize = 4;    // operand size in bytes: 2 or 4
  uint8_t addrsize = 4;  // address size in bytes: 2 or 4
  uint8_t prefixes = 0;  // Prefix bits
  uint8_t cond = 0;      // condition (low opcode nibble) of Jcc/SETcc/CMOVcc
  uint8_t modrm = 0;
  uint8_t num_operands = 0;
  uint16_t opcode = 0;  // 0x00-0xff one-byte map, 0x0f00-0x0fff two-byte map
  uint32_t eip = 0;     // offset of the first byte (in CS)
  Operand operands[3];
  MemRef mem;

  uint32_t next_eip() const { return eip + length; }
  bool has(Prefix p) const { return (prefixes & p) != 0; }
  bool has_mem() const {
    for (unsigned i = 0; i < num_operands; ++i)
      if (operands[i].kind == OperandKind::Mem) return true;
    return false;
  }
  // Operand size in bits (16 or 32).
  unsigned osize_bits() const { return opsize * 8u; }
};

}  // namespace dynemu::x86
