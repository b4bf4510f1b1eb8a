#pragma once

#include <csetjmp>
#include <csignal>
#include <cstdint>

#include "emulator/ir/helper.h"

namespace dynemu::backend::x64 {
class Jit;
}
namespace dynemu::x86 {
struct CpuState;
}

namespace dynemu::exec {

// How a host fault on a guest memory access finds its way back to the CPU
// loop. The Cpu owns one; while guest code (or a guarded code fetch) runs on
// a thread, that thread's current trap points at it and is armed.
struct HostFaultTrap {
  enum Armed : int { kOff, kGuest, kFetch };

  uint8_t* guest_base = nullptr;
  volatile sig_atomic_t armed = kOff;
  sigjmp_buf guest_jmp;  // back to Cpu::run(): the fault becomes a #PF exit
  sigjmp_buf fetch_jmp;  // back to a guarded code fetch: "not readable"

  // Lazy EIP (recover_guest_state): the compiled code's JIT (null: none),
  // the state it runs on and the running-block slot (temps[0]).
  const backend::x64::Jit* jit = nullptr;
  x86::CpuState* state = nullptr;
  uint64_t* running_tag = nullptr;

  // Filled by the handler before it jumps.
  uint32_t fault_addr = 0;
  uint32_t error_code = 0;
  int signal = 0;
  // User mode: the Cpu's env, whose on_code_write drops the blocks of a
  // page written through its host write protection (see CodeWriteGuard).
  ir::GuestEnv* env = nullptr;
  // Set with a jump to guest_jmp: not a guest fault, a write into a page
  // holding code dropped the running block before the write happened; exec
  // runs the writing instruction again, alone (untranslated for the cache).
  bool smc_restart = false;
};

// User mode, self-modifying code by host page protection, as qemu-user
// does it: guest pages that hold translated code and that the guest may
// write are read-only on the host (the user runtime's memory map keeps the
// guest's own protection). A host write fault there is offered to
// `unlock` first: true if the page was protected only for code (it is
// host-writable again now). The handler then drops every block of that
// page - through the faulting thread's HostFaultTrap::env when guest code
// runs (restarting the running block if it was dropped: smc_restart),
// else through `drop` (a C++ write: syscall emulation, signal frames) -
// and returns, so the write is retried. Process-wide like the handler;
// set once before guest code runs.
struct CodeWriteGuard {
  uint8_t* guest_base = nullptr;
  bool (*unlock)(void* owner, uint32_t addr) = nullptr;
  void (*drop)(void* owner, uint32_t page_addr) = nullptr;
  void* owner = nullptr;
};
void set_code_write_guard(const CodeWriteGuard& guard);

// The trap of the calling thread. A signal handler receives no context of
// ours, so the running CPU must be reachable from thread-local storage:
// this is the one mutable global the OS forces on us. It is initial-exec
// TLS in our static libraries, which is safe to read in a signal handler.
HostFaultTrap*& current_trap();

// Lazy EIP. Compiled code does not store EIP per guest instruction (only
// at exits and before calls that may raise or read it), so inside a block
// CpuState::eip is stale. For a host fault whose PC is in compiled code of
// trap.jit this sets trap.state->eip to the guest instruction containing
// that PC and *trap.running_tag to the block holding it: CpuState is then
// exact (EIP of the faulting instruction, registers and flags as after the
// previous one; register writes are write-through). Returns whether host_pc
// was in compiled code. Async-signal-safe. The SIGSEGV/SIGBUS handler does
// this FIRST for every fault while the trap is armed, before any branch of
// it (SMC write, #PF) reads the state; a fault inside a C helper called by
// compiled code leaves EIP as stored before the call.
bool recover_guest_state(HostFaultTrap& trap, uintptr_t host_pc);

// Gives the calling thread an alternate signal stack (once per thread).
void ensure_alt_signal_stack();

// Copies `len` bytes of guest memory; false if any byte is unreadable (the
// host faults on it), in which case `out` is partly written. `trap` must be
// the current trap of this thread.
bool guarded_copy(HostFaultTrap& trap, uint8_t* out, const uint8_t* src, uint32_t len);

}  // namespace dynemu::exec
