// stat family and directory reading.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "emulator/user/abi_convert.h"
#include "emulator/user/sys_util.h"

namespace dynemu::user {

#define PATH(var, arg) \
  std::string var;     \
  if (int e = guest_path(p, arg, var); e) return err(-e)

namespace {

// The i386 ABI has two stat layouts: stat64 and the old 16/32-bit one.
enum class StatLayout { Stat64, Old };

uint32_t put_stat(Process& p, StatLayout layout, int r, const struct stat& st, uint32_t addr) {
  if (r < 0) return err(errno);
  if (layout == StatLayout::Stat64) {
    return p.space().write_obj(addr, to_stat64(st)) ? 0 : err(EFAULT);
  }
  abi::OldStat g;
  if (int e = to_old_stat(st, g)) return err(-e);
  return p.space().write_obj(addr, g) ? 0 : err(EFAULT);
}

// stat/lstat/fstatat of a guest path (flags: AT_SYMLINK_NOFOLLOW...).
uint32_t stat_path(Process& p, int dirfd, uint32_t path_addr, int flags, StatLayout layout,
                   uint32_t out) {
  PATH(path, path_addr);
  struct stat st;
  const int r = fstatat(dirfd, path.c_str(), &st, flags);
  return put_stat(p, layout, r, st, out);
}

uint32_t stat_fd(Process& p, int fd, StatLayout layout, uint32_t out) {
  struct stat st;
  const int r = fstat(fd, &st);
  return put_stat(p, layout, r, st, out);
}

}  // namespace

uint32_t sys_stat64(Process& p, const SyscallArgs& a) {
  return stat_path(p, AT_FDCWD, a[0], 0, StatLayout::Stat64, a[1]);
}
uint32_t sys_lstat64(Process& p, const SyscallArgs& a) {
  return stat_path(p, AT_FDCWD, a[0], AT_SYMLINK_NOFOLLOW, StatLayout::Stat64, a[1]);
}
uint32_t sys_fstat64(Process& p, const SyscallArgs& a) {
  return stat_fd(p, a.s(0), StatLayout::Stat64, a[1]);
}
uint32_t sys_fstatat64(Process& p, const SyscallArgs& a) {
  return stat_path(p, dirfd_arg(a[0]), a[1], a.s(3), StatLayout::Stat64, a[2]);
}
uint32_t sys_stat(Process& p, const SyscallArgs& a) {
  return stat_path(p, AT_FDCWD, a[0], 0, StatLayout::Old, a[1]);
}
uint32_t sys_lstat(Process& p, const SyscallArgs& a) {
  return stat_path(p, AT_FDCWD, a[0], AT_SYMLINK_NOFOLLOW, StatLayout::Old, a[1]);
}
uint32_t sys_fstat(Process& p, const SyscallArgs& a) {
  return stat_fd(p, a.s(0), StatLayout::Old, a[1]);
}

uint32_t sys_statx(Process& p, const SyscallArgs& a) {
  // struct statx has one layout on every architecture.
  PATH(path, a[1]);
  struct statx sx;
  if (!p.space().writable(a[4], sizeof sx)) return err(EFAULT);
  if (statx(dirfd_arg(a[0]), path.c_str(), a.s(2), a[3], &sx) < 0) return err(errno);
  p.space().write_obj(a[4], sx);
  return 0;
}

uint32_t sys_getdents64(Process& p, const SyscallArgs& a) {
  // linux_dirent64 has one layout on every architecture.
  void* buf = p.space().host(a[1]);
  const long n = syscall(SYS_getdents64, a.s(0), buf, clip_len(a[1], a[2]));
  if (n < 0) return err(errno);
  // d_off at offset 8, d_reclen at 16 of each record.
  auto* base = static_cast<uint8_t*>(buf);
  for (long pos = 0; pos < n;) {
    int64_t off;
    uint16_t reclen;
    memcpy(&off, base + pos + 8, 8);
    memcpy(&reclen, base + pos + 16, 2);
    const int64_t cookie = p.dir_cookie(a.s(0), off);
    memcpy(base + pos + 8, &cookie, 8);
    if (reclen == 0) break;
    pos += reclen;
  }
  return uint32_t(n);
}

uint32_t sys_getdents(Process& p, const SyscallArgs& a) {
  // The old record has 32-bit d_ino/d_off: read 64-bit records into a host
  // buffer and repack as many as fit, seeking back to the first one left.
  const uint32_t count = a[2];
  if (!p.space().writable(a[1], count)) return err(EFAULT);
  // Read no more than fits repacked, and never a huge host buffer.
  std::vector<uint8_t> host(std::min<uint32_t>(count, 1u << 20));
  const long n = syscall(SYS_getdents64, a.s(0), host.data(), host.size());
  if (n < 0) return err(errno);
  std::vector<uint8_t> out;
  long pos = 0;
  int64_t last_off = -1;
  while (pos < n) {
    uint64_t ino;
    int64_t off;
    uint16_t reclen;
    memcpy(&ino, &host[pos], 8);
    memcpy(&off, &host[pos + 8], 8);
    memcpy(&reclen, &host[pos + 16], 2);
    const uint8_t type = host[pos + 18];
    const char* name = reinterpret_cast<const char*>(&host[pos + 19]);
    const size_t namelen = strlen(name);
    const uint32_t rec = uint32_t((sizeof(abi::Dirent32Head) + namelen + 2 + 3) & ~3u);
    if (out.size() + rec > count) break;
    const size_t at = out.size();
    out.resize(at + rec, 0);
    abi::Dirent32Head h{uint32_t(ino), p.dir_cookie(a.s(0), off), uint16_t(rec)};
    memcpy(&out[at], &h, sizeof h);
    memcpy(&out[at + sizeof h], name, namelen);
    out[at + rec - 1] = type;
    last_off = off;
    pos += reclen;
  }
  if (pos < n) {
    if (out.empty()) return err(EINVAL);
    lseek(a.s(0), last_off, SEEK_SET);
  }
  p.space().write(a[1], out.data(), out.size());
  return uint32_t(out.size());
}

}  // namespace dynemu::user
