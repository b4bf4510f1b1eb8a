#include "emulator/user/sys_util.h"

namespace dynemu::user {

int guest_path(Process& p, uint32_t addr, std::string& out) {
  std::string raw;
  if (!p.space().read_string(addr, raw, 4096)) {
    if (raw.size() >= 4095) return -ENAMETOOLONG;
    return -EFAULT;
  }
  out = p.host_path(raw);
  return 0;
}

abi::Timespec32 to_timespec32(const struct timespec& t) {
  return {int32_t(t.tv_sec), int32_t(t.tv_nsec)};
}
struct timespec from_timespec32(const abi::Timespec32& t) {
  return {t.tv_sec, t.tv_nsec};
}
struct timespec from_timespec64(const abi::Timespec64& t) {
  return {time_t(t.tv_sec), long(t.tv_nsec)};
}
abi::Timeval32 to_timeval32(const struct timeval& t) {
  return {int32_t(t.tv_sec), int32_t(t.tv_usec)};
}

int read_timespec(Process& p, uint32_t addr, bool time64, struct timespec& out,
                  struct timespec*& ptr) {
  ptr = nullptr;
  if (!addr) return 0;
  if (time64) {
    abi::Timespec64 g;
    if (!p.space().read_obj(addr, g)) return -EFAULT;
    out = from_timespec64(g);
  } else {
    abi::Timespec32 g;
    if (!p.space().read_obj(addr, g)) return -EFAULT;
    out = from_timespec32(g);
  }
  ptr = &out;
  return 0;
}

int write_timespec(Process& p, uint32_t addr, bool time64, const struct timespec& t) {
  if (time64) {
    const abi::Timespec64 g{t.tv_sec, t.tv_nsec};
    return p.space().write_obj(addr, g) ? 0 : -EFAULT;
  }
  return p.space().write_obj(addr, to_timespec32(t)) ? 0 : -EFAULT;
}

}  // namespace dynemu::user
