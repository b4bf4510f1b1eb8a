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

// The constant an optional operand stores (absent: 0), or -1.
int64_t const_of(const Emitter& e, ir::Value v) {
  if (!v.valid()) return 0;
  // (int64_t on both arms: a uint32_t arm would turn -1 into 0xffffffff.)
  return e.is_const(v) ? int64_t{static_cast<uint32_t>(e.m_const[v.id])} : int64_t{-1};
}

void write_cc(Emitter& e, uint64_t op, ir::Value dst, ir::Value src, ir::Value src2) {
  if (e.m_cc_op_known != static_cast<int64_t>(op))
    e.mov(dword[rbx + kCcOp], static_cast<uint32_t>(op));
  e.store_to(dword[rbx + kCcDst], dst);
  const int64_t c = const_of(e, src), c2 = const_of(e, src2);
  if (c < 0 || e.m_cc_src_known != c) e.store_to(dword[rbx + kCcSrc], src);
  if (c2 < 0 || e.m_cc_src2_known != c2) e.store_to(dword[rbx + kCcSrc2], src2);
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

using x86::CcOp;

// Sets the host flags to the guest's arithmetic flags for the lazy states
// compiled code leaves most (32-bit add, sub, logic): the same host
// instruction on the same operands. Jumps to `slow` for any other state.
// `logic` is taken for Logic32 after a TEST (AF undefined there, 0 in the
// guest's), every other path falls to `done`. Clobbers eax, ecx, edx.
void host_flags(Emitter& e, Xbyak::Label& slow, Xbyak::Label& logic, Xbyak::Label& done) {
  Xbyak::Label not_sub, not_add;
  e.mov(edx, dword[rbx + kCcOp]);
  e.mov(eax, dword[rbx + kCcDst]);
  e.mov(ecx, dword[rbx + kCcSrc]);
  e.cmp(edx, static_cast<uint32_t>(CcOp::Sub32));
  e.jne(not_sub);
  e.add(eax, ecx);  // the first operand: dst + src
  e.cmp(eax, ecx);
  e.jmp(done, Emitter::T_NEAR);
  e.L(not_sub);
  e.cmp(edx, static_cast<uint32_t>(CcOp::Add32));
  e.jne(not_add);
  e.sub(eax, ecx);  // the first operand: dst - src
  e.add(eax, ecx);
  e.jmp(done, Emitter::T_NEAR);
  e.L(not_add);
  e.cmp(edx, static_cast<uint32_t>(CcOp::Logic32));
  e.jne(slow, Emitter::T_NEAR);
  e.test(eax, eax);
  e.jmp(logic, Emitter::T_NEAR);
}

}  // namespace

void emit_SetCc(Emitter& e, const ir::Inst& i) {
  write_cc(e, i.imm, i.args[0], i.args[1], i.args[2]);
  e.m_cc_op_known = static_cast<uint32_t>(i.imm);
  e.m_cc_src_known = const_of(e, i.args[1]);
  e.m_cc_src2_known = const_of(e, i.args[2]);
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

// x86::read_eflags: inline for the common lazy states, else a C call.
// The host flags are read with LAHF (SF ZF AF PF CF in AH) and SETO, not
// PUSHF: PUSHFQ/POP costs a third of matmul's hot loop (IMUL carries the
// old EFLAGS) on this host.
void emit_Eflags(Emitter& e, const ir::Inst& i) {
  e.x87_settle();
  Xbyak::Label slow, logic, done, join;
  host_flags(e, slow, logic, done);
  e.L(done);
  e.lahf();
  e.seto(al);
  e.movzx(ecx, al);
  e.shl(ecx, 11);  // OF
  e.movzx(eax, ah);
  e.and_(eax, x86::kArithFlags & 0xff);
  e.or_(eax, ecx);
  Xbyak::Label merge;
  e.jmp(merge);
  e.L(logic);  // OF = CF = 0 after TEST; AF is 0 in the guest's Logic
  e.lahf();
  e.movzx(eax, ah);
  e.and_(eax, x86::kArithFlags & ~x86::kAF & 0xff);
  e.L(merge);
  e.mov(ecx, dword[rbx + offsetof(x86::CpuState, eflags)]);
  e.and_(ecx, ~x86::kArithFlags);
  e.or_(eax, ecx);
  e.or_(eax, 2);
  e.jmp(join, Emitter::T_NEAR);
  e.L(slow);
  e.mov(rdi, rbx);
  e.call_fn(reinterpret_cast<const void*>(&jit_read_eflags));
  e.mov(eax, eax);  // SysV leaves the upper half of rax undefined
  e.L(join);
  e.store32(i.dst, eax);
}

// x86::eval_cond: the host's SETcc of the same condition on the host flags
// for the common lazy states (no x86 condition reads AF), else a C call.
void emit_Cond(Emitter& e, const ir::Inst& i) {
  e.x87_settle();
  Xbyak::Label slow, done, join;
  host_flags(e, slow, done, done);
  e.L(done);
  e.db(0x0f);  // SETcc al
  e.db(0x90 | (static_cast<uint32_t>(i.imm) & 15));
  e.db(0xc0);
  e.movzx(eax, al);
  e.jmp(join, Emitter::T_NEAR);
  e.L(slow);
  e.lea(rdi, ptr[rbx + kCc]);
  e.mov(esi, static_cast<uint32_t>(i.imm));
  e.call_fn(reinterpret_cast<const void*>(&jit_eval_cond));
  e.mov(eax, eax);
  e.L(join);
  e.store32(i.dst, eax);
}

}  // namespace dynemu::backend::x64
