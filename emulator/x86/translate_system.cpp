// System and miscellaneous instructions (SDM vol. 1, 7.3.14-7.3.16 and
// vol. 3): CPUID RDTSC NOP PAUSE UD2 HLT IN OUT, descriptor-table and
// segment queries, and the privileged ones, which user mode (CPL 3, IOPL 0)
// sees as #GP(0). System emulation (issue 5) gives those their meaning.
#include <cstddef>

#include "emulator/x86/helpers.h"
#include "emulator/x86/system/control.h"
#include "emulator/x86/system/io.h"
#include "emulator/x86/translator.h"

namespace dynemu::x86 {

using ir::Value;

// (bad): no such instruction
void Translator::op_Invalid(const Insn& insn) {
  fault(kVectorUD);
}

// NOP (90); NOP r/m (0F 1F /0 and the hintable NOPs 0F 19-1E)
void Translator::op_Nop(const Insn& insn) {}
// PAUSE (F3 90)
void Translator::op_Pause(const Insn& insn) {}
// UD2 (0F 0B)
void Translator::op_Ud2(const Insn& insn) {
  fault(kVectorUD);
}

// CPUID (0F A2)
void Translator::op_Cpuid(const Insn& insn) {
  m_b.call(kCpuidHelper);
}
// RDTSC (0F 31): #GP(0) at CPL > 0 with CR4.TSD set (user mode: TSD clear)
void Translator::op_Rdtsc(const Insn& insn) {
  if (system() && cpl() > 0)
    fault_if(m_b.extract(m_b.get_state(offsetof(CpuState, cr) + 16, 4), 2, 1), kVectorGP);
  m_b.call(kRdtscHelper);
}

namespace {

// Privileged instructions are legal at CPL 0 in system mode (real mode is
// CPL 0; virtual-8086 mode is CPL 3). User mode runs at CPL 3.
bool privileged(const Translator& t) {
  return t.system() && t.cpl() == 0;
}

// I/O port operand: imm8 or DX.
Value port_operand(ir::Builder& b, const Operand& o) {
  return o.kind == OperandKind::Imm ? b.imm32(o.value & 0xff) : b.get_reg(kEdx, 2);
}

// LGDT/LIDT m16&32: 16-bit limit, 32-bit base (24 bits under a 16-bit
// operand size).
void load_table(Translator& t, const Insn& insn, size_t limit_offset, size_t base_offset) {
  ir::Builder& b = t.ir();
  Value addr = t.mem_linear(insn, 6);
  Value limit = b.load_sized(addr, 2);
  Value base = b.load_sized(b.add(addr, 2u), 4);
  if (insn.opsize == 2) base = b.and_(base, 0x00ffffffu);
  b.set_state(static_cast<uint32_t>(limit_offset), 2, limit);
  b.set_state(static_cast<uint32_t>(base_offset), 4, base);
}

}  // namespace

// HLT (F4), RDMSR (0F 32), WRMSR (0F 30), LLDT/LTR (0F 00 /2 /3),
// LGDT/LIDT (0F 01 /2 /3), LMSW (0F 01 /6), INVLPG (0F 01 /7), CLTS (0F 06),
// INVD (0F 08), WBINVD (0F 09): CPL 0 only, else #GP(0). RDPMC (0F 33):
// CR4.PCE is never set here, so #GP(0) at CPL > 0; no counters at CPL 0
// either (the P6 counters are not modelled): #GP(0).
void Translator::op_Hlt(const Insn& insn) {
  if (!privileged(*this)) return fault(kVectorGP);
  m_b.exit_halt(insn.next_eip());
}
// IN AL/eAX, imm8 (E4, E5); IN AL/eAX, DX (EC, ED): IOPL / I/O bitmap
// checked by the helper (system/io.h); user mode: #GP(0)
void Translator::op_In(const Insn& insn) {
  if (!system()) return fault(kVectorGP);
  const unsigned size = insn.operands[0].size;
  Value v = m_b.call(kIoInHelper, {port_operand(m_b, insn.operands[1]), m_b.imm32(size)});
  m_b.set_reg(kEax, size, v);
}
// OUT imm8, AL/eAX (E6, E7); OUT DX, AL/eAX (EE, EF)
void Translator::op_Out(const Insn& insn) {
  if (!system()) return fault(kVectorGP);
  const unsigned size = insn.operands[1].size;
  m_b.call(kIoOutHelper,
           {port_operand(m_b, insn.operands[0]), m_b.imm32(size), m_b.get_reg(kEax, size)});
}
void Translator::op_Rdmsr(const Insn& insn) {
  if (!privileged(*this)) return fault(kVectorGP);
  m_b.call(kRdmsrHelper);
}
void Translator::op_Wrmsr(const Insn& insn) {
  if (!privileged(*this)) return fault(kVectorGP);
  m_b.call(kWrmsrHelper);
}
void Translator::op_Rdpmc(const Insn& insn) {
  fault(kVectorGP);
}
// LLDT r/m16, LTR r/m16: #UD in real and virtual-8086 mode
void Translator::op_Lldt(const Insn& insn) {
  if (system() && (real_mode() || vm86())) return fault(kVectorUD);
  if (!privileged(*this)) return fault(kVectorGP);
  m_b.call(kLldtHelper, {m_b.zext16(read_operand(insn, 0))});
}
void Translator::op_Ltr(const Insn& insn) {
  if (system() && (real_mode() || vm86())) return fault(kVectorUD);
  if (!privileged(*this)) return fault(kVectorGP);
  m_b.call(kLtrHelper, {m_b.zext16(read_operand(insn, 0))});
}
void Translator::op_Lgdt(const Insn& insn) {
  if (!privileged(*this)) return fault(kVectorGP);
  load_table(*this, insn, offsetof(CpuState, gdtr.limit), offsetof(CpuState, gdtr.base));
}
void Translator::op_Lidt(const Insn& insn) {
  if (!privileged(*this)) return fault(kVectorGP);
  load_table(*this, insn, offsetof(CpuState, idtr.limit), offsetof(CpuState, idtr.base));
}
// LMSW may set CR0.PE: the block ends (the mode changes)
void Translator::op_Lmsw(const Insn& insn) {
  if (!privileged(*this)) return fault(kVectorGP);
  m_b.call(kLmswHelper, {m_b.zext16(read_operand(insn, 0))});
  end_block_after(insn);
}
void Translator::op_Invlpg(const Insn& insn) {
  if (!privileged(*this)) return fault(kVectorGP);
  // No segment checks: INVLPG accesses no memory (bytes 0).
  m_b.call(kInvlpgHelper, {linear(insn.mem.seg, effective_address(insn), 0)});
  end_block_after(insn);
}
void Translator::op_Clts(const Insn& insn) {
  if (!privileged(*this)) return fault(kVectorGP);
  const uint32_t cr0 = offsetof(CpuState, cr);
  constexpr uint32_t kTs = 1u << 3;
  m_b.set_state(cr0, 4, m_b.and_(m_b.get_state(cr0, 4), ~kTs));
}
// INVD, WBINVD: no caches are modelled
void Translator::op_Invd(const Insn& insn) {
  if (!privileged(*this)) return fault(kVectorGP);
}
void Translator::op_Wbinvd(const Insn& insn) {
  if (!privileged(*this)) return fault(kVectorGP);
}

// SYSENTER (0F 34), SYSEXIT (0F 35): system mode (system/control.h); user
// mode leaves them #UD as before (Linux user code uses INT 0x80 here).
void Translator::op_Sysenter(const Insn& insn) {
  if (!system()) return fault(kVectorUD);
  m_b.exit_indirect(m_b.call(kSysenterHelper));
}
void Translator::op_Sysexit(const Insn& insn) {
  if (!system()) return fault(kVectorUD);
  if (!privileged(*this)) return fault(kVectorGP);
  m_b.exit_indirect(m_b.call(kSysexitHelper));
}

// SLDT r/m16 (0F 00 /0), STR r/m16 (0F 00 /1), SMSW r/m16 (0F 01 /4):
// readable at any CPL (no UMIP on a P6)
void Translator::op_Sldt(const Insn& insn) {
  if (system() && (real_mode() || vm86())) return fault(kVectorUD);
  write_operand(insn, 0, m_b.get_state(offsetof(CpuState, ldtr.selector), 2));
}
void Translator::op_Str(const Insn& insn) {
  if (system() && (real_mode() || vm86())) return fault(kVectorUD);
  write_operand(insn, 0, m_b.get_state(offsetof(CpuState, tr.selector), 2));
}
void Translator::op_Smsw(const Insn& insn) {
  Value cr0 = m_b.get_state(offsetof(CpuState, cr), 4);
  write_operand(insn, 0, insn.operands[0].kind == OperandKind::Reg ? cr0 : m_b.zext16(cr0));
}

// SGDT m (0F 01 /0), SIDT m (0F 01 /1): 16-bit limit, 32-bit base (24 bits
// under a 16-bit operand size)
namespace {
void store_table(Translator& t, const Insn& insn, size_t limit_offset, size_t base_offset) {
  ir::Builder& b = t.ir();
  Value addr = t.mem_linear(insn, 6, true);
  Value base = b.get_state(static_cast<uint32_t>(base_offset), 4);
  if (insn.opsize == 2) base = b.and_(base, 0x00ffffffu);
  b.store_sized(addr, b.get_state(static_cast<uint32_t>(limit_offset), 2), 2);
  b.store_sized(b.add(addr, 2u), base, 4);
}
}  // namespace
void Translator::op_Sgdt(const Insn& insn) {
  store_table(*this, insn, offsetof(CpuState, gdtr.limit), offsetof(CpuState, gdtr.base));
}
void Translator::op_Sidt(const Insn& insn) {
  store_table(*this, insn, offsetof(CpuState, idtr.limit), offsetof(CpuState, idtr.base));
}

// ARPL r/m16, r16 (63 /r): raises the destination selector's RPL to the
// source's; ZF = whether it changed
void Translator::op_Arpl(const Insn& insn) {
  if (system() && (real_mode() || vm86())) return fault(kVectorUD);
  Value addr;
  Value dst = read_operand(insn, 0, addr);
  Value src = read_operand(insn, 1);
  Value dst_rpl = m_b.and_(dst, 3u), src_rpl = m_b.and_(src, 3u);
  Value adjust = m_b.lt_u(dst_rpl, src_rpl);
  Value result = m_b.select(adjust, m_b.or_(m_b.and_(dst, ~3u), src_rpl), dst);
  Value flags = m_b.eflags();
  write_operand(insn, 0, result, addr);
  set_eflags_arith(m_b.or_(m_b.and_(flags, ~kZF), m_b.shl(adjust, 6u)));
}

namespace {

// LAR/LSL/VERR/VERW: ZF = whether the selector passes the instruction's
// checks; LAR/LSL then also write the destination.
void descriptor_query(Translator& t, const Insn& insn, unsigned kind, bool writes) {
  ir::Builder& b = t.ir();
  // Protected mode only: #UD in real and virtual-8086 mode.
  if (t.system() && (t.real_mode() || t.vm86())) return t.fault(kVectorUD);
  const unsigned src = writes ? 1 : 0;
  Value sel = b.zext16(t.read_operand(insn, src));
  Value r = b.call(kDescriptorQueryHelper, {sel, b.imm32(kind)});
  Value valid = b.hi64(r);
  Value flags = b.eflags();
  if (writes) {
    Value old = t.read_operand(insn, 0);
    t.write_operand(insn, 0, b.select(valid, b.lo64(r), old));
  }
  t.set_eflags_arith(b.or_(b.and_(flags, ~kZF), b.shl(valid, 6u)));
}

}  // namespace

// LAR r, r/m16 (0F 02): access rights (masked 0x00F0FF00)
void Translator::op_Lar(const Insn& insn) {
  descriptor_query(*this, insn, 0, true);
}
// LSL r, r/m16 (0F 03): segment limit in bytes
void Translator::op_Lsl(const Insn& insn) {
  descriptor_query(*this, insn, 1, true);
}
// VERR r/m16 (0F 00 /4)
void Translator::op_Verr(const Insn& insn) {
  descriptor_query(*this, insn, 2, false);
}
// VERW r/m16 (0F 00 /5)
void Translator::op_Verw(const Insn& insn) {
  descriptor_query(*this, insn, 3, false);
}

// FWAIT (9B), FXSAVE (0F AE /0), FXRSTOR (0F AE /1) are x87: translate()
// routes them to translate_x87 before this dispatch is reached.
void Translator::op_Fwait(const Insn& insn) {
  fault(kVectorUD);
}
void Translator::op_Fxsave(const Insn& insn) {
  fault(kVectorUD);
}
void Translator::op_Fxrstor(const Insn& insn) {
  fault(kVectorUD);
}

}  // namespace dynemu::x86
