// String instructions (SDM vol. 1, 7.3.9): MOVS CMPS STOS LODS SCAS with
// REP/REPE/REPNE; INS/OUTS are I/O (privileged in user mode).
//
// A REP instruction is one iteration per block execution: the block exits
// to the instruction's own EIP while iterations remain, and to the next
// instruction when done, so interrupts and faults between iterations see a
// consistent ECX/ESI/EDI, as on hardware.
#include "emulator/x86/helpers.h"
#include "emulator/x86/translator.h"

namespace dynemu::x86 {

using ir::Value;

namespace {

enum class Kind { Movs, Cmps, Stos, Lods, Scas };

void string_op(Translator& t, const Insn& insn, Kind kind) {
  ir::Builder& b = t.ir();
  const bool rep = insn.has(kPrefixRep) || insn.has(kPrefixRepne);
  // Element size: the string operand's.
  unsigned bytes = 0;
  for (unsigned i = 0; i < insn.num_operands; ++i)
    if (insn.operands[i].kind == OperandKind::StrSrc ||
        insn.operands[i].kind == OperandKind::StrDst)
      bytes = insn.operands[i].size;
  Value count;
  if (rep) {
    count = t.get_count_reg(insn);
    b.exit_if(b.eq(count, 0u), insn.next_eip());
  }
  const bool uses_src = kind == Kind::Movs || kind == Kind::Cmps || kind == Kind::Lods;
  const bool uses_dst = kind != Kind::Lods;
  Value si, di, src_val, dst_val;
  if (uses_src) {
    si = t.get_index_reg(insn, kEsi);
    src_val = b.load_sized(t.linear(insn.mem.seg, si), bytes);
  }
  if (uses_dst) di = t.get_index_reg(insn, kEdi);
  Value dst_addr = uses_dst ? t.linear(kEs, di) : Value{};
  switch (kind) {
    case Kind::Movs: b.store_sized(dst_addr, src_val, bytes); break;
    case Kind::Stos: b.store_sized(dst_addr, b.get_reg(kEax, bytes), bytes); break;
    case Kind::Cmps:
    case Kind::Scas: dst_val = b.load_sized(dst_addr, bytes); break;
    case Kind::Lods: break;
  }
  // All memory accesses done: now registers and flags.
  Value delta = t.df_delta(bytes);
  if (uses_src) t.set_index_reg(insn, kEsi, b.add(si, delta));
  if (uses_dst) t.set_index_reg(insn, kEdi, b.add(di, delta));
  if (kind == Kind::Lods) b.set_reg(kEax, bytes, src_val);
  Value zf_cont;  // REPE/REPNE: 1 while the repeat condition holds
  if (kind == Kind::Cmps || kind == Kind::Scas) {
    // CMPS compares [ESI] - [EDI]; SCAS compares AL/AX/EAX - [EDI].
    Value a = kind == Kind::Cmps ? src_val : b.get_reg(kEax, bytes);
    Value r = b.sub(a, dst_val);
    t.set_flags(CcKind::Sub, bytes, r, dst_val);
    if (rep) {
      Value equal = b.eq(b.zext(r, bytes), 0u);
      zf_cont = insn.has(kPrefixRep) ? equal : b.xor_(equal, 1u);
    }
  }
  if (!rep) return;
  Value left = b.sub(count, 1u);
  t.set_count_reg(insn, left);
  Value more = b.ne(b.zext(left, insn.addrsize), 0u);
  if (zf_cont.valid()) more = b.and_(more, zf_cont);
  b.exit_if(more, insn.eip);
  b.exit_jump(insn.next_eip());
}

}  // namespace

// MOVS m8, m8 (A4); MOVS m16/32, m16/32 (A5); with REP (F3)
void Translator::op_Movs(const Insn& insn) {
  string_op(*this, insn, Kind::Movs);
}
// CMPS (A6, A7); with REPE (F3) / REPNE (F2)
void Translator::op_Cmps(const Insn& insn) {
  string_op(*this, insn, Kind::Cmps);
}
// STOS (AA, AB); with REP
void Translator::op_Stos(const Insn& insn) {
  string_op(*this, insn, Kind::Stos);
}
// LODS (AC, AD); with REP
void Translator::op_Lods(const Insn& insn) {
  string_op(*this, insn, Kind::Lods);
}
// SCAS (AE, AF); with REPE / REPNE
void Translator::op_Scas(const Insn& insn) {
  string_op(*this, insn, Kind::Scas);
}

// INS m, DX (6C, 6D) and OUTS DX, m (6E, 6F): I/O at CPL 3 with IOPL 0 is
// #GP(0) (user mode; no I/O permission bitmap).
void Translator::op_Ins(const Insn& insn) {
  fault(kVectorGP);
}
void Translator::op_Outs(const Insn& insn) {
  fault(kVectorGP);
}

}  // namespace dynemu::x86
