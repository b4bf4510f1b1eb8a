#pragma once

// System mode guest memory (IR loads/stores marked ir::kMemSoftMmu): a
// call to a soft-TLB thunk shared by all blocks (emit_softmmu_thunks, in
// the code cache's trampolines), or, while the guest x87 state is resident
// in the host unit, the lookup inline (tag compare, host = linear +
// addend) with the MMU's slow path (mmu::load_slow / store_slow: misses,
// MMIO, ROM and code pages) out of line in the cold region
// (Emitter::m_cold), as QEMU does. A #PF raised there leaves the block
// with an exception exit, EIP already at the faulting instruction. Scratch
// registers only (rdx, rsi; rax/r8 for the address/value); the inline slow
// path goes through Emitter::cold_call_fn, which writes back and reloads
// what the block caches in registers. Header-only: included by
// emit_memory.cpp, the only user.
#include <memory>

#include "emulator/backend/x64/emitter.h"
#include "emulator/mmu/mmu.h"

namespace dynemu::backend::x64 {

using namespace Xbyak::util;

namespace softmmu_detail {

inline constexpr uint32_t kTlbOff = offsetof(ir::GuestEnv, tlb);
inline constexpr uint32_t kRaisedOff = offsetof(ir::GuestEnv, raised);
inline constexpr uint32_t kAddendOff = offsetof(ir::TlbEntry, addend);

// The access's address: its pool register, or eax.
inline Xbyak::Reg64 address(Emitter& e, const ir::Inst& i) {
  if (e.in_reg(i.args[0])) return e.reg64(i.args[0]);
  e.load32(eax, i.args[0]);
  return rax;
}

// `addr` = linear address (zero-extended). Leaves rdx = the TLB entry of
// its page (in the set of the access's privilege, folded into `set`) and
// jumps to `miss` unless the tag at `tag_off` is the page of the access's
// last byte (an access crossing a page always misses). Clobbers esi.
inline void lookup(Emitter& e, const Xbyak::Reg64& addr, unsigned size, uint32_t tag_off,
                   Xbyak::Label& miss) {
  static_assert(sizeof(ir::TlbEntry) == 32);
  e.mov(edx, addr.cvt32());
  e.shr(edx, 12 - 5);
  e.and_(edx, (ir::kTlbEntries - 1) << 5);
  e.add(rdx, qword[r13 + kTlbOff]);
  if (size == 1)
    e.mov(esi, addr.cvt32());
  else
    e.lea(esi, ptr[addr + (size - 1)]);  // low 32 bits: wraps like the guest
  e.and_(esi, ~0xfffu);
  e.cmp(esi, dword[rdx + tag_off]);
  e.jne(miss, Emitter::T_NEAR);
}

inline uint32_t set_offset(const ir::Inst& i) {
  return (i.aux & ir::kMemUserTlb) ? ir::kTlbEntries * sizeof(ir::TlbEntry) : 0;
}

// Out of line, after a slow-path call: leave with an exception exit if it
// raised (x87: the residency the hot path had at the access).
inline void leave_if_raised(Emitter& e, bool x87) {
  Xbyak::Label ok;
  e.cmp(byte[r13 + kRaisedOff], 0);
  e.je(ok, Emitter::T_NEAR);
  const bool resident = e.m_x87_resident;
  e.m_x87_resident = x87;
  e.leave(encode_exit(interp::ExitKind::Exception));
  e.m_x87_resident = resident;
  e.L(ok);
}

}  // namespace softmmu_detail

// The soft-TLB access shared by all blocks (Emitter::emit_trampolines): one
// thunk per (load/store, size, TLB set), called from the block with eax =
// the linear address (zero-extended) and, for stores, r8 = the value;
// loads return the value in rax. The lookup is the inline one; a miss calls
// jit_softmmu_miss, which finds the guest instruction (lazy EIP) and the
// block's tag from the call's return address (Jit::guest_eip_at), as the
// block's own cold path would have stored them, then the MMU's slow path.
// If that raised, the thunk leaves the block (Exception) through the
// shared epilogue. Clobbers rdx and rsi (and what a C call clobbers
// outside the pool registers, which it saves). A call site is 8-13 bytes
// instead of ~45 inline (the idle guest's tick runs cold: fewer bytes,
// fewer cache lines); blocks with the x87 state resident in the host
// unit use the inline access (the miss path does not save it).
inline constexpr uint32_t kThunkStore = 1u << 8, kThunkUser = 1u << 9;

extern "C" inline uint64_t jit_softmmu_miss(const Jit* jit, ir::GuestEnv* env, uint64_t addr_kind,
                                            uint64_t value, uintptr_t ret, uint64_t* temps) {
  const auto addr = static_cast<uint32_t>(addr_kind);
  const auto kind = static_cast<uint32_t>(addr_kind >> 32);
  uint32_t eip = 0;
  uint64_t tag = 0;
  if (jit->guest_eip_at(ret - 1, eip, tag)) env->state->eip = eip;
  const bool store = kind & kThunkStore;
  const uint32_t size = kind & 0xff, user = (kind & kThunkUser) ? 1 : 0;
  // The running block, for exec (SMC) and for the exception exit below
  // (tag 0: compiled without one, no temps[-1]).
  if (tag && store) temps[-1] = tag;
  uint64_t r = 0;
  if (store)
    mmu::store_slow(env, addr, value, size, user);
  else
    r = mmu::load_slow(env, addr, size, user);
  if (tag && env->raised) temps[-1] = tag;
  return r;
}

inline void emit_softmmu_thunk(Emitter& e, const Jit* jit, bool store, unsigned size, bool user) {
  using namespace softmmu_detail;
  Xbyak::Label miss, raised;
  const uint32_t set = user ? ir::kTlbEntries * sizeof(ir::TlbEntry) : 0;
  lookup(e, rax, size, set + (store ? offsetof(ir::TlbEntry, write) : offsetof(ir::TlbEntry, read)),
         miss);
  e.mov(rdx, qword[rdx + set + kAddendOff]);
  if (store) {
    switch (size) {
      case 1: e.mov(byte[rdx + rax], r8b); break;
      case 2: e.mov(word[rdx + rax], r8w); break;
      case 4: e.mov(dword[rdx + rax], r8d); break;
      default: e.mov(qword[rdx + rax], r8); break;
    }
  } else {
    switch (size) {
      case 1: e.movzx(eax, byte[rdx + rax]); break;
      case 2: e.movzx(eax, word[rdx + rax]); break;
      case 4: e.mov(eax, dword[rdx + rax]); break;
      default: e.mov(rax, qword[rdx + rax]); break;
    }
  }
  e.ret();
  e.L(miss);
  // rsp is 8 mod 16 here (the call): three pushes align it.
  e.push(r9);
  e.push(r10);
  e.push(r11);
  const uint64_t kind = size | (store ? kThunkStore : 0) | (user ? kThunkUser : 0);
  e.mov(rdx, kind << 32);
  e.or_(rdx, rax);
  e.mov(rcx, r8);
  e.mov(rdi, reinterpret_cast<uint64_t>(jit));
  e.mov(rsi, r13);
  e.mov(r8, qword[rsp + 24]);
  e.mov(r9, r14);
  e.call_c(reinterpret_cast<const void*>(&jit_softmmu_miss));
  e.pop(r11);
  e.pop(r10);
  e.pop(r9);
  e.cmp(byte[r13 + kRaisedOff], 0);
  e.jne(raised, Emitter::T_SHORT);
  e.ret();
  e.L(raised);
  e.add(rsp, 8);  // the block is left: its return address is dropped
  e.mov(eax, static_cast<uint32_t>(encode_exit(interp::ExitKind::Exception)));
  e.jmp(e.m_shared_epilogue, Emitter::T_NEAR);
}

// Index of a thunk in Emitter::m_thunks.
inline unsigned thunk_index(bool store, unsigned size, bool user) {
  const unsigned s = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
  return (store ? 8 : 0) + (user ? 4 : 0) + s;
}

inline void emit_softmmu_thunks(Emitter& e, const Jit* jit) {
  for (bool store : {false, true})
    for (bool user : {false, true})
      for (unsigned size : {1u, 2u, 4u, 8u}) {
        e.align(16);
        e.m_thunks[thunk_index(store, size, user)] = e.getCurr();
        emit_softmmu_thunk(e, jit, store, size, user);
      }
}

// The call of a thunk, or null if this access stays inline.
inline const uint8_t* softmmu_thunk(Emitter& e, const ir::Inst& i, bool store, unsigned size) {
  if (e.m_x87_resident) return nullptr;
  return e.m_thunks[thunk_index(store, size, i.aux & ir::kMemUserTlb)];
}

inline void emit_softmmu_load(Emitter& e, const ir::Inst& i, unsigned size) {
  using namespace softmmu_detail;
  if (const uint8_t* thunk = softmmu_thunk(e, i, false, size)) {
    e.load32(eax, i.args[0]);
    e.call(thunk);
    if (!e.in_reg(i.dst))
      e.store64(i.dst, rax);
    else if (size == 8)
      e.mov(e.reg64(i.dst), rax);
    else
      e.mov(e.reg32(i.dst), eax);
    return;
  }
  auto slow = std::make_shared<Xbyak::Label>();
  auto join = std::make_shared<Xbyak::Label>();
  const uint32_t set = set_offset(i);
  const Xbyak::Reg64 addr = address(e, i);
  lookup(e, addr, size, set + offsetof(ir::TlbEntry, read), *slow);
  e.mov(rdx, qword[rdx + set + kAddendOff]);
  // The result straight into dst's register when it has one.
  const bool dst_in_reg = e.in_reg(i.dst);
  const Xbyak::Reg64 dst = dst_in_reg ? e.reg64(i.dst) : rax;
  switch (size) {
    case 1: e.movzx(dst.cvt32(), byte[rdx + addr]); break;
    case 2: e.movzx(dst.cvt32(), word[rdx + addr]); break;
    case 4: e.mov(dst.cvt32(), dword[rdx + addr]); break;
    default: e.mov(dst, qword[rdx + addr]); break;
  }
  if (!dst_in_reg) e.store64(i.dst, rax);
  e.L(*join);
  const bool user = i.aux & ir::kMemUserTlb;
  const ir::Value result = i.dst;
  e.m_cold.push_back([&e, slow, join, addr, size, user, dst, dst_in_reg, result,
                      x87 = e.m_x87_resident, saves = e.call_saves()] {
    e.L(*slow);
    e.mov(rdi, r13);
    e.mov(esi, addr.cvt32());
    e.mov(edx, size);
    e.mov(ecx, user ? 1 : 0);
    e.cold_call_fn(reinterpret_cast<const void*>(&mmu::load_slow), saves);
    leave_if_raised(e, x87);
    if (dst_in_reg)
      e.mov(dst, rax);
    else
      e.mov(e.tmp(result), rax);
    e.jmp(*join, Emitter::T_NEAR);
  });
}

inline void emit_softmmu_store(Emitter& e, const ir::Inst& i, unsigned size) {
  using namespace softmmu_detail;
  if (const uint8_t* thunk = softmmu_thunk(e, i, true, size)) {
    e.load64(r8, i.args[1]);
    e.load32(eax, i.args[0]);
    e.call(thunk);
    return;
  }
  auto slow = std::make_shared<Xbyak::Label>();
  auto join = std::make_shared<Xbyak::Label>();
  const uint32_t set = set_offset(i);
  const Xbyak::Reg64 addr = address(e, i);
  Xbyak::Reg64 value = r8;
  if (e.in_reg(i.args[1]))
    value = e.reg64(i.args[1]);
  else
    e.load64(r8, i.args[1]);
  lookup(e, addr, size, set + offsetof(ir::TlbEntry, write), *slow);
  e.mov(rdx, qword[rdx + set + kAddendOff]);
  switch (size) {
    case 1: e.mov(byte[rdx + addr], value.cvt8()); break;
    case 2: e.mov(word[rdx + addr], value.cvt16()); break;
    case 4: e.mov(dword[rdx + addr], value.cvt32()); break;
    default: e.mov(qword[rdx + addr], value); break;
  }
  e.L(*join);
  const bool user = i.aux & ir::kMemUserTlb;
  e.m_cold.push_back(
      [&e, slow, join, addr, value, size, user, x87 = e.m_x87_resident, saves = e.call_saves()] {
        e.L(*slow);
        e.mov(rdi, r13);
        e.mov(rdx, value);  // before r8 (which may hold it) gets `user`
        e.mov(esi, addr.cvt32());
        e.mov(ecx, size);
        e.mov(r8d, user ? 1 : 0);
        e.cold_call_fn(reinterpret_cast<const void*>(&mmu::store_slow), saves);
        leave_if_raised(e, x87);
        e.jmp(*join, Emitter::T_NEAR);
      });
}

}  // namespace dynemu::backend::x64
