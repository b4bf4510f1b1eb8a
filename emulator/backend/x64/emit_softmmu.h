#pragma once

// System mode guest memory (IR loads/stores marked ir::kMemSoftMmu): the
// soft TLB lookup inline (tag compare, host = linear + addend), and only
// that: a miss, MMIO, ROM and code pages take the MMU's slow path
// (mmu::load_slow / store_slow) out of line, in the code cache's cold
// region (Emitter::m_cold), as QEMU does, so the hot path stays dense (the
// guest's periodic tick runs a few hundred cold blocks: fewer host cache
// lines per block count). A call to a lookup thunk shared by all blocks
// (8-13 bytes per access instead of ~45) was tried: it cut hot code from
// ~32 to ~20 bytes per guest instruction but cost a Linux boot ~10% CPU
// (a call and ret per access) and did not measurably lower the idle cost. A #PF raised there leaves
// the block with an exception exit, EIP already at the faulting instruction. Scratch registers only
// (rdx, rsi; rax/r8 when the address/value has no register; the slow path
// uses the call registers); the slow path goes through
// Emitter::cold_call_fn, which writes back and reloads what the block
// caches in registers. Header-only: included by emit_memory.cpp, the only
// user.
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

inline void emit_softmmu_load(Emitter& e, const ir::Inst& i, unsigned size) {
  using namespace softmmu_detail;
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
