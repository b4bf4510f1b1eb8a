#pragma once

#include <signal.h>

#include <array>
#include <cstdint>
#include <deque>
#include <optional>

#include "emulator/core/result.h"
#include "emulator/exec/cpu.h"

#include "emulator/exec/cpu_exit.h"
#include "emulator/user/i386_abi.h"

namespace dynemu::user {

class Process;

inline constexpr int kNumSignals = 64;
inline uint64_t sig_bit(int sig) {
  return 1ull << (sig - 1);
}

// Guest signal actions (sa_flags bits of the i386 ABI, same as the host's).
enum : uint32_t {
  kSaSiginfo = 4,
  kSaOnstack = 0x08000000,
  kSaRestart = 0x10000000,
  kSaNodefer = 0x40000000,
  kSaResethand = 0x80000000,
  kSaRestorer = 0x04000000,
};
inline constexpr uint32_t kSigDfl = 0, kSigIgn = 1;

// The guest's signal state: actions, blocked mask, alternate stack, pending
// signals; delivery builds the i386 signal frames on the guest stack.
//
// Host signals the guest handles are caught by a host handler that records
// them and asks the CPU to stop (Cpu::request_exit); they are delivered
// between blocks. Guest SIG_DFL and SIG_IGN are mirrored to the host, so a
// default action (terminate, stop, ignore) happens natively, and the guest's
// blocked mask is mirrored to the host's for the same reason. Synchronous
// signals come from CPU exceptions (CpuExit::Exception).
class Signals {
 public:
  explicit Signals(Process& process);
  ~Signals();

  // rt_sigaction / sigprocmask semantics; results 0 or -errno.
  int sigaction(int sig, const abi::Sigaction32* act, abi::Sigaction32* old);
  int sigprocmask(int how, const uint64_t* set, uint64_t* old);
  uint64_t blocked() const { return m_blocked; }
  void set_blocked(uint64_t mask);
  int sigaltstack(const abi::Stack32* ss, abi::Stack32* old, uint32_t sp);
  uint64_t pending() const;

  // A guest exception becomes a signal, delivered at once.
  void raise_exception(const exec::CpuExit& e);
  // kill/tgkill aimed at this process: queued unless the host can do it.
  int send_to_self(int sig, int code);
  // Delivers every deliverable pending signal (host ones included).
  void deliver_pending();
  // A pending signal would interrupt a system call now; `restart` says
  // whether its handler asked for SA_RESTART.
  bool interrupted(bool& restart);

  // sigreturn (rt=false) and rt_sigreturn: restore the interrupted context.
  // Returns the restored EAX.
  uint32_t sigreturn(bool rt);
  // rt_sigtimedwait: takes a pending signal of `set` (waiting up to
  // `timeout`, forever if null); returns its number or -errno.
  int sigtimedwait(uint64_t set, abi::Siginfo32& info, const struct timespec* timeout);
  // rt_sigsuspend: waits with `mask` until a signal arrives.
  int sigsuspend(uint64_t mask);

  // Guest address of the sigreturn trampolines (placed in guest memory).
  static constexpr uint32_t kTrampolineAddr = 0xffffe000;

  // The CPU that host signal handlers stop (the running guest thread's).
  static void set_running_cpu(exec::Cpu* cpu);

  // Maps the trampoline page and starts watching host signals.
  Result<void> install();
  // The host mask that mirrors a guest one (ppoll/pselect masks).
  sigset_t host_mask_for(uint64_t guest_mask) const;

  // Where a frame goes for a stack pointer `sp`: the frame's address and
  // that of its FPU state (Linux's get_sigframe for ia32).
  struct FramePlace {
    uint32_t frame, fpstate;
  };
  static FramePlace place_frame(uint32_t sp, bool rt);

 private:
  struct Action {
    uint32_t handler = kSigDfl;
    uint32_t flags = 0;
    uint32_t restorer = 0;
    uint64_t mask = 0;
  };
  void collect_host_signals();
  void deliver(int sig, const abi::Siginfo32& info, const exec::CpuExit* fault);
  [[noreturn]] void die(int sig);
  void apply_host_action(int sig);
  void apply_host_mask();

  void set_segment(int reg, uint16_t selector);

  Process& m_process;
  // rt_sigsuspend: the mask to restore after the handler (saved in the frame).
  std::optional<uint64_t> m_saved_mask;
  std::array<Action, kNumSignals + 1> m_actions{};
  uint64_t m_blocked = 0;
  abi::Stack32 m_altstack{0, SS_DISABLE, 0};
  struct Queued {
    int sig;
    abi::Siginfo32 info;
  };
  std::deque<Queued> m_queue;
};

// A host siginfo in the i386 layout.
abi::Siginfo32 to_siginfo32(const siginfo_t& si);

// Linux's default action of a signal: true when it terminates (or dumps).
bool default_terminates(int sig);

}  // namespace dynemu::user
