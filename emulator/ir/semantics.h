#pragma once

#include <bit>
#include <cstdint>
#include <optional>

#include "emulator/ir/opcodes.h"

namespace dynemu::ir {

// The reference meaning of every PURE op (opcodes.inc): the interpreter
// executes exactly this and constant folding evaluates exactly this, so the
// two cannot drift. Temps are held as uint64_t; an i32 value is always
// zero-extended (bits 32..63 clear).
//
// Ops with effects (state, memory, flags, exits) have their meaning in
// emulator/interp/interpreter.cpp.
template <Opcode kOp>
constexpr uint64_t pure_op(uint64_t a, uint64_t b, uint64_t c, uint64_t imm) {
  const auto a32 = static_cast<uint32_t>(a), b32 = static_cast<uint32_t>(b);
  const auto c32 = static_cast<uint32_t>(c);
  using enum Opcode;
  if constexpr (kOp == Const32)
    return static_cast<uint32_t>(imm);
  else if constexpr (kOp == Const64)
    return imm;
  else if constexpr (kOp == Extract) {
    const unsigned lsb = imm & 0xff, width = (imm >> 8) & 0xff;
    const uint32_t mask = width >= 32 ? ~0u : (1u << width) - 1;
    return (a32 >> lsb) & mask;
  } else if constexpr (kOp == Deposit) {
    const unsigned lsb = imm & 0xff, width = (imm >> 8) & 0xff;
    const uint32_t mask = (width >= 32 ? ~0u : (1u << width) - 1) << lsb;
    return (a32 & ~mask) | ((b32 << lsb) & mask);
  } else if constexpr (kOp == Add)
    return uint32_t(a32 + b32);
  else if constexpr (kOp == Lea)
    return uint32_t(a32 + (b32 << (imm & 3)) + static_cast<uint32_t>(imm >> 32));
  else if constexpr (kOp == Sub)
    return uint32_t(a32 - b32);
  else if constexpr (kOp == And)
    return a32 & b32;
  else if constexpr (kOp == Or)
    return a32 | b32;
  else if constexpr (kOp == Xor)
    return a32 ^ b32;
  else if constexpr (kOp == Shl)
    return uint32_t(a32 << (b32 & 31));
  else if constexpr (kOp == Shr)
    return a32 >> (b32 & 31);
  else if constexpr (kOp == Sar)
    return uint32_t(static_cast<int32_t>(a32) >> (b32 & 31));
  else if constexpr (kOp == Rol)
    return std::rotl(a32, static_cast<int>(b32 & 31));
  else if constexpr (kOp == Ror)
    return std::rotr(a32, static_cast<int>(b32 & 31));
  else if constexpr (kOp == Mul)
    return uint32_t(a32 * b32);
  else if constexpr (kOp == MulHiU)
    return uint32_t((uint64_t{a32} * b32) >> 32);
  else if constexpr (kOp == MulHiS)
    return uint32_t(uint64_t(int64_t{static_cast<int32_t>(a32)} * static_cast<int32_t>(b32)) >> 32);
  else if constexpr (kOp == Neg)
    return uint32_t(0u - a32);
  else if constexpr (kOp == Not)
    return uint32_t(~a32);
  else if constexpr (kOp == Zext8)
    return a32 & 0xff;
  else if constexpr (kOp == Zext16)
    return a32 & 0xffff;
  else if constexpr (kOp == Sext8)
    return uint32_t(int32_t(int8_t(a32)));
  else if constexpr (kOp == Sext16)
    return uint32_t(int32_t(int16_t(a32)));
  else if constexpr (kOp == Bswap)
    return __builtin_bswap32(a32);  // std::byteswap is C++23
  else if constexpr (kOp == Ctz)
    return uint32_t(std::countr_zero(a32));
  else if constexpr (kOp == Clz)
    return uint32_t(std::countl_zero(a32));
  else if constexpr (kOp == Eq)
    return a32 == b32;
  else if constexpr (kOp == Ne)
    return a32 != b32;
  else if constexpr (kOp == LtU)
    return a32 < b32;
  else if constexpr (kOp == LeU)
    return a32 <= b32;
  else if constexpr (kOp == LtS)
    return static_cast<int32_t>(a32) < static_cast<int32_t>(b32);
  else if constexpr (kOp == LeS)
    return static_cast<int32_t>(a32) <= static_cast<int32_t>(b32);
  else if constexpr (kOp == Select)
    return a32 ? b32 : c32;
  else if constexpr (kOp == Pack64)
    return uint64_t{a32} | uint64_t{b32} << 32;
  else if constexpr (kOp == Lo64)
    return uint32_t(a);
  else if constexpr (kOp == Hi64)
    return uint32_t(a >> 32);
  else if constexpr (kOp == Zext64)
    return a32;
  else if constexpr (kOp == Sext64)
    return uint64_t(int64_t{static_cast<int32_t>(a32)});
  else if constexpr (kOp == Add64)
    return a + b;
  else if constexpr (kOp == Sub64)
    return a - b;
  else if constexpr (kOp == Mul64)
    return a * b;
  else if constexpr (kOp == Shl64)
    return a << (b32 & 63);
  else if constexpr (kOp == Shr64)
    return a >> (b32 & 63);
  else if constexpr (kOp == Sar64)
    return uint64_t(static_cast<int64_t>(a) >> (b32 & 63));
  else if constexpr (kOp == Eq64)
    return a == b;
  else
    static_assert(kOp == Const32, "not a pure op");
}

// x86 division (DivU/DivS): returns pack64(quotient, remainder), or nothing
// when the CPU raises #DE (zero divisor, quotient out of range for `bytes`).
constexpr std::optional<uint64_t> div_op(bool is_signed, uint64_t dividend, uint32_t divisor,
                                         unsigned bytes) {
  const unsigned bits = bytes * 8;
  if (!is_signed) {
    const uint64_t d = divisor & (bits == 32 ? 0xffffffffull : (1ull << bits) - 1);
    const uint64_t n = bits == 32 ? dividend : dividend & ((1ull << (2 * bits)) - 1);
    if (d == 0) return std::nullopt;
    const uint64_t q = n / d, r = n % d;
    if (q >> bits) return std::nullopt;
    return q | r << 32;
  }
  // Signed: operands sign-extended from their size; quotient truncates to zero.
  const int64_t d = bits == 32   ? int64_t{int32_t(divisor)}
                    : bits == 16 ? int64_t{int16_t(divisor)}
                                 : int64_t{int8_t(divisor)};
  const int64_t n = bits == 32   ? int64_t(dividend)
                    : bits == 16 ? int64_t{int32_t(uint32_t(dividend))}
                                 : int64_t{int16_t(uint16_t(dividend))};
  if (d == 0) return std::nullopt;
  if (bits == 32 && n == INT64_MIN && d == -1) return std::nullopt;
  const int64_t q = n / d, r = n % d;
  const int64_t lim = int64_t{1} << (bits - 1);
  if (q < -lim || q >= lim) return std::nullopt;
  const uint64_t m = bits == 32 ? 0xffffffffull : (1ull << bits) - 1;
  return (uint64_t(q) & m) | (uint64_t(r) & m) << 32;
}

// Runtime dispatch over pure_op for constant folding and tests: the result
// of a pure op on known arguments, or nothing if `op` is not pure.
std::optional<uint64_t> eval_pure(Opcode op, uint64_t a, uint64_t b, uint64_t c, uint64_t imm);

// Whether `op` has a pure_op meaning.
constexpr bool is_pure(Opcode op) {
  return op_info(op).effects == kPure;
}

}  // namespace dynemu::ir
