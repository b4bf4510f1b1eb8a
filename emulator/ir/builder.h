#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <unordered_map>

#include "emulator/ir/block.h"
#include "emulator/x86/cpu_state.h"
#include "emulator/x86/lazy_flags.h"

namespace dynemu::ir {

// Appends IR to a Block. Every value-producing method defines one new temp
// and returns it. Type mistakes are caught by assert here (debug builds)
// and by verify() always. Immediate operands (uint32_t overloads) become
// const32 temps, deduplicated per block.
//
//   ir::Block block;
//   ir::Builder b(block);
//   b.insn_start(eip);                           // ADD EAX, EBX (01 D8)
//   ir::Value r = b.add(b.get_gpr(x86::kEax), b.get_gpr(x86::kEbx));
//   b.set_gpr(x86::kEax, r);
//   b.set_cc(x86::CcOp::Add32, r, src);
//   b.exit_jump(eip + 2);
class Builder {
 public:
  explicit Builder(Block& block) : m_block(block) {}

  Block& block() { return m_block; }
  // True once a terminator (exit_jump, raise_fault, ...) was emitted.
  bool terminated() const;

  // --- constants
  Value imm32(uint32_t v);
  Value imm64(uint64_t v);

  // --- guest registers and state
  Value get_gpr(x86::Gpr r);
  void set_gpr(x86::Gpr r, Value v);
  // Sized access by x86 register number: bytes 1 uses the 8-bit encoding
  // (0..3 = AL CL DL BL, 4..7 = AH CH DH BH); writes of 1 or 2 bytes keep
  // the other bits of the GPR. Values are zero-extended.
  Value get_reg(unsigned reg, unsigned bytes);
  void set_reg(unsigned reg, unsigned bytes, Value v);
  Value get_seg_base(x86::SegReg s);
  // A CpuState field by byte offset (offsetof(x86::CpuState, ...)), 1/2/4 bytes.
  Value get_state(uint32_t offset, unsigned bytes);
  void set_state(uint32_t offset, unsigned bytes, Value v);

  // --- bit fields
  Value extract(Value v, unsigned lsb, unsigned width);
  Value deposit(Value base, Value v, unsigned lsb, unsigned width);

  // --- 32-bit ALU
  Value add(Value a, Value b) { return bin(Opcode::Add, a, b); }
  Value sub(Value a, Value b) { return bin(Opcode::Sub, a, b); }
  Value and_(Value a, Value b) { return bin(Opcode::And, a, b); }
  Value or_(Value a, Value b) { return bin(Opcode::Or, a, b); }
  Value xor_(Value a, Value b) { return bin(Opcode::Xor, a, b); }
  Value shl(Value a, Value b) { return bin(Opcode::Shl, a, b); }
  Value shr(Value a, Value b) { return bin(Opcode::Shr, a, b); }
  Value sar(Value a, Value b) { return bin(Opcode::Sar, a, b); }
  Value rol(Value a, Value b) { return bin(Opcode::Rol, a, b); }
  Value ror(Value a, Value b) { return bin(Opcode::Ror, a, b); }
  Value mul(Value a, Value b) { return bin(Opcode::Mul, a, b); }
  Value mulhi_u(Value a, Value b) { return bin(Opcode::MulHiU, a, b); }
  Value mulhi_s(Value a, Value b) { return bin(Opcode::MulHiS, a, b); }
  Value add(Value a, uint32_t b) { return bin(Opcode::Add, a, imm32(b)); }
  Value sub(Value a, uint32_t b) { return bin(Opcode::Sub, a, imm32(b)); }
  Value and_(Value a, uint32_t b) { return bin(Opcode::And, a, imm32(b)); }
  Value or_(Value a, uint32_t b) { return bin(Opcode::Or, a, imm32(b)); }
  Value xor_(Value a, uint32_t b) { return bin(Opcode::Xor, a, imm32(b)); }
  Value shl(Value a, uint32_t b) { return bin(Opcode::Shl, a, imm32(b)); }
  Value shr(Value a, uint32_t b) { return bin(Opcode::Shr, a, imm32(b)); }
  Value sar(Value a, uint32_t b) { return bin(Opcode::Sar, a, imm32(b)); }
  Value neg(Value a) { return un(Opcode::Neg, a); }
  Value not_(Value a) { return un(Opcode::Not, a); }
  Value zext8(Value a) { return un(Opcode::Zext8, a); }
  Value zext16(Value a) { return un(Opcode::Zext16, a); }
  Value sext8(Value a) { return un(Opcode::Sext8, a); }
  Value sext16(Value a) { return un(Opcode::Sext16, a); }
  // Zero/sign extension from `bytes` (1, 2, 4; 4 returns v).
  Value zext(Value v, unsigned bytes);
  Value sext(Value v, unsigned bytes);
  Value bswap(Value a) { return un(Opcode::Bswap, a); }
  Value ctz(Value a) { return un(Opcode::Ctz, a); }
  Value clz(Value a) { return un(Opcode::Clz, a); }

  // --- comparisons (0/1) and select
  Value eq(Value a, Value b) { return bin(Opcode::Eq, a, b); }
  Value ne(Value a, Value b) { return bin(Opcode::Ne, a, b); }
  Value lt_u(Value a, Value b) { return bin(Opcode::LtU, a, b); }
  Value le_u(Value a, Value b) { return bin(Opcode::LeU, a, b); }
  Value lt_s(Value a, Value b) { return bin(Opcode::LtS, a, b); }
  Value le_s(Value a, Value b) { return bin(Opcode::LeS, a, b); }
  Value eq(Value a, uint32_t b) { return bin(Opcode::Eq, a, imm32(b)); }
  Value ne(Value a, uint32_t b) { return bin(Opcode::Ne, a, imm32(b)); }
  Value select(Value c, Value a, Value b) { return emit(Opcode::Select, {c, a, b}); }

  // --- 64-bit
  Value pack64(Value lo, Value hi) { return bin(Opcode::Pack64, lo, hi); }
  Value lo64(Value v) { return un(Opcode::Lo64, v); }
  Value hi64(Value v) { return un(Opcode::Hi64, v); }
  Value zext64(Value v) { return un(Opcode::Zext64, v); }
  Value sext64(Value v) { return un(Opcode::Sext64, v); }
  Value add64(Value a, Value b) { return bin(Opcode::Add64, a, b); }
  Value sub64(Value a, Value b) { return bin(Opcode::Sub64, a, b); }
  Value mul64(Value a, Value b) { return bin(Opcode::Mul64, a, b); }
  Value shl64(Value a, Value count) { return bin(Opcode::Shl64, a, count); }
  Value shr64(Value a, Value count) { return bin(Opcode::Shr64, a, count); }
  Value sar64(Value a, Value count) { return bin(Opcode::Sar64, a, count); }
  Value eq64(Value a, Value b) { return bin(Opcode::Eq64, a, b); }
  // x86 DIV/IDIV of a `bytes`-sized operand; raises #DE. Returns
  // pack64(quotient, remainder).
  Value div_u(Value dividend64, Value divisor, unsigned bytes);
  Value div_s(Value dividend64, Value divisor, unsigned bytes);

  // --- guest memory at linear addresses
  Value load(Value addr, MemSize size);
  void store(Value addr, Value v, MemSize size);
  Value load8(Value addr) { return load(addr, MemSize::U8); }
  Value load16(Value addr) { return load(addr, MemSize::U16); }
  Value load32(Value addr) { return load(addr, MemSize::U32); }
  Value load64(Value addr) { return load(addr, MemSize::U64); }
  void store8(Value addr, Value v) { store(addr, v, MemSize::U8); }
  void store16(Value addr, Value v) { store(addr, v, MemSize::U16); }
  void store32(Value addr, Value v) { store(addr, v, MemSize::U32); }
  void store64(Value addr, Value v) { store(addr, v, MemSize::U64); }
  // Load/store of 1, 2 or 4 bytes (i32 values).
  Value load_sized(Value addr, unsigned bytes);
  void store_sized(Value addr, Value v, unsigned bytes);

  // --- lazy flags
  void set_cc(x86::CcOp op, Value dst, Value src = {}, Value src2 = {});
  void set_cc_if(Value cond, x86::CcOp op, Value dst, Value src = {}, Value src2 = {});
  Value get_cc_op() { return emit(Opcode::GetCcOp, {}); }
  Value get_cc_dst() { return emit(Opcode::GetCcDst, {}); }
  Value get_cc_src() { return emit(Opcode::GetCcSrc, {}); }
  Value get_cc_src2() { return emit(Opcode::GetCcSrc2, {}); }
  Value eflags() { return emit(Opcode::Eflags, {}); }
  Value cond(unsigned cc) { return emit(Opcode::Cond, {}, cc & 15); }

  // --- helpers: returns the result temp, or an invalid Value for Void helpers.
  Value call(const HelperInfo& helper, std::initializer_list<Value> args = {});

  // --- instruction boundaries and exits
  // Marks the start of each guest instruction (counts Block::num_insns).
  void insn_start(uint32_t eip);
  void exit_if(Value cond, uint32_t eip);
  void exit_jump(uint32_t eip);
  void exit_indirect(Value eip);
  // fault_addr: CR2 of a #PF (e.g. an unreadable instruction fetch).
  void raise_fault(uint8_t vector, uint32_t error_code = 0, uint32_t fault_addr = 0);
  void raise_trap(uint8_t vector, uint32_t next_eip);
  void exit_syscall(uint32_t next_eip);
  void exit_halt(uint32_t next_eip);

  // Generic emitter: appends `op` with `args`, returns its result (if any).
  Value emit(Opcode op, std::initializer_list<Value> args, uint64_t imm = 0, uint32_t aux = 0,
             const HelperInfo* helper = nullptr) {
    return emit(op, std::span<const Value>(args.begin(), args.size()), imm, aux, helper);
  }
  Value emit(Opcode op, std::span<const Value> args, uint64_t imm = 0, uint32_t aux = 0,
             const HelperInfo* helper = nullptr);

 private:
  Value bin(Opcode op, Value a, Value b) { return emit(op, {a, b}); }
  Value un(Opcode op, Value a) { return emit(op, {a}); }
  Value new_temp(Type t);

  Block& m_block;
  std::unordered_map<uint32_t, Value> m_const32;
};

}  // namespace dynemu::ir
