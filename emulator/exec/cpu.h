#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "emulator/core/log.h"
#include "emulator/core/result.h"
#include "emulator/exec/cpu_exit.h"
#include "emulator/ir/block.h"
#include "emulator/x86/cpu_state.h"
#include "emulator/x86/translate.h"

namespace dynemu::mmu {
class PhysMemory;
}
namespace dynemu::ir {
class SystemBus;
}

namespace dynemu::exec {

enum class Engine : uint8_t { Interp, Jit, Compare };

class BlockCache;
// A translation cache several CPUs can share when they never run guest code
// at the same time (user mode: guest threads under one lock). Code is then
// translated once, and a store by any of them into translated code
// invalidates it for all.
std::shared_ptr<BlockCache> make_shared_block_cache();

// Whether guest code may be fetched from a page (user mode: the mapping's
// PROT_EXEC; the host's own protections do not tell, as exec only reads).
enum class CodeAccess : uint8_t {
  Unmapped,  // #PF, error 0x14 (not present, user, instruction fetch)
  NoExec,    // mapped without execute permission: #PF, error 0x15 (present)
  Exec,
};

struct CpuConfig {
  Engine engine = Engine::Interp;
  // User mode: guest linear address A lives at host address guest_base + A
  // (a 4 GiB reservation owned by the Linux personality, emulator/user).
  uint8_t* guest_base = nullptr;
  LogMask log;
  // Empty: the CPU has its own translation cache. See make_shared_block_cache.
  std::shared_ptr<BlockCache> shared_cache;
  // Run ir::opt::optimize on each new block (off: the translator's IR as is,
  // for bisecting optimizer bugs).
  bool optimize = true;
  // The front end. Empty: x86::translate_block. Tests put hand-built IR here.
  std::function<ir::Block(const x86::TranslateRequest&)> translate;
  // User mode: appends to `out` the other guest pages (linear address >> 12)
  // backed by the same memory as `page` (a file or memfd mapped shared
  // twice, the W^X dual-mapping trick), so that writes through them
  // invalidate code translated from `page`. Asked when a block is
  // translated; after creating a new alias of existing pages, call
  // invalidate_code on them. Empty: no aliases.
  std::function<void(uint32_t page, std::vector<uint32_t>& out)> page_aliases;
  // User mode: may code run from this page (linear address >> 12)? Asked
  // when translating; after mprotect/munmap/mmap changes execute rights of
  // pages that held code, call invalidate_code on them. Empty: any readable
  // page is executable.
  std::function<CodeAccess(uint32_t page)> code_access;
  // Engine::Jit / Compare: bytes of host code kept (flushed whole when
  // full). With a shared cache, the first Cpu's value counts.
  size_t jit_cache_bytes = 32u << 20;

  // System mode (a PC): non-null `phys` makes the CPU fetch and access
  // memory through its MMU (paging, soft TLB, MMIO), start in the power-on
  // state, deliver exceptions and interrupts itself through the IVT/IDT
  // and reach I/O ports and the PIC through `bus`. guest_base,
  // page_aliases, code_access and shared_cache are for user mode only.
  mmu::PhysMemory* phys = nullptr;
  ir::SystemBus* bus = nullptr;
};

// Counters for -d stats (printed by the destructor when asked).
struct CpuStats {
  uint64_t blocks_translated = 0;
  uint64_t blocks_executed = 0;
  uint64_t guest_insns_translated = 0;
  uint64_t chained = 0;        // direct exits that found their successor without a lookup
  uint64_t invalidations = 0;  // blocks dropped for self-modifying code
  uint64_t host_faults = 0;    // guest accesses that faulted on the host (#PF exits)
  uint64_t smc_restarts = 0;   // blocks left because a store of theirs rewrote them
  uint64_t cache_blocks = 0;   // blocks in the cache now
  uint64_t jit_compiled = 0;   // Engine::Jit/Compare: blocks compiled to host code
  uint64_t jit_fallbacks = 0;  // blocks run on the interpreter (could not be compiled)
  uint64_t jit_links = 0;      // direct exits chained in host code (jump straight to the successor)
  // System mode: why the loop was entered again (for tuning chaining).
  uint64_t indirect_exits = 0;    // indirect jumps, returns, IRET and other state-changing exits
  uint64_t interrupts = 0;        // INTR delivered
  uint64_t exceptions = 0;        // exceptions delivered (#PF included)
  uint64_t code_tlb_flushes = 0;  // TLB flushes that dropped cross-page chains
};

// One i386 CPU: translates guest code into blocks, caches and runs them.
// Contract shared by exec (implementation) and user (caller).
class Cpu {
 public:
  // Throws std::invalid_argument for an engine that cannot run here (the
  // JIT's code memory could not be mapped); create() reports it as a Result.
  explicit Cpu(const CpuConfig& config);
  ~Cpu();
  Cpu(const Cpu&) = delete;
  Cpu& operator=(const Cpu&) = delete;

  static Result<std::unique_ptr<Cpu>> create(const CpuConfig& config);

  x86::CpuState& state();

  // Runs guest code until something the caller must handle (CpuExit).
  CpuExit run();

  // Guest memory in [addr, addr+len) changed behind the CPU's back (mmap over
  // code, read() into a code page, munmap): drop translations of it.
  // System mode: physical addresses (PhysMemory::write already does this).
  void invalidate_code(uint32_t addr, uint32_t len);

  // Async-signal-safe and thread-safe: makes run() return ExitKind::Request promptly.
  void request_exit();

  // System mode. Power-on / RESET state: real mode, CS selector 0xF000 with
  // base 0xFFFF0000 and limit 0xFFFF, EIP 0xFFF0, EDX 0x633 (family 6),
  // CR0 0x60000010, EFLAGS 0x2; TLB flushed. (The constructor does it too.)
  void reset();
  // The INTR pin (level). Taken at a block boundary when EFLAGS.IF=1 and
  // no STI / MOV SS shadow is active: the vector comes from
  // SystemBus::interrupt_acknowledge(). Call from the CPU's thread (devices
  // run on it); from another thread, follow with request_exit().
  void set_irq(bool level);

  const CpuStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// The power-on state of an i386 (see Cpu::reset).
void reset_state(x86::CpuState& s);

// Routes host SIGSEGV/SIGBUS raised by guest memory accesses back into the
// running Cpu as precise guest #PF exits. Process-wide because signal
// handlers are; call once before the first run().
void install_host_fault_handler();

}  // namespace dynemu::exec
