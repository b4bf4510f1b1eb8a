// Stack instructions (SDM vol. 1, 7.3.1.4 and 7.3.2.3): PUSH POP PUSHA POPA
// PUSHF POPF ENTER LEAVE, and PUSH/POP of segment registers.
#include <cstddef>

#include "emulator/x86/helpers.h"
#include "emulator/x86/system/eflags.h"
#include "emulator/x86/translator.h"

namespace dynemu::x86 {

using ir::Value;

// PUSH r16/32 (50+r); PUSH r/m16/32 (FF /6); PUSH imm8/16/32 (6A, 68).
// PUSH ESP pushes the value before the push.
void Translator::op_Push(const Insn& insn) {
  Value v = read_operand(insn, 0);
  set_sp(push_value(get_sp(), v, insn.opsize));
}

// POP r16/32 (58+r); POP r/m16/32 (8F /0). An ESP-based destination address
// is computed with the incremented ESP; POP ESP leaves the popped value.
void Translator::op_Pop(const Insn& insn) {
  Value sp = get_sp();
  Value v = pop_value(sp, insn.opsize);
  if (insn.operands[0].kind == OperandKind::Mem) {
    m_esp_bias = static_cast<int32_t>(insn.opsize);
    write_operand(insn, 0, v);
    m_esp_bias = 0;
    set_sp(sp);
    return;
  }
  set_sp(sp);
  write_operand(insn, 0, v);
}

// PUSH ES/CS/SS/DS (06, 0E, 16, 1E); PUSH FS/GS (0F A0, 0F A8). With a
// 32-bit operand size the stack pointer moves by 4 and only the low 16 bits
// are written (as this host does).
void Translator::op_PushSeg(const Insn& insn) {
  Value sel = read_operand(insn, 0);
  Value sp = m_b.sub(get_sp(), insn.opsize);
  m_b.store_sized(stack_address(sp, 2, true), sel, 2);
  set_sp(sp);
}

// POP ES/SS/DS (07, 17, 1F); POP FS/GS (0F A1, 0F A9)
void Translator::op_PopSeg(const Insn& insn) {
  Value sp = get_sp();
  Value sel = m_b.zext16(pop_value(sp, insn.opsize));
  const unsigned seg = insn.operands[0].reg;
  load_segment(seg, sel);
  set_sp(sp);
  if (seg == kSs) end_block_after(insn);  // see load_segment
}

// PUSHA/PUSHAD (60): EAX ECX EDX EBX (original) ESP EBP ESI EDI
void Translator::op_Pusha(const Insn& insn) {
  const unsigned bytes = insn.opsize;
  Value sp0 = get_sp();
  Value sp = sp0;
  for (unsigned r = 0; r < 8; ++r) {
    Value v = r == kEsp ? sp0 : m_b.get_reg(r, bytes);
    sp = push_value(sp, v, bytes);
  }
  set_sp(sp);
}

// POPA/POPAD (61): the saved ESP is skipped
void Translator::op_Popa(const Insn& insn) {
  const unsigned bytes = insn.opsize;
  Value sp = get_sp();
  Value values[8];
  for (int r = 7; r >= 0; --r) values[r] = pop_value(sp, bytes);
  for (unsigned r = 0; r < 8; ++r)
    if (r != kEsp) m_b.set_reg(r, bytes, values[r]);
  set_sp(sp);
}

// PUSHF/PUSHFD (9C): VM and RF read as 0 in the image; #GP(0) in
// virtual-8086 mode with IOPL < 3 (no VME)
void Translator::op_Pushf(const Insn& insn) {
  if (system() && vm86())
    fault_if(m_b.lt_u(m_b.extract(get_eflags_stored(), 12, 2), m_b.imm32(3)), kVectorGP);
  Value flags = m_b.and_(m_b.eflags(), ~(kVM | kRF));
  set_sp(push_value(get_sp(), flags, insn.opsize));
}

// POPF/POPFD (9D). User mode (CPL 3, IOPL 0): IF and IOPL unchanged.
// System mode: the CPL/IOPL rules of system/eflags.h. Ends the block (TF,
// AC and, in system mode, IF matter to what follows).
void Translator::op_Popf(const Insn& insn) {
  Value sp = get_sp();
  Value v = pop_value(sp, insn.opsize);
  if (system()) {
    m_b.call(kPopfHelper, {v, m_b.imm32(insn.opsize), m_b.imm32(m_req.mode)});
    set_sp(sp);
    return end_block_after(insn);
  }
  set_sp(sp);
  set_eflags_user(v, insn.opsize);
  end_block_after(insn);
}

// ENTER imm16, imm8 (C8 iw ib)
void Translator::op_Enter(const Insn& insn) {
  const unsigned bytes = insn.opsize;
  const uint32_t size = insn.operands[0].value;
  const unsigned level = insn.operands[1].value & 31;
  Value sp = push_value(get_sp(), m_b.get_reg(kEbp, bytes), bytes);
  Value frame = sp;
  if (level > 0) {
    Value bp = m_b.get_reg(kEbp, (m_req.mode & ir::kMode32BitStack) ? 4 : 2);
    for (unsigned i = 1; i < level; ++i) {
      bp = m_b.sub(bp, bytes);
      Value v = m_b.load_sized(stack_address(bp, bytes), bytes);
      sp = push_value(sp, v, bytes);
    }
    sp = push_value(sp, frame, bytes);
  }
  // Hardware also probes the new stack bottom; the next push faults anyway.
  m_b.set_reg(kEbp, bytes, frame);
  set_sp(m_b.sub(sp, size));
}

// LEAVE (C9): ESP = EBP; pop EBP
void Translator::op_Leave(const Insn& insn) {
  const unsigned bytes = insn.opsize;
  Value sp = (m_req.mode & ir::kMode32BitStack) ? m_b.get_gpr(kEbp) : m_b.get_reg(kEbp, 2);
  Value bp = pop_value(sp, bytes);
  set_sp(sp);
  m_b.set_reg(kEbp, bytes, bp);
}

}  // namespace dynemu::x86
