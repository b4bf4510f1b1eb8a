// Event descriptors (epoll, eventfd, timerfd, inotify), extended
// attributes, prctl and scheduler queries. struct epoll_event is packed to
// 12 bytes on both i386 and x86-64, inotify events have one layout: those
// buffers go to the host as they are.
#include <fcntl.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "emulator/user/sys_util.h"

namespace dynemu::user {

static_assert(sizeof(epoll_event) == 12, "epoll_event is packed on x86-64 as on i386");

uint32_t sys_epoll_create(Process& p, const SyscallArgs& a) {
  return host_result(epoll_create(a.s(0)));
}
uint32_t sys_epoll_create1(Process& p, const SyscallArgs& a) {
  return host_result(epoll_create1(a.s(0)));
}
uint32_t sys_epoll_ctl(Process& p, const SyscallArgs& a) {
  void* ev = a[3] ? host_buf(p, a[3], sizeof(epoll_event)) : nullptr;
  if (a[3] && !ev) return err(EFAULT);
  return host_result(epoll_ctl(a.s(0), a.s(1), a.s(2), static_cast<epoll_event*>(ev)));
}
uint32_t sys_epoll_wait(Process& p, const SyscallArgs& a) {
  void* ev = host_buf(p, a[1], uint64_t(a[2]) * sizeof(epoll_event));
  if (!ev) return err(EFAULT);
  return host_result(epoll_wait(a.s(0), static_cast<epoll_event*>(ev), a.s(2), a.s(3)));
}
uint32_t sys_epoll_pwait(Process& p, const SyscallArgs& a) {
  void* ev = host_buf(p, a[1], uint64_t(a[2]) * sizeof(epoll_event));
  if (!ev) return err(EFAULT);
  sigset_t mask, *mp = nullptr;
  if (a[4]) {
    uint64_t m;
    if (a[5] != 8) return err(EINVAL);
    if (!p.space().read_obj(a[4], m)) return err(EFAULT);
    mask = p.signals().host_mask_for(m);
    mp = &mask;
  }
  return host_result(epoll_pwait(a.s(0), static_cast<epoll_event*>(ev), a.s(2), a.s(3), mp));
}

uint32_t sys_eventfd(Process& p, const SyscallArgs& a) {
  return host_result(syscall(SYS_eventfd2, a[0], 0));
}

uint32_t sys_inotify_init1(Process& p, const SyscallArgs& a) {
  return host_result(inotify_init1(a.s(0)));
}
uint32_t sys_inotify_add_watch(Process& p, const SyscallArgs& a) {
  std::string path;
  if (int e = guest_path(p, a[1], path); e) return err(-e);
  return host_result(inotify_add_watch(a.s(0), path.c_str(), a[2]));
}
uint32_t sys_inotify_rm_watch(Process& p, const SyscallArgs& a) {
  return host_result(inotify_rm_watch(a.s(0), a.s(1)));
}

namespace {

int read_itimerspec(Process& p, uint32_t addr, bool time64, itimerspec& out) {
  struct timespec* unused;
  const uint32_t half = time64 ? sizeof(abi::Timespec64) : sizeof(abi::Timespec32);
  if (read_timespec(p, addr, time64, out.it_interval, unused) ||
      read_timespec(p, addr + half, time64, out.it_value, unused))
    return -EFAULT;
  return 0;
}

int write_itimerspec(Process& p, uint32_t addr, bool time64, const itimerspec& v) {
  const uint32_t half = time64 ? sizeof(abi::Timespec64) : sizeof(abi::Timespec32);
  if (write_timespec(p, addr, time64, v.it_interval) ||
      write_timespec(p, addr + half, time64, v.it_value))
    return -EFAULT;
  return 0;
}

uint32_t timerfd_set(Process& p, const SyscallArgs& a, bool time64) {
  itimerspec nv{}, old{};
  if (read_itimerspec(p, a[2], time64, nv)) return err(EFAULT);
  if (timerfd_settime(a.s(0), a.s(1), &nv, a[3] ? &old : nullptr) < 0) return err(errno);
  if (a[3] && write_itimerspec(p, a[3], time64, old)) return err(EFAULT);
  return 0;
}

uint32_t timerfd_get(Process& p, const SyscallArgs& a, bool time64) {
  itimerspec v{};
  if (timerfd_gettime(a.s(0), &v) < 0) return err(errno);
  return write_itimerspec(p, a[1], time64, v) ? err(EFAULT) : 0;
}

}  // namespace

uint32_t sys_timerfd_create(Process& p, const SyscallArgs& a) {
  return host_result(timerfd_create(a.s(0), a.s(1)));
}
uint32_t sys_timerfd_settime(Process& p, const SyscallArgs& a) {
  return timerfd_set(p, a, false);
}
uint32_t sys_timerfd_settime64(Process& p, const SyscallArgs& a) {
  return timerfd_set(p, a, true);
}
uint32_t sys_timerfd_gettime(Process& p, const SyscallArgs& a) {
  return timerfd_get(p, a, false);
}
uint32_t sys_timerfd_gettime64(Process& p, const SyscallArgs& a) {
  return timerfd_get(p, a, true);
}

namespace {

// getxattr/lgetxattr(path, name, value, size) and listxattr variants.
uint32_t xattr_get(Process& p, const SyscallArgs& a, int kind) {
  std::string path, name;
  if (kind != 2 && guest_path(p, a[0], path)) return err(EFAULT);
  if (!p.space().read_string(a[1], name, 256)) return err(EFAULT);
  void* buf = a[3] ? host_buf(p, a[2], a[3]) : nullptr;
  if (a[3] && !buf) return err(EFAULT);
  ssize_t r = kind == 0   ? getxattr(path.c_str(), name.c_str(), buf, a[3])
              : kind == 1 ? lgetxattr(path.c_str(), name.c_str(), buf, a[3])
                          : fgetxattr(a.s(0), name.c_str(), buf, a[3]);
  return host_result(r);
}

uint32_t xattr_list(Process& p, const SyscallArgs& a, int kind) {
  std::string path;
  if (kind != 2 && guest_path(p, a[0], path)) return err(EFAULT);
  char* buf = a[2] ? static_cast<char*>(host_buf(p, a[1], a[2])) : nullptr;
  if (a[2] && !buf) return err(EFAULT);
  ssize_t r = kind == 0   ? listxattr(path.c_str(), buf, a[2])
              : kind == 1 ? llistxattr(path.c_str(), buf, a[2])
                          : flistxattr(a.s(0), buf, a[2]);
  return host_result(r);
}

}  // namespace

uint32_t sys_getxattr(Process& p, const SyscallArgs& a) {
  return xattr_get(p, a, 0);
}
uint32_t sys_lgetxattr(Process& p, const SyscallArgs& a) {
  return xattr_get(p, a, 1);
}
uint32_t sys_fgetxattr(Process& p, const SyscallArgs& a) {
  return xattr_get(p, a, 2);
}
uint32_t sys_listxattr(Process& p, const SyscallArgs& a) {
  return xattr_list(p, a, 0);
}
uint32_t sys_llistxattr(Process& p, const SyscallArgs& a) {
  return xattr_list(p, a, 1);
}
uint32_t sys_flistxattr(Process& p, const SyscallArgs& a) {
  return xattr_list(p, a, 2);
}

uint32_t sys_prctl(Process& p, const SyscallArgs& a) {
  switch (a.s(0)) {
    case PR_SET_NAME: {
      std::string name;
      if (!p.space().read_string(a[1], name, 16) && name.size() < 15) return err(EFAULT);
      return host_result(prctl(PR_SET_NAME, name.substr(0, 15).c_str()));
    }
    case PR_GET_NAME: {
      char name[16] = {};
      if (prctl(PR_GET_NAME, name) < 0) return err(errno);
      return p.space().write(a[1], name, sizeof name) ? 0 : err(EFAULT);
    }
    case PR_SET_PDEATHSIG:
    case PR_SET_DUMPABLE:
    case PR_GET_DUMPABLE:
    case PR_SET_NO_NEW_PRIVS:
    case PR_GET_NO_NEW_PRIVS:
    case PR_SET_CHILD_SUBREAPER:
    case PR_GET_TIMERSLACK:
    case PR_SET_TIMERSLACK: return host_result(prctl(a.s(0), a[1], a[2], a[3], a[4]));
    case PR_GET_PDEATHSIG: {
      int sig = 0;
      if (prctl(PR_GET_PDEATHSIG, &sig) < 0) return err(errno);
      return p.space().write_obj(a[1], sig) ? 0 : err(EFAULT);
    }
    default:
      if (p.log(LogItem::Unimp)) fprintf(stderr, "dynemu-i386: prctl option %d\n", a.s(0));
      return err(EINVAL);
  }
}

uint32_t sys_sched_get_priority_max(Process& p, const SyscallArgs& a) {
  return host_result(sched_get_priority_max(a.s(0)));
}
uint32_t sys_sched_get_priority_min(Process& p, const SyscallArgs& a) {
  return host_result(sched_get_priority_min(a.s(0)));
}
uint32_t sys_sched_getscheduler(Process& p, const SyscallArgs& a) {
  return host_result(sched_getscheduler(a.s(0)));
}
uint32_t sys_sched_getparam(Process& p, const SyscallArgs& a) {
  struct sched_param sp;
  if (sched_getparam(a.s(0), &sp) < 0) return err(errno);
  return p.space().write_obj(a[1], sp.sched_priority) ? 0 : err(EFAULT);
}
uint32_t sys_sched_setaffinity(Process& p, const SyscallArgs& a) {
  uint8_t mask[128] = {};
  const uint32_t len = std::min<uint32_t>(a[1], sizeof mask);
  if (!p.space().read(a[2], mask, len)) return err(EFAULT);
  return host_result(syscall(SYS_sched_setaffinity, a.s(0), sizeof mask, mask));
}

uint32_t sys_mincore(Process& p, const SyscallArgs& a) {
  const uint64_t pages = page_up(a[1]) / GuestSpace::kPage;
  if (a[0] & (GuestSpace::kPage - 1)) return err(EINVAL);
  if (!p.space().is_mapped(a[0], a[1])) return err(ENOMEM);
  void* vec = host_buf(p, a[2], pages);
  if (!vec) return err(EFAULT);
  return host_result(mincore(p.space().host(a[0]), a[1], static_cast<unsigned char*>(vec)));
}

uint32_t sys_readahead(Process& p, const SyscallArgs& a) {
  // readahead(fd, offset_lo, offset_hi, count)
  return host_result(readahead(a.s(0), off_t(uint64_t(a[2]) << 32 | a[1]), a[3]));
}

}  // namespace dynemu::user
