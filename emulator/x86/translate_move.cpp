// Data transfer (SDM vol. 1, 7.3.1): MOV (incl. moffs and segment
// registers) MOVZX MOVSX LEA XCHG XADD CMPXCHG CMPXCHG8B CBW/CWDE CWD/CDQ
// XLAT CMOVcc, and the far-pointer loads LDS LES LSS LFS LGS.
#include <cstddef>

#include "emulator/x86/helpers.h"
#include "emulator/x86/system/control.h"
#include "emulator/x86/system/debug.h"
#include "emulator/x86/translator.h"

namespace dynemu::x86 {

using ir::Value;

// MOV r/m, r (88, 89); MOV r, r/m (8A, 8B); MOV AL/eAX, moffs (A0, A1);
// MOV moffs, AL/eAX (A2, A3); MOV r, imm (B0+r, B8+r); MOV r/m, imm (C6 /0, C7 /0)
void Translator::op_Mov(const Insn& insn) {
  write_operand(insn, 0, read_operand(insn, 1));
}

// MOV r/m16, Sreg (8C /r): a register destination gets the zero-extended
// selector at 32-bit operand size
void Translator::op_MovFromSeg(const Insn& insn) {
  write_operand(insn, 0, read_operand(insn, 1));
}

// MOV Sreg, r/m16 (8E /r); MOV CS is #UD (decoder). SS ends the block
// (see load_segment).
void Translator::op_MovToSeg(const Insn& insn) {
  Value sel = read_operand(insn, 1);
  const unsigned seg = insn.operands[0].reg;
  load_segment(seg, sel);
  if (seg == kSs) end_block_after(insn);
}

// MOV r32, CRn (0F 20); MOV CRn, r32 (0F 22); MOV r32, DRn (0F 21);
// MOV DRn, r32 (0F 23): privileged, #GP(0) at CPL > 0 (and in user mode).
// CR1 and CR5-7 are #UD. Writes to CR0/CR3/CR4 end the block (mode bits,
// paging). DR4/DR5 are DR6/DR7 (CR4.DE clear).
namespace {
bool cr_privileged(const Translator& t) {
  return t.system() && t.cpl() == 0;
}
bool cr_exists(unsigned n) {
  return n == 0 || (n >= 2 && n <= 4);
}
uint32_t cr_offset(unsigned n) {
  return static_cast<uint32_t>(offsetof(CpuState, cr) + 4 * n);
}
uint32_t dr_offset(unsigned n) {
  if (n == 4 || n == 5) n += 2;
  return static_cast<uint32_t>(offsetof(CpuState, dr) + 4 * n);
}
}  // namespace
void Translator::op_MovFromCr(const Insn& insn) {
  if (!cr_privileged(*this)) return fault(kVectorGP);
  const unsigned n = insn.operands[1].reg;
  if (!cr_exists(n)) return fault(kVectorUD);
  m_b.set_reg(insn.operands[0].reg, 4, m_b.get_state(cr_offset(n), 4));
}
void Translator::op_MovToCr(const Insn& insn) {
  if (!cr_privileged(*this)) return fault(kVectorGP);
  const unsigned n = insn.operands[0].reg;
  if (!cr_exists(n)) return fault(kVectorUD);
  m_b.call(kMovToCrHelper, {m_b.imm32(n), m_b.get_reg(insn.operands[1].reg, 4)});
  if (n != 2) end_block_after(insn);
}
void Translator::op_MovFromDr(const Insn& insn) {
  if (!cr_privileged(*this)) return fault(kVectorGP);
  m_b.call(kDrAccessHelper, {m_b.imm32(insn.operands[1].reg)});
  m_b.set_reg(insn.operands[0].reg, 4, m_b.get_state(dr_offset(insn.operands[1].reg), 4));
}
void Translator::op_MovToDr(const Insn& insn) {
  if (!cr_privileged(*this)) return fault(kVectorGP);
  const unsigned n = insn.operands[0].reg;
  m_b.call(kDrAccessHelper, {m_b.imm32(n)});
  m_b.set_state(dr_offset(n), 4, m_b.get_reg(insn.operands[1].reg, 4));
  // DR7 (or its alias DR5) decides whether instructions check for breakpoints.
  if (n == 7 || n == 5) end_block_after(insn);
}

// MOVZX r16/32, r/m8 (0F B6); MOVZX r32, r/m16 (0F B7)
void Translator::op_Movzx(const Insn& insn) {
  write_operand(insn, 0, read_operand(insn, 1));
}

// MOVSX r16/32, r/m8 (0F BE); MOVSX r32, r/m16 (0F BF)
void Translator::op_Movsx(const Insn& insn) {
  write_operand(insn, 0, m_b.sext(read_operand(insn, 1), insn.operands[1].size));
}

// LEA r16/32, m (8D /r): the offset only, no segment base
void Translator::op_Lea(const Insn& insn) {
  write_operand(insn, 0, effective_address(insn));
}

// XCHG r/m, r (86, 87); XCHG eAX, r (90+r). Locked by nature; one CPU, so
// no atomicity is needed yet.
void Translator::op_Xchg(const Insn& insn) {
  Value addr;
  Value a = read_operand(insn, 0, addr);
  Value b = read_operand(insn, 1);
  write_operand(insn, 0, b, addr);
  write_operand(insn, 1, a);
}

// XADD r/m, r (0F C0, 0F C1): TEMP = SRC + DEST; SRC = DEST; DEST = TEMP
void Translator::op_Xadd(const Insn& insn) {
  Value addr;
  Value d = read_operand(insn, 0, addr);
  Value s = read_operand(insn, 1);
  Value sum = m_b.add(d, s);
  if (insn.operands[0].kind == OperandKind::Mem) {
    write_operand(insn, 0, sum, addr);
    write_operand(insn, 1, d);
  } else {
    write_operand(insn, 1, d);
    write_operand(insn, 0, sum);
  }
  set_flags(CcKind::Add, insn.operands[0].size, sum, s);
}

// CMPXCHG r/m, r (0F B0, 0F B1): compares the accumulator with DEST; equal:
// DEST = SRC, else accumulator = DEST. A memory DEST is always written.
void Translator::op_Cmpxchg(const Insn& insn) {
  const unsigned bytes = insn.operands[0].size;
  Value addr;
  Value d = read_operand(insn, 0, addr);
  Value s = read_operand(insn, 1);
  Value acc = m_b.get_reg(kEax, bytes);
  Value equal = m_b.eq(acc, d);
  Value new_d = m_b.select(equal, s, d);
  if (insn.operands[0].kind == OperandKind::Mem) write_operand(insn, 0, new_d, addr);
  m_b.set_reg(kEax, bytes, m_b.select(equal, acc, d));
  if (insn.operands[0].kind != OperandKind::Mem) write_operand(insn, 0, new_d);
  set_flags(CcKind::Sub, bytes, m_b.sub(acc, d), d);
}

// CMPXCHG8B m64 (0F C7 /1): EDX:EAX vs m64; equal: m64 = ECX:EBX, else
// EDX:EAX = m64. Only ZF changes. The memory is always written.
void Translator::op_Cmpxchg8b(const Insn& insn) {
  Value addr = mem_linear(insn, 8, true);
  Value m = m_b.load64(addr);
  Value expected = m_b.pack64(m_b.get_gpr(kEax), m_b.get_gpr(kEdx));
  Value equal = m_b.eq64(m, expected);
  Value replacement = m_b.pack64(m_b.get_gpr(kEbx), m_b.get_gpr(kEcx));
  Value lo = m_b.select(equal, m_b.lo64(replacement), m_b.lo64(m));
  Value hi = m_b.select(equal, m_b.hi64(replacement), m_b.hi64(m));
  m_b.store(addr, m_b.pack64(lo, hi), ir::MemSize::U64);
  Value flags = m_b.eflags();
  m_b.set_gpr(kEax, m_b.select(equal, m_b.get_gpr(kEax), m_b.lo64(m)));
  m_b.set_gpr(kEdx, m_b.select(equal, m_b.get_gpr(kEdx), m_b.hi64(m)));
  set_eflags_arith(m_b.or_(m_b.and_(flags, ~kZF), m_b.shl(equal, 6u)));
}

// CBW (66 98): AX = sext AL; CWDE (98): EAX = sext AX
void Translator::op_Cbw(const Insn& insn) {
  const unsigned half = insn.opsize / 2;
  m_b.set_reg(kEax, insn.opsize, m_b.sext(m_b.get_reg(kEax, half), half));
}

// CWD (66 99): DX = sign of AX; CDQ (99): EDX = sign of EAX
void Translator::op_Cwd(const Insn& insn) {
  const unsigned bytes = insn.opsize;
  Value sign = m_b.sar(m_b.sext(m_b.get_reg(kEax, bytes), bytes), 31u);
  m_b.set_reg(kEdx, bytes, sign);
}

// XLAT (D7): AL = [seg:EBX + AL] (BX under a 16-bit address size)
void Translator::op_Xlat(const Insn& insn) {
  Value off = m_b.add(m_b.get_reg(kEbx, insn.addrsize), m_b.get_reg(kEax, 1));
  if (insn.addrsize == 2) off = m_b.zext16(off);
  m_b.set_reg(kEax, 1, m_b.load8(linear(insn.mem.seg, off)));
}

// CMOVcc r, r/m (0F 40+cc): the source is read (and may fault) either way
void Translator::op_Cmovcc(const Insn& insn) {
  Value src = read_operand(insn, 1);
  Value old = read_operand(insn, 0);
  write_operand(insn, 0, m_b.select(m_b.cond(insn.cond), src, old));
}

namespace {

// LDS/LES/LSS/LFS/LGS r, m16:16/32: offset then selector from memory; the
// segment load may fault before the register is written.
void load_far_pointer(Translator& t, const Insn& insn, unsigned seg) {
  ir::Builder& b = t.ir();
  const unsigned bytes = insn.opsize;
  Value addr = t.mem_linear(insn, bytes + 2);
  Value offset = b.load_sized(addr, bytes);
  Value sel = b.load16(b.add(addr, bytes));
  t.load_segment(seg, sel);
  t.write_operand(insn, 0, offset);
  if (seg == kSs) t.end_block_after(insn);
}

}  // namespace

// LDS r, m16:16/32 (C5 /r)
void Translator::op_Lds(const Insn& insn) {
  load_far_pointer(*this, insn, kDs);
}
// LES r, m16:16/32 (C4 /r)
void Translator::op_Les(const Insn& insn) {
  load_far_pointer(*this, insn, kEs);
}
// LSS r, m16:16/32 (0F B2 /r)
void Translator::op_Lss(const Insn& insn) {
  load_far_pointer(*this, insn, kSs);
}
// LFS r, m16:16/32 (0F B4 /r)
void Translator::op_Lfs(const Insn& insn) {
  load_far_pointer(*this, insn, kFs);
}
// LGS r, m16:16/32 (0F B5 /r)
void Translator::op_Lgs(const Insn& insn) {
  load_far_pointer(*this, insn, kGs);
}

}  // namespace dynemu::x86
