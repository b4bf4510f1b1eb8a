#include "emulator/exec/host_fault.h"

#include <sys/ucontext.h>

#include <cstring>
#include <memory>
#include <mutex>

#include "emulator/backend/x64/jit.h"
#include "emulator/exec/cpu.h"
#include "emulator/x86/cpu_state.h"

namespace dynemu::exec {

namespace {

thread_local HostFaultTrap* t_trap = nullptr;

// The previous handlers, to hand faults that are not ours back to them
// (default action, or e.g. a sanitizer's reporter). Set once by
// install_host_fault_handler before any fault can happen, then only read.
struct sigaction g_previous_segv, g_previous_bus;

// Guest accesses use 32-bit addresses plus at most 8 bytes of size, so a
// fault past guest_base + 4 GiB by a few bytes is still a guest access.
constexpr uint64_t kGuestSpan = (uint64_t{1} << 32) + 16;

// See CodeWriteGuard. Written once by the user runtime before guest code
// runs, then only read (by the handler, which gets no context of ours).
CodeWriteGuard g_code_write_guard;

enum class CodeWrite { kNo, kRetry, kRestart };

// A write fault on a page write-protected because it holds translated code.
CodeWrite code_write_fault(HostFaultTrap* trap, const siginfo_t* info, const ucontext_t* uc) {
  const CodeWriteGuard& g = g_code_write_guard;
  if (!g.unlock || info->si_code != SEGV_ACCERR || !(uc->uc_mcontext.gregs[REG_ERR] & 0x2))
    return CodeWrite::kNo;
  const auto host = reinterpret_cast<uintptr_t>(info->si_addr);
  const auto base = reinterpret_cast<uintptr_t>(g.guest_base);
  if (host < base || host - base >= (uint64_t{1} << 32)) return CodeWrite::kNo;
  const auto addr = static_cast<uint32_t>(host - base);
  if (!g.unlock(g.owner, addr)) return CodeWrite::kNo;  // a real guest fault
  const uint32_t page = addr & ~0xfffu;
  if (trap && trap->armed == HostFaultTrap::kGuest && trap->env && trap->env->on_code_write) {
    // Guest code of this thread's Cpu wrote (it holds the process's lock):
    // if the block running now is among the dropped ones, leave it before
    // the write (precise: nothing of the instruction happened yet).
    if (trap->env->on_code_write(trap->env->owner, page, 4096)) return CodeWrite::kRestart;
    return CodeWrite::kRetry;
  }
  g.drop(g.owner, page);
  return CodeWrite::kRetry;
}

void on_host_fault(int sig, siginfo_t* info, void* context) {
  HostFaultTrap* trap = t_trap;
  // First, before any branch below reads CpuState: a fault inside compiled
  // code gets the exact EIP of its guest instruction (lazy EIP).
  if (trap && trap->armed != HostFaultTrap::kOff)
    recover_guest_state(*trap,
                        static_cast<uintptr_t>(
                            static_cast<const ucontext_t*>(context)->uc_mcontext.gregs[REG_RIP]));
  const CodeWrite code_write =
      sig == SIGSEGV ? code_write_fault(trap, info, static_cast<const ucontext_t*>(context))
                     : CodeWrite::kNo;
  if (code_write == CodeWrite::kRetry) return;  // the page is writable again
  // kRestart leaves the block like a guest fault (same EIP and x87
  // recovery), flagged so that exec delivers nothing.
  if (trap) trap->smc_restart = code_write == CodeWrite::kRestart;
  if (trap && trap->armed != HostFaultTrap::kOff) {
    const auto host = reinterpret_cast<uintptr_t>(info->si_addr);
    const auto base = reinterpret_cast<uintptr_t>(trap->guest_base);
    if (host >= base && host - base < kGuestSpan) {
      if (trap->armed == HostFaultTrap::kFetch) {
        trap->armed = HostFaultTrap::kGuest;
        siglongjmp(trap->fetch_jmp, 1);
      }
      // Page-fault error code (SDM vol. 3, 4.7): write bit from the host's
      // error code; present bit from the kernel's verdict (SEGV_ACCERR: the
      // mapping exists but forbids the access; the host's own present bit
      // only says whether a page was faulted in yet); always user mode.
      const auto* uc = static_cast<const ucontext_t*>(context);
      const auto host_err = static_cast<uint32_t>(uc->uc_mcontext.gregs[REG_ERR]);
      const bool protection = sig == SIGSEGV && info->si_code == SEGV_ACCERR;
      trap->fault_addr = static_cast<uint32_t>(host - base);
      trap->error_code = (host_err & 0x2) | 0x4 | (protection ? 0x1 : 0);
      trap->signal = sig;
      // Compiled x87 code may hold the guest's x87 registers in the host
      // unit: the kernel saved them in this signal's context.
      backend::x64::recover_x87_after_fault(uc->uc_mcontext.fpregs);
      trap->armed = HostFaultTrap::kOff;
      siglongjmp(trap->guest_jmp, 1);
    }
  }
  // Not a guest access: a host bug. Put the previous handler back and return;
  // the faulting instruction runs again and faults into it.
  sigaction(sig, sig == SIGBUS ? &g_previous_bus : &g_previous_segv, nullptr);
}

// Per thread (sigaltstack is): the handler then works even when the fault
// is a host stack overflow (it just hands that over).
struct AltStack {
  static constexpr size_t kSize = 64 * 1024;
  std::unique_ptr<uint8_t[]> memory{new uint8_t[kSize]};
  AltStack() {
    stack_t ss{};
    ss.ss_sp = memory.get();
    ss.ss_size = kSize;
    sigaltstack(&ss, nullptr);
  }
  ~AltStack() {
    stack_t ss{};
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, nullptr);
  }
};

}  // namespace

bool recover_guest_state(HostFaultTrap& trap, uintptr_t host_pc) {
  if (!trap.jit || !trap.state) return false;
  uint32_t eip = 0;
  uint64_t tag = 0;
  if (!trap.jit->guest_eip_at(host_pc, eip, tag)) return false;
  trap.state->eip = eip;
  if (trap.running_tag && tag) *trap.running_tag = tag;
  return true;
}

HostFaultTrap*& current_trap() {
  return t_trap;
}

bool guarded_copy(HostFaultTrap& trap, uint8_t* out, const uint8_t* src, uint32_t len) {
  const sig_atomic_t before = trap.armed;
  if (sigsetjmp(trap.fetch_jmp, 0)) {
    trap.armed = before;
    return false;
  }
  trap.armed = HostFaultTrap::kFetch;
  asm volatile("" ::: "memory");
  std::memcpy(out, src, len);
  asm volatile("" ::: "memory");
  trap.armed = before;
  return true;
}

void set_code_write_guard(const CodeWriteGuard& guard) {
  g_code_write_guard = guard;
}

void ensure_alt_signal_stack() {
  thread_local AltStack alt_stack;
}

void install_host_fault_handler() {
  // Process-wide, like the handlers themselves; main calls this once.
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_sigaction = on_host_fault;
    // SA_NODEFER: we leave the handler by siglongjmp without restoring the
    // signal mask (sigsetjmp(.., 0) saves none: no syscall per run()), so
    // the signal must not stay blocked.
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &g_previous_segv);
    sigaction(SIGBUS, &sa, &g_previous_bus);
  });
}

}  // namespace dynemu::exec
