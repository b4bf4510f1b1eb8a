#pragma once

// System mode guest memory (IR loads/stores marked ir::kMemSoftMmu): the
// soft TLB lookup inline (tag compare, host = linear + addend), the MMU's
// slow path (mmu::load_slow / store_slow) on a miss, for MMIO, ROM and
// code pages; a #PF raised there leaves the block with an exception exit,
// EIP already at the faulting instruction. Scratch registers only (rax,
// rcx, rdx, rsi, rdi, r8); the slow path goes through Emitter::call_fn,
// which writes back and reloads what the block caches in registers.
// Header-only: included by emit_memory.cpp, the only user.
#include "emulator/backend/x64/emitter.h"
#include "emulator/mmu/mmu.h"

namespace dynemu::backend::x64 {

using namespace Xbyak::util;

namespace softmmu_detail {

inline constexpr uint32_t kTlbOff = offsetof(ir::GuestEnv, tlb);
inline constexpr uint32_t kRaisedOff = offsetof(ir::GuestEnv, raised);
inline constexpr uint32_t kAddendOff = offsetof(ir::TlbEntry, addend);

// eax = linear address. Leaves rsi = the TLB entry of its page (in the set
// of the access's privilege) and compares the tag at `tag_off` with the
// page of the access's last byte; ZF set on a hit. Clobbers edx.
inline void lookup(Emitter& e, const ir::Inst& i, unsigned size, uint32_t tag_off) {
  const bool user = i.aux & ir::kMemUserTlb;
  e.mov(edx, eax);
  e.shr(edx, 12);
  e.and_(edx, ir::kTlbEntries - 1);
  e.shl(edx, 5);
  static_assert(sizeof(ir::TlbEntry) == 32);
  e.mov(rsi, qword[r13 + kTlbOff]);
  e.lea(rsi, ptr[rsi + rdx + (user ? ir::kTlbEntries * sizeof(ir::TlbEntry) : 0)]);
  e.lea(edx, ptr[eax + (size - 1)]);
  e.and_(edx, ~0xfffu);
  e.cmp(edx, dword[rsi + tag_off]);
}

// After a slow-path call: leave with an exception exit if it raised.
inline void check_raised(Emitter& e) {
  Xbyak::Label ok;
  e.cmp(byte[r13 + kRaisedOff], 0);
  e.je(ok, Emitter::T_NEAR);
  e.leave(encode_exit(interp::ExitKind::Exception));
  e.L(ok);
}

}  // namespace softmmu_detail

inline void emit_softmmu_load(Emitter& e, const ir::Inst& i, unsigned size) {
  using namespace softmmu_detail;
  Xbyak::Label slow, join;
  e.load32(eax, i.args[0]);
  lookup(e, i, size, offsetof(ir::TlbEntry, read));
  e.jne(slow, Emitter::T_NEAR);
  e.mov(rcx, qword[rsi + kAddendOff]);
  switch (size) {
    case 1: e.movzx(eax, byte[rcx + rax]); break;
    case 2: e.movzx(eax, word[rcx + rax]); break;
    case 4: e.mov(eax, dword[rcx + rax]); break;
    default: e.mov(rax, qword[rcx + rax]); break;
  }
  e.jmp(join, Emitter::T_NEAR);
  e.L(slow);
  e.mov(rdi, r13);
  e.mov(esi, eax);
  e.mov(edx, size);
  e.mov(ecx, (i.aux & ir::kMemUserTlb) ? 1 : 0);
  e.call_fn(reinterpret_cast<const void*>(&mmu::load_slow));
  check_raised(e);
  e.L(join);
  e.store64(i.dst, rax);
}

inline void emit_softmmu_store(Emitter& e, const ir::Inst& i, unsigned size) {
  using namespace softmmu_detail;
  Xbyak::Label slow, done;
  e.load32(eax, i.args[0]);
  e.load64(r8, i.args[1]);
  lookup(e, i, size, offsetof(ir::TlbEntry, write));
  e.jne(slow, Emitter::T_NEAR);
  e.mov(rcx, qword[rsi + kAddendOff]);
  switch (size) {
    case 1: e.mov(byte[rcx + rax], r8b); break;
    case 2: e.mov(word[rcx + rax], r8w); break;
    case 4: e.mov(dword[rcx + rax], r8d); break;
    default: e.mov(qword[rcx + rax], r8); break;
  }
  e.jmp(done, Emitter::T_NEAR);
  e.L(slow);
  e.mov(rdi, r13);
  e.mov(esi, eax);
  e.mov(rdx, r8);
  e.mov(ecx, size);
  e.mov(r8d, (i.aux & ir::kMemUserTlb) ? 1 : 0);
  e.call_fn(reinterpret_cast<const void*>(&mmu::store_slow));
  check_raised(e);
  e.L(done);
}

}  // namespace dynemu::backend::x64
