#pragma once

#include <cstdint>

#include "emulator/x86/cpu_state.h"

namespace dynemu::x86 {

// Lazy condition codes (CpuState::cc). A flag-setting instruction records
// which operation produced the flags (CcOp) and up to three operands; the six
// arithmetic flags (CF PF AF ZF SF OF) are computed only when read, exactly
// as THIS host CPU computes them, including the flags the SDM calls
// undefined (tests/unit/lazy_flags_test.cpp runs the real instructions).
//
// One row per operation kind; each exists in three sizes (8, 16, 32 bits),
// e.g. CcOp::Add8, CcOp::Add16, CcOp::Add32. Operand values are the guest
// values zero-extended to 32 bits (bits above the size are ignored).
//
//  kind   dst          src                     src2
//  Add    result       source operand          -
//  Adc    result       source operand          carry in (0/1)
//  Sub    result       source operand          -            (also CMP, CMPXCHG)
//  Sbb    result       source operand          borrow in (0/1)
//  Logic  result       -                       -            (AND OR XOR TEST)
//  Inc    result       -                       old CF (0/1), preserved
//  Dec    result       -                       old CF (0/1), preserved
//  Neg    result       -                       -
//  Shl    result       original value          count (already masked to 5 bits, != 0)
//  Shr    result       original value          count (masked, != 0)
//  Sar    result       original value          count (masked, != 0)
//  Rol    result       old EFLAGS (materialized) count (masked, != 0)
//  Ror    result       old EFLAGS              count (masked, != 0)
//  Rcl    result       old EFLAGS, but bit 0 = the NEW CF   count (masked, != 0)
//  Rcr    result       old EFLAGS, but bit 0 = the NEW CF   count (masked, != 0)
//  Shld   result       original destination    count (masked, != 0)
//  Shrd   result       original destination    count (masked, != 0)
//  Mul    low half     high half               old EFLAGS   (unsigned MUL)
//  Imul   low half     high half               old EFLAGS   (all IMUL forms)
//  Bsf    destination after the insn   source operand  -   (BSF/BSR)
//  Bt     tested bit (0/1)  old EFLAGS         -            (BT BTS BTR BTC)
//  Div    -            old EFLAGS              -            (DIV IDIV, when no #DE)
//
// "old EFLAGS" is the materialized EFLAGS before the instruction
// (Builder::eflags()): this host (AMD) leaves SF ZF AF PF unchanged on
// MUL/IMUL and all but CF on BT*, so they must be carried along. DIV/IDIV
// (flags all undefined in the SDM) here keep CF and OF, set AF and clear
// SF ZF PF.
//
// A shift or rotate whose count (after masking to 5 bits) is 0 leaves all
// flags unchanged: the translator then must not set cc (the IR's SetCcIf
// does this for variable counts). RCL/RCR with a nonzero count that is a
// multiple of 9 (8-bit) or 17 (16-bit) still set OF on this host: set cc
// with the unchanged CF in bit 0 of src. 16-bit SHLD/SHRD with a count of
// 17..31 (SDM: undefined) rotate the SOURCE by count - 16 here, CF = 0;
// the flags then follow from the result with the rows above.
//
// Size-less kinds:
//  Eflags: the flags are already materialized: src holds them (only the six
//          arithmetic bits are used). Used by POPF, SAHF, helpers (BCD ops).
#define DYNEMU_CC_KINDS(X) \
  X(Add)                   \
  X(Adc)                   \
  X(Sub)                   \
  X(Sbb)                   \
  X(Logic)                 \
  X(Inc)                   \
  X(Dec)                   \
  X(Neg)                   \
  X(Shl)                   \
  X(Shr)                   \
  X(Sar)                   \
  X(Rol)                   \
  X(Ror)                   \
  X(Rcl)                   \
  X(Rcr)                   \
  X(Shld)                  \
  X(Shrd)                  \
  X(Mul)                   \
  X(Imul)                  \
  X(Bsf)                   \
  X(Bt)                    \
  X(Div)

enum class CcKind : uint8_t {
#define X(k) k,
  DYNEMU_CC_KINDS(X)
#undef X
      Count
};

// CcOp = kind * 3 + size index (0: 8-bit, 1: 16-bit, 2: 32-bit); Eflags last.
enum class CcOp : uint32_t {
#define X(k) k##8, k##16, k##32,
  DYNEMU_CC_KINDS(X)
#undef X
      Eflags,
  Count
};

// The CcOp of `kind` at operand size `bytes` (1, 2 or 4).
constexpr CcOp cc_op(CcKind kind, unsigned bytes) {
  const unsigned size_index = bytes == 1 ? 0 : bytes == 2 ? 1 : 2;
  return static_cast<CcOp>(static_cast<unsigned>(kind) * 3 + size_index);
}
constexpr CcKind cc_kind(CcOp op) {
  return static_cast<CcKind>(static_cast<unsigned>(op) / 3);
}
// Operand size in bytes of a sized CcOp.
constexpr unsigned cc_size(CcOp op) {
  return 1u << (static_cast<unsigned>(op) % 3);
}

// Readable name, e.g. "add32", "eflags" (IR printer, -d op). Inline so
// that emulator/ir can print CcOps without linking emulator_x86.
inline const char* cc_op_name(CcOp op) {
  static constexpr const char* kNames[] = {
#define X(k) #k "8", #k "16", #k "32",
      DYNEMU_CC_KINDS(X)
#undef X
          "Eflags",
  };
  const auto i = static_cast<unsigned>(op);
  return i < static_cast<unsigned>(CcOp::Count) ? kNames[i] : "?";
}

// Condition codes in the x86 encoding (the low nibble of Jcc/SETcc/CMOVcc).
enum Cond : uint8_t {
  kCondO,
  kCondNO,
  kCondB,
  kCondNB,
  kCondZ,
  kCondNZ,
  kCondBE,
  kCondNBE,
  kCondS,
  kCondNS,
  kCondP,
  kCondNP,
  kCondL,
  kCondNL,
  kCondLE,
  kCondNLE,
};

// The six arithmetic flags (kArithFlags bits) of a lazy state.
uint32_t materialize_flags(const LazyFlags& cc);

// Whether condition `cond` (0..15) holds for a lazy state. Common
// (op, cond) pairs are computed without materializing all flags.
bool eval_cond(const LazyFlags& cc, unsigned cond);

// Full architectural EFLAGS: the stored bits plus the materialized
// arithmetic flags from the lazy state.
uint32_t read_eflags(const CpuState& s);

// Sets all of EFLAGS (e.g. POPF, sigreturn); the lazy state then holds the
// arithmetic flags verbatim. Reserved bit 1 stays set.
void write_eflags(CpuState& s, uint32_t value);

}  // namespace dynemu::x86
