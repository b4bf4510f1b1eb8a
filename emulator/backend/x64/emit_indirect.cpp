// Indirect exits: the successor is looked up inline in exec's jump cache.
#include "emulator/backend/x64/emitter.h"

namespace dynemu::backend::x64 {

using namespace Xbyak::util;

void Emitter::leave_indirect() {
  const bool x87 = m_x87_resident;
  if (x87) {
    x87_save_code();
    m_x87_resident = false;
  }
  if (m_indirect.table) {
    if (x87) mov(eax, dword[rbx + kEipOff]);  // the save used eax
    Xbyak::Label miss;
    // A store of this block rewrote it: exec must see that first.
    if (m_may_have_stored) {
      cmp(byte[r13 + offsetof(ir::GuestEnv, block_invalidated)], 0);
      jne(miss, T_NEAR);
    }
    // exec's jump cache index (BlockCache::jump_index with phys 0).
    const uint32_t mask = (1u << m_indirect.bits) - 1;
    mov(ecx, eax);
    shr(ecx, m_indirect.bits);
    xor_(ecx, eax);
    xor_(ecx, m_indirect.mode);
    and_(ecx, mask);
    shl(rcx, 5);
    static_assert(IndirectLookup::kEntryBytes == 32);
    mov(rdx, reinterpret_cast<uint64_t>(m_indirect.table));
    add(rcx, rdx);
    cmp(dword[rcx + IndirectLookup::kEipOff], eax);
    jne(miss, T_NEAR);
    static_assert(IndirectLookup::kModeOff == IndirectLookup::kCsBaseOff + 4);
    mov(rdx, uint64_t{m_indirect.cs_base} | uint64_t{m_indirect.mode} << 32);
    cmp(qword[rcx + IndirectLookup::kCsBaseOff], rdx);
    jne(miss, T_NEAR);
    mov(rcx, qword[rcx + IndirectLookup::kBodyOff]);
    test(rcx, rcx);
    jz(miss, T_NEAR);
    cmp(qword[r14 - 8], 0);
    je(miss, T_NEAR);
    dec(qword[r14 - 8]);
    jmp(rcx);
    L(miss);
  }
  leave(encode_exit(interp::ExitKind::Indirect));
  m_x87_resident = x87;
}

}  // namespace dynemu::backend::x64
