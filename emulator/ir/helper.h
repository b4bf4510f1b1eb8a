#pragma once

#include <cstdint>
#include <cstring>

#include "emulator/ir/types.h"
#include "emulator/x86/cpu_state.h"

namespace dynemu::ir {

struct GuestEnv;
class SystemBus;

// System mode: one entry of the soft TLB, per 4 KiB linear page. A tag is
// the linear page address (low 12 bits clear) when that kind of access may
// use host = linear + addend directly; kTlbSlow in the tag marks a valid
// translation that must take the slow path (MMIO, ROM or unassigned
// memory, writes to pages holding translated code, ...); kTlbInvalid
// matches no address. Compiled code compares (address of the access's last
// byte) & ~0xfff with the tag, so accesses crossing a page go slow.
inline constexpr uint32_t kTlbSlow = 1;
inline constexpr uint32_t kTlbInvalid = 0xfff;
struct TlbEntry {
  uint32_t read = kTlbInvalid;
  uint32_t write = kTlbInvalid;
  uint32_t exec = kTlbInvalid;
  uint32_t phys = 0;     // physical page address (A20 applied)
  uintptr_t addend = 0;  // host address - linear address, for RAM pages
  uint32_t flags = 0;    // TlbFlag bits (the MMU's own)
  uint32_t unused = 0;
};
static_assert(sizeof(TlbEntry) == 32);
// Two sets of kTlbEntries each: [0] supervisor accesses (CPL 0-2 and the
// implicit GDT/IDT/TSS accesses), [1] user accesses (CPL 3).
// 13: Linux's kernel text alone spans 10 MiB; with 1024 entries per set
// its code pages evicted each other's exec entries (7 of an idle tick's
// inline indirect lookups missed; 1 with 4096, as a data page 16 MiB away
// still took one's slot each tick; none with 8192).
inline constexpr uint32_t kTlbBits = 13;
// Inst::aux of the IR loads and stores of a system-mode block (set by exec
// before compiling): the access goes through the soft TLB, in the user set
// when kMemUserTlb (the block runs at CPL 3).
inline constexpr uint32_t kMemSoftMmu = 1, kMemUserTlb = 2;
// Inst::aux of a user-mode store when pages holding translated code are
// write-protected on the host (exec::BlockCache::on_code_page): a store
// into one faults and the fault handler invalidates, so no inline check.
inline constexpr uint32_t kMemHostProtected = 4;
inline constexpr uint32_t kTlbEntries = 1u << kTlbBits;

// System mode: guest linear memory through the MMU (paging, TLB, MMIO).
// Implemented by mmu::Mmu. A fault raises #PF into the env and returns false.
class SystemMemory {
 public:
  virtual ~SystemMemory() = default;
  virtual bool read(GuestEnv& env, uint32_t linear, void* out, uint32_t len, bool user) = 0;
  virtual bool write(GuestEnv& env, uint32_t linear, const void* in, uint32_t len, bool user) = 0;
  virtual void flush_tlb(bool global_too) = 0;
  virtual void flush_tlb_page(uint32_t linear) = 0;
};

// A helper: a C++ function called from IR for rare or complex instructions
// (CPUID, BCD, x87, far transfers...). One uniform signature so that the
// interpreter calls it directly and the JIT with the SysV ABI (rdi = env,
// rsi.. = args, rax = result). Unused arguments are 0; i32 arguments arrive
// zero-extended; an i32 result is the low half of the return value.
using HelperFn = uint64_t (*)(GuestEnv& env, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);

// Declared once per helper, as an immutable object with static storage
// duration next to the function, e.g.
//   inline constexpr ir::HelperInfo kCpuidHelper{"cpuid", &cpuid, ir::Type::Void, 0,
//                                                 ir::kReadsState | ir::kWritesState};
// IR refers to it by address. `effects` uses ir::Effect bits (opcodes.h):
// what the helper may touch, so the optimizer and JIT know what to write
// back before the call and reload after it.
struct HelperInfo {
  const char* name;
  HelperFn fn;
  Type result;       // Void, I32 or I64
  uint8_t num_args;  // 0..4
  uint16_t effects;  // ir::Effect bits
};

// Hook called when guest memory holding translated code is written.
// Returns true if the running block itself was invalidated.
using CodeWriteHook = bool (*)(void* owner, uint32_t addr, uint32_t len);

// What a running block (interpreted or compiled) and its helpers see.
// Owned by the CPU loop (exec::Cpu), one per CPU.
struct GuestEnv {
  x86::CpuState* state = nullptr;
  // User mode: guest linear address A is host address guest_base + A.
  uint8_t* guest_base = nullptr;

  // Self-modifying code: one bit per 4 KiB page of the 4 GiB space, set
  // while the page holds translated code. Stores into such a page call
  // on_code_write before the block continues.
  const uint64_t* code_pages = nullptr;
  CodeWriteHook on_code_write = nullptr;
  void* owner = nullptr;

  // A helper raises a guest exception by calling raise() and returning; the
  // engine then leaves the block with EIP at the current instruction
  // (vector 14 also reports fault_addr as CR2).
  bool raised = false;
  uint8_t vector = 0;
  uint32_t error_code = 0;
  uint32_t fault_addr = 0;

  void raise(uint8_t v, uint32_t code = 0, uint32_t addr = 0) {
    raised = true;
    vector = v;
    error_code = code;
    fault_addr = addr;
  }

  bool is_code_page(uint32_t page) const {
    return code_pages && ((code_pages[page >> 6] >> (page & 63)) & 1);
  }
  // Set when a store invalidated the running block: the engine leaves it
  // at the next instruction boundary so the new code runs.
  bool block_invalidated = false;
  // Set (any thread, or a signal handler, through std::atomic_ref) when the
  // CPU loop wants control back (exec::Cpu::request_exit, set_irq):
  // compiled blocks test it on entry and leave (QEMU's exit_request).
  uint8_t exit_request = 0;
  // System mode: the CPU's interrupt request line (exec::Cpu::set_irq; any
  // thread, through std::atomic_ref). A helper that sets EFLAGS.IF while
  // it is up sets exit_request, so that chained code leaves for the loop,
  // which takes the interrupt.
  uint8_t irq_line = 0;

  // Every store to guest memory (IR stores, and helpers after they store)
  // goes through this check.
  void note_store(uint32_t addr, uint32_t len) {
    if (!is_code_page(addr >> 12) && !is_code_page((addr + len - 1) >> 12)) return;
    if (on_code_write && on_code_write(owner, addr, len)) block_invalidated = true;
  }
  uint8_t* host(uint32_t linear) const { return guest_base + linear; }

  // --- System mode (null in user mode) ---
  SystemBus* bus = nullptr;
  SystemMemory* memory = nullptr;
  TlbEntry* tlb = nullptr;  // [2][kTlbEntries], see TlbEntry
  // -d int: x86::deliver_event and INT n print one line per event.
  bool log_int = false;

  // The current privilege level: CS.RPL in protected mode, 3 in virtual-8086
  // mode, 0 in real mode. User mode always runs at CPL 3.
  unsigned cpl() const {
    if (!memory) return 3;
    if (!(state->cr[0] & 1)) return 0;
    if (state->eflags & x86::kVM) return 3;
    return state->seg[x86::kCs].selector & 3;
  }

  // Guest memory for helpers, in user mode and system mode alike. read/write
  // access as the current CPL; read_sys/write_sys are the implicit
  // supervisor accesses (GDT, LDT, IDT, TSS) whatever the CPL. A fault
  // raises #PF into the env (raise()) and returns false; the helper then
  // returns at once. Writes also do note_store (self-modifying code).
  // User mode: guest_base + linear (a host fault becomes the guest #PF).
  bool read(uint32_t linear, void* out, uint32_t len) {
    return access_read(linear, out, len, cpl() == 3);
  }
  bool write(uint32_t linear, const void* in, uint32_t len) {
    return access_write(linear, in, len, cpl() == 3);
  }
  bool read_sys(uint32_t linear, void* out, uint32_t len) {
    return access_read(linear, out, len, false);
  }
  bool write_sys(uint32_t linear, const void* in, uint32_t len) {
    return access_write(linear, in, len, false);
  }
  // CR3 loads (global_too false), CR0.PG/CR4.PGE/PSE changes (true), INVLPG.
  void flush_tlb(bool global_too) {
    if (memory) memory->flush_tlb(global_too);
  }
  void flush_tlb_page(uint32_t linear) {
    if (memory) memory->flush_tlb_page(linear);
  }

  // (The two below are the shared bodies of the four above.)
  bool access_read(uint32_t linear, void* out, uint32_t len, bool user) {
    if (memory) return memory->read(*this, linear, out, len, user);
    if (uint64_t{linear} + len <= (uint64_t{1} << 32)) {
      std::memcpy(out, guest_base + linear, len);
      return true;
    }
    for (uint32_t i = 0; i < len; ++i)  // wraps at 4 GiB like the guest address
      static_cast<uint8_t*>(out)[i] = guest_base[static_cast<uint32_t>(linear + i)];
    return true;
  }
  bool access_write(uint32_t linear, const void* in, uint32_t len, bool user) {
    if (memory) return memory->write(*this, linear, in, len, user);
    if (uint64_t{linear} + len <= (uint64_t{1} << 32)) {
      std::memcpy(guest_base + linear, in, len);
      note_store(linear, len);
      return true;
    }
    for (uint32_t i = 0; i < len; ++i) {
      const auto a = static_cast<uint32_t>(linear + i);
      guest_base[a] = static_cast<const uint8_t*>(in)[i];
      note_store(a, 1);
    }
    return true;
  }
};

}  // namespace dynemu::ir
