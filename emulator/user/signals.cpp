#include "emulator/user/signals.h"

#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "emulator/user/process.h"
#include "emulator/x86/lazy_flags.h"

namespace dynemu::user {

namespace {

using x86::CpuState;

// Host signal handlers are process-wide, so what they touch must be too:
// the CPU to stop and one slot per signal. The handler only stores and
// sets a flag; the CPU loop picks the signals up between blocks.
struct HostSignals {
  std::atomic<exec::Cpu*> cpu{nullptr};
  volatile sig_atomic_t pending[kNumSignals + 1];
  siginfo_t info[kNumSignals + 1];
};
HostSignals g_host;

void on_host_signal(int sig, siginfo_t* si, void*) {
  g_host.info[sig] = *si;
  g_host.pending[sig] = 1;
  if (exec::Cpu* cpu = g_host.cpu.load(std::memory_order_relaxed)) cpu->request_exit();
}

// Signals raised by the CPU itself: their host dispositions belong to the
// emulator (exec's fault handler), so guest actions for them are emulated.
constexpr uint64_t kSyncSignals = (1ull << (SIGSEGV - 1)) | (1ull << (SIGBUS - 1)) |
                                  (1ull << (SIGILL - 1)) | (1ull << (SIGFPE - 1)) |
                                  (1ull << (SIGTRAP - 1));
constexpr uint64_t kUnblockable = (1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1));

bool is_sync(int sig) {
  return kSyncSignals & sig_bit(sig);
}

// The retcode bytes Linux writes into ia32 frames (and our trampolines).
constexpr uint8_t kRetcodeRt[8] = {0xb8, 173, 0, 0, 0, 0xcd, 0x80, 0};  // mov $173,%eax; int $0x80
constexpr uint8_t kRetcode[8] = {0x58, 0xb8, 119,  0,
                                 0,    0,    0xcd, 0x80};  // pop %eax; mov $119,%eax; int $0x80
constexpr uint32_t kTrampolineRt = Signals::kTrampolineAddr;
constexpr uint32_t kTrampolineOld = Signals::kTrampolineAddr + 8;

// sigreturn restores only these EFLAGS bits (Linux's FIX_EFLAGS).
constexpr uint32_t kFixEflags = x86::kAC | x86::kOF | x86::kDF | x86::kTF | x86::kSF | x86::kZF |
                                x86::kAF | x86::kPF | x86::kCF | x86::kRF;

}  // namespace

abi::Siginfo32 to_siginfo32(const siginfo_t& si) {
  abi::Siginfo32 g{};
  g.si_signo = si.si_signo;
  g.si_errno = si.si_errno;
  g.si_code = si.si_code;
  if (si.si_signo == SIGCHLD) {
    g.chld = {si.si_pid, si.si_uid, si.si_status, int32_t(si.si_utime), int32_t(si.si_stime)};
  } else if (si.si_code == SI_TIMER) {
    g.timer = {si.si_timerid, si.si_overrun, int32_t(si.si_value.sival_int)};
  } else if (si.si_code == SI_QUEUE || si.si_code == SI_MESGQ) {
    g.rt = {si.si_pid, si.si_uid, int32_t(si.si_value.sival_int)};
  } else if (si.si_signo == SIGPOLL && si.si_code > 0) {
    g.poll = {int32_t(si.si_band), si.si_fd};
  } else {
    g.kill = {si.si_pid, si.si_uid};
  }
  return g;
}

bool default_terminates(int sig) {
  switch (sig) {
    case SIGCHLD:
    case SIGCONT:
    case SIGURG:
    case SIGWINCH:
    case SIGSTOP:
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU: return false;
    default: return true;
  }
}

Signals::Signals(Process& process) : m_process(process) {}

Signals::~Signals() {
  g_host.cpu.store(nullptr);
}

void Signals::set_running_cpu(exec::Cpu* cpu) {
  g_host.cpu.store(cpu);
}

Result<void> Signals::install() {
  auto& space = m_process.space();
  TRY(space.map_fixed(kTrampolineAddr, GuestSpace::kPage, kProtRead | kProtExec,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  space.poke(kTrampolineRt, kRetcodeRt, 8);
  // The handler's RET pops pretcode; the old-style trampoline then pops the
  // signal number, so sigreturn finds the frame at ESP - 8 as in Linux.
  space.poke(kTrampolineOld, kRetcode, 8);
  g_host.cpu.store(&m_process.cpu());
  // The guest starts with the host's inherited mask and dispositions;
  // inherited SIG_IGN stays (as across a native execve).
  sigset_t cur;
  ::sigprocmask(SIG_SETMASK, nullptr, &cur);
  for (int sig = 1; sig <= kNumSignals; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP && !is_sync(sig) && sigismember(&cur, sig) == 1)
      m_blocked |= sig_bit(sig);
    struct sigaction sa;
    if (!is_sync(sig) && ::sigaction(sig, nullptr, &sa) == 0 && sa.sa_handler == SIG_IGN)
      m_actions[sig].handler = kSigIgn;
  }
  return Ok{};
}

sigset_t Signals::host_mask_for(uint64_t guest_mask) const {
  sigset_t set;
  sigemptyset(&set);
  for (int sig = 1; sig <= kNumSignals; ++sig)
    if ((guest_mask & sig_bit(sig)) && !is_sync(sig) && !(kUnblockable & sig_bit(sig)))
      sigaddset(&set, sig);
  return set;
}

void Signals::apply_host_mask() {
  const sigset_t set = host_mask_for(m_blocked);
  ::sigprocmask(SIG_SETMASK, &set, nullptr);
}

void Signals::set_blocked(uint64_t mask) {
  m_blocked = mask & ~kUnblockable;
  apply_host_mask();
}

void Signals::apply_host_action(int sig) {
  if (is_sync(sig) || sig == SIGKILL || sig == SIGSTOP) return;
  struct sigaction sa {};
  const uint32_t h = m_actions[sig].handler;
  if (h == kSigDfl) {
    sa.sa_handler = SIG_DFL;
  } else if (h == kSigIgn) {
    sa.sa_handler = SIG_IGN;
  } else {
    sa.sa_sigaction = on_host_signal;
    sa.sa_flags = SA_SIGINFO;  // no SA_RESTART: the guest's flag decides (handle_syscall)
    sigfillset(&sa.sa_mask);
  }
  ::sigaction(sig, &sa, nullptr);
}

int Signals::sigaction(int sig, const abi::Sigaction32* act, abi::Sigaction32* old) {
  if (sig < 1 || sig > kNumSignals) return -EINVAL;
  Action& a = m_actions[sig];
  if (old) *old = {a.handler, a.flags, a.restorer, a.mask};
  if (!act) return 0;
  if (sig == SIGKILL || sig == SIGSTOP) return -EINVAL;
  a = {act->handler, act->flags, act->restorer, act->mask & ~kUnblockable};
  apply_host_action(sig);
  // Setting SIG_IGN discards a pending signal, as POSIX requires.
  if (a.handler == kSigIgn || (a.handler == kSigDfl && !default_terminates(sig)))
    std::erase_if(m_queue, [&](const Queued& q) { return q.sig == sig; });
  return 0;
}

int Signals::sigprocmask(int how, const uint64_t* set, uint64_t* old) {
  if (old) *old = m_blocked;
  if (!set) return 0;
  switch (how) {
    case SIG_BLOCK: set_blocked(m_blocked | *set); break;
    case SIG_UNBLOCK: set_blocked(m_blocked & ~*set); break;
    case SIG_SETMASK: set_blocked(*set); break;
    default: return -EINVAL;
  }
  return 0;
}

int Signals::sigaltstack(const abi::Stack32* ss, abi::Stack32* old, uint32_t sp) {
  const bool on =
      m_altstack.ss_size && sp > m_altstack.ss_sp && sp - m_altstack.ss_sp <= m_altstack.ss_size;
  if (old) {
    *old = m_altstack;
    old->ss_flags = m_altstack.ss_size == 0 ? SS_DISABLE : on ? SS_ONSTACK : 0;
  }
  if (!ss) return 0;
  if (on) return -EPERM;
  const int mode = ss->ss_flags & ~(1 << 31);
  if (mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0) return -EINVAL;
  if (mode == SS_DISABLE) {
    m_altstack = {0, SS_DISABLE, 0};
    return 0;
  }
  if (ss->ss_size < MINSIGSTKSZ) return -ENOMEM;
  m_altstack = {ss->ss_sp, 0, ss->ss_size};
  return 0;
}

void Signals::collect_host_signals() {
  for (int sig = 1; sig <= kNumSignals; ++sig) {
    if (!g_host.pending[sig]) continue;
    g_host.pending[sig] = 0;
    const siginfo_t si = g_host.info[sig];
    m_queue.push_back({sig, to_siginfo32(si)});
  }
}

uint64_t Signals::pending() const {
  uint64_t set = 0;
  for (const auto& q : m_queue) set |= sig_bit(q.sig);
  sigset_t host;
  sigpending(&host);
  for (int sig = 1; sig <= kNumSignals; ++sig)
    if (sigismember(&host, sig) == 1) set |= sig_bit(sig);
  return set & m_blocked;
}

int Signals::send_to_self(int sig, int code) {
  if (sig < 1 || sig > kNumSignals) return -EINVAL;
  if (!is_sync(sig)) {
    // The host delivers it: its default action then is the native one.
    const long r =
        code == SI_TKILL ? syscall(SYS_tgkill, getpid(), gettid(), sig) : ::kill(getpid(), sig);
    return r < 0 ? -errno : 0;
  }
  if (m_actions[sig].handler == kSigIgn) return 0;
  abi::Siginfo32 info{};
  info.si_signo = sig;
  info.si_code = code;
  info.kill = {getpid(), getuid()};
  m_queue.push_back({sig, info});
  return 0;
}

bool Signals::interrupted(bool& restart) {
  collect_host_signals();
  for (const auto& q : m_queue) {
    if (m_blocked & sig_bit(q.sig)) continue;
    restart = m_actions[q.sig].flags & kSaRestart;
    return true;
  }
  return false;
}

int Signals::sigtimedwait(uint64_t set, abi::Siginfo32& info, const struct timespec* timeout) {
  set &= ~kUnblockable;
  collect_host_signals();
  for (auto it = m_queue.begin(); it != m_queue.end(); ++it) {
    if (!(set & sig_bit(it->sig))) continue;
    info = it->info;
    const int sig = it->sig;
    m_queue.erase(it);
    return sig;
  }
  // Signals of the set the guest blocks are blocked on the host too, so
  // they wait there as pending; the host call takes them.
  const sigset_t host = host_mask_for(set);
  siginfo_t si{};
  const int r = ::sigtimedwait(&host, &si, timeout);
  if (r < 0) {
    const int e = errno;
    // Interrupted by a handled signal the guest did not wait for: EINTR.
    return e == EAGAIN ? -EAGAIN : -e;
  }
  info = to_siginfo32(si);
  return r;
}

int Signals::sigsuspend(uint64_t mask) {
  m_saved_mask = m_blocked;
  m_blocked = mask & ~kUnblockable;
  collect_host_signals();
  bool ready = false;
  for (const auto& q : m_queue) ready = ready || !(m_blocked & sig_bit(q.sig));
  if (!ready) {
    const sigset_t set = host_mask_for(m_blocked);
    ::sigsuspend(&set);
    collect_host_signals();
  }
  return -EINTR;
}

void Signals::deliver_pending() {
  collect_host_signals();
  for (;;) {
    // Lowest-numbered unblocked signal first, as Linux picks them.
    auto best = m_queue.end();
    for (auto it = m_queue.begin(); it != m_queue.end(); ++it)
      if (!(m_blocked & sig_bit(it->sig)) && (best == m_queue.end() || it->sig < best->sig))
        best = it;
    if (best == m_queue.end()) break;
    const Queued q = *best;
    m_queue.erase(best);
    deliver(q.sig, q.info, nullptr);
  }
  if (m_saved_mask) {
    set_blocked(*m_saved_mask);
    m_saved_mask.reset();
  }
}

void Signals::raise_exception(const exec::CpuExit& e) {
  const CpuState& s = m_process.state();
  abi::Siginfo32 info{};
  int sig = SIGSEGV, code = SI_KERNEL;
  uint32_t addr = 0;
  switch (e.vector) {
    case 0:  // #DE
      sig = SIGFPE, code = FPE_INTDIV, addr = s.eip;
      break;
    case 1:  // #DB
      sig = SIGTRAP, code = TRAP_TRACE, addr = s.eip;
      break;
    case 3:  // #BP (INT3)
      sig = SIGTRAP, code = SI_KERNEL;
      break;
    case 6:  // #UD
      sig = SIGILL, code = ILL_ILLOPN, addr = s.eip;
      break;
    case 7:  // #NM
      sig = SIGFPE, code = SI_KERNEL;
      break;
    case 11:  // #NP
    case 12:  // #SS
      sig = SIGBUS, code = SI_KERNEL;
      break;
    case 14:  // #PF
      sig = SIGSEGV, addr = e.fault_addr;
      code = m_process.space().page_mapped(e.fault_addr) ? SEGV_ACCERR : SEGV_MAPERR;
      break;
    case 16: {  // #MF: the first unmasked exception names the code
      const uint16_t pend = s.fpu.status & ~s.fpu.control & 0x3f;
      sig = SIGFPE, addr = s.eip;
      code = (pend & 1)      ? FPE_FLTINV
             : (pend & 4)    ? FPE_FLTDIV
             : (pend & 8)    ? FPE_FLTOVF
             : (pend & 0x12) ? FPE_FLTUND
             : (pend & 0x20) ? FPE_FLTRES
                             : 0;
      break;
    }
    case 17:  // #AC
      sig = SIGBUS, code = BUS_ADRALN, addr = e.fault_addr;
      break;
    default:  // #GP, #OF (INTO), #BR (BOUND), #TS, INT n: SIGSEGV as in Linux
      break;
  }
  info.si_signo = sig;
  info.si_code = code;
  info.fault.addr = addr;
  if (m_process.log(LogItem::Int))
    fprintf(stderr, "dynemu-i386: exception %u at eip=%08x (err %x, addr %08x) -> signal %d\n",
            e.vector, s.eip, e.error_code, e.fault_addr, sig);
  deliver(sig, info, &e);
}

void Signals::die(int sig) {
  // Terminate the way a native process would: by the same signal, without
  // a core of the emulator's 4 GiB address space.
  fflush(stdout);
  fflush(stderr);
  struct rlimit no_core {
    0, 0
  };
  setrlimit(RLIMIT_CORE, &no_core);
  struct sigaction sa {};
  sa.sa_handler = SIG_DFL;
  ::sigaction(sig, &sa, nullptr);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
  ::kill(getpid(), sig);
  raise(sig);
  _exit(128 + sig);
}

Signals::FramePlace Signals::place_frame(uint32_t sp, bool rt) {
  const uint32_t size = rt ? sizeof(abi::RtSigframe32) : sizeof(abi::Sigframe32);
  const uint32_t fp = (sp - sizeof(abi::Fpstate32)) & ~63u;
  uint32_t frame = fp - size;
  frame = ((frame + 4) & ~15u) - 4;  // ESP + 4 16-byte aligned at handler entry
  return {frame, fp};
}

void Signals::set_segment(int reg, uint16_t selector) {
  m_process.descriptors().load_segment(m_process.state(), reg, selector);
}

void Signals::deliver(int sig, const abi::Siginfo32& info, const exec::CpuExit* fault) {
  Action& act = m_actions[sig];
  const bool blocked = m_blocked & sig_bit(sig);
  if (fault && (blocked || act.handler == kSigIgn)) die(sig);  // force_sig semantics
  if (act.handler == kSigIgn) return;
  if (act.handler == kSigDfl) {
    if (default_terminates(sig)) die(sig);
    if (sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) raise(SIGSTOP);
    return;
  }

  CpuState& s = m_process.state();
  auto& space = m_process.space();
  const bool rt = act.flags & kSaSiginfo;
  uint32_t sp = s.gpr[x86::kEsp];
  const bool on_alt =
      m_altstack.ss_size && sp > m_altstack.ss_sp && sp - m_altstack.ss_sp <= m_altstack.ss_size;
  if ((act.flags & kSaOnstack) && m_altstack.ss_size && !on_alt)
    sp = m_altstack.ss_sp + m_altstack.ss_size;
  const FramePlace place = place_frame(sp, rt);

  abi::Fpstate32 fp{};
  s.fpu.store_image(fp.fnsave);
  fp.status = s.fpu.status;
  fp.magic = abi::kFpstateMagicFsave;

  abi::Sigcontext32 sc{};
  sc.gs = s.seg[x86::kGs].selector;
  sc.fs = s.seg[x86::kFs].selector;
  sc.es = s.seg[x86::kEs].selector;
  sc.ds = s.seg[x86::kDs].selector;
  sc.edi = s.gpr[x86::kEdi];
  sc.esi = s.gpr[x86::kEsi];
  sc.ebp = s.gpr[x86::kEbp];
  sc.esp = s.gpr[x86::kEsp];
  sc.ebx = s.gpr[x86::kEbx];
  sc.edx = s.gpr[x86::kEdx];
  sc.ecx = s.gpr[x86::kEcx];
  sc.eax = s.gpr[x86::kEax];
  sc.trapno = fault ? fault->vector : 0;
  sc.err = fault ? (fault->vector == 14 ? fault->error_code | 4 : fault->error_code) : 0;
  sc.eip = s.eip;
  sc.cs = s.seg[x86::kCs].selector;
  sc.eflags = x86::read_eflags(s);
  sc.esp_at_signal = s.gpr[x86::kEsp];
  sc.ss = s.seg[x86::kSs].selector;
  sc.fpstate = place.fpstate;
  const uint64_t old_mask = m_saved_mask.value_or(m_blocked);
  m_saved_mask.reset();
  sc.oldmask = uint32_t(old_mask);
  sc.cr2 = fault && fault->vector == 14 ? fault->fault_addr : 0;

  bool ok = space.write_obj(place.fpstate, fp);
  if (rt) {
    abi::RtSigframe32 f{};
    f.pretcode = (act.flags & kSaRestorer) ? act.restorer : kTrampolineRt;
    f.sig = sig;
    f.pinfo = place.frame + offsetof(abi::RtSigframe32, info);
    f.puc = place.frame + offsetof(abi::RtSigframe32, uc);
    f.info = info;
    f.uc.uc_stack = {m_altstack.ss_sp,
                     m_altstack.ss_size == 0 ? SS_DISABLE
                     : on_alt                ? SS_ONSTACK
                                             : 0,
                     m_altstack.ss_size};
    f.uc.uc_mcontext = sc;
    f.uc.uc_sigmask = old_mask;
    memcpy(f.retcode, kRetcodeRt, 8);
    ok = ok && space.write_obj(place.frame, f);
    s.gpr[x86::kEdx] = f.pinfo;
    s.gpr[x86::kEcx] = f.puc;
  } else {
    abi::Sigframe32 f{};
    f.pretcode = (act.flags & kSaRestorer) ? act.restorer : kTrampolineOld;
    f.sig = sig;
    f.sc = sc;
    f.extramask = uint32_t(old_mask >> 32);
    memcpy(f.retcode, kRetcode, 8);
    ok = ok && space.write_obj(place.frame, f);
    s.gpr[x86::kEdx] = 0;
    s.gpr[x86::kEcx] = 0;
  }
  if (!ok) {
    if (m_process.log(LogItem::Int))
      fprintf(stderr, "dynemu-i386: cannot write the frame of signal %d at %08x\n", sig,
              place.frame);
    die(SIGSEGV);
  }

  s.gpr[x86::kEsp] = place.frame;
  s.gpr[x86::kEax] = uint32_t(sig);
  s.eip = act.handler;
  set_segment(x86::kDs, Descriptors::kDsSelector);
  set_segment(x86::kEs, Descriptors::kDsSelector);
  set_segment(x86::kSs, Descriptors::kDsSelector);
  set_segment(x86::kCs, Descriptors::kCsSelector);
  x86::write_eflags(s, x86::read_eflags(s) & ~(x86::kDF | x86::kTF | x86::kRF));
  s.fpu = x86::FpuState{};  // the handler starts with a fresh FPU, as after FNSAVE

  uint64_t mask = old_mask | act.mask;
  if (!(act.flags & kSaNodefer)) mask |= sig_bit(sig);
  set_blocked(mask);
  if (act.flags & kSaResethand) {
    act = Action{};
    apply_host_action(sig);
  }
}

uint32_t Signals::sigreturn(bool rt) {
  CpuState& s = m_process.state();
  auto& space = m_process.space();
  const uint32_t sp = s.gpr[x86::kEsp];
  abi::Sigcontext32 sc;
  uint64_t mask;
  if (rt) {
    abi::RtSigframe32 f;
    if (!space.read_obj(sp - 4, f)) die(SIGSEGV);
    sc = f.uc.uc_mcontext;
    mask = f.uc.uc_sigmask;
    const abi::Stack32 requested = f.uc.uc_stack;  // packed frame: copy out
    abi::Stack32 old;
    sigaltstack(&requested, &old, sc.esp);
  } else {
    abi::Sigframe32 f;
    if (!space.read_obj(sp - 8, f)) die(SIGSEGV);
    sc = f.sc;
    mask = uint64_t(f.extramask) << 32 | sc.oldmask;
  }
  set_segment(x86::kGs, sc.gs);
  set_segment(x86::kFs, sc.fs);
  set_segment(x86::kEs, sc.es);
  set_segment(x86::kDs, sc.ds);
  set_segment(x86::kCs, sc.cs | 3);
  set_segment(x86::kSs, sc.ss | 3);
  s.gpr[x86::kEdi] = sc.edi;
  s.gpr[x86::kEsi] = sc.esi;
  s.gpr[x86::kEbp] = sc.ebp;
  s.gpr[x86::kEsp] = sc.esp;
  s.gpr[x86::kEbx] = sc.ebx;
  s.gpr[x86::kEdx] = sc.edx;
  s.gpr[x86::kEcx] = sc.ecx;
  s.eip = sc.eip;
  x86::write_eflags(s, (x86::read_eflags(s) & ~kFixEflags) | (sc.eflags & kFixEflags));
  if (sc.fpstate) {
    abi::Fpstate32 fp;
    if (!space.read_obj(sc.fpstate, fp)) die(SIGSEGV);
    s.fpu.load_image(fp.fnsave);
  }
  set_blocked(mask);
  return sc.eax;
}

}  // namespace dynemu::user
