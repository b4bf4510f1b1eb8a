// Signal system calls: the state lives in Signals (signals.cpp).
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "emulator/user/sys_util.h"

namespace dynemu::user {

uint32_t sys_rt_sigaction(Process& p, const SyscallArgs& a) {
  if (a[3] != 8) return err(EINVAL);
  abi::Sigaction32 act, old;
  if (a[1] && !p.space().read_obj(a[1], act)) return err(EFAULT);
  if (int e = p.signals().sigaction(a.s(0), a[1] ? &act : nullptr, &old)) return err(-e);
  if (a[2] && !p.space().write_obj(a[2], old)) return err(EFAULT);
  return 0;
}

uint32_t sys_sigaction(Process& p, const SyscallArgs& a) {
  abi::OldSigaction32 g;
  abi::Sigaction32 act{}, old;
  if (a[1]) {
    if (!p.space().read_obj(a[1], g)) return err(EFAULT);
    act = {g.handler, g.flags, g.restorer, g.mask};
  }
  if (int e = p.signals().sigaction(a.s(0), a[1] ? &act : nullptr, &old)) return err(-e);
  if (a[2]) {
    g = {old.handler, uint32_t(old.mask), old.flags, old.restorer};
    if (!p.space().write_obj(a[2], g)) return err(EFAULT);
  }
  return 0;
}

uint32_t sys_signal(Process& p, const SyscallArgs& a) {
  abi::Sigaction32 act{a[1], kSaResethand | kSaNodefer, 0, 0}, old;
  if (int e = p.signals().sigaction(a.s(0), &act, &old)) return err(-e);
  return old.handler;
}

uint32_t sys_rt_sigprocmask(Process& p, const SyscallArgs& a) {
  if (a[3] != 8) return err(EINVAL);
  uint64_t set, old;
  if (a[1] && !p.space().read_obj(a[1], set)) return err(EFAULT);
  if (int e = p.signals().sigprocmask(a.s(0), a[1] ? &set : nullptr, &old)) return err(-e);
  if (a[2] && !p.space().write_obj(a[2], old)) return err(EFAULT);
  return 0;
}

uint32_t sys_sigprocmask(Process& p, const SyscallArgs& a) {
  uint32_t set32;
  const uint64_t cur = p.signals().blocked();
  uint64_t set = 0, old;
  if (a[1]) {
    if (!p.space().read_obj(a[1], set32)) return err(EFAULT);
    // The old call sees only the first 32 signals; SETMASK keeps the rest.
    set = a.s(0) == SIG_SETMASK ? (cur & ~0xffffffffull) | set32 : set32;
  }
  if (int e = p.signals().sigprocmask(a.s(0), a[1] ? &set : nullptr, &old)) return err(-e);
  if (a[2] && !p.space().write_obj(a[2], uint32_t(old))) return err(EFAULT);
  return 0;
}

uint32_t sys_rt_sigpending(Process& p, const SyscallArgs& a) {
  if (a[1] > 8) return err(EINVAL);
  const uint64_t set = p.signals().pending();
  return p.space().write(a[0], &set, a[1]) ? 0 : err(EFAULT);
}

uint32_t sys_sigpending(Process& p, const SyscallArgs& a) {
  const uint32_t set = uint32_t(p.signals().pending());
  return p.space().write_obj(a[0], set) ? 0 : err(EFAULT);
}

uint32_t sys_rt_sigsuspend(Process& p, const SyscallArgs& a) {
  if (a[1] != 8) return err(EINVAL);
  uint64_t mask;
  if (!p.space().read_obj(a[0], mask)) return err(EFAULT);
  return err(-p.signals().sigsuspend(mask));
}

uint32_t sys_sigsuspend(Process& p, const SyscallArgs& a) {
  // sigsuspend(int unused1, int unused2, old_sigset_t mask) in the i386 ABI.
  const uint64_t mask = (p.signals().blocked() & ~0xffffffffull) | a[2];
  return err(-p.signals().sigsuspend(mask));
}

uint32_t sys_pause(Process& p, const SyscallArgs& a) {
  return err(-p.signals().sigsuspend(p.signals().blocked()));
}

namespace {
uint32_t do_sigtimedwait(Process& p, const SyscallArgs& a, bool time64) {
  if (a[3] != 8) return err(EINVAL);
  uint64_t set;
  if (!p.space().read_obj(a[0], set)) return err(EFAULT);
  struct timespec ts, *tp;
  if (read_timespec(p, a[2], time64, ts, tp)) return err(EFAULT);
  abi::Siginfo32 info{};
  const int r = p.signals().sigtimedwait(set, info, tp);
  if (r < 0) return err(-r);
  if (a[1] && !p.space().write_obj(a[1], info)) return err(EFAULT);
  return uint32_t(r);
}
}  // namespace

uint32_t sys_rt_sigtimedwait(Process& p, const SyscallArgs& a) {
  return do_sigtimedwait(p, a, false);
}
uint32_t sys_rt_sigtimedwait_time64(Process& p, const SyscallArgs& a) {
  return do_sigtimedwait(p, a, true);
}

uint32_t sys_sigaltstack(Process& p, const SyscallArgs& a) {
  abi::Stack32 ss, old;
  if (a[0] && !p.space().read_obj(a[0], ss)) return err(EFAULT);
  if (int e = p.signals().sigaltstack(a[0] ? &ss : nullptr, &old, p.state().gpr[x86::kEsp]))
    return err(-e);
  if (a[1] && !p.space().write_obj(a[1], old)) return err(EFAULT);
  return 0;
}

uint32_t sys_rt_sigreturn(Process& p, const SyscallArgs& a) {
  return p.signals().sigreturn(true);
}
uint32_t sys_sigreturn(Process& p, const SyscallArgs& a) {
  return p.signals().sigreturn(false);
}

uint32_t sys_kill(Process& p, const SyscallArgs& a) {
  if (a.s(0) == getpid() && a[1] != 0) return err(-p.signals().send_to_self(a.s(1), SI_USER));
  return host_result(kill(a.s(0), a.s(1)));
}

uint32_t sys_tkill(Process& p, const SyscallArgs& a) {
  if (a.s(0) == gettid() && a[1] != 0) return err(-p.signals().send_to_self(a.s(1), SI_TKILL));
  return host_result(syscall(SYS_tkill, a.s(0), a.s(1)));
}

uint32_t sys_tgkill(Process& p, const SyscallArgs& a) {
  if (a.s(0) == getpid() && a.s(1) == gettid() && a[2] != 0)
    return err(-p.signals().send_to_self(a.s(2), SI_TKILL));
  return host_result(syscall(SYS_tgkill, a.s(0), a.s(1), a.s(2)));
}

}  // namespace dynemu::user
