// Calls into C++: registered IR helpers (ir::HelperInfo, SysV: rdi = env,
// rsi, rdx, rcx, r8 = arguments, rax = result) and x86 division. The
// pinned registers are callee-saved and Emitter::call_fn writes back temps
// cached in caller-saved registers; the frame keeps rsp 16-byte aligned.
#include "emulator/backend/x64/emitter.h"
#include "emulator/ir/semantics.h"

namespace dynemu::backend::x64 {

using namespace Xbyak::util;
using interp::ExitKind;

namespace {

constexpr uint32_t kRaised = offsetof(ir::GuestEnv, raised);

// Leaves with an exception exit if the callee raised (GuestEnv::raise).
void check_raised(Emitter& e) {
  e.cmp(byte[r13 + kRaised], 0);
  e.leave_cold_if(0x5, encode_exit(ExitKind::Exception));  // jne: out of line
}

// ir::div_op; on #DE raises vector 0 (at the current instruction) and
// returns false.
extern "C" bool jit_divide(ir::GuestEnv* env, uint64_t dividend, uint32_t divisor, uint32_t flags,
                           uint64_t* out) {
  const auto r = ir::div_op(flags & 0x100, dividend, divisor, flags & 0xff);
  if (!r) {
    env->raise(0);
    return false;
  }
  *out = *r;
  return true;
}

void divide(Emitter& e, const ir::Inst& i, bool is_signed) {
  e.x87_settle();
  e.mov(rdi, r13);
  e.load64(rsi, i.args[0]);
  e.load32(edx, i.args[1]);
  e.mov(ecx, static_cast<uint32_t>(i.imm) | (is_signed ? 0x100u : 0u));
  e.lea(r8, e.tmp(i.dst));  // the result goes through its temps slot
  e.call_fn(reinterpret_cast<const void*>(&jit_divide));
  e.test(al, al);
  e.leave_cold_if(0x4, encode_exit(ExitKind::Exception));  // jz: out of line
  if (e.in_reg(i.dst)) e.mov(e.reg64(i.dst), e.tmp(i.dst));
}

}  // namespace

void emit_DivU(Emitter& e, const ir::Inst& i) {
  divide(e, i, false);
}
void emit_DivS(Emitter& e, const ir::Inst& i) {
  divide(e, i, true);
}

void emit_Call(Emitter& e, const ir::Inst& i) {
  if (e.m_x87_fast && e.x87_inlinable(i)) {
    e.x87_emit_inline(i);
    return;
  }
  e.x87_settle();
  e.mov(rdi, r13);
  e.load64(rsi, i.args[0]);
  e.load64(rdx, i.args[1]);
  e.load64(rcx, i.args[2]);
  e.load64(r8, i.args[3]);
  e.call_fn(reinterpret_cast<const void*>(i.helper->fn));
  if (i.dst.valid()) {
    if (i.helper->result == ir::Type::I32) {
      e.mov(eax, eax);  // the low half; SysV leaves the upper half undefined
      e.store32(i.dst, eax);
    } else
      e.store64(i.dst, rax);
  }
  // As the interpreter: any helper may have raised.
  check_raised(e);
  // It may have changed CR0 or the x87 control word (FLDCW, FNINIT...).
  if (e.m_x87_fast && (i.helper->effects & ir::kWritesState)) e.x87_recheck();
}

}  // namespace dynemu::backend::x64
