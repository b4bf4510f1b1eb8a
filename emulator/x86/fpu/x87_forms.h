#pragma once

#include <cstdint>

namespace dynemu::x86::fpu {

// What an x87 memory operand holds.
enum class X87Operand : uint8_t {
  None,    // register form
  M16int,  // also the 16-bit control and status words
  M32int,
  M64int,
  M32fp,
  M64fp,
  M80fp,
  M80bcd,
  Env,    // FLDENV/FNSTENV image: 14 or 28 bytes
  State,  // FRSTOR/FNSAVE image: 94 or 108 bytes
};

// Columns of x87_forms.inc.
enum X87Flag : uint16_t {
  kX87Valid = 1u << 0,
  kX87Waiting = 1u << 1,    // raises a pending #MF before it executes
  kX87Control = 1u << 2,    // leaves FIP/FCS/FOP/FDP/FDS alone
  kX87Load = 1u << 3,       // reads its memory operand
  kX87Store = 1u << 4,      // writes its memory operand
  kX87EnvImage = 1u << 5,   // operand size depends on operand size and mode
  kX87Eflags = 1u << 6,     // FCMOVcc reads, FCOMI/FUCOMI(P) write EFLAGS
  kX87WritesAx = 1u << 7,   // FNSTSW AX
  kX87Undefined = 1u << 8,  // encodes an instruction the guest CPU lacks: #UD
};

struct X87Form {
  const char* mnemonic = nullptr;
  const char* syntax = "";  // register forms: operand syntax ("st,st(i)", "st(i)", "ax" or "")
  X87Operand operand = X87Operand::None;
  uint16_t flags = 0;

  constexpr bool valid() const { return (flags & kX87Valid) && !(flags & kX87Undefined); }
  constexpr bool has(X87Flag f) const { return (flags & f) != 0; }
};

namespace detail {
inline constexpr uint16_t W = kX87Waiting, C = kX87Control, L = kX87Load, S = kX87Store,
                          E = kX87EnvImage, F = kX87Eflags, A = kX87WritesAx, U = kX87Undefined;
using enum X87Operand;
}  // namespace detail

// The memory form `op /reg` (op in D8..DF). Invalid encodings have flags 0.
constexpr X87Form x87_mem_form(uint8_t op, uint8_t reg) {
  using namespace detail;
#define X87_MEM(o, r, name, operand, fl) \
  if (op == (o) && reg == (r)) return X87Form{name, "", operand, uint16_t((fl) | kX87Valid)};
#define X87_REG(o, lo, hi, name, syn, fl)
#include "emulator/x86/fpu/x87_forms.inc"
#undef X87_MEM
#undef X87_REG
  return {};
}

// The register form `op modrm` (modrm >= 0xC0).
constexpr X87Form x87_reg_form(uint8_t op, uint8_t modrm) {
  using namespace detail;
#define X87_MEM(o, r, name, operand, fl)
#define X87_REG(o, lo, hi, name, syn, fl)          \
  if (op == (o) && modrm >= (lo) && modrm <= (hi)) \
    return X87Form{name, syn, X87Operand::None, uint16_t((fl) | kX87Valid)};
#include "emulator/x86/fpu/x87_forms.inc"
#undef X87_MEM
#undef X87_REG
  return {};
}

namespace detail {
// Every form, precomputed: the row scans above are for compile time, this
// is the run-time lookup (the helper does one per guest instruction).
struct X87FormTables {
  X87Form reg[8][64] = {};
  X87Form mem[8][8] = {};
};
constexpr X87FormTables make_form_tables() {
  X87FormTables t;
  for (unsigned op = 0; op < 8; ++op) {
    for (unsigned m = 0; m < 64; ++m)
      t.reg[op][m] = x87_reg_form(uint8_t(0xd8 + op), uint8_t(0xc0 + m));
    for (unsigned r = 0; r < 8; ++r) t.mem[op][r] = x87_mem_form(uint8_t(0xd8 + op), uint8_t(r));
  }
  return t;
}
inline constexpr X87FormTables kX87FormTables = make_form_tables();
}  // namespace detail

// The form of `op modrm` (op in D8..DF), register or memory.
constexpr X87Form x87_form(uint8_t op, uint8_t modrm) {
  const unsigned o = (op - 0xd8) & 7;
  return modrm >= 0xc0 ? detail::kX87FormTables.reg[o][modrm - 0xc0]
                       : detail::kX87FormTables.mem[o][(modrm >> 3) & 7];
}

// Guest operand-size and mode details that change an image's layout.
enum class X87ImageFormat : uint8_t { Protected32, Protected16, Real32, Real16 };

// Bytes the memory operand occupies in guest memory.
constexpr unsigned x87_operand_bytes(X87Operand operand, X87ImageFormat format) {
  const bool small = format == X87ImageFormat::Protected16 || format == X87ImageFormat::Real16;
  switch (operand) {
    case X87Operand::None: return 0;
    case X87Operand::M16int: return 2;
    case X87Operand::M32int: return 4;
    case X87Operand::M32fp: return 4;
    case X87Operand::M64int: return 8;
    case X87Operand::M64fp: return 8;
    case X87Operand::M80fp: return 10;
    case X87Operand::M80bcd: return 10;
    case X87Operand::Env: return small ? 14 : 28;
    case X87Operand::State: return small ? 94 : 108;
  }
  return 0;
}

}  // namespace dynemu::x86::fpu
