// Instruction boundaries and block exits (the interpreter's step<> for the
// same ops, emulator/interp/interpreter.cpp, is the reference).
#include "emulator/backend/x64/emitter.h"

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

void emit_InsnStart(Emitter& e, const ir::Inst& i) {
  set_eip(e, i.imm);
  // A store of an earlier instruction rewrote this block: stop here.
  if (e.m_may_have_stored) {
    Xbyak::Label go_on;
    e.cmp(byte[r13 + kInvalidated], 0);
    e.je(go_on, Emitter::T_NEAR);
    e.leave(encode_exit(ExitKind::Stopped));
    e.L(go_on);
  }
}

void emit_ExitIf(Emitter& e, const ir::Inst& i) {
  Xbyak::Label stay;
  e.load32(eax, i.args[0]);
  e.test(eax, eax);
  e.jz(stay, Emitter::T_NEAR);
  set_eip(e, i.imm);
  e.leave_direct(i.aux);
  e.L(stay);
}
void emit_ExitJump(Emitter& e, const ir::Inst& i) {
  set_eip(e, i.imm);
  e.leave_direct(i.aux);
}
void emit_ExitIndirect(Emitter& e, const ir::Inst& i) {
  e.load32(eax, i.args[0]);
  e.mov(dword[rbx + Emitter::kEipOff], eax);
  e.leave_indirect();
}
void emit_RaiseFault(Emitter& e, const ir::Inst& i) {
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
