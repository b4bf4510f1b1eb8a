// Indirect exits: the successor is looked up inline in exec's jump cache.
#include "emulator/backend/x64/emitter.h"

#include <memory>

namespace dynemu::backend::x64 {

using namespace Xbyak::util;

namespace {

// System mode: edx = the physical address of the code at linear address
// ecx, from the soft TLB's exec entry of that page (set `user`). Jumps to
// `miss` unless the entry's exec tag is exactly the page: a fetch there
// was checked (present, U/S) since the last flush of that page, and the
// tag has no slow bit. Clobbers rsi.
void code_phys(Emitter& e, bool user, Xbyak::Label& miss) {
  static_assert(sizeof(ir::TlbEntry) == 32);
  e.mov(edx, ecx);
  e.shr(edx, 12);
  e.and_(edx, ir::kTlbEntries - 1);
  e.shl(edx, 5);
  e.add(rdx, qword[r13 + offsetof(ir::GuestEnv, tlb)]);
  e.mov(esi, ecx);
  e.and_(esi, ~0xfffu);
  const uint32_t set = user ? ir::kTlbEntries * sizeof(ir::TlbEntry) : 0;
  e.cmp(esi, dword[rdx + set + offsetof(ir::TlbEntry, exec)]);
  e.jne(miss, Emitter::T_NEAR);
  e.and_(ecx, 0xfff);
  e.mov(edx, dword[rdx + set + offsetof(ir::TlbEntry, phys)]);
  e.or_(edx, ecx);
}

}  // namespace

void Emitter::leave_indirect() {
  const bool x87 = m_x87_resident;
  if (x87) {
    x87_save_code();
    m_x87_resident = false;
  }
  if (m_indirect.table) {
    if (x87) mov(eax, dword[rbx + kEipOff]);  // the save used eax
    // A miss leaves, out of line.
    auto miss_label = std::make_shared<Xbyak::Label>();
    Xbyak::Label& miss = *miss_label;
    // A store of this block rewrote it: exec must see that first. System
    // mode: also a port or MMIO write that remapped memory or made an
    // interrupt deliverable (the loop must sync the TLB / take it).
    if (m_may_have_stored || m_indirect.system) {
      cmp(byte[r13 + offsetof(ir::GuestEnv, block_invalidated)], 0);
      jne(miss, T_NEAR);
    }
    // exec's jump cache index (BlockCache::jump_index): phys is 0 in user
    // mode; in system mode the TLB's translation of CS base + EIP.
    const uint32_t mask = (1u << m_indirect.bits) - 1;
    if (m_indirect.system) {
      lea(ecx, ptr[eax + m_indirect.cs_base]);
      code_phys(*this, m_indirect.user_tlb, miss);  // edx = phys
      mov(esi, edx);
      shr(esi, 12);
    }
    mov(ecx, eax);
    shr(ecx, m_indirect.bits);
    xor_(ecx, eax);
    if (m_indirect.system) xor_(ecx, esi);
    xor_(ecx, m_indirect.mode);
    and_(ecx, mask);
    shl(rcx, 5);
    static_assert(IndirectLookup::kEntryBytes == 32);
    mov(rsi, reinterpret_cast<uint64_t>(m_indirect.table));
    add(rcx, rsi);
    cmp(dword[rcx + IndirectLookup::kEipOff], eax);
    jne(miss, T_NEAR);
    static_assert(IndirectLookup::kModeOff == IndirectLookup::kCsBaseOff + 4);
    mov(rsi, uint64_t{m_indirect.cs_base} | uint64_t{m_indirect.mode} << 32);
    cmp(qword[rcx + IndirectLookup::kCsBaseOff], rsi);
    jne(miss, T_NEAR);
    if (m_indirect.system) {
      cmp(dword[rcx + IndirectLookup::kPhysOff], edx);
      jne(miss, T_NEAR);
    }
    mov(rcx, qword[rcx + IndirectLookup::kBodyOff]);
    test(rcx, rcx);
    jz(miss, T_NEAR);
    // The body tests GuestEnv::exit_request, so indirect loops stay
    // interruptible as chained direct ones do.
    jmp(rcx);
    m_cold.push_back([this, miss_label] {
      L(*miss_label);
      const bool resident = m_x87_resident;
      m_x87_resident = false;  // saved above
      leave(encode_exit(interp::ExitKind::Indirect));
      m_x87_resident = resident;
    });
  } else {
    leave(encode_exit(interp::ExitKind::Indirect));
  }
  m_x87_resident = x87;
}

}  // namespace dynemu::backend::x64
