#pragma once

#include <csetjmp>
#include <csignal>
#include <cstdint>

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

  // Filled by the handler before it jumps.
  uint32_t fault_addr = 0;
  uint32_t error_code = 0;
  int signal = 0;
};

// The trap of the calling thread. A signal handler receives no context of
// ours, so the running CPU must be reachable from thread-local storage:
// this is the one mutable global the OS forces on us. It is initial-exec
// TLS in our static libraries, which is safe to read in a signal handler.
HostFaultTrap*& current_trap();

// Gives the calling thread an alternate signal stack (once per thread).
void ensure_alt_signal_stack();

// Copies `len` bytes of guest memory; false if any byte is unreadable (the
// host faults on it), in which case `out` is partly written. `trap` must be
// the current trap of this thread.
bool guarded_copy(HostFaultTrap& trap, uint8_t* out, const uint8_t* src, uint32_t len);

}  // namespace dynemu::exec
