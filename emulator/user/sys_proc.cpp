// Processes, identities, limits, thread-area and futex calls.
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "emulator/user/elf_loader.h"
#include "emulator/user/sys_util.h"

namespace dynemu::user {

uint32_t sys_exit(Process& p, const SyscallArgs& a) {
  p.exit_thread(int(a[0] & 0xff));
  return 0;
}
uint32_t sys_exit_group(Process& p, const SyscallArgs& a) {
  p.exit(int(a[0] & 0xff));
  return 0;
}

namespace {

// Linux clone flags that matter when a clone becomes a host fork.
constexpr uint32_t kCloneVm = 0x100, kCloneVfork = 0x4000, kCloneSettls = 0x80000,
                   kCloneParentSettid = 0x100000, kCloneChildCleartid = 0x200000,
                   kCloneChildSettid = 0x1000000, kCloneThread = 0x10000;

uint32_t do_fork(Process& p, uint32_t flags, uint32_t newsp, uint32_t ptid, uint32_t tls,
                 uint32_t ctid) {
  abi::UserDesc tls_desc{};
  if ((flags & kCloneSettls) && !p.space().read_obj(tls, tls_desc)) return err(EFAULT);
  if ((flags & kCloneThread) || ((flags & kCloneVm) && !(flags & kCloneVfork))) {
    // A thread sharing the address space: a host thread with its own CPU.
    if (!(flags & kCloneThread) || !(flags & kCloneVm)) {
      if (p.log(LogItem::Unimp))
        fprintf(stderr, "dynemu-i386: clone flags %#x (CLONE_VM without a thread)\n", flags);
      return err(EINVAL);
    }
    const int tid = p.start_thread(newsp, (flags & kCloneSettls) ? &tls_desc : nullptr,
                                   (flags & kCloneChildCleartid) ? ctid : 0);
    if (tid < 0) return err(-tid);
    if (flags & kCloneParentSettid) p.space().write_obj(ptid, uint32_t(tid));
    if (flags & kCloneChildSettid) p.space().write_obj(ctid, uint32_t(tid));
    return uint32_t(tid);
  }
  const int exit_signal = int(flags & 0xff);
  const pid_t pid =
      exit_signal == SIGCHLD ? fork() : pid_t(syscall(SYS_clone, exit_signal, 0, 0, 0, 0));
  if (pid < 0) return err(errno);
  const uint32_t child_tid = uint32_t(pid ? pid : getpid());
  if (flags & kCloneParentSettid) p.space().write_obj(ptid, child_tid);
  if (pid != 0) return uint32_t(pid);
  // The child: a copy of the whole emulator, guest included.
  p.after_fork();
  if (flags & kCloneChildSettid) p.space().write_obj(ctid, child_tid);
  if (flags & kCloneSettls) p.descriptors().set_thread_area(p.state(), tls_desc);
  if (newsp) p.state().gpr[x86::kEsp] = newsp;
  return 0;
}

}  // namespace

uint32_t sys_fork(Process& p, const SyscallArgs& a) {
  return do_fork(p, SIGCHLD, 0, 0, 0, 0);
}

uint32_t sys_clone(Process& p, const SyscallArgs& a) {
  // i386 order: flags, newsp, parent_tidptr, tls, child_tidptr.
  return do_fork(p, a[0], a[1], a[2], a[3], a[4]);
}

uint32_t sys_clone3(Process& p, const SyscallArgs& a) {
  // struct clone_args: 64-bit fields, one layout on every architecture.
  struct CloneArgs {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
  } c{};
  if (a[1] < sizeof c || a[1] > 4096) return err(EINVAL);
  if (!p.space().read(a[0], &c, sizeof c)) return err(EFAULT);
  // Flags that would need more than a fork or a thread (pidfd, cgroup,
  // set_tid, namespaces) are refused like an old kernel would.
  constexpr uint64_t kSupported = 0xff | kCloneVm | 0x200 /* FS */ | 0x400 /* FILES */ |
                                  0x800 /* SIGHAND */ | kCloneVfork | 0x8000 /* PARENT */ |
                                  kCloneThread | 0x40000 /* SYSVSEM */ | kCloneSettls |
                                  kCloneParentSettid | kCloneChildCleartid | kCloneChildSettid;
  if ((c.flags & ~kSupported) || c.exit_signal > 64) return err(EINVAL);
  const uint32_t sp = c.stack ? uint32_t(c.stack + c.stack_size) : 0;
  return do_fork(p, uint32_t(c.flags) | uint32_t(c.exit_signal), sp, uint32_t(c.parent_tid),
                 uint32_t(c.tls), uint32_t(c.child_tid));
}

namespace {

int read_string_array(Process& p, uint32_t addr, std::vector<std::string>& out) {
  for (uint32_t i = 0; addr; ++i) {
    uint32_t ptr;
    if (!p.space().read_obj(addr + i * 4, ptr)) return -EFAULT;
    if (ptr == 0) break;
    std::string s;
    if (!p.space().read_string(ptr, s, 128 * 1024)) return -EFAULT;
    out.push_back(std::move(s));
    if (out.size() > 65536) return -E2BIG;
  }
  return 0;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

uint32_t sys_execve(Process& p, const SyscallArgs& a) {
  std::string guest, path;
  if (!p.space().read_string(a[0], guest)) return err(EFAULT);
  if (int e = guest_path(p, a[0], path); e) return err(-e);
  std::vector<std::string> argv, envp;
  if (int e = read_string_array(p, a[1], argv)) return err(-e);
  if (int e = read_string_array(p, a[2], envp)) return err(-e);
  if (access(path.c_str(), X_OK) != 0) return err(errno);

  // A script whose interpreter is an i386 program runs that program.
  std::string first_line;
  if (int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
    char buf[256];
    const ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n > 2 && buf[0] == '#' && buf[1] == '!') first_line.assign(buf + 2, size_t(n - 2));
  }
  std::string prog_guest = guest, prog_host = path;
  std::vector<std::string> guest_argv = argv;
  if (!first_line.empty()) {
    first_line = first_line.substr(0, first_line.find('\n'));
    const size_t b = first_line.find_first_not_of(" \t");
    if (b != std::string::npos) {
      std::string rest = first_line.substr(b);
      const size_t sp = rest.find_first_of(" \t");
      std::string interp = rest.substr(0, sp), arg;
      if (sp != std::string::npos) {
        arg = rest.substr(rest.find_first_not_of(" \t", sp) == std::string::npos
                              ? rest.size()
                              : rest.find_first_not_of(" \t", sp));
        while (!arg.empty() && (arg.back() == ' ' || arg.back() == '\t')) arg.pop_back();
      }
      const std::string interp_host = p.host_path(interp);
      if (is_elf32_i386(interp_host)) {
        guest_argv = {interp};
        if (!arg.empty()) guest_argv.push_back(arg);
        guest_argv.push_back(guest);
        for (size_t i = 1; i < argv.size(); ++i) guest_argv.push_back(argv[i]);
        prog_guest = interp;
        prog_host = interp_host;
      }
    }
  }

  if (!is_elf32_i386(prog_host)) {
    // Not ours to emulate (a host program or a script for a host
    // interpreter): the host runs it.
    auto av = c_strings(argv), ev = c_strings(envp);
    execve(path.c_str(), av.data(), ev.data());
    return err(errno);
  }
  const auto& o = p.options();
  std::vector<std::string> args = {o.self_exe, "-L", o.sysroot, "-accel", o.accel_name};
  if (!o.log_items.empty()) {
    args.push_back("-d");
    args.push_back(o.log_items);
  }
  if (!guest_argv.empty()) {
    args.push_back("-0");
    args.push_back(guest_argv[0]);
  }
  args.push_back(prog_host);
  for (size_t i = 1; i < guest_argv.size(); ++i) args.push_back(guest_argv[i]);
  auto av = c_strings(args), ev = c_strings(envp);
  execve(o.self_exe.c_str(), av.data(), ev.data());
  return err(errno);
}

namespace {

uint32_t put_status(Process& p, uint32_t addr, int status) {
  if (addr && !p.space().write_obj(addr, int32_t(status))) return err(EFAULT);
  return 0;
}

}  // namespace

abi::Rusage32 to_rusage32(const struct rusage& r) {
  abi::Rusage32 g{};
  g.utime = to_timeval32(r.ru_utime);
  g.stime = to_timeval32(r.ru_stime);
  const long f[14] = {r.ru_maxrss, r.ru_ixrss,    r.ru_idrss,   r.ru_isrss,   r.ru_minflt,
                      r.ru_majflt, r.ru_nswap,    r.ru_inblock, r.ru_oublock, r.ru_msgsnd,
                      r.ru_msgrcv, r.ru_nsignals, r.ru_nvcsw,   r.ru_nivcsw};
  for (int i = 0; i < 14; ++i) g.fields[i] = int32_t(f[i]);
  return g;
}

uint32_t sys_wait4(Process& p, const SyscallArgs& a) {
  int status = 0;
  struct rusage ru;
  const pid_t r = wait4(a.s(0), &status, a.s(2), a[3] ? &ru : nullptr);
  if (r < 0) return err(errno);
  // Like the kernel: the child is reaped, then a bad pointer is EFAULT.
  if (r > 0) {
    if (put_status(p, a[1], status)) return err(EFAULT);
    if (a[3] && !p.space().write_obj(a[3], to_rusage32(ru))) return err(EFAULT);
  }
  return uint32_t(r);
}

uint32_t sys_waitpid(Process& p, const SyscallArgs& a) {
  return sys_wait4(p, {{a[0], a[1], a[2], 0}});
}

abi::Siginfo32 to_siginfo32(const siginfo_t& si);

uint32_t sys_waitid(Process& p, const SyscallArgs& a) {
  siginfo_t si{};
  struct rusage ru;
  const long r = syscall(SYS_waitid, a.s(0), a.s(1), &si, a.s(3), a[4] ? &ru : nullptr);
  if (r < 0) return err(errno);
  if (a[2]) {
    abi::Siginfo32 g = si.si_signo ? to_siginfo32(si) : abi::Siginfo32{};
    if (!p.space().write_obj(a[2], g)) return err(EFAULT);
  }
  if (a[4] && !p.space().write_obj(a[4], to_rusage32(ru))) return err(EFAULT);
  return 0;
}

uint32_t sys_getpid(Process& p, const SyscallArgs& a) {
  return uint32_t(getpid());
}
uint32_t sys_getppid(Process& p, const SyscallArgs& a) {
  return uint32_t(getppid());
}
uint32_t sys_gettid(Process& p, const SyscallArgs& a) {
  return uint32_t(gettid());
}
uint32_t sys_getuid(Process& p, const SyscallArgs& a) {
  return getuid();
}
uint32_t sys_getgid(Process& p, const SyscallArgs& a) {
  return getgid();
}
uint32_t sys_geteuid(Process& p, const SyscallArgs& a) {
  return geteuid();
}
uint32_t sys_getegid(Process& p, const SyscallArgs& a) {
  return getegid();
}

namespace {
// The 16-bit calls report ids that do not fit as the overflow id 65534.
uint32_t low16(uint32_t id) {
  return id > 0xffff ? 65534 : id;
}
}  // namespace

uint32_t sys_getuid16(Process& p, const SyscallArgs& a) {
  return low16(getuid());
}
uint32_t sys_getgid16(Process& p, const SyscallArgs& a) {
  return low16(getgid());
}
uint32_t sys_geteuid16(Process& p, const SyscallArgs& a) {
  return low16(geteuid());
}
uint32_t sys_getegid16(Process& p, const SyscallArgs& a) {
  return low16(getegid());
}

uint32_t sys_setuid(Process& p, const SyscallArgs& a) {
  return host_result(syscall(SYS_setuid, a[0]));
}
uint32_t sys_setgid(Process& p, const SyscallArgs& a) {
  return host_result(syscall(SYS_setgid, a[0]));
}
uint32_t sys_setreuid(Process& p, const SyscallArgs& a) {
  return host_result(syscall(SYS_setreuid, a[0], a[1]));
}
uint32_t sys_setregid(Process& p, const SyscallArgs& a) {
  return host_result(syscall(SYS_setregid, a[0], a[1]));
}
uint32_t sys_setresuid(Process& p, const SyscallArgs& a) {
  return host_result(syscall(SYS_setresuid, a[0], a[1], a[2]));
}
uint32_t sys_setresgid(Process& p, const SyscallArgs& a) {
  return host_result(syscall(SYS_setresgid, a[0], a[1], a[2]));
}

namespace {
template <typename T>
uint32_t put_three(Process& p, const SyscallArgs& a, uint32_t x, uint32_t y, uint32_t z) {
  const T v[3] = {T(x), T(y), T(z)};
  for (int i = 0; i < 3; ++i)
    if (!p.space().write_obj(a[i], v[i])) return err(EFAULT);
  return 0;
}
}  // namespace

uint32_t sys_getresuid(Process& p, const SyscallArgs& a) {
  uid_t r, e, s;
  getresuid(&r, &e, &s);
  return put_three<uint32_t>(p, a, r, e, s);
}
uint32_t sys_getresgid(Process& p, const SyscallArgs& a) {
  gid_t r, e, s;
  getresgid(&r, &e, &s);
  return put_three<uint32_t>(p, a, r, e, s);
}
uint32_t sys_getresuid16(Process& p, const SyscallArgs& a) {
  uid_t r, e, s;
  getresuid(&r, &e, &s);
  return put_three<uint16_t>(p, a, low16(r), low16(e), low16(s));
}
uint32_t sys_getresgid16(Process& p, const SyscallArgs& a) {
  gid_t r, e, s;
  getresgid(&r, &e, &s);
  return put_three<uint16_t>(p, a, low16(r), low16(e), low16(s));
}

uint32_t sys_getgroups(Process& p, const SyscallArgs& a) {
  const int size = a.s(0);
  if (size < 0) return err(EINVAL);
  const int cap = std::min(size, 65536);  // NGROUPS_MAX
  std::vector<gid_t> g(size_t(cap) + 1);
  const int n = getgroups(cap, g.data());
  if (n < 0) return err(errno);
  if (size && !p.space().write(a[1], g.data(), size_t(n) * 4)) return err(EFAULT);
  return uint32_t(n);
}

uint32_t sys_setgroups(Process& p, const SyscallArgs& a) {
  if (a[0] > 65536) return err(EINVAL);
  std::vector<gid_t> g(a[0]);
  if (a[0] && !p.space().read(a[1], g.data(), g.size() * 4)) return err(EFAULT);
  return host_result(syscall(SYS_setgroups, g.size(), g.data()));
}

uint32_t sys_setpgid(Process& p, const SyscallArgs& a) {
  return host_result(setpgid(a.s(0), a.s(1)));
}
uint32_t sys_getpgid(Process& p, const SyscallArgs& a) {
  return host_result(getpgid(a.s(0)));
}
uint32_t sys_getpgrp(Process& p, const SyscallArgs& a) {
  return uint32_t(getpgrp());
}
uint32_t sys_setsid(Process& p, const SyscallArgs& a) {
  return host_result(setsid());
}
uint32_t sys_getsid(Process& p, const SyscallArgs& a) {
  return host_result(getsid(a.s(0)));
}

uint32_t sys_getpriority(Process& p, const SyscallArgs& a) {
  return host_result(syscall(SYS_getpriority, a.s(0), a.s(1)));
}
uint32_t sys_setpriority(Process& p, const SyscallArgs& a) {
  return host_result(setpriority(__priority_which_t(a.s(0)), id_t(a.s(1)), a.s(2)));
}
uint32_t sys_nice(Process& p, const SyscallArgs& a) {
  errno = 0;
  const int cur = getpriority(PRIO_PROCESS, 0);
  if (errno) return err(errno);
  return host_result(setpriority(PRIO_PROCESS, 0, std::clamp(cur + a.s(0), -20, 19)));
}

// Resource limits. RLIMIT_AS, RLIMIT_DATA and RLIMIT_STACK are kept for the
// guest only: applied to the host they would limit the emulator itself
// (its 4 GiB reservation), as QEMU also reasons.
namespace {
bool guest_only_limit(int res) {
  return res == RLIMIT_AS || res == RLIMIT_DATA || res == RLIMIT_STACK;
}

int get_limit(Process& p, int res, struct rlimit& r) {
  if (res < 0 || res >= RLIM_NLIMITS) return -EINVAL;
  if (guest_only_limit(res)) {
    r = p.guest_limits[res];
    return 0;
  }
  return getrlimit(__rlimit_resource_t(res), &r) < 0 ? -errno : 0;
}

int set_limit(Process& p, int res, const struct rlimit& r) {
  if (res < 0 || res >= RLIM_NLIMITS) return -EINVAL;
  if (r.rlim_cur > r.rlim_max) return -EINVAL;
  if (guest_only_limit(res)) {
    auto& cur = p.guest_limits[res];
    if (r.rlim_max > cur.rlim_max && geteuid() != 0) return -EPERM;
    cur = r;
    return 0;
  }
  return setrlimit(__rlimit_resource_t(res), &r) < 0 ? -errno : 0;
}

uint32_t put_rlimit32(Process& p, uint32_t addr, const struct rlimit& r, uint32_t infinity) {
  auto clamp = [&](rlim_t v) { return v > infinity ? infinity : uint32_t(v); };
  abi::Rlimit32 g{clamp(r.rlim_cur), clamp(r.rlim_max)};
  return p.space().write_obj(addr, g) ? 0 : err(EFAULT);
}
}  // namespace

uint32_t sys_ugetrlimit(Process& p, const SyscallArgs& a) {
  struct rlimit r;
  if (int e = get_limit(p, a.s(0), r)) return err(-e);
  return put_rlimit32(p, a[1], r, 0xffffffff);
}

uint32_t sys_old_getrlimit(Process& p, const SyscallArgs& a) {
  struct rlimit r;
  if (int e = get_limit(p, a.s(0), r)) return err(-e);
  return put_rlimit32(p, a[1], r, 0x7fffffff);
}

uint32_t sys_setrlimit(Process& p, const SyscallArgs& a) {
  abi::Rlimit32 g;
  if (!p.space().read_obj(a[1], g)) return err(EFAULT);
  auto wide = [](uint32_t v) { return v == 0xffffffff ? RLIM_INFINITY : rlim_t(v); };
  return err(-set_limit(p, a.s(0), {wide(g.cur), wide(g.max)}));
}

uint32_t sys_prlimit64(Process& p, const SyscallArgs& a) {
  const int pid = a.s(0), res = a.s(1);
  struct rlimit nr, old;
  if (a[2] && !p.space().read_obj(a[2], nr)) return err(EFAULT);
  if (pid != 0 && pid != getpid()) {
    if (prlimit(pid, static_cast<enum __rlimit_resource>(res), a[2] ? &nr : nullptr,
                a[3] ? &old : nullptr) < 0)
      return err(errno);
    if (a[3] && !p.space().write_obj(a[3], old)) return err(EFAULT);
    return 0;
  }
  if (int e = get_limit(p, res, old)) return err(-e);
  if (a[2])
    if (int e = set_limit(p, res, nr)) return err(-e);
  if (a[3] && !p.space().write_obj(a[3], old)) return err(EFAULT);
  return 0;
}

uint32_t sys_getrusage(Process& p, const SyscallArgs& a) {
  struct rusage r;
  if (getrusage(a.s(0), &r) < 0) return err(errno);
  return p.space().write_obj(a[1], to_rusage32(r)) ? 0 : err(EFAULT);
}

uint32_t sys_times(Process& p, const SyscallArgs& a) {
  struct tms t;
  const clock_t r = times(&t);
  if (a[0]) {
    abi::Tms32 g{int32_t(t.tms_utime), int32_t(t.tms_stime), int32_t(t.tms_cutime),
                 int32_t(t.tms_cstime)};
    if (!p.space().write_obj(a[0], g)) return err(EFAULT);
  }
  return uint32_t(r);
}

uint32_t sys_uname(Process& p, const SyscallArgs& a) {
  struct utsname u;
  if (uname(&u) < 0) return err(errno);
  strcpy(u.machine, "i686");
  return p.space().write(a[0], &u, sizeof u) ? 0 : err(EFAULT);
}

uint32_t sys_sysinfo(Process& p, const SyscallArgs& a) {
  struct sysinfo s;
  if (sysinfo(&s) < 0) return err(errno);
  // Like the kernel's compat path: scale byte counts into 32 bits with a
  // larger mem_unit when they do not fit.
  unsigned shift = 0;
  uint64_t unit = s.mem_unit;
  auto fits = [&](unsigned sh) {
    for (uint64_t v : {uint64_t(s.totalram), uint64_t(s.totalswap), uint64_t(s.totalhigh)})
      if ((v * unit) >> sh > 0xffffffffu) return false;
    return true;
  };
  while (!fits(shift)) ++shift;
  auto scale = [&](unsigned long v) { return uint32_t((uint64_t(v) * unit) >> shift); };
  abi::Sysinfo32 g{};
  g.uptime = int32_t(s.uptime);
  for (int i = 0; i < 3; ++i) g.loads[i] = uint32_t(s.loads[i]);
  g.totalram = scale(s.totalram);
  g.freeram = scale(s.freeram);
  g.sharedram = scale(s.sharedram);
  g.bufferram = scale(s.bufferram);
  g.totalswap = scale(s.totalswap);
  g.freeswap = scale(s.freeswap);
  g.procs = s.procs;
  g.totalhigh = scale(s.totalhigh);
  g.freehigh = scale(s.freehigh);
  g.mem_unit = 1u << shift;
  return p.space().write_obj(a[0], g) ? 0 : err(EFAULT);
}

uint32_t sys_set_tid_address(Process& p, const SyscallArgs& a) {
  p.current().clear_child_tid = a[0];
  return uint32_t(gettid());
}

uint32_t sys_set_robust_list(Process& p, const SyscallArgs& a) {
  if (a[1] != 12) return err(EINVAL);  // sizeof(struct robust_list_head) on i386
  p.robust_list = a[0];
  return 0;
}

// Restartable sequences would need the CPU to abort critical sections on
// preemption; the guest is told the call does not exist and does without.
uint32_t sys_rseq(Process& p, const SyscallArgs& a) {
  return err(ENOSYS);
}

uint32_t sys_personality(Process& p, const SyscallArgs& a) {
  return host_result(personality(a[0]));
}

uint32_t sys_sched_yield(Process& p, const SyscallArgs& a) {
  return host_result(sched_yield());
}

uint32_t sys_sched_getaffinity(Process& p, const SyscallArgs& a) {
  uint8_t mask[128] = {};
  const long n = syscall(SYS_sched_getaffinity, a.s(0), sizeof mask, mask);
  if (n < 0) return err(errno);
  if ((a[1] & 3) || a[1] < uint32_t(std::min<long>(n, 4))) return err(EINVAL);
  const uint32_t len = std::min<uint32_t>(a[1], uint32_t(n));
  return p.space().write(a[2], mask, len) ? len : err(EFAULT);
}

uint32_t sys_getcpu(Process& p, const SyscallArgs& a) {
  unsigned cpu = 0, node = 0;
  if (syscall(SYS_getcpu, &cpu, &node, nullptr) < 0) return err(errno);
  if (a[0] && !p.space().write_obj(a[0], uint32_t(cpu))) return err(EFAULT);
  if (a[1] && !p.space().write_obj(a[1], uint32_t(node))) return err(EFAULT);
  return 0;
}

uint32_t sys_set_thread_area(Process& p, const SyscallArgs& a) {
  abi::UserDesc d;
  if (!p.space().read_obj(a[0], d)) return err(EFAULT);
  const uint32_t asked = d.entry_number;
  if (int e = p.descriptors().set_thread_area(p.state(), d)) return err(-e);
  if (asked == 0xffffffff && !p.space().write_obj(a[0], d.entry_number)) return err(EFAULT);
  return 0;
}

uint32_t sys_get_thread_area(Process& p, const SyscallArgs& a) {
  abi::UserDesc d;
  if (!p.space().read_obj(a[0], d.entry_number)) return err(EFAULT);
  if (int e = p.descriptors().get_thread_area(d)) return err(-e);
  return p.space().write_obj(a[0], d) ? 0 : err(EFAULT);
}

uint32_t sys_modify_ldt(Process& p, const SyscallArgs& a) {
  const int r = p.descriptors().modify_ldt(p.state(), a.s(0), a[1], a[2]);
  return r < 0 ? err(-r) : uint32_t(r);
}

namespace {

// Futexes work on the host addresses of guest words: the host kernel then
// does the waiting and waking (also across forked processes sharing memory).
uint32_t do_futex(Process& p, const SyscallArgs& a, bool time64) {
  const int op = a.s(1), cmd = op & FUTEX_CMD_MASK;
  if (!p.space().readable(a[0], 4)) return err(EFAULT);
  void* uaddr = p.space().host(a[0]);
  void* uaddr2 = nullptr;
  struct timespec ts;
  const void* timeout = nullptr;
  switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET:
    case FUTEX_LOCK_PI:
    case FUTEX_LOCK_PI2:
    case FUTEX_WAIT_REQUEUE_PI: {
      struct timespec* tp;
      if (read_timespec(p, a[3], time64, ts, tp)) return err(EFAULT);
      timeout = tp;
      break;
    }
    default: timeout = reinterpret_cast<const void*>(uintptr_t(a[3]));  // val2
  }
  if (cmd == FUTEX_REQUEUE || cmd == FUTEX_CMP_REQUEUE || cmd == FUTEX_WAKE_OP ||
      cmd == FUTEX_CMP_REQUEUE_PI || cmd == FUTEX_WAIT_REQUEUE_PI) {
    if (!p.space().readable(a[4], 4)) return err(EFAULT);
    uaddr2 = p.space().host(a[4]);
  }
  return host_result(syscall(SYS_futex, uaddr, op, a[2], timeout, uaddr2, a[5]));
}

}  // namespace

uint32_t sys_futex(Process& p, const SyscallArgs& a) {
  return do_futex(p, a, false);
}
uint32_t sys_futex_time64(Process& p, const SyscallArgs& a) {
  return do_futex(p, a, true);
}

uint32_t sys_getrandom(Process& p, const SyscallArgs& a) {
  return host_result(getrandom(p.space().host(a[0]), clip_len(a[0], a[1]), a[2]));
}

}  // namespace dynemu::user
