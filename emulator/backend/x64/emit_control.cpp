// Instruction boundaries and block exits (the interpreter's step<> for the
// same ops, emulator/interp/interpreter.cpp, is the reference).
#include "emulator/backend/x64/emitter.h"

#include <memory>

namespace dynemu::backend::x64 {

using namespace Xbyak::util;
using interp::ExitKind;

namespace {

constexpr uint32_t kRaised = offsetof(ir::GuestEnv, raised);
constexpr uint32_t kVector = offsetof(ir::GuestEnv, vector);
constexpr uint32_t kErrorCode = offsetof(ir::GuestEnv, error_code);
constexpr uint32_t kFaultAddr = offsetof(ir::GuestEnv, fault_addr);
constexpr uint32_t kInvalidated = offsetof(ir::GuestEnv, block_invalidated);

void set_eip(Emitter& e, uint64_t eip) {
  e.mov(dword[rbx + Emitter::kEipOff], static_cast<uint32_t>(eip));
}

// GuestEnv::raise(vector, code, addr), inline.
void raise(Emitter& e, uint32_t vector, uint32_t code, uint32_t addr) {
  e.mov(byte[r13 + kRaised], 1);
  e.mov(byte[r13 + kVector], static_cast<uint8_t>(vector));
  e.mov(dword[r13 + kErrorCode], code);
  e.mov(dword[r13 + kFaultAddr], addr);
}

}  // namespace

// Lazy EIP: no store here (see Emitter::store_eip); the instruction's host
// code starts here for Jit::guest_eip_at.
void emit_InsnStart(Emitter& e, const ir::Inst& i) {
  e.m_cur_eip = static_cast<uint32_t>(i.imm);
  e.m_pcs.push_back({static_cast<uint32_t>(e.getSize()), e.m_cur_eip});
  // A store of an earlier instruction rewrote this block: stop here. Only
  // a store sets the flag, so the first InsnStart after one checks it.
  if (e.m_store_unchecked) {
    e.m_store_unchecked = false;
    // The shared check (5 bytes instead of 11), which finds this EIP from
    // its return address; inline while the x87 state is resident.
    if (!e.m_x87_resident && e.m_stop_check) return e.call(e.m_stop_check);
    auto stop = std::make_shared<Xbyak::Label>();
    e.cmp(byte[r13 + kInvalidated], 0);
    e.jne(*stop, Emitter::T_NEAR);
    e.m_cold.push_back([&e, stop, x87 = e.m_x87_resident, eip = e.m_cur_eip] {
      e.L(*stop);
      set_eip(e, eip);  // exec continues at this instruction
      const bool resident = e.m_x87_resident;
      e.m_x87_resident = x87;
      e.leave(encode_exit(ExitKind::Stopped));
      e.m_x87_resident = resident;
    });
  }
}

// The shared block-invalidated check (Emitter::m_stop_check), called from
// blocks after a store: leaves the block through the shared epilogue
// (Stopped) when a store rewrote the running block. On the way out, C code
// finds the block (tag) and the instruction to continue at (EIP) from the
// return address, as for a host fault.
extern "C" void jit_stop_here(const Jit* jit, uintptr_t ret, uint64_t* temps,
                              x86::CpuState* state) {
  uint32_t eip = 0;
  uint64_t tag = 0;
  if (jit->guest_eip_at(ret - 1, eip, tag)) {
    state->eip = eip;  // exec continues at this instruction
    if (tag) temps[-1] = tag;
  }
}

void emit_check_thunks(Emitter& e, const Jit* jit) {
  Xbyak::Label out;
  e.align(16);
  e.m_stop_check = e.getCurr();
  e.cmp(byte[r13 + kInvalidated], 0);
  e.jne(out, Emitter::T_SHORT);
  e.ret();
  e.L(out);
  e.mov(rdi, reinterpret_cast<uint64_t>(jit));
  e.mov(rsi, qword[rsp]);
  e.mov(rdx, r14);
  e.mov(rcx, rbx);
  e.sub(rsp, 8);  // 16-byte aligned for the call
  e.call_c(reinterpret_cast<const void*>(&jit_stop_here));
  e.add(rsp, 16);  // and the block's return address: it is left
  e.mov(eax, static_cast<uint32_t>(encode_exit(ExitKind::Stopped)));
  e.jmp(e.m_shared_epilogue, Emitter::T_NEAR);
}

namespace {

// The fused comparison of ExitIf (Emitter::m_fused_cmp): flags from
// CMP a, b (or TEST a, a for a == 0); returns the x86 condition code
// (low nibble of Jcc) under which the block stays.
unsigned compare_for_exit(Emitter& e, const ir::Inst& c) {
  Xbyak::Reg32 a = eax;
  if (e.in_reg(c.args[0]))
    a = e.reg32(c.args[0]);
  else
    e.load32(eax, c.args[0]);
  const ir::Value b = c.args[1];
  const bool eq_ne = c.op == ir::Opcode::Eq || c.op == ir::Opcode::Ne;
  if (e.is_const(b) && eq_ne && e.m_const[b.id] == 0)
    e.test(a, a);
  else if (e.is_const(b))
    e.cmp(a, static_cast<uint32_t>(e.m_const[b.id]));
  else if (e.in_reg(b))
    e.cmp(a, e.reg32(b));
  else {
    e.load32(ecx, b);
    e.cmp(a, ecx);
  }
  switch (c.op) {
    case ir::Opcode::Eq: return 0x5;   // stay if NE
    case ir::Opcode::Ne: return 0x4;   // E
    case ir::Opcode::LtU: return 0x3;  // AE
    case ir::Opcode::LeU: return 0x7;  // A
    case ir::Opcode::LtS: return 0xd;  // GE
    default: return 0xf;               // LeS: G
  }
}

}  // namespace

void emit_ExitIf(Emitter& e, const ir::Inst& i) {
  Xbyak::Label stay;
  // The exit in between is at most ~30 bytes (its stub is cold) unless it
  // saves a resident x87 state first.
  const auto type = e.m_x87_resident ? Emitter::T_NEAR : Emitter::T_SHORT;
  if (const ir::Inst* c = e.m_fused_cmp) {
    e.m_fused_cmp = nullptr;
    switch (compare_for_exit(e, *c)) {
      case 0x5: e.jne(stay, type); break;
      case 0x4: e.je(stay, type); break;
      case 0x3: e.jae(stay, type); break;
      case 0x7: e.ja(stay, type); break;
      case 0xd: e.jge(stay, type); break;
      default: e.jg(stay, type); break;
    }
  } else {
    e.load32(eax, i.args[0]);
    e.test(eax, eax);
    e.jz(stay, type);
  }
  e.leave_direct(i.aux, static_cast<uint32_t>(i.imm));
  e.L(stay);
}
void emit_ExitJump(Emitter& e, const ir::Inst& i) {
  e.leave_direct(i.aux, static_cast<uint32_t>(i.imm));
}
void emit_ExitIndirect(Emitter& e, const ir::Inst& i) {
  e.load32(eax, i.args[0]);
  e.mov(dword[rbx + Emitter::kEipOff], eax);
  e.leave_indirect();
}
void emit_RaiseFault(Emitter& e, const ir::Inst& i) {
  e.store_eip(e.m_cur_eip);  // a fault: EIP of the instruction
  raise(e, i.aux, static_cast<uint32_t>(i.imm), static_cast<uint32_t>(i.imm >> 32));
  e.leave(encode_exit(ExitKind::Exception));
}
void emit_RaiseTrap(Emitter& e, const ir::Inst& i) {
  set_eip(e, i.imm);
  raise(e, i.aux, 0, 0);
  e.leave(encode_exit(ExitKind::Exception));
}
void emit_ExitSyscall(Emitter& e, const ir::Inst& i) {
  set_eip(e, i.imm);
  e.leave(encode_exit(ExitKind::Syscall));
}
void emit_ExitHalt(Emitter& e, const ir::Inst& i) {
  set_eip(e, i.imm);
  e.leave(encode_exit(ExitKind::Halt));
}

}  // namespace dynemu::backend::x64
