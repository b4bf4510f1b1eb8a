#pragma once

#include <cstdint>
#include <memory>

#include "emulator/core/log.h"
#include "emulator/exec/cpu_exit.h"
#include "emulator/x86/cpu_state.h"

namespace dynemu::exec {

enum class Engine : uint8_t { Interp, Jit, Compare };

struct CpuConfig {
  Engine engine = Engine::Interp;
  // User mode: guest linear address A lives at host address guest_base + A
  // (a 4 GiB reservation owned by the Linux personality, emulator/user).
  uint8_t* guest_base = nullptr;
  LogMask log;
};

// One i386 CPU: translates guest code into blocks, caches and runs them.
// Contract shared by exec (implementation) and user (caller).
class Cpu {
 public:
  explicit Cpu(const CpuConfig& config);
  ~Cpu();
  Cpu(const Cpu&) = delete;
  Cpu& operator=(const Cpu&) = delete;

  x86::CpuState& state();

  // Runs guest code until something the caller must handle (CpuExit).
  CpuExit run();

  // Guest memory in [addr, addr+len) changed behind the CPU's back (mmap over
  // code, read() into a code page, munmap): drop translations of it.
  void invalidate_code(uint32_t addr, uint32_t len);

  // Async-signal-safe: makes run() return ExitKind::Request promptly.
  void request_exit();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// Routes host SIGSEGV/SIGBUS raised by guest memory accesses back into the
// running Cpu as precise guest #PF exits. Process-wide because signal
// handlers are; call once before the first run().
void install_host_fault_handler();

}  // namespace dynemu::exec
