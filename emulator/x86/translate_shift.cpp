// Shifts and rotates (SDM vol. 1, 7.3.6): SHL/SAL SHR SAR ROL ROR RCL RCR
// SHLD SHRD. Counts are masked to 5 bits; a zero count changes nothing, not
// even the flags (set_cc_if for CL counts).
#include "emulator/x86/helpers.h"
#include "emulator/x86/translator.h"

namespace dynemu::x86 {

using ir::Value;

namespace {

// The low `bytes` of v repeated over 32 bits, so that a 32-bit rotate by
// any count rotates an 8/16-bit value correctly in its low bits.
Value replicate(ir::Builder& b, Value v, unsigned bytes) {
  if (bytes == 4) return v;
  if (bytes == 2) return b.or_(v, b.shl(v, 16u));
  Value w = b.or_(v, b.shl(v, 8u));
  return b.or_(w, b.shl(w, 16u));
}

void shift_rotate(Translator& t, const Insn& insn, Op op) {
  ir::Builder& b = t.ir();
  const unsigned bytes = insn.operands[0].size;
  const Operand& count_op = insn.operands[1];
  const bool constant = count_op.kind == OperandKind::Imm;
  const uint32_t constant_count = count_op.value & 31;
  Value addr;
  Value a = t.read_operand(insn, 0, addr);
  if (constant && constant_count == 0) return;  // no write, flags unchanged
  Value count = constant ? b.imm32(constant_count) : b.and_(t.read_operand(insn, 1), 31u);
  Value r, src;
  CcKind kind;
  switch (op) {
    case Op::Shl:
    case Op::Sal:
      r = b.shl(a, count);
      src = a;
      kind = CcKind::Shl;
      break;
    case Op::Shr:
      r = b.shr(a, count);
      src = a;
      kind = CcKind::Shr;
      break;
    case Op::Sar:
      r = b.sar(b.sext(a, bytes), count);
      src = a;
      kind = CcKind::Sar;
      break;
    case Op::Rol:
      r = b.rol(replicate(b, a, bytes), count);
      src = b.eflags();
      kind = CcKind::Rol;
      break;
    case Op::Ror:
      r = b.ror(replicate(b, a, bytes), count);
      src = b.eflags();
      kind = CcKind::Ror;
      break;
    case Op::Rcl:
    case Op::Rcr: {
      Value flags = b.eflags();
      Value cf = b.and_(flags, 1u);
      Value res = b.call(op == Op::Rcl ? kRclHelper : kRcrHelper, {a, count, cf, b.imm32(bytes)});
      r = b.lo64(res);
      src = b.deposit(flags, b.hi64(res), 0, 1);
      kind = op == Op::Rcl ? CcKind::Rcl : CcKind::Rcr;
      break;
    }
    default: return;
  }
  t.write_operand(insn, 0, r, addr);
  if (constant)
    b.set_cc(cc_op(kind, bytes), r, src, count);
  else
    b.set_cc_if(b.ne(count, 0u), cc_op(kind, bytes), r, src, count);
}

void double_shift(Translator& t, const Insn& insn, bool left) {
  ir::Builder& b = t.ir();
  const unsigned bytes = insn.operands[0].size;
  const Operand& count_op = insn.operands[2];
  const bool constant = count_op.kind == OperandKind::Imm;
  Value addr;
  Value a = t.read_operand(insn, 0, addr);
  Value in = t.read_operand(insn, 1);
  if (constant && (count_op.value & 31) == 0) return;
  Value count = constant ? b.imm32(count_op.value & 31) : b.and_(t.read_operand(insn, 2), 31u);
  Value r;
  if (bytes == 4) {
    r = left ? b.hi64(b.shl64(b.pack64(in, a), count)) : b.lo64(b.shr64(b.pack64(a, in), count));
  } else {
    // 16-bit counts 17..31 (undefined in the SDM): this host shifts the
    // 48-bit value dest:src:src (SHLD) or src:src:dest (SHRD).
    Value src_src = b.or_(b.shl(in, 16u), in);
    Value src_dest = b.or_(b.shl(in, 16u), a);
    r = left ? b.hi64(b.shl64(b.pack64(src_src, a), count))
             : b.lo64(b.shr64(b.pack64(src_dest, in), count));
  }
  t.write_operand(insn, 0, r, addr);
  const CcOp cc = cc_op(left ? CcKind::Shld : CcKind::Shrd, bytes);
  if (constant)
    b.set_cc(cc, r, a, count);
  else
    b.set_cc_if(b.ne(count, 0u), cc, r, a, count);
}

}  // namespace

// ROL r/m, 1/CL/imm8 (D0-D3 /0, C0-C1 /0)
void Translator::op_Rol(const Insn& insn) {
  shift_rotate(*this, insn, Op::Rol);
}
// ROR r/m, 1/CL/imm8 (D0-D3 /1, C0-C1 /1)
void Translator::op_Ror(const Insn& insn) {
  shift_rotate(*this, insn, Op::Ror);
}
// RCL r/m, 1/CL/imm8 (D0-D3 /2, C0-C1 /2)
void Translator::op_Rcl(const Insn& insn) {
  shift_rotate(*this, insn, Op::Rcl);
}
// RCR r/m, 1/CL/imm8 (D0-D3 /3, C0-C1 /3)
void Translator::op_Rcr(const Insn& insn) {
  shift_rotate(*this, insn, Op::Rcr);
}
// SHL r/m, 1/CL/imm8 (D0-D3 /4, C0-C1 /4)
void Translator::op_Shl(const Insn& insn) {
  shift_rotate(*this, insn, Op::Shl);
}
// SAL r/m, 1/CL/imm8 (D0-D3 /6, C0-C1 /6): undocumented alias of SHL
void Translator::op_Sal(const Insn& insn) {
  shift_rotate(*this, insn, Op::Sal);
}
// SHR r/m, 1/CL/imm8 (D0-D3 /5, C0-C1 /5)
void Translator::op_Shr(const Insn& insn) {
  shift_rotate(*this, insn, Op::Shr);
}
// SAR r/m, 1/CL/imm8 (D0-D3 /7, C0-C1 /7)
void Translator::op_Sar(const Insn& insn) {
  shift_rotate(*this, insn, Op::Sar);
}
// SHLD r/m, r, imm8 (0F A4); SHLD r/m, r, CL (0F A5)
void Translator::op_Shld(const Insn& insn) {
  double_shift(*this, insn, true);
}
// SHRD r/m, r, imm8 (0F AC); SHRD r/m, r, CL (0F AD)
void Translator::op_Shrd(const Insn& insn) {
  double_shift(*this, insn, false);
}

}  // namespace dynemu::x86
