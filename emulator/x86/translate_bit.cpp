// Bit and byte instructions (SDM vol. 1, 7.3.7): BT BTS BTR BTC BSF BSR
// SETcc, and BSWAP.
#include "emulator/x86/helpers.h"
#include "emulator/x86/translator.h"

namespace dynemu::x86 {

using ir::Value;

namespace {

enum class BitOp { Test, Set, Reset, Complement };

void bit_test(Translator& t, const Insn& insn, BitOp op) {
  ir::Builder& b = t.ir();
  const unsigned bytes = insn.operands[0].size;
  const unsigned bits = bytes * 8;
  const Operand& dst = insn.operands[0];
  const Operand& off_op = insn.operands[1];
  Value old_flags = b.eflags();
  Value offset = t.read_operand(insn, 1);
  Value addr, value, bit;
  if (dst.kind == OperandKind::Mem) {
    Value ea = t.effective_address(insn);
    if (off_op.kind == OperandKind::Reg) {
      // Bit offset addressing: the register offset is signed and may reach
      // beyond the addressed operand (SDM vol. 1, 3.7.5.1).
      Value signed_off = b.sext(offset, bytes);
      Value step = b.shl(b.sar(signed_off, bits == 32 ? 5u : 4u), bytes == 4 ? 2u : 1u);
      ea = b.add(ea, step);
      if (insn.addrsize == 2) ea = b.zext16(ea);
    }
    addr = t.linear(insn.mem.seg, ea, bytes, op != BitOp::Test);
    value = b.load_sized(addr, bytes);
  } else {
    value = t.read_operand(insn, 0);
  }
  bit = b.and_(offset, bits - 1);
  Value cf = b.and_(b.shr(value, bit), 1u);
  Value mask = b.shl(b.imm32(1), bit);
  Value result;
  switch (op) {
    case BitOp::Test: break;
    case BitOp::Set: result = b.or_(value, mask); break;
    case BitOp::Reset: result = b.and_(value, b.not_(mask)); break;
    case BitOp::Complement: result = b.xor_(value, mask); break;
  }
  if (result.valid()) {
    if (dst.kind == OperandKind::Mem)
      b.store_sized(addr, result, bytes);
    else
      t.write_operand(insn, 0, result);
  }
  t.set_flags(CcKind::Bt, bytes, cf, old_flags);
}

void bit_scan(Translator& t, const Insn& insn, bool reverse) {
  ir::Builder& b = t.ir();
  const unsigned bytes = insn.operands[0].size;
  Value src = t.read_operand(insn, 1);
  Value old = t.read_operand(insn, 0);
  Value index = reverse ? b.xor_(b.clz(src), 31u) : b.ctz(src);
  // A zero source leaves the destination unchanged (as this host does).
  Value result = b.select(b.eq(src, 0u), old, index);
  t.write_operand(insn, 0, result);
  t.set_flags(CcKind::Bsf, bytes, result, src);
}

}  // namespace

// BT r/m, r (0F A3); BT r/m, imm8 (0F BA /4)
void Translator::op_Bt(const Insn& insn) {
  bit_test(*this, insn, BitOp::Test);
}
// BTS r/m, r (0F AB); BTS r/m, imm8 (0F BA /5)
void Translator::op_Bts(const Insn& insn) {
  bit_test(*this, insn, BitOp::Set);
}
// BTR r/m, r (0F B3); BTR r/m, imm8 (0F BA /6)
void Translator::op_Btr(const Insn& insn) {
  bit_test(*this, insn, BitOp::Reset);
}
// BTC r/m, r (0F BB); BTC r/m, imm8 (0F BA /7)
void Translator::op_Btc(const Insn& insn) {
  bit_test(*this, insn, BitOp::Complement);
}
// BSF r, r/m (0F BC)
void Translator::op_Bsf(const Insn& insn) {
  bit_scan(*this, insn, false);
}
// BSR r, r/m (0F BD)
void Translator::op_Bsr(const Insn& insn) {
  bit_scan(*this, insn, true);
}

// SETcc r/m8 (0F 90+cc)
void Translator::op_Setcc(const Insn& insn) {
  write_operand(insn, 0, m_b.cond(insn.cond));
}

// BSWAP r32 (0F C8+r). With a 16-bit operand size (undefined in the SDM)
// this host clears the low 16 bits.
void Translator::op_Bswap(const Insn& insn) {
  const Gpr reg = static_cast<Gpr>(insn.operands[0].reg);
  if (insn.opsize == 2) return m_b.set_reg(reg, 2, m_b.imm32(0));
  m_b.set_gpr(reg, m_b.bswap(read_operand(insn, 0)));
}

}  // namespace dynemu::x86
