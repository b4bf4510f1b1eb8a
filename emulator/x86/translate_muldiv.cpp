// Multiplication and division (SDM vol. 2, MUL IMUL DIV IDIV).
#include "emulator/x86/helpers.h"
#include "emulator/x86/translator.h"

namespace dynemu::x86 {

using ir::Value;

namespace {

// One-operand MUL/IMUL: AX = AL * r/m8, DX:AX = AX * r/m16, EDX:EAX = EAX * r/m32.
void widening_multiply(Translator& t, const Insn& insn, bool is_signed) {
  ir::Builder& b = t.ir();
  const unsigned bytes = insn.operands[0].size;
  Value src = t.read_operand(insn, 0);
  Value acc = b.get_reg(kEax, bytes);
  Value old_flags = b.eflags();
  Value lo, hi;
  if (bytes == 4) {
    lo = b.mul(acc, src);
    hi = is_signed ? b.mulhi_s(acc, src) : b.mulhi_u(acc, src);
  } else {
    Value p = is_signed ? b.mul(b.sext(acc, bytes), b.sext(src, bytes)) : b.mul(acc, src);
    lo = b.zext(p, bytes);
    hi = b.zext(b.shr(p, bytes * 8), bytes);
  }
  if (bytes == 1) {
    b.set_reg(kEax, 2, b.or_(lo, b.shl(hi, 8u)));
  } else {
    b.set_reg(kEax, bytes, lo);
    b.set_reg(kEdx, bytes, hi);
  }
  b.set_cc(cc_op(is_signed ? CcKind::Imul : CcKind::Mul, bytes), lo, hi, old_flags);
}

void divide(Translator& t, const Insn& insn, bool is_signed) {
  ir::Builder& b = t.ir();
  const unsigned bytes = insn.operands[0].size;
  Value divisor = t.read_operand(insn, 0);
  Value dividend;
  if (bytes == 4) {
    dividend = b.pack64(b.get_gpr(kEax), b.get_gpr(kEdx));
  } else {
    Value wide =
        bytes == 1 ? b.get_reg(kEax, 2) : b.or_(b.get_reg(kEax, 2), b.shl(b.get_reg(kEdx, 2), 16u));
    if (is_signed) {
      if (bytes == 1) wide = b.sext16(wide);
      dividend = b.sext64(wide);
      divisor = b.sext(divisor, bytes);
    } else {
      dividend = b.zext64(wide);
    }
  }
  Value qr = is_signed ? b.div_s(dividend, divisor, bytes) : b.div_u(dividend, divisor, bytes);
  Value q = b.lo64(qr), r = b.hi64(qr);
  // The SDM leaves the flags undefined; this host keeps CF and OF, sets AF
  // and clears SF, ZF and PF, whatever the operands.
  Value flags = b.or_(b.and_(b.eflags(), kCF | kOF), kAF);
  if (bytes == 1) {
    b.set_reg(kEax, 2, b.or_(b.zext8(q), b.shl(b.zext8(r), 8u)));
  } else {
    b.set_reg(kEax, bytes, q);
    b.set_reg(kEdx, bytes, r);
  }
  t.set_eflags_arith(flags);
}

}  // namespace

// MUL r/m (F6 /4, F7 /4)
void Translator::op_Mul(const Insn& insn) {
  widening_multiply(*this, insn, false);
}

// IMUL r/m (F6 /5, F7 /5); IMUL r, r/m (0F AF); IMUL r, r/m, imm (69, 6B)
void Translator::op_Imul(const Insn& insn) {
  if (insn.num_operands == 1) return widening_multiply(*this, insn, true);
  const unsigned bytes = insn.operands[0].size;
  Value a = insn.num_operands == 3 ? read_operand(insn, 1) : read_operand(insn, 0);
  Value c = insn.num_operands == 3 ? read_operand(insn, 2) : read_operand(insn, 1);
  Value old_flags = m_b.eflags();
  Value lo, hi;
  if (bytes == 4) {
    lo = m_b.mul(a, c);
    hi = m_b.mulhi_s(a, c);
  } else {
    Value p = m_b.mul(m_b.sext16(a), m_b.sext16(c));
    lo = m_b.zext16(p);
    hi = m_b.zext16(m_b.sar(p, 16u));
  }
  m_b.set_reg(insn.operands[0].reg, bytes, lo);
  set_flags(CcKind::Imul, bytes, lo, hi, old_flags);
}

// DIV r/m (F6 /6, F7 /6): #DE on a zero divisor or a quotient too large
void Translator::op_Div(const Insn& insn) {
  divide(*this, insn, false);
}

// IDIV r/m (F6 /7, F7 /7)
void Translator::op_Idiv(const Insn& insn) {
  divide(*this, insn, true);
}

}  // namespace dynemu::x86
