// Guest state (CpuState through rbx) and guest memory (user mode: host =
// guest_base (r12) + linear). A bad guest address faults on the host; the
// exec loop's SIGSEGV handler turns it into a precise #PF (EIP was stored by
// the instruction's InsnStart).
#include "emulator/backend/x64/emitter.h"

#include "emulator/backend/x64/emit_softmmu.h"

#include <memory>

namespace dynemu::backend::x64 {

using namespace Xbyak::util;

namespace {

uint32_t gpr_off(uint64_t gpr) {
  return static_cast<uint32_t>(offsetof(x86::CpuState, gpr) + 4 * gpr);
}

// Self-modifying code: if a byte of [addr, addr + len) lies in a page
// holding translated code, tell exec (GuestEnv::note_store). eax = addr.
extern "C" void jit_note_store(ir::GuestEnv* env, uint32_t addr, uint32_t len) {
  env->note_store(addr, len);
}

void check_code_pages(Emitter& e, unsigned len) {
  // The slow path (a page holding code, or a store crossing pages) is out
  // of line; jit_note_store does the exact check.
  auto slow = std::make_shared<Xbyak::Label>();
  auto done = std::make_shared<Xbyak::Label>();
  e.mov(rcx, qword[r13 + offsetof(ir::GuestEnv, code_pages)]);
  e.test(rcx, rcx);
  e.jz(*done, Emitter::T_NEAR);
  if (len > 1) {
    e.lea(edx, ptr[eax + (len - 1)]);
    e.xor_(edx, eax);
    e.test(edx, ~0xfffu);
    e.jnz(*slow, Emitter::T_NEAR);
  }
  // The page's bit, from its 64-bit word (BT on a register: BT with a
  // memory bit string is microcoded and slow).
  e.mov(edx, eax);
  e.shr(edx, 12);
  e.mov(r8d, edx);
  e.shr(r8d, 6);
  e.mov(r8, qword[rcx + r8 * 8]);
  e.bt(r8, rdx);  // bit (page mod 64)
  e.jc(*slow, Emitter::T_NEAR);
  e.L(*done);
  e.m_cold.push_back([&e, slow, done, len, saves = e.call_saves()] {
    e.L(*slow);
    e.mov(rdi, r13);
    e.mov(esi, eax);
    e.mov(edx, len);
    e.cold_call_fn(reinterpret_cast<const void*>(&jit_note_store), saves);
    e.jmp(*done, Emitter::T_NEAR);
  });
}

// A user-mode load: the address (a zero-extended i32) from its register
// or eax, the result straight into dst's register when it has one.
// op(result register, address register).
template <typename F>
void load(Emitter& e, const ir::Inst& i, F op) {
  Xbyak::Reg64 addr = rax;
  if (e.in_reg(i.args[0]))
    addr = e.reg64(i.args[0]);
  else
    e.load32(eax, i.args[0]);
  if (e.in_reg(i.dst)) return op(e.reg64(i.dst), addr);
  op(rax, addr);
  e.store64(i.dst, rax);
}

// A user-mode store: eax = the address (for the SMC check), the value from
// its register or rcx. op(address register, value register). Marked
// kMemHostProtected (the user runtime write-protects pages holding code on
// the host): no check, a store into such a page faults and exec's fault
// handler invalidates (see emulator/exec/host_fault.cpp).
// Without the check the address comes straight from its register, and a
// constant value is stored as an immediate (MOV m, imm).
void store(Emitter& e, const ir::Inst& i, unsigned len) {
  const bool checked = !(i.aux & ir::kMemHostProtected);
  Xbyak::Reg64 addr = rax;
  if (!checked && e.in_reg(i.args[0]))
    addr = e.reg64(i.args[0]);
  else
    e.load32(eax, i.args[0]);
  const Xbyak::AddressFrame& size = len == 1   ? e.byte
                                    : len == 2 ? e.word
                                    : len == 4 ? e.dword
                                               : e.qword;
  const Xbyak::Address mem = size[r12 + addr];
  const ir::Value v = i.args[1];
  const uint64_t c = e.is_const(v) ? e.m_const[v.id] : 0;
  if (e.is_const(v) && (len < 8 || static_cast<int64_t>(c) == static_cast<int32_t>(c))) {
    // (Xbyak: the low bytes for 1..4; the sign-extended 64-bit value for 8.)
    e.mov(mem, len == 8 ? c : len == 1 ? c & 0xff : len == 2 ? c & 0xffff : c & 0xffffffff);
  } else {
    Xbyak::Reg64 value = rcx;
    if (e.in_reg(v))
      value = e.reg64(v);
    else
      e.load64(rcx, v);
    if (len == 1)
      e.mov(mem, value.cvt8());
    else if (len == 2)
      e.mov(mem, value.cvt16());
    else if (len == 4)
      e.mov(mem, value.cvt32());
    else
      e.mov(mem, value);
  }
  if (checked) check_code_pages(e, len);
}

}  // namespace

void emit_GetGpr(Emitter& e, const ir::Inst& i) {
  if (e.in_reg(i.dst)) return e.mov(e.reg32(i.dst), dword[rbx + gpr_off(i.imm)]);
  e.mov(eax, dword[rbx + gpr_off(i.imm)]);
  e.store32(i.dst, eax);
}
void emit_SetGpr(Emitter& e, const ir::Inst& i) {
  e.store_to(dword[rbx + gpr_off(i.imm)], i.args[0]);
}
void emit_GetSegBase(Emitter& e, const ir::Inst& i) {
  const auto off = offsetof(x86::CpuState, seg) + sizeof(x86::SegmentCache) * i.imm +
                   offsetof(x86::SegmentCache, base);
  e.mov(eax, dword[rbx + static_cast<uint32_t>(off)]);
  e.store32(i.dst, eax);
}
void emit_GetState8(Emitter& e, const ir::Inst& i) {
  e.movzx(eax, byte[rbx + static_cast<uint32_t>(i.imm)]);
  e.store32(i.dst, eax);
}
void emit_GetState16(Emitter& e, const ir::Inst& i) {
  e.movzx(eax, word[rbx + static_cast<uint32_t>(i.imm)]);
  e.store32(i.dst, eax);
}
void emit_GetState32(Emitter& e, const ir::Inst& i) {
  e.mov(eax, dword[rbx + static_cast<uint32_t>(i.imm)]);
  e.store32(i.dst, eax);
}
void emit_SetState8(Emitter& e, const ir::Inst& i) {
  e.load32(eax, i.args[0]);
  e.mov(byte[rbx + static_cast<uint32_t>(i.imm)], al);
}
void emit_SetState16(Emitter& e, const ir::Inst& i) {
  e.load32(eax, i.args[0]);
  e.mov(word[rbx + static_cast<uint32_t>(i.imm)], ax);
}
void emit_SetState32(Emitter& e, const ir::Inst& i) {
  e.store_to(dword[rbx + static_cast<uint32_t>(i.imm)], i.args[0]);
}

void emit_Load8(Emitter& e, const ir::Inst& i) {
  if (i.aux & ir::kMemSoftMmu) return emit_softmmu_load(e, i, 1);  // system mode
  load(e, i,
       [&](const Xbyak::Reg64& d, const Xbyak::Reg64& a) { e.movzx(d.cvt32(), byte[r12 + a]); });
}
void emit_Load16(Emitter& e, const ir::Inst& i) {
  if (i.aux & ir::kMemSoftMmu) return emit_softmmu_load(e, i, 2);  // system mode
  load(e, i,
       [&](const Xbyak::Reg64& d, const Xbyak::Reg64& a) { e.movzx(d.cvt32(), word[r12 + a]); });
}
void emit_Load32(Emitter& e, const ir::Inst& i) {
  if (i.aux & ir::kMemSoftMmu) return emit_softmmu_load(e, i, 4);  // system mode
  load(e, i,
       [&](const Xbyak::Reg64& d, const Xbyak::Reg64& a) { e.mov(d.cvt32(), dword[r12 + a]); });
}
void emit_Load64(Emitter& e, const ir::Inst& i) {
  if (i.aux & ir::kMemSoftMmu) return emit_softmmu_load(e, i, 8);  // system mode
  load(e, i, [&](const Xbyak::Reg64& d, const Xbyak::Reg64& a) { e.mov(d, qword[r12 + a]); });
}
void emit_Store8(Emitter& e, const ir::Inst& i) {
  if (i.aux & ir::kMemSoftMmu) return emit_softmmu_store(e, i, 1);  // system mode
  store(e, i, 1);
}
void emit_Store16(Emitter& e, const ir::Inst& i) {
  if (i.aux & ir::kMemSoftMmu) return emit_softmmu_store(e, i, 2);  // system mode
  store(e, i, 2);
}
void emit_Store32(Emitter& e, const ir::Inst& i) {
  if (i.aux & ir::kMemSoftMmu) return emit_softmmu_store(e, i, 4);  // system mode
  store(e, i, 4);
}
void emit_Store64(Emitter& e, const ir::Inst& i) {
  if (i.aux & ir::kMemSoftMmu) return emit_softmmu_store(e, i, 8);  // system mode
  store(e, i, 8);
}

}  // namespace dynemu::backend::x64
