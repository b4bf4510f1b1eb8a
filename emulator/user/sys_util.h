#pragma once

// Helpers shared by the sys_*.cpp system-call handlers.

#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>

#include <algorithm>
#include <string>

#include "emulator/user/guest_space.h"
#include "emulator/user/i386_abi.h"
#include "emulator/user/process.h"
#include "emulator/user/syscall.h"

namespace dynemu::user {

// Reads a guest path argument and maps it to the host path (sysroot,
// /proc/self/exe). Returns 0 or -EFAULT / -ENAMETOOLONG.
int guest_path(Process& p, uint32_t addr, std::string& out);

// A guest buffer handed straight to the host kernel (which checks page
// access itself): only the 4 GiB bound is ours to check. nullptr for a bad
// range; a null guest pointer stays null so the kernel reports EFAULT.
inline void* host_buf(Process& p, uint32_t addr, uint64_t len) {
  if (!GuestSpace::in_range(addr, len)) return nullptr;
  return p.space().host(addr);
}

// The length of a guest buffer clipped at 4 GiB: the host kernel then
// faults on the first inaccessible page itself (and returns a short count
// or EFAULT exactly as for a native i386 process), while nothing past the
// guest space is ever touched.
inline uint32_t clip_len(uint32_t addr, uint32_t len) {
  return uint32_t(std::min<uint64_t>(len, GuestSpace::kSize - addr));
}

// Guest dirfd: AT_FDCWD (-100) is the same value on both ABIs.
inline int dirfd_arg(uint32_t v) {
  return int32_t(v);
}

abi::Timespec32 to_timespec32(const struct timespec& t);
struct timespec from_timespec32(const abi::Timespec32& t);
struct timespec from_timespec64(const abi::Timespec64& t);
abi::Timeval32 to_timeval32(const struct timeval& t);

// Reads an optional guest timespec (32- or 64-bit) into `out`; `ptr` is set
// to &out or nullptr. Returns 0 or -EFAULT.
int read_timespec(Process& p, uint32_t addr, bool time64, struct timespec& out,
                  struct timespec*& ptr);
int write_timespec(Process& p, uint32_t addr, bool time64, const struct timespec& t);

// Converts a host rusage to the i386 layout.
abi::Rusage32 to_rusage32(const struct rusage& r);

}  // namespace dynemu::user
