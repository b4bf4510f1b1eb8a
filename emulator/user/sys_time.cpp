// Clocks, sleeps and timers: i386 time_t is 32 bits (the *_time64 calls
// take the 64-bit layout).
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "emulator/user/sys_util.h"

namespace dynemu::user {

uint32_t sys_time(Process& p, const SyscallArgs& a) {
  const int32_t t = int32_t(time(nullptr));
  if (a[0] && !p.space().write_obj(a[0], t)) return err(EFAULT);
  return uint32_t(t);
}

uint32_t sys_gettimeofday(Process& p, const SyscallArgs& a) {
  struct timeval tv;
  struct timezone tz;
  if (gettimeofday(&tv, &tz) < 0) return err(errno);
  if (a[0] && !p.space().write_obj(a[0], to_timeval32(tv))) return err(EFAULT);
  if (a[1] && !p.space().write_obj(a[1], tz)) return err(EFAULT);
  return 0;
}

namespace {

uint32_t clock_get(Process& p, const SyscallArgs& a, bool time64, bool res) {
  struct timespec t;
  const int r = res ? clock_getres(clockid_t(a.s(0)), &t) : clock_gettime(clockid_t(a.s(0)), &t);
  if (r < 0) return err(errno);
  if (!a[1]) return 0;
  return err(-write_timespec(p, a[1], time64, t));
}

uint32_t do_clock_nanosleep(Process& p, const SyscallArgs& a, bool time64) {
  struct timespec req, rem{}, *rp;
  if (read_timespec(p, a[2], time64, req, rp) || !rp) return err(EFAULT);
  const int r = clock_nanosleep(clockid_t(a.s(0)), a.s(1), &req, &rem);
  if (r == EINTR && a[3] && !(a.s(1) & TIMER_ABSTIME)) write_timespec(p, a[3], time64, rem);
  return err(r);
}

}  // namespace

uint32_t sys_clock_gettime(Process& p, const SyscallArgs& a) {
  return clock_get(p, a, false, false);
}
uint32_t sys_clock_gettime64(Process& p, const SyscallArgs& a) {
  return clock_get(p, a, true, false);
}
uint32_t sys_clock_getres(Process& p, const SyscallArgs& a) {
  return clock_get(p, a, false, true);
}
uint32_t sys_clock_getres_time64(Process& p, const SyscallArgs& a) {
  return clock_get(p, a, true, true);
}
uint32_t sys_clock_nanosleep(Process& p, const SyscallArgs& a) {
  return do_clock_nanosleep(p, a, false);
}
uint32_t sys_clock_nanosleep_time64(Process& p, const SyscallArgs& a) {
  return do_clock_nanosleep(p, a, true);
}

uint32_t sys_nanosleep(Process& p, const SyscallArgs& a) {
  struct timespec req, rem{}, *rp;
  if (read_timespec(p, a[0], false, req, rp) || !rp) return err(EFAULT);
  if (nanosleep(&req, &rem) < 0) {
    const int e = errno;
    if (e == EINTR && a[1]) write_timespec(p, a[1], false, rem);
    return err(e);
  }
  return 0;
}

uint32_t sys_alarm(Process& p, const SyscallArgs& a) {
  return alarm(a[0]);
}

namespace {
abi::Itimerval32 to_itimerval32(const struct itimerval& v) {
  return {to_timeval32(v.it_interval), to_timeval32(v.it_value)};
}
}  // namespace

uint32_t sys_setitimer(Process& p, const SyscallArgs& a) {
  abi::Itimerval32 g{};
  if (a[1] && !p.space().read_obj(a[1], g)) return err(EFAULT);
  struct itimerval nv {
    {g.interval.tv_sec, g.interval.tv_usec}, { g.value.tv_sec, g.value.tv_usec }
  };
  struct itimerval old;
  if (setitimer(__itimer_which_t(a.s(0)), &nv, &old) < 0) return err(errno);
  if (a[2] && !p.space().write_obj(a[2], to_itimerval32(old))) return err(EFAULT);
  return 0;
}

uint32_t sys_getitimer(Process& p, const SyscallArgs& a) {
  struct itimerval v;
  if (getitimer(__itimer_which_t(a.s(0)), &v) < 0) return err(errno);
  return p.space().write_obj(a[1], to_itimerval32(v)) ? 0 : err(EFAULT);
}

}  // namespace dynemu::user
