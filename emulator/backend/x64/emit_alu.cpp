// Pure ops (ir::pure_op in emulator/ir/semantics.h): constants, bit
// fields, 32- and 64-bit arithmetic, comparisons.
#include "emulator/backend/x64/emitter.h"

#include <utility>

namespace dynemu::backend::x64 {

using namespace Xbyak::util;
using Xbyak::Reg32;

namespace {

// eax = a op ecx(b); result zero-extended into dst.
template <typename F>
void binary32(Emitter& e, const ir::Inst& i, F op) {
  e.load32(eax, i.args[0]);
  e.load32(ecx, i.args[1]);
  op();
  e.store32(i.dst, eax);
}

// dst = a op b computed in dst's own register when it has one (mov dst, a;
// op dst, b-or-immediate): no scratch round trip. False when dst has no
// register or b sits in it (the mov would clobber b); the caller falls back.
// Commutative ops (`commutes`) swap a and b when b sits in dst's register.
template <typename RR, typename RI>
bool direct32(Emitter& e, const ir::Inst& i, RR op_rr, RI op_ri, bool commutes = false) {
  if (!e.in_reg(i.dst)) return false;
  const Reg32 d = e.reg32(i.dst);
  ir::Value a = i.args[0], b = i.args[1];
  if (commutes && !e.is_const(b) &&
      (e.is_const(a) || (e.in_reg(b) && e.reg32(b).getIdx() == d.getIdx())))
    std::swap(a, b);
  if (e.in_reg(b) && e.reg32(b).getIdx() == d.getIdx() && !(a == b)) return false;
  e.load32(d, a);
  if (e.is_const(b)) {
    op_ri(d, static_cast<uint32_t>(e.m_const[b.id]));
  } else if (e.in_reg(b)) {
    op_rr(d, e.reg32(b));
  } else {
    e.load32(ecx, b);
    op_rr(d, ecx);
  }
  return true;
}

// A shift or rotate by a constant count (mod 32) in dst's register.
template <typename F>
bool shift_const(Emitter& e, const ir::Inst& i, F op) {
  if (!e.in_reg(i.dst) || !e.is_const(i.args[1])) return false;
  const Reg32 d = e.reg32(i.dst);
  e.load32(d, i.args[0]);
  op(d, static_cast<int>(e.m_const[i.args[1].id] & 31));
  return true;
}

template <typename F>
void binary64(Emitter& e, const ir::Inst& i, F op) {
  e.load64(rax, i.args[0]);
  e.load64(rcx, i.args[1]);
  op();
  e.store64(i.dst, rax);
}

template <typename F>
void unary32(Emitter& e, const ir::Inst& i, F op) {
  e.load32(eax, i.args[0]);
  op();
  e.store32(i.dst, eax);
}

// dst = op(a) in dst's own register when it has one (mov dst, a; op dst).
template <typename F>
void unary_direct(Emitter& e, const ir::Inst& i, F op) {
  if (!e.in_reg(i.dst)) {
    unary32(e, i, [&] { op(eax); });
    return;
  }
  const Reg32 d = e.reg32(i.dst);
  e.load32(d, i.args[0]);
  op(d);
}

// dst = (a cmp b) ? 1 : 0, with the setcc chosen by `set`.
template <typename F>
void compare32(Emitter& e, const ir::Inst& i, F set) {
  e.load32(eax, i.args[0]);
  e.load32(ecx, i.args[1]);
  e.cmp(eax, ecx);
  set();
  e.movzx(eax, al);
  e.store32(i.dst, eax);
}

uint32_t field_mask(uint64_t imm) {
  const unsigned width = (imm >> 8) & 0xff;
  return width >= 32 ? ~0u : (1u << width) - 1;
}

}  // namespace

// Constants emit nothing: Emitter::emit_block notes them and every use
// loads the immediate (Emitter::load32).
void emit_Const32(Emitter&, const ir::Inst&) {}
void emit_Const64(Emitter&, const ir::Inst&) {}

void emit_Extract(Emitter& e, const ir::Inst& i) {
  const unsigned lsb = i.imm & 0xff;
  const uint32_t mask = field_mask(i.imm);
  if (mask == 0xff || mask == 0xffff) {  // movzx straight from a's register
    Reg32 d = e.in_reg(i.dst) ? e.reg32(i.dst) : eax;
    Reg32 a = d;
    if (lsb == 0 && e.in_reg(i.args[0])) {
      a = e.reg32(i.args[0]);
    } else {
      e.load32(d, i.args[0]);
      if (lsb) e.shr(d, lsb);
    }
    if (mask == 0xff)
      e.movzx(d, a.cvt8());
    else
      e.movzx(d, a.cvt16());
    if (d.getIdx() == eax.getIdx()) e.store32(i.dst, eax);
    return;
  }
  unary_direct(e, i, [&](const Reg32& d) {
    if (lsb) e.shr(d, lsb);
    if (mask != ~0u) e.and_(d, mask);
  });
}
void emit_Deposit(Emitter& e, const ir::Inst& i) {
  const unsigned lsb = i.imm & 0xff;
  const uint32_t mask = field_mask(i.imm) << lsb;
  binary32(e, i, [&] {
    if (lsb) e.shl(ecx, lsb);
    e.and_(ecx, mask);
    e.and_(eax, ~mask);
    e.or_(eax, ecx);
  });
}

void emit_Add(Emitter& e, const ir::Inst& i) {
  if (direct32(
          e, i, [&](const Reg32& d, const Reg32& r) { e.add(d, r); },
          [&](const Reg32& d, uint32_t v) { e.add(d, v); }, true))
    return;
  binary32(e, i, [&] { e.add(eax, ecx); });
}
void emit_Sub(Emitter& e, const ir::Inst& i) {
  if (direct32(
          e, i, [&](const Reg32& d, const Reg32& r) { e.sub(d, r); },
          [&](const Reg32& d, uint32_t v) { e.sub(d, v); }))
    return;
  binary32(e, i, [&] { e.sub(eax, ecx); });
}
void emit_And(Emitter& e, const ir::Inst& i) {
  if (direct32(
          e, i, [&](const Reg32& d, const Reg32& r) { e.and_(d, r); },
          [&](const Reg32& d, uint32_t v) { e.and_(d, v); }, true))
    return;
  binary32(e, i, [&] { e.and_(eax, ecx); });
}
void emit_Or(Emitter& e, const ir::Inst& i) {
  if (direct32(
          e, i, [&](const Reg32& d, const Reg32& r) { e.or_(d, r); },
          [&](const Reg32& d, uint32_t v) { e.or_(d, v); }, true))
    return;
  binary32(e, i, [&] { e.or_(eax, ecx); });
}
void emit_Xor(Emitter& e, const ir::Inst& i) {
  if (direct32(
          e, i, [&](const Reg32& d, const Reg32& r) { e.xor_(d, r); },
          [&](const Reg32& d, uint32_t v) { e.xor_(d, v); }, true))
    return;
  binary32(e, i, [&] { e.xor_(eax, ecx); });
}
// Host 32-bit shifts and rotates take the count modulo 32, as the IR says.
void emit_Shl(Emitter& e, const ir::Inst& i) {
  if (shift_const(e, i, [&](const Reg32& d, int n) { e.shl(d, n); })) return;
  binary32(e, i, [&] { e.shl(eax, cl); });
}
void emit_Shr(Emitter& e, const ir::Inst& i) {
  if (shift_const(e, i, [&](const Reg32& d, int n) { e.shr(d, n); })) return;
  binary32(e, i, [&] { e.shr(eax, cl); });
}
void emit_Sar(Emitter& e, const ir::Inst& i) {
  if (shift_const(e, i, [&](const Reg32& d, int n) { e.sar(d, n); })) return;
  binary32(e, i, [&] { e.sar(eax, cl); });
}
void emit_Rol(Emitter& e, const ir::Inst& i) {
  if (shift_const(e, i, [&](const Reg32& d, int n) { e.rol(d, n); })) return;
  binary32(e, i, [&] { e.rol(eax, cl); });
}
void emit_Ror(Emitter& e, const ir::Inst& i) {
  if (shift_const(e, i, [&](const Reg32& d, int n) { e.ror(d, n); })) return;
  binary32(e, i, [&] { e.ror(eax, cl); });
}
void emit_Mul(Emitter& e, const ir::Inst& i) {
  if (direct32(
          e, i, [&](const Reg32& d, const Reg32& r) { e.imul(d, r); },
          [&](const Reg32& d, uint32_t v) { e.imul(d, d, static_cast<int>(v)); }, true))
    return;
  binary32(e, i, [&] { e.imul(eax, ecx); });
}
// a + (b << s) + disp in one LEA (32-bit destination: the sum mod 2^32,
// whatever the upper halves of the 64-bit address registers hold).
// Constant operands fold into the displacement.
void emit_Lea(Emitter& e, const ir::Inst& i) {
  const unsigned shift = i.imm & 3;
  uint32_t disp = static_cast<uint32_t>(i.imm >> 32);
  const ir::Value a = i.args[0], b = i.args[1];
  bool has_base = false, has_index = false;
  Xbyak::Reg64 base = rax, index = rcx;
  if (e.is_const(a)) {
    disp += static_cast<uint32_t>(e.m_const[a.id]);
  } else {
    has_base = true;
    if (e.in_reg(a))
      base = e.reg64(a);
    else
      e.load32(eax, a);
  }
  if (e.is_const(b)) {
    disp += static_cast<uint32_t>(e.m_const[b.id]) << shift;
  } else {
    has_index = true;
    if (e.in_reg(b))
      index = e.reg64(b);
    else
      e.load32(ecx, b);
  }
  const Reg32 d = e.in_reg(i.dst) ? e.reg32(i.dst) : eax;
  // (sign-extended: a 64-bit displacement must fit in 32 bits signed)
  Xbyak::RegExp ex(static_cast<size_t>(static_cast<int64_t>(static_cast<int32_t>(disp))));
  if (has_base) ex = ex + base;
  if (has_index) ex = ex + index * (1 << shift);
  if (!has_base && !has_index)
    e.mov(d, disp);
  else
    e.lea(d, e.ptr[ex]);
  if (d.getIdx() == eax.getIdx()) e.store32(i.dst, eax);
}
// The high half of eax * b (one-operand MUL/IMUL, b from its register
// when it has one), from edx straight into dst.
template <typename F>
void mul_high(Emitter& e, const ir::Inst& i, F op) {
  e.load32(eax, i.args[0]);
  if (e.in_reg(i.args[1]) && !e.is_const(i.args[1])) {
    op(e.reg32(i.args[1]));
  } else {
    e.load32(ecx, i.args[1]);
    op(ecx);
  }
  e.store32(i.dst, edx);
}
void emit_MulHiU(Emitter& e, const ir::Inst& i) {
  mul_high(e, i, [&](const Reg32& r) { e.mul(r); });
}
void emit_MulHiS(Emitter& e, const ir::Inst& i) {
  mul_high(e, i, [&](const Reg32& r) { e.imul(r); });
}
void emit_Neg(Emitter& e, const ir::Inst& i) {
  unary_direct(e, i, [&](const Reg32& d) { e.neg(d); });
}
void emit_Not(Emitter& e, const ir::Inst& i) {
  unary_direct(e, i, [&](const Reg32& d) { e.not_(d); });
}
void emit_Zext8(Emitter& e, const ir::Inst& i) {
  unary_direct(e, i, [&](const Reg32& d) { e.movzx(d, d.cvt8()); });
}
void emit_Zext16(Emitter& e, const ir::Inst& i) {
  unary_direct(e, i, [&](const Reg32& d) { e.movzx(d, d.cvt16()); });
}
void emit_Sext8(Emitter& e, const ir::Inst& i) {
  unary_direct(e, i, [&](const Reg32& d) { e.movsx(d, d.cvt8()); });
}
void emit_Sext16(Emitter& e, const ir::Inst& i) {
  unary_direct(e, i, [&](const Reg32& d) { e.movsx(d, d.cvt16()); });
}
void emit_Bswap(Emitter& e, const ir::Inst& i) {
  unary_direct(e, i, [&](const Reg32& d) { e.bswap(d); });
}
// BSF/BSR set ZF for a zero input (destination then undefined): pick 32.
void emit_Ctz(Emitter& e, const ir::Inst& i) {
  unary32(e, i, [&] {
    e.mov(edx, 32);
    e.bsf(eax, eax);
    e.cmovz(eax, edx);
  });
}
void emit_Clz(Emitter& e, const ir::Inst& i) {
  unary32(e, i, [&] {
    e.mov(edx, 63);  // 63 ^ 31 = 32
    e.bsr(eax, eax);
    e.cmovz(eax, edx);
    e.xor_(eax, 31);
  });
}

void emit_Eq(Emitter& e, const ir::Inst& i) {
  compare32(e, i, [&] { e.sete(al); });
}
void emit_Ne(Emitter& e, const ir::Inst& i) {
  compare32(e, i, [&] { e.setne(al); });
}
void emit_LtU(Emitter& e, const ir::Inst& i) {
  compare32(e, i, [&] { e.setb(al); });
}
void emit_LeU(Emitter& e, const ir::Inst& i) {
  compare32(e, i, [&] { e.setbe(al); });
}
void emit_LtS(Emitter& e, const ir::Inst& i) {
  compare32(e, i, [&] { e.setl(al); });
}
void emit_LeS(Emitter& e, const ir::Inst& i) {
  compare32(e, i, [&] { e.setle(al); });
}
void emit_Select(Emitter& e, const ir::Inst& i) {
  e.load32(edx, i.args[0]);
  e.load32(eax, i.args[1]);
  e.load32(ecx, i.args[2]);
  e.test(edx, edx);
  e.cmovz(eax, ecx);
  e.store32(i.dst, eax);
}

void emit_Pack64(Emitter& e, const ir::Inst& i) {
  e.load32(eax, i.args[0]);
  e.load32(ecx, i.args[1]);
  e.shl(rcx, 32);
  e.or_(rax, rcx);
  e.store64(i.dst, rax);
}
void emit_Lo64(Emitter& e, const ir::Inst& i) {
  e.load32(eax, i.args[0]);
  e.store32(i.dst, eax);
}
void emit_Hi64(Emitter& e, const ir::Inst& i) {
  e.load64(rax, i.args[0]);
  e.shr(rax, 32);
  e.store32(i.dst, eax);
}
void emit_Zext64(Emitter& e, const ir::Inst& i) {
  e.load32(eax, i.args[0]);
  e.store64(i.dst, rax);
}
void emit_Sext64(Emitter& e, const ir::Inst& i) {
  e.load32(eax, i.args[0]);
  e.movsxd(rax, eax);
  e.store64(i.dst, rax);
}
void emit_Add64(Emitter& e, const ir::Inst& i) {
  binary64(e, i, [&] { e.add(rax, rcx); });
}
void emit_Sub64(Emitter& e, const ir::Inst& i) {
  binary64(e, i, [&] { e.sub(rax, rcx); });
}
void emit_Mul64(Emitter& e, const ir::Inst& i) {
  binary64(e, i, [&] { e.imul(rax, rcx); });
}
// 64-bit shifts take the count modulo 64, as the IR says.
void emit_Shl64(Emitter& e, const ir::Inst& i) {
  binary64(e, i, [&] { e.shl(rax, cl); });
}
void emit_Shr64(Emitter& e, const ir::Inst& i) {
  binary64(e, i, [&] { e.shr(rax, cl); });
}
void emit_Sar64(Emitter& e, const ir::Inst& i) {
  binary64(e, i, [&] { e.sar(rax, cl); });
}
void emit_Eq64(Emitter& e, const ir::Inst& i) {
  e.load64(rax, i.args[0]);
  e.load64(rcx, i.args[1]);
  e.cmp(rax, rcx);
  e.sete(al);
  e.movzx(eax, al);
  e.store32(i.dst, eax);
}

}  // namespace dynemu::backend::x64
