// x87 inline: the common x87 forms run as the guest's own instruction bytes
// in the block's host code, with the guest's x87 state loaded into the host
// unit once (FRSTOR) and saved once (FNSAVE) per run of x87 instructions,
// instead of one helper call (FRSTOR, instruction, FNSAVE) per instruction.
//
// Conditions (checked at block entry and after anything that could change
// them, else the block continues in its helper-only version): CR0.EM and
// CR0.TS clear and every x87 exception masked. Then no instruction raises
// #NM or #MF, FWAIT does nothing, and stores are never suppressed, so the
// helper's results are known (0) and its bookkeeping reduces to the guest's
// FIP/FCS/FOP/FDP/FDS, which the code writes into the FNSAVE image (the host
// unit's own pointers are host addresses): the image's pointer bytes 12..25
// stay authoritative while the registers are resident and survive the FNSAVE.
//
// While resident, the thread's x87_resident_state() points at the guest
// state, so a host fault on a guest access (exec/host_fault.cpp) can move the
// live registers from the signal's context into it (precise faults).
#include "emulator/backend/x64/emitter.h"
#include "emulator/x86/fpu/x87_exec.h"
#include "emulator/x86/lazy_flags.h"

namespace dynemu::backend::x64 {

using namespace Xbyak::util;
using x86::fpu::X87Form;
using x86::fpu::X87Insn;

namespace {

constexpr uint32_t kFpu = offsetof(x86::CpuState, fpu);
constexpr uint32_t kPtrs = kFpu + offsetof(x86::FpuState, last_ip);  // bytes 12..25
constexpr uint32_t kLastCs = kFpu + offsetof(x86::FpuState, last_cs);
constexpr uint32_t kLastOpcode = kFpu + offsetof(x86::FpuState, last_opcode);
constexpr uint32_t kLastDp = kFpu + offsetof(x86::FpuState, last_dp);
constexpr uint32_t kLastDs = kFpu + offsetof(x86::FpuState, last_ds);
constexpr uint32_t kControl = kFpu + offsetof(x86::FpuState, control);
constexpr uint32_t kOperand = kFpu + offsetof(x86::FpuState, operand);
constexpr uint32_t kCr0 = offsetof(x86::CpuState, cr);
constexpr uint32_t kCcOp = offsetof(x86::CpuState, cc) + offsetof(x86::LazyFlags, op);
constexpr uint32_t kCcDst = offsetof(x86::CpuState, cc) + offsetof(x86::LazyFlags, dst);
constexpr uint32_t kCcSrc = offsetof(x86::CpuState, cc) + offsetof(x86::LazyFlags, src);
constexpr uint32_t kCcSrc2 = offsetof(x86::CpuState, cc) + offsetof(x86::LazyFlags, src2);
static_assert(offsetof(x86::FpuState, last_ip) == 12 && offsetof(x86::FpuState, last_ds) == 24);

uint32_t selector_off(unsigned seg) {
  return static_cast<uint32_t>(offsetof(x86::CpuState, seg) + sizeof(x86::SegmentCache) * seg +
                               offsetof(x86::SegmentCache, selector));
}

bool is_x87_call(const ir::Inst& i) {
  return i.op == ir::Opcode::Call &&
         (i.helper == &x86::fpu::kX87Helper || i.helper == &x86::fpu::kX87FlagsHelper);
}

// FCOMI, FCOMIP, FUCOMI, FUCOMIP: write ZF, PF, CF (OF, SF, AF cleared).
bool is_comi(uint8_t op, uint8_t modrm) {
  return (op == 0xdb || op == 0xdf) && modrm >= 0xe8 && modrm <= 0xf7;
}

}  // namespace

bool Emitter::x87_inlinable(const ir::Inst& i) const {
  if (!is_x87_call(i) || !is_const(i.args[0]) || !is_const(i.args[1])) return false;
  const X87Insn in = X87Insn::unpack(static_cast<uint32_t>(m_const[i.args[0].id]));
  if (in.op == 0x9b) return true;  // FWAIT
  if (in.op < 0xd8 || in.op > 0xdf || in.format != x86::fpu::X87ImageFormat::Protected32)
    return false;
  const X87Form form = x86::fpu::x87_form(in.op, in.modrm);
  if (!form.valid() || form.has(x86::fpu::kX87Control) || form.has(x86::fpu::kX87EnvImage) ||
      form.has(x86::fpu::kX87WritesAx))
    return false;
  if (form.has(x86::fpu::kX87Eflags))
    return i.helper == &x86::fpu::kX87FlagsHelper && is_comi(in.op, in.modrm);
  return true;
}

void Emitter::x87_check(Xbyak::Label& slow) {
  test(dword[rbx + kCr0], x86::fpu::kCr0Em | x86::fpu::kCr0Ts);
  jnz(slow, T_NEAR);
  movzx(eax, word[rbx + kControl]);
  and_(eax, 0x3f);
  cmp(eax, 0x3f);
  jne(slow, T_NEAR);
}

void Emitter::x87_save_code() {
  // FNSAVE writes the host's pointers: keep the guest's (bytes 12..25).
  mov(rax, qword[rbx + kPtrs]);
  mov(qword[rsp + kFramePtrs], rax);
  mov(eax, dword[rbx + kLastDp]);
  mov(dword[rsp + kFramePtrs + 8], eax);
  movzx(eax, word[rbx + kLastDs]);
  mov(word[rsp + kFramePtrs + 12], ax);
  fnsave(ptr[rbx + kFpu]);
  mov(rax, qword[rsp + kFramePtrs]);
  mov(qword[rbx + kPtrs], rax);
  mov(eax, dword[rsp + kFramePtrs + 8]);
  mov(dword[rbx + kLastDp], eax);
  movzx(eax, word[rsp + kFramePtrs + 12]);
  mov(word[rbx + kLastDs], ax);
  // Not resident any more, for the host fault handler.
  mov(rax, qword[rsp + kFrameX87Slot]);
  mov(qword[rax], 0);
}

void Emitter::x87_load_code(const Xbyak::Reg64& s0, const Xbyak::Reg64& s1) {
  frstor(ptr[rbx + kFpu]);
  mov(s0, qword[rsp + kFrameX87Slot]);
  lea(s1, ptr[rbx + kFpu]);
  mov(qword[s0], s1);
}

void Emitter::x87_settle() {
  if (!m_x87_resident) return;
  x87_save_code();
  m_x87_resident = false;
}

void Emitter::x87_emit_inline(const ir::Inst& i) {
  const X87Insn in = X87Insn::unpack(static_cast<uint32_t>(m_const[i.args[0].id]));
  if (in.op != 0x9b) {
    const X87Form form = x86::fpu::x87_form(in.op, in.modrm);
    if (!m_x87_resident) {
      x87_load_code(rax, rcx);
      m_x87_resident = true;
    }
    // The guest's pointers (x87_execute's record_pointers, protected mode).
    mov(dword[rbx + kPtrs], static_cast<uint32_t>(m_const[i.args[1].id]));
    movzx(eax, word[rbx + selector_off(x86::kCs)]);
    mov(word[rbx + kLastCs], ax);
    mov(word[rbx + kLastOpcode], static_cast<uint16_t>((in.op & 7) << 8 | in.modrm));
    if (form.operand != x86::fpu::X87Operand::None) {
      load32(eax, i.args[2]);
      mov(dword[rbx + kLastDp], eax);
      movzx(eax, word[rbx + selector_off(in.segment < 6 ? in.segment : unsigned{x86::kDs})]);
      mov(word[rbx + kLastDs], ax);
      // The staged operand, addressed as [rax] (ModRM mod 00, r/m 000).
      lea(rax, ptr[rbx + kOperand]);
      db(in.op);
      db(in.modrm & 0x38);
    } else {
      db(in.op);
      db(in.modrm);
    }
    if (form.has(x86::fpu::kX87Eflags)) {
      // x86::write_eflags of the new flags: only ZF, PF, CF can be set.
      // (LAHF: ZF PF CF are in AH; PUSHFQ would be several times slower.)
      lahf();
      movzx(eax, ah);
      and_(eax, 0x45);
      mov(dword[rbx + kCcSrc], eax);
      mov(dword[rbx + kCcOp], static_cast<uint32_t>(x86::CcOp::Eflags));
      mov(dword[rbx + kCcDst], 0);
      mov(dword[rbx + kCcSrc2], 0);
    }
  }
  if (i.dst.valid()) {
    xor_(eax, eax);  // kX87Done
    store32(i.dst, eax);
  }
}

// Called after an op of the fast version that may have changed CR0 or the
// x87 control word (a helper writing guest state, a state write into the
// x87 image): continue in the helper-only version if the conditions fail.
void Emitter::x87_recheck() {
  x87_check((*m_slow_at)[m_pos + 1]);
}

bool Emitter::x87_state_overlaps(const ir::Inst& i) const {
  uint64_t bytes = 0;
  switch (i.op) {
    case ir::Opcode::GetState8:
    case ir::Opcode::SetState8: bytes = 1; break;
    case ir::Opcode::GetState16:
    case ir::Opcode::SetState16: bytes = 2; break;
    case ir::Opcode::GetState32:
    case ir::Opcode::SetState32: bytes = 4; break;
    default: return false;
  }
  return i.imm < kFpu + x86::FpuState::kImageSize && i.imm + bytes > kFpu;
}

}  // namespace dynemu::backend::x64
