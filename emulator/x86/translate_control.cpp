// Control transfer (SDM vol. 1, 7.3.8): JMP Jcc CALL RET LOOP JCXZ, INT n,
// INT3, INTO, INT1, BOUND. Each ends the block.
#include <cstddef>
#include <utility>

#include "emulator/x86/helpers.h"
#include "emulator/x86/system/events.h"
#include "emulator/x86/system/far.h"
#include "emulator/x86/translator.h"

namespace dynemu::x86 {

using ir::Value;

namespace {

// An indirect target: wrapped to 16 bits under a 16-bit operand size.
Value branch_target(ir::Builder& b, const Insn& insn, Value v) {
  return insn.opsize == 2 ? b.zext16(v) : v;
}

void loop(Translator& t, const Insn& insn, int zf_condition) {
  ir::Builder& b = t.ir();
  Value count = b.sub(t.get_count_reg(insn), 1u);
  t.set_count_reg(insn, count);
  Value taken = b.ne(b.zext(count, insn.addrsize), 0u);
  if (zf_condition >= 0) taken = b.and_(taken, b.cond(static_cast<unsigned>(zf_condition)));
  b.exit_if(taken, insn.operands[0].value);
  b.exit_jump(insn.next_eip());
}

}  // namespace

// Jcc rel8 (70+cc); Jcc rel16/32 (0F 80+cc)
void Translator::op_Jcc(const Insn& insn) {
  m_b.exit_if(m_b.cond(insn.cond), insn.operands[0].value);
  m_b.exit_jump(insn.next_eip());
}

// JMP rel8 (EB); JMP rel16/32 (E9); JMP r/m16/32 (FF /4)
void Translator::op_Jmp(const Insn& insn) {
  if (insn.operands[0].kind == OperandKind::Rel) return m_b.exit_jump(insn.operands[0].value);
  m_b.exit_indirect(branch_target(m_b, insn, read_operand(insn, 0)));
}

// CALL rel16/32 (E8); CALL r/m16/32 (FF /2)
void Translator::op_Call(const Insn& insn) {
  const bool direct = insn.operands[0].kind == OperandKind::Rel;
  Value target = direct ? Value{} : branch_target(m_b, insn, read_operand(insn, 0));
  Value sp = push_value(get_sp(), m_b.imm32(insn.next_eip()), insn.opsize);
  set_sp(sp);
  if (direct) return m_b.exit_jump(insn.operands[0].value);
  m_b.exit_indirect(target);
}

// RET (C3); RET imm16 (C2 iw)
void Translator::op_Ret(const Insn& insn) {
  Value sp = get_sp();
  Value target = branch_target(m_b, insn, pop_value(sp, insn.opsize));
  if (insn.num_operands) sp = m_b.add(sp, insn.operands[0].value);
  set_sp(sp);
  m_b.exit_indirect(target);
}

// LOOP rel8 (E2)
void Translator::op_Loop(const Insn& insn) {
  loop(*this, insn, -1);
}
// LOOPE rel8 (E1)
void Translator::op_Loope(const Insn& insn) {
  loop(*this, insn, kCondZ);
}
// LOOPNE rel8 (E0)
void Translator::op_Loopne(const Insn& insn) {
  loop(*this, insn, kCondNZ);
}

// JCXZ/JECXZ rel8 (E3): CX or ECX by address size
void Translator::op_Jcxz(const Insn& insn) {
  m_b.exit_if(m_b.eq(get_count_reg(insn), 0u), insn.operands[0].value);
  m_b.exit_jump(insn.next_eip());
}

namespace {

// System mode: INT n / INT3 / INTO deliver through the IVT/IDT in a helper
// (gate DPL checks, stack switch), then continue at the handler.
void software_interrupt(Translator& t, const Insn& insn, uint8_t vector, EventKind kind) {
  ir::Builder& b = t.ir();
  Value eip =
      b.call(kSoftwareInterruptHelper,
             {b.imm32(vector), b.imm32(static_cast<uint32_t>(kind)), b.imm32(insn.next_eip())});
  b.exit_indirect(eip);
}

}  // namespace

// INT3 (CC): #BP trap
void Translator::op_Int3(const Insn& insn) {
  if (system()) return software_interrupt(*this, insn, kVectorBP, EventKind::SoftwareTrap);
  m_b.raise_trap(kVectorBP, insn.next_eip());
}

// INT1 / ICEBP (F1): #DB trap
void Translator::op_Int1(const Insn& insn) {
  m_b.raise_trap(kVectorDB, insn.next_eip());
}

// INTO (CE): #OF trap if OF = 1
void Translator::op_Into(const Insn& insn) {
  m_b.exit_if(m_b.cond(kCondNO), insn.next_eip());
  if (system()) return software_interrupt(*this, insn, kVectorOF, EventKind::SoftwareTrap);
  m_b.raise_trap(kVectorOF, insn.next_eip());
}

// INT imm8 (CD ib). System mode: through the IVT/IDT. User mode, as Linux
// sets up its IDT: INT 0x80 is the system call; vectors 3 and 4 are
// user-callable traps; any other vector hits a DPL 0 gate: #GP(vector * 8 + 2).
void Translator::op_Int(const Insn& insn) {
  const uint8_t vector = static_cast<uint8_t>(insn.operands[0].value);
  if (system()) return software_interrupt(*this, insn, vector, EventKind::SoftwareInt);
  if (vector == 0x80) return m_b.exit_syscall(insn.next_eip());
  if (vector == kVectorBP || vector == kVectorOF) return m_b.raise_trap(vector, insn.next_eip());
  fault(kVectorGP, vector * 8u + 2u);
}

// BOUND r16/32, m16&16/m32&32 (62 /r): #BR if the index is out of bounds
void Translator::op_Bound(const Insn& insn) {
  const unsigned bytes = insn.opsize;
  Value addr = mem_linear(insn, 2 * bytes);
  Value lower = m_b.sext(m_b.load_sized(addr, bytes), bytes);
  Value upper = m_b.sext(m_b.load_sized(m_b.add(addr, bytes), bytes), bytes);
  Value index = m_b.sext(read_operand(insn, 0), bytes);
  Value out = m_b.or_(m_b.lt_s(index, lower), m_b.lt_s(upper, index));
  fault_if(out, kVectorBR);
}

namespace {

// The target of a far JMP/CALL: ptr16:16/32 immediate (EA, 9A) or m16:16/32
// (FF /5, FF /3). Returns {offset, selector}.
std::pair<Value, Value> far_target(Translator& t, const Insn& insn) {
  ir::Builder& b = t.ir();
  const Operand& o = insn.operands[0];
  if (o.kind == OperandKind::Far) return {b.imm32(o.value), b.imm32(o.sel)};
  Value addr = t.mem_linear(insn, insn.opsize + 2u);
  Value offset = b.load_sized(addr, insn.opsize);
  Value sel = b.load16(b.add(addr, insn.opsize));
  return {offset, sel};
}

}  // namespace

// JMP ptr16:16/32 (EA cd/cp); JMP m16:16/32 (FF /5). System mode: real
// mode, code segments, call gates, task gates and TSSs (system/far.h).
// User mode: to a code segment of the same privilege (others: #GP(sel)).
void Translator::op_JmpFar(const Insn& insn) {
  auto [offset, sel] = far_target(*this, insn);
  if (system()) {
    Value sel16 = m_b.zext16(sel);
    return m_b.exit_indirect(m_b.call(
        kFarJmpHelper, {sel16, offset, m_b.imm32(insn.opsize), m_b.imm32(insn.next_eip())}));
  }
  m_b.call(kLoadCodeSegmentHelper, {sel, m_b.imm32(0)});
  m_b.exit_indirect(branch_target(m_b, insn, offset));
}

// CALL ptr16:16/32 (9A cd/cp); CALL m16:16/32 (FF /3): pushes CS then EIP
void Translator::op_CallFar(const Insn& insn) {
  auto [offset, sel] = far_target(*this, insn);
  if (system()) {
    Value sel16 = m_b.zext16(sel);
    return m_b.exit_indirect(m_b.call(
        kFarCallHelper, {sel16, offset, m_b.imm32(insn.opsize), m_b.imm32(insn.next_eip())}));
  }
  Value old_cs = m_b.get_state(
      offsetof(CpuState, seg) + kCs * sizeof(SegmentCache) + offsetof(SegmentCache, selector), 2);
  Value sp = push_value(get_sp(), old_cs, insn.opsize);
  sp = push_value(sp, m_b.imm32(insn.next_eip()), insn.opsize);
  m_b.call(kLoadCodeSegmentHelper, {sel, m_b.imm32(0)});
  set_sp(sp);
  m_b.exit_indirect(branch_target(m_b, insn, offset));
}

// RETF (CB); RETF imm16 (CA iw): to the same privilege level
void Translator::op_RetFar(const Insn& insn) {
  if (system()) {
    const uint32_t release = insn.num_operands ? insn.operands[0].value : 0;
    return m_b.exit_indirect(m_b.call(kFarRetHelper, {m_b.imm32(insn.opsize), m_b.imm32(release)}));
  }
  Value sp = get_sp();
  Value offset = pop_value(sp, insn.opsize);
  Value sel = m_b.zext16(pop_value(sp, insn.opsize));
  m_b.call(kLoadCodeSegmentHelper, {sel, m_b.imm32(1)});
  if (insn.num_operands) sp = m_b.add(sp, insn.operands[0].value);
  set_sp(sp);
  m_b.exit_indirect(branch_target(m_b, insn, offset));
}

// IRET/IRETD (CF): to the same privilege level; EFLAGS as POPF at CPL 3
// (IF and IOPL unchanged). Returns to an outer level, to virtual-8086 mode
// and nested tasks belong to system emulation (known gap: #GP).
void Translator::op_Iret(const Insn& insn) {
  if (system())
    return m_b.exit_indirect(
        m_b.call(kIretHelper, {m_b.imm32(insn.opsize), m_b.imm32(insn.next_eip()),
                               m_b.imm32(m_req.mode), m_b.imm32(m_req.cs_base)}));
  Value sp = get_sp();
  Value offset = pop_value(sp, insn.opsize);
  Value sel = m_b.zext16(pop_value(sp, insn.opsize));
  Value flags = pop_value(sp, insn.opsize);
  m_b.call(kLoadCodeSegmentHelper, {sel, m_b.imm32(1)});
  set_sp(sp);
  set_eflags_user(flags, insn.opsize);
  m_b.exit_indirect(branch_target(m_b, insn, offset));
}

}  // namespace dynemu::x86
