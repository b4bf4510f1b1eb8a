// Lazy flags: CpuState::cc written and read in place; conditions and
// EFLAGS evaluated by the same C++ code the interpreter runs
// (emulator/x86/lazy_flags), so the two engines cannot disagree.
#include "emulator/backend/x64/emitter.h"
#include "emulator/x86/lazy_flags.h"

namespace dynemu::backend::x64 {

using namespace Xbyak::util;

namespace {

constexpr uint32_t kCc = offsetof(x86::CpuState, cc);
constexpr uint32_t kCcOp = kCc + offsetof(x86::LazyFlags, op);
constexpr uint32_t kCcDst = kCc + offsetof(x86::LazyFlags, dst);
constexpr uint32_t kCcSrc = kCc + offsetof(x86::LazyFlags, src);
constexpr uint32_t kCcSrc2 = kCc + offsetof(x86::LazyFlags, src2);

void write_cc(Emitter& e, uint64_t op, ir::Value dst, ir::Value src, ir::Value src2) {
  e.load32(eax, dst);
  e.load32(ecx, src);
  e.load32(edx, src2);
  e.mov(dword[rbx + kCcOp], static_cast<uint32_t>(op));
  e.mov(dword[rbx + kCcDst], eax);
  e.mov(dword[rbx + kCcSrc], ecx);
  e.mov(dword[rbx + kCcSrc2], edx);
}

void read_cc(Emitter& e, const ir::Inst& i, uint32_t off) {
  e.mov(eax, dword[rbx + off]);
  e.store32(i.dst, eax);
}

extern "C" uint32_t jit_read_eflags(const x86::CpuState* s) {
  return x86::read_eflags(*s);
}
extern "C" uint32_t jit_eval_cond(const x86::LazyFlags* cc, uint32_t cond) {
  return x86::eval_cond(*cc, cond) ? 1 : 0;
}

}  // namespace

void emit_SetCc(Emitter& e, const ir::Inst& i) {
  write_cc(e, i.imm, i.args[0], i.args[1], i.args[2]);
}
void emit_SetCcIf(Emitter& e, const ir::Inst& i) {
  Xbyak::Label skip;
  e.load32(eax, i.args[0]);
  e.test(eax, eax);
  e.jz(skip, Emitter::T_NEAR);
  write_cc(e, i.imm, i.args[1], i.args[2], i.args[3]);
  e.L(skip);
}
void emit_GetCcOp(Emitter& e, const ir::Inst& i) {
  read_cc(e, i, kCcOp);
}
void emit_GetCcDst(Emitter& e, const ir::Inst& i) {
  read_cc(e, i, kCcDst);
}
void emit_GetCcSrc(Emitter& e, const ir::Inst& i) {
  read_cc(e, i, kCcSrc);
}
void emit_GetCcSrc2(Emitter& e, const ir::Inst& i) {
  read_cc(e, i, kCcSrc2);
}

void emit_Eflags(Emitter& e, const ir::Inst& i) {
  e.x87_settle();
  e.mov(rdi, rbx);
  e.call_fn(reinterpret_cast<const void*>(&jit_read_eflags));
  e.mov(eax, eax);  // SysV leaves the upper half of rax undefined
  e.store32(i.dst, eax);
}
void emit_Cond(Emitter& e, const ir::Inst& i) {
  e.x87_settle();
  e.lea(rdi, ptr[rbx + kCc]);
  e.mov(esi, static_cast<uint32_t>(i.imm));
  e.call_fn(reinterpret_cast<const void*>(&jit_eval_cond));
  e.mov(eax, eax);
  e.store32(i.dst, eax);
}

}  // namespace dynemu::backend::x64
