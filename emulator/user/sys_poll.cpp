// poll and select: fd_set bits have the same byte layout on both ABIs, but
// the guest's sets are sized in 32-bit words, so they are copied.
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/select.h>

#include <cstring>

#include "emulator/user/sys_util.h"

namespace dynemu::user {

namespace {
// The kernel refuses more descriptors than RLIMIT_NOFILE before anything.
bool too_many_fds(uint32_t n) {
  struct rlimit r;
  return getrlimit(RLIMIT_NOFILE, &r) == 0 && n > r.rlim_cur;
}
}  // namespace

uint32_t sys_poll(Process& p, const SyscallArgs& a) {
  if (too_many_fds(a[1])) return err(EINVAL);
  void* fds = host_buf(p, a[0], uint64_t(a[1]) * sizeof(pollfd));
  if (!fds) return err(EFAULT);
  return host_result(poll(static_cast<pollfd*>(fds), a[1], a.s(2)));
}

namespace {

uint32_t do_ppoll(Process& p, const SyscallArgs& a, bool time64) {
  if (too_many_fds(a[1])) return err(EINVAL);
  void* fds = host_buf(p, a[0], uint64_t(a[1]) * sizeof(pollfd));
  if (!fds) return err(EFAULT);
  struct timespec ts, *tp;
  if (read_timespec(p, a[2], time64, ts, tp)) return err(EFAULT);
  sigset_t mask, *mp = nullptr;
  if (a[3]) {
    uint64_t m;
    if (a[4] != 8) return err(EINVAL);
    if (!p.space().read_obj(a[3], m)) return err(EFAULT);
    mask = p.signals().host_mask_for(m);
    mp = &mask;
  }
  const int r = ppoll(static_cast<pollfd*>(fds), a[1], tp, mp);
  if (r < 0) return err(errno);
  if (tp) write_timespec(p, a[2], time64, ts);
  return uint32_t(r);
}

// Copies the guest's three optional fd_sets of `n` bits in and out.
struct FdSets {
  fd_set set[3];
  uint32_t addr[3];
  uint32_t bytes;

  int read(Process& p, int& n, uint32_t in, uint32_t out, uint32_t ex) {
    if (n < 0) return -EINVAL;
    // Without sets the count does not matter (select as a sleep); sets
    // past FD_SETSIZE bits are not supported.
    if (n > FD_SETSIZE) {
      if (in || out || ex) return -EINVAL;
      n = 0;
    }
    bytes = uint32_t((n + 31) / 32 * 4);
    addr[0] = in, addr[1] = out, addr[2] = ex;
    for (int i = 0; i < 3; ++i) {
      FD_ZERO(&set[i]);
      if (addr[i] && !p.space().read(addr[i], &set[i], bytes)) return -EFAULT;
    }
    return 0;
  }
  fd_set* ptr(int i) { return addr[i] ? &set[i] : nullptr; }
  int write(Process& p) {
    for (int i = 0; i < 3; ++i)
      if (addr[i] && !p.space().write(addr[i], &set[i], bytes)) return -EFAULT;
    return 0;
  }
};

uint32_t do_select(Process& p, int n, uint32_t in, uint32_t out, uint32_t ex, uint32_t tvp) {
  FdSets sets;
  if (int e = sets.read(p, n, in, out, ex)) return err(-e);
  struct timeval tv, *tp = nullptr;
  if (tvp) {
    abi::Timeval32 g;
    if (!p.space().read_obj(tvp, g)) return err(EFAULT);
    tv = {g.tv_sec, g.tv_usec};
    tp = &tv;
  }
  const int r = select(n, sets.ptr(0), sets.ptr(1), sets.ptr(2), tp);
  if (r < 0) return err(errno);
  if (tp) p.space().write_obj(tvp, to_timeval32(tv));
  if (sets.write(p)) return err(EFAULT);
  return uint32_t(r);
}

uint32_t do_pselect(Process& p, const SyscallArgs& a, bool time64) {
  FdSets sets;
  int n = a.s(0);
  if (int e = sets.read(p, n, a[1], a[2], a[3])) return err(-e);
  struct timespec ts, *tp;
  if (read_timespec(p, a[4], time64, ts, tp)) return err(EFAULT);
  sigset_t mask, *mp = nullptr;
  if (a[5]) {
    uint32_t sig[2];  // { const sigset_t *ss; size_t ss_len; }
    if (!p.space().read(a[5], sig, sizeof sig)) return err(EFAULT);
    if (sig[0]) {
      uint64_t m;
      if (sig[1] != 8) return err(EINVAL);
      if (!p.space().read_obj(sig[0], m)) return err(EFAULT);
      mask = p.signals().host_mask_for(m);
      mp = &mask;
    }
  }
  const int r = pselect(n, sets.ptr(0), sets.ptr(1), sets.ptr(2), tp, mp);
  if (r < 0) return err(errno);
  if (tp) write_timespec(p, a[4], time64, ts);
  if (sets.write(p)) return err(EFAULT);
  return uint32_t(r);
}

}  // namespace

uint32_t sys_ppoll(Process& p, const SyscallArgs& a) {
  return do_ppoll(p, a, false);
}
uint32_t sys_ppoll_time64(Process& p, const SyscallArgs& a) {
  return do_ppoll(p, a, true);
}

uint32_t sys_newselect(Process& p, const SyscallArgs& a) {
  return do_select(p, a.s(0), a[1], a[2], a[3], a[4]);
}

uint32_t sys_old_select(Process& p, const SyscallArgs& a) {
  abi::SelArg32 s;
  if (!p.space().read_obj(a[0], s)) return err(EFAULT);
  return do_select(p, int32_t(s.n), s.inp, s.outp, s.exp, s.tvp);
}

uint32_t sys_pselect6(Process& p, const SyscallArgs& a) {
  return do_pselect(p, a, false);
}
uint32_t sys_pselect6_time64(Process& p, const SyscallArgs& a) {
  return do_pselect(p, a, true);
}

}  // namespace dynemu::user
