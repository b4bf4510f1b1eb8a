#include "emulator/x86/system/memory.h"

#include <cstring>

#include "emulator/core/bits.h"

namespace dynemu::x86 {
namespace {

Fault take_fault(ir::GuestEnv& env) {
  Fault f{env.vector, env.error_code, env.fault_addr};
  env.raised = false;
  return f;
}

// The soft-TLB entry the JIT's inline lookup uses for this access (system
// mode only: env.tlb is null in user mode). A tag equal to the page (no
// kTlbSlow) maps plain RAM at host address linear + addend; for writes it
// also means the page is dirty and holds no translated code. Such a hit is
// what Mmu::read/write would do after their own lookup, without the
// virtual call and the cold MMU code: interrupt delivery, IRET and segment
// loads run once per guest tick with cold host caches.
const ir::TlbEntry* fast_entry(const ir::GuestEnv& env, Access access, uint32_t linear,
                               uint32_t len) {
  if (!env.tlb || (linear & 0xfff) + len > 0x1000) return nullptr;
  const bool user = access == Access::Cpl && env.cpl() == 3;
  return &env.tlb[(user ? ir::kTlbEntries : 0) + ((linear >> 12) & (ir::kTlbEntries - 1))];
}

[[gnu::noinline]] Status read_mem_slow(ir::GuestEnv& env, Access access, uint32_t linear, void* out,
                                       uint32_t len) {
  const bool ok =
      access == Access::Supervisor ? env.read_sys(linear, out, len) : env.read(linear, out, len);
  if (!ok) return take_fault(env);
  return {};
}

[[gnu::noinline]] Status write_mem_slow(ir::GuestEnv& env, Access access, uint32_t linear,
                                        const void* in, uint32_t len) {
  const bool ok =
      access == Access::Supervisor ? env.write_sys(linear, in, len) : env.write(linear, in, len);
  if (!ok) return take_fault(env);
  return {};
}

}  // namespace

Status read_mem(ir::GuestEnv& env, Access access, uint32_t linear, void* out, uint32_t len) {
  if (const ir::TlbEntry* e = fast_entry(env, access, linear, len);
      e && e->read == (linear & ~0xfffu)) {
    std::memcpy(out, reinterpret_cast<const uint8_t*>(e->addend + linear), len);
    return {};
  }
  return read_mem_slow(env, access, linear, out, len);
}

Status write_mem(ir::GuestEnv& env, Access access, uint32_t linear, const void* in, uint32_t len) {
  if (const ir::TlbEntry* e = fast_entry(env, access, linear, len);
      e && e->write == (linear & ~0xfffu)) {
    std::memcpy(reinterpret_cast<uint8_t*>(e->addend + linear), in, len);
    return {};
  }
  return write_mem_slow(env, access, linear, in, len);
}

Status read_value(ir::GuestEnv& env, Access access, uint32_t linear, unsigned bytes,
                  uint32_t& out) {
  uint8_t buf[4] = {};
  SYS_TRY(read_mem(env, access, linear, buf, bytes));
  out = load_le<uint32_t>(buf);
  return {};
}

Status write_value(ir::GuestEnv& env, Access access, uint32_t linear, unsigned bytes,
                   uint32_t value) {
  uint8_t buf[4];
  store_le<uint32_t>(buf, value);
  return write_mem(env, access, linear, buf, bytes);
}

}  // namespace dynemu::x86
