#pragma once

#include <cstdint>

namespace dynemu::exec {

// Why Cpu::run() returned to its caller. In user mode the caller (the Linux
// personality) handles system calls and turns exceptions into signals.
enum class ExitKind : uint8_t {
  Syscall,    // INT 0x80 executed; EIP already points after it
  Exception,  // a guest exception: `vector`, `error_code`, `fault_addr`; EIP at the faulting
              // instruction
  Halt,       // HLT; EIP after it. System mode: the caller sleeps until an IRQ or timer
              // (with IF=0 and no NMI the CPU never wakes: the board decides)
  Request,    // an exit request from another thread (Cpu::request_exit)
  Shutdown,   // system mode: triple fault (the CPU stopped; the board resets or stops)
};

struct CpuExit {
  ExitKind kind = ExitKind::Request;
  uint8_t vector = 0;       // exception vector (0 #DE, 6 #UD, 13 #GP, 14 #PF, 3 #BP...)
  uint32_t error_code = 0;  // for #PF: bit 1 set for a write
  uint32_t fault_addr = 0;  // for #PF: the linear address (CR2)
  // #PF raised by a host fault on a guest access: the host signal (SIGSEGV
  // or SIGBUS), so user mode can deliver the matching guest signal. 0 when
  // the #PF came from guest page tables or the translator.
  uint8_t host_signal = 0;
};

}  // namespace dynemu::exec
