// Binary and unary integer arithmetic (SDM vol. 1, 7.3.2): ADD ADC SUB SBB
// CMP AND OR XOR TEST INC DEC NEG NOT.
#include "emulator/x86/translator.h"

namespace dynemu::x86 {

using ir::Value;

namespace {

// The common shape of two-operand ALU instructions: read both, compute,
// write the destination (unless CMP/TEST), then the flags. Writing the flags
// last keeps a faulting store precise. XOR/SUB of a register with itself
// still reads it: the result is independent of it, which the optimizer sees.
void binary(Translator& t, const Insn& insn, Op op, bool writes) {
  ir::Builder& b = t.ir();
  Value addr;
  Value a = t.read_operand(insn, 0, addr);
  Value src = t.read_operand(insn, 1);
  const unsigned bytes = insn.operands[0].size;
  // The flags op must follow the store: compute first, store, then flags.
  Value r;
  switch (op) {
    case Op::Add: r = b.add(a, src); break;
    case Op::Sub:
    case Op::Cmp: r = b.sub(a, src); break;
    case Op::And:
    case Op::Test: r = b.and_(a, src); break;
    case Op::Or: r = b.or_(a, src); break;
    case Op::Xor: r = b.xor_(a, src); break;
    case Op::Adc: {
      Value cf = b.cond(kCondB);
      r = b.add(b.add(a, src), cf);
      if (writes) t.write_operand(insn, 0, r, addr);
      t.set_flags(CcKind::Adc, bytes, r, src, cf);
      return;
    }
    case Op::Sbb: {
      Value cf = b.cond(kCondB);
      r = b.sub(b.sub(a, src), cf);
      if (writes) t.write_operand(insn, 0, r, addr);
      t.set_flags(CcKind::Sbb, bytes, r, src, cf);
      return;
    }
    default: break;
  }
  if (writes) t.write_operand(insn, 0, r, addr);
  switch (op) {
    case Op::Add: t.set_flags(CcKind::Add, bytes, r, src); break;
    case Op::Sub:
    case Op::Cmp: t.set_flags(CcKind::Sub, bytes, r, src); break;
    default: t.set_flags(CcKind::Logic, bytes, r); break;
  }
}

}  // namespace

// ADD r/m, r (00 /r, 01 /r); ADD r, r/m (02, 03); ADD AL/eAX, imm (04, 05);
// ADD r/m, imm (80 /0, 81 /0, 83 /0)
void Translator::op_Add(const Insn& insn) {
  binary(*this, insn, Op::Add, true);
}
// OR (08-0D, 80-83 /1)
void Translator::op_Or(const Insn& insn) {
  binary(*this, insn, Op::Or, true);
}
// ADC (10-15, 80-83 /2)
void Translator::op_Adc(const Insn& insn) {
  binary(*this, insn, Op::Adc, true);
}
// SBB (18-1D, 80-83 /3)
void Translator::op_Sbb(const Insn& insn) {
  binary(*this, insn, Op::Sbb, true);
}
// AND (20-25, 80-83 /4)
void Translator::op_And(const Insn& insn) {
  binary(*this, insn, Op::And, true);
}
// SUB (28-2D, 80-83 /5)
void Translator::op_Sub(const Insn& insn) {
  binary(*this, insn, Op::Sub, true);
}
// XOR (30-35, 80-83 /6)
void Translator::op_Xor(const Insn& insn) {
  binary(*this, insn, Op::Xor, true);
}
// CMP (38-3D, 80-83 /7)
void Translator::op_Cmp(const Insn& insn) {
  binary(*this, insn, Op::Cmp, false);
}
// TEST r/m, r (84, 85); TEST AL/eAX, imm (A8, A9); TEST r/m, imm (F6 /0, F7 /0)
void Translator::op_Test(const Insn& insn) {
  binary(*this, insn, Op::Test, false);
}

// INC r (40+r); INC r/m (FE /0, FF /0). CF is preserved.
void Translator::op_Inc(const Insn& insn) {
  Value addr;
  Value a = read_operand(insn, 0, addr);
  Value cf = m_b.cond(kCondB);
  Value r = m_b.add(a, 1);
  write_operand(insn, 0, r, addr);
  set_flags(CcKind::Inc, insn.operands[0].size, r, {}, cf);
}

// DEC r (48+r); DEC r/m (FE /1, FF /1). CF is preserved.
void Translator::op_Dec(const Insn& insn) {
  Value addr;
  Value a = read_operand(insn, 0, addr);
  Value cf = m_b.cond(kCondB);
  Value r = m_b.sub(a, 1);
  write_operand(insn, 0, r, addr);
  set_flags(CcKind::Dec, insn.operands[0].size, r, {}, cf);
}

// NOT r/m (F6 /2, F7 /2). No flags.
void Translator::op_Not(const Insn& insn) {
  Value addr;
  Value a = read_operand(insn, 0, addr);
  write_operand(insn, 0, m_b.not_(a), addr);
}

// NEG r/m (F6 /3, F7 /3)
void Translator::op_Neg(const Insn& insn) {
  Value addr;
  Value a = read_operand(insn, 0, addr);
  Value r = m_b.neg(a);
  write_operand(insn, 0, r, addr);
  set_flags(CcKind::Neg, insn.operands[0].size, r);
}

}  // namespace dynemu::x86
