// Files and descriptors: mostly direct host calls on guest buffers, with
// i386 layouts converted where they differ (flock, iovec, 64-bit offsets
// split across two registers).
#include <fcntl.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "emulator/user/sys_util.h"

namespace dynemu::user {

namespace {

int64_t off64(uint32_t lo, uint32_t hi) {
  return int64_t(uint64_t(hi) << 32 | lo);
}

#define PATH(var, arg) \
  std::string var;     \
  if (int e = guest_path(p, arg, var); e) return err(-e)

// Reads a guest iovec array into host iovecs.
int read_iovecs(Process& p, uint32_t addr, uint32_t count, std::vector<iovec>& out) {
  if (count > IOV_MAX) return -EINVAL;
  std::vector<abi::Iovec32> v(count);
  if (count && !p.space().read(addr, v.data(), count * sizeof(abi::Iovec32))) return -EFAULT;
  out.resize(count);
  for (uint32_t i = 0; i < count; ++i) {
    void* h = host_buf(p, v[i].base, v[i].len);
    if (!h) return -EFAULT;
    out[i] = iovec{h, v[i].len};
  }
  return 0;
}

void invalidate_iovecs(Process& p, const std::vector<iovec>& v, size_t done) {
  for (const auto& io : v) {
    if (done == 0) break;
    const size_t n = std::min(done, io.iov_len);
    p.invalidate(uint32_t(static_cast<uint8_t*>(io.iov_base) - p.space().base()), uint32_t(n));
    done -= n;
  }
}

}  // namespace

uint32_t sys_read(Process& p, const SyscallArgs& a) {
  const uint32_t len = clip_len(a[1], a[2]);
  void* buf = p.space().host(a[1]);
  const ssize_t n = read(a.s(0), buf, len);
  if (n > 0) p.invalidate(a[1], uint32_t(n));
  return host_result(n);
}

uint32_t sys_write(Process& p, const SyscallArgs& a) {
  const uint32_t len = clip_len(a[1], a[2]);
  void* buf = p.space().host(a[1]);
  return host_result(write(a.s(0), buf, len));
}

uint32_t sys_pread64(Process& p, const SyscallArgs& a) {
  const uint32_t len = clip_len(a[1], a[2]);
  void* buf = p.space().host(a[1]);
  const ssize_t n = pread(a.s(0), buf, len, off64(a[3], a[4]));
  if (n > 0) p.invalidate(a[1], uint32_t(n));
  return host_result(n);
}

uint32_t sys_pwrite64(Process& p, const SyscallArgs& a) {
  const uint32_t len = clip_len(a[1], a[2]);
  void* buf = p.space().host(a[1]);
  return host_result(pwrite(a.s(0), buf, len, off64(a[3], a[4])));
}

uint32_t sys_readv(Process& p, const SyscallArgs& a) {
  std::vector<iovec> v;
  if (int e = read_iovecs(p, a[1], a[2], v)) return err(-e);
  const ssize_t n = readv(a.s(0), v.data(), int(v.size()));
  if (n > 0) invalidate_iovecs(p, v, size_t(n));
  return host_result(n);
}

uint32_t sys_writev(Process& p, const SyscallArgs& a) {
  std::vector<iovec> v;
  if (int e = read_iovecs(p, a[1], a[2], v)) return err(-e);
  return host_result(writev(a.s(0), v.data(), int(v.size())));
}

uint32_t sys_preadv(Process& p, const SyscallArgs& a) {
  std::vector<iovec> v;
  if (int e = read_iovecs(p, a[1], a[2], v)) return err(-e);
  const ssize_t n = preadv(a.s(0), v.data(), int(v.size()), off64(a[3], a[4]));
  if (n > 0) invalidate_iovecs(p, v, size_t(n));
  return host_result(n);
}

uint32_t sys_pwritev(Process& p, const SyscallArgs& a) {
  std::vector<iovec> v;
  if (int e = read_iovecs(p, a[1], a[2], v)) return err(-e);
  return host_result(pwritev(a.s(0), v.data(), int(v.size()), off64(a[3], a[4])));
}

namespace {
// /proc/self/maps and friends show the guest (see Process::open_proc_file).
int proc_file(Process& p, uint32_t addr, int flags) {
  std::string raw;
  if (!p.space().read_string(addr, raw) || raw.rfind("/proc/", 0) != 0) return -1;
  const int fd = p.open_proc_file(raw);
  if (fd >= 0 && !(flags & O_CLOEXEC)) fcntl(fd, F_SETFD, 0);
  return fd;
}
}  // namespace

uint32_t sys_openat(Process& p, const SyscallArgs& a) {
  if (int fd = proc_file(p, a[1], a.s(2)); fd >= 0) return uint32_t(fd);
  PATH(path, a[1]);
  return host_result(openat(dirfd_arg(a[0]), path.c_str(), a.s(2), a[3]));
}

uint32_t sys_open(Process& p, const SyscallArgs& a) {
  if (int fd = proc_file(p, a[0], a.s(1)); fd >= 0) return uint32_t(fd);
  PATH(path, a[0]);
  return host_result(open(path.c_str(), a.s(1), a[2]));
}

uint32_t sys_creat(Process& p, const SyscallArgs& a) {
  PATH(path, a[0]);
  return host_result(creat(path.c_str(), a[1]));
}

uint32_t sys_close(Process& p, const SyscallArgs& a) {
  // The emulator's own descriptors are not the guest's to close: it has
  // none open while the guest runs except 0..2, which it shares.
  p.dir_offsets.erase(a.s(0));
  return host_result(close(a.s(0)));
}

uint32_t sys_close_range(Process& p, const SyscallArgs& a) {
  return host_result(syscall(SYS_close_range, a[0], a[1], a[2]));
}

uint32_t sys_lseek(Process& p, const SyscallArgs& a) {
  const int64_t off = a.s(2) == SEEK_SET ? p.dir_offset(a.s(0), a.s(1)) : a.s(1);
  const off_t r = lseek(a.s(0), off, a.s(2));
  if (r < 0) return err(errno);
  if (r > INT32_MAX) return err(EOVERFLOW);
  return uint32_t(r);
}

uint32_t sys_llseek(Process& p, const SyscallArgs& a) {
  int64_t off = off64(a[2], a[1]);
  if (a.s(4) == SEEK_SET) off = p.dir_offset(a.s(0), off);
  const off_t r = lseek(a.s(0), off, a.s(4));
  if (r < 0) return err(errno);
  const int64_t v = r;
  if (!p.space().write_obj(a[3], v)) return err(EFAULT);
  return 0;
}

uint32_t sys_dup(Process& p, const SyscallArgs& a) {
  return host_result(dup(a.s(0)));
}
uint32_t sys_dup2(Process& p, const SyscallArgs& a) {
  return host_result(dup2(a.s(0), a.s(1)));
}
uint32_t sys_dup3(Process& p, const SyscallArgs& a) {
  return host_result(dup3(a.s(0), a.s(1), a.s(2)));
}

uint32_t sys_pipe2(Process& p, const SyscallArgs& a) {
  int fds[2];
  if (!p.space().writable(a[0], sizeof fds)) return err(EFAULT);
  if (pipe2(fds, a.s(1)) < 0) return err(errno);
  p.space().write(a[0], fds, sizeof fds);
  return 0;
}

uint32_t sys_pipe(Process& p, const SyscallArgs& a) {
  return sys_pipe2(p, {{a[0], 0}});
}

namespace {

uint32_t fcntl_lock(Process& p, int fd, int cmd, uint32_t addr, bool is64) {
  struct flock fl {};
  if (is64) {
    abi::Flock64 g;
    if (!p.space().read_obj(addr, g)) return err(EFAULT);
    fl = {g.l_type, g.l_whence, g.l_start, g.l_len, g.l_pid};
  } else {
    abi::Flock32 g;
    if (!p.space().read_obj(addr, g)) return err(EFAULT);
    fl = {g.l_type, g.l_whence, g.l_start, g.l_len, g.l_pid};
  }
  if (fcntl(fd, cmd, &fl) < 0) return err(errno);
  if (cmd == F_GETLK || cmd == F_OFD_GETLK) {
    if (is64) {
      abi::Flock64 g{int16_t(fl.l_type), int16_t(fl.l_whence), fl.l_start, fl.l_len, fl.l_pid};
      if (!p.space().write_obj(addr, g)) return err(EFAULT);
    } else {
      if (fl.l_start > INT32_MAX || fl.l_len > INT32_MAX) return err(EOVERFLOW);
      abi::Flock32 g{int16_t(fl.l_type), int16_t(fl.l_whence), int32_t(fl.l_start),
                     int32_t(fl.l_len), fl.l_pid};
      if (!p.space().write_obj(addr, g)) return err(EFAULT);
    }
  }
  return 0;
}

// i386 fcntl64 lock commands (asm-generic/fcntl.h with 32-bit longs).
constexpr int kGetlk64 = 12, kSetlk64 = 13, kSetlkw64 = 14;

uint32_t do_fcntl(Process& p, const SyscallArgs& a, bool is64) {
  const int fd = a.s(0), cmd = a.s(1);
  switch (cmd) {
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW: return fcntl_lock(p, fd, cmd, a[2], false);
    case kGetlk64:
    case kSetlk64:
    case kSetlkw64:
      if (!is64) return err(EINVAL);
      return fcntl_lock(p, fd, cmd - kGetlk64 + F_GETLK, a[2], true);
    case F_OFD_GETLK:
    case F_OFD_SETLK:
    case F_OFD_SETLKW: return fcntl_lock(p, fd, cmd, a[2], true);
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
    case F_GETFD:
    case F_SETFD:
    case F_GETFL:
    case F_SETFL:
    case F_SETOWN:
    case F_GETOWN:
    case F_SETSIG:
    case F_GETSIG:
    case F_SETLEASE:
    case F_GETLEASE:
    case F_NOTIFY:
    case F_SETPIPE_SZ:
    case F_GETPIPE_SZ:
    case F_ADD_SEALS:
    case F_GET_SEALS: return host_result(fcntl(fd, cmd, long(a[2])));
    default: return err(EINVAL);
  }
}

}  // namespace

uint32_t sys_fcntl(Process& p, const SyscallArgs& a) {
  return do_fcntl(p, a, false);
}
uint32_t sys_fcntl64(Process& p, const SyscallArgs& a) {
  return do_fcntl(p, a, true);
}

uint32_t sys_ioctl(Process& p, const SyscallArgs& a) {
  const int fd = a.s(0);
  const uint32_t req = a[1], arg = a[2];
  auto& s = p.space();
  switch (req) {
    case TCGETS: {
      struct termios t;
      if (ioctl(fd, TCGETS, &t) < 0) return err(errno);
      abi::Termios g{};
      g.c_iflag = t.c_iflag;
      g.c_oflag = t.c_oflag;
      g.c_cflag = t.c_cflag;
      g.c_lflag = t.c_lflag;
      g.c_line = t.c_line;
      memcpy(g.c_cc, t.c_cc, sizeof g.c_cc);
      return s.write_obj(arg, g) ? 0 : err(EFAULT);
    }
    case TCSETS:
    case TCSETSW:
    case TCSETSF: {
      abi::Termios g;
      if (!s.read_obj(arg, g)) return err(EFAULT);
      struct termios t {};
      t.c_iflag = g.c_iflag;
      t.c_oflag = g.c_oflag;
      t.c_cflag = g.c_cflag;
      t.c_lflag = g.c_lflag;
      t.c_line = g.c_line;
      memcpy(t.c_cc, g.c_cc, sizeof g.c_cc);
      return host_result(ioctl(fd, req, &t));
    }
    case TIOCGWINSZ: {
      struct winsize w;
      if (ioctl(fd, TIOCGWINSZ, &w) < 0) return err(errno);
      abi::Winsize g{w.ws_row, w.ws_col, w.ws_xpixel, w.ws_ypixel};
      return s.write_obj(arg, g) ? 0 : err(EFAULT);
    }
    case TIOCSWINSZ: {
      abi::Winsize g;
      if (!s.read_obj(arg, g)) return err(EFAULT);
      struct winsize w {
        g.ws_row, g.ws_col, g.ws_xpixel, g.ws_ypixel
      };
      return host_result(ioctl(fd, TIOCSWINSZ, &w));
    }
    // Calls whose argument is an int (or pid_t) in guest memory.
    case FIONREAD:
    case TIOCOUTQ:
    case TIOCGPGRP:
    case TIOCSPGRP:
    case TIOCGSID:
    case FIONBIO:
    case FIOASYNC:
    case TIOCGPTN:
    case TIOCSPTLCK:
    case TIOCMGET:
    case TIOCMSET:
    case TIOCGETD:
    case TIOCSETD: {
      int v = 0;
      if (!s.read_obj(arg, v) && !s.writable(arg, sizeof v)) return err(EFAULT);
      if (ioctl(fd, req, &v) < 0) return err(errno);
      return s.write_obj(arg, v) ? 0 : err(EFAULT);
    }
    // Calls whose argument is a value.
    case TCFLSH:
    case TCXONC:
    case TCSBRK:
    case TCSBRKP:
    case TIOCSCTTY:
    case TIOCNOTTY:
    case FIOCLEX:
    case FIONCLEX:
    case TIOCEXCL:
    case TIOCNXCL: return host_result(ioctl(fd, req, long(arg)));
    default:
      if (p.log(LogItem::Unimp)) fprintf(stderr, "dynemu-i386: unsupported ioctl 0x%x\n", req);
      return err(ENOTTY);
  }
}

uint32_t sys_access(Process& p, const SyscallArgs& a) {
  PATH(path, a[0]);
  return host_result(access(path.c_str(), a.s(1)));
}

uint32_t sys_faccessat(Process& p, const SyscallArgs& a) {
  PATH(path, a[1]);
  return host_result(syscall(SYS_faccessat, dirfd_arg(a[0]), path.c_str(), a.s(2)));
}

uint32_t sys_faccessat2(Process& p, const SyscallArgs& a) {
  PATH(path, a[1]);
  return host_result(faccessat(dirfd_arg(a[0]), path.c_str(), a.s(2), a.s(3)));
}

namespace {

uint32_t do_readlink(Process& p, int dirfd, uint32_t path_addr, uint32_t buf, uint32_t size) {
  std::string raw;
  if (!p.space().read_string(path_addr, raw)) return err(EFAULT);
  if (int32_t(size) <= 0) return err(EINVAL);
  if (!p.space().writable(buf, size)) return err(EFAULT);
  std::string target;
  if (raw == "/proc/self/exe" || raw == "/proc/" + std::to_string(getpid()) + "/exe") {
    target = p.exe_path();
  } else {
    const std::string path = p.host_path(raw);
    // Link targets are at most PATH_MAX; a huge guest size allocates no more.
    const uint32_t cap = std::min<uint32_t>(size, 2 * PATH_MAX);
    std::vector<char> tmp(cap);
    const ssize_t n = readlinkat(dirfd, path.c_str(), tmp.data(), cap);
    if (n < 0) return err(errno);
    target.assign(tmp.data(), size_t(n));
  }
  const uint32_t n = std::min<uint32_t>(size, uint32_t(target.size()));
  p.space().write(buf, target.data(), n);
  return n;
}

}  // namespace

uint32_t sys_readlink(Process& p, const SyscallArgs& a) {
  return do_readlink(p, AT_FDCWD, a[0], a[1], a[2]);
}
uint32_t sys_readlinkat(Process& p, const SyscallArgs& a) {
  return do_readlink(p, dirfd_arg(a[0]), a[1], a[2], a[3]);
}

uint32_t sys_getcwd(Process& p, const SyscallArgs& a) {
  char buf[4096];
  if (!getcwd(buf, sizeof buf)) return err(errno);
  const uint32_t len = uint32_t(strlen(buf)) + 1;
  if (len > a[1]) return err(ERANGE);
  if (!p.space().write(a[0], buf, len)) return err(EFAULT);
  return len;
}

uint32_t sys_chdir(Process& p, const SyscallArgs& a) {
  PATH(path, a[0]);
  return host_result(chdir(path.c_str()));
}
uint32_t sys_fchdir(Process& p, const SyscallArgs& a) {
  return host_result(fchdir(a.s(0)));
}
uint32_t sys_chroot(Process& p, const SyscallArgs& a) {
  PATH(path, a[0]);
  return host_result(chroot(path.c_str()));
}

uint32_t sys_unlink(Process& p, const SyscallArgs& a) {
  PATH(path, a[0]);
  return host_result(unlink(path.c_str()));
}
uint32_t sys_unlinkat(Process& p, const SyscallArgs& a) {
  PATH(path, a[1]);
  return host_result(unlinkat(dirfd_arg(a[0]), path.c_str(), a.s(2)));
}
uint32_t sys_rmdir(Process& p, const SyscallArgs& a) {
  PATH(path, a[0]);
  return host_result(rmdir(path.c_str()));
}
uint32_t sys_mkdir(Process& p, const SyscallArgs& a) {
  PATH(path, a[0]);
  return host_result(mkdir(path.c_str(), a[1]));
}
uint32_t sys_mkdirat(Process& p, const SyscallArgs& a) {
  PATH(path, a[1]);
  return host_result(mkdirat(dirfd_arg(a[0]), path.c_str(), a[2]));
}
uint32_t sys_mknod(Process& p, const SyscallArgs& a) {
  PATH(path, a[0]);
  return host_result(mknod(path.c_str(), a[1], a[2]));
}
uint32_t sys_mknodat(Process& p, const SyscallArgs& a) {
  PATH(path, a[1]);
  return host_result(mknodat(dirfd_arg(a[0]), path.c_str(), a[2], a[3]));
}
uint32_t sys_rename(Process& p, const SyscallArgs& a) {
  PATH(from, a[0]);
  PATH(to, a[1]);
  return host_result(rename(from.c_str(), to.c_str()));
}
uint32_t sys_renameat(Process& p, const SyscallArgs& a) {
  PATH(from, a[1]);
  PATH(to, a[3]);
  return host_result(renameat(dirfd_arg(a[0]), from.c_str(), dirfd_arg(a[2]), to.c_str()));
}
uint32_t sys_renameat2(Process& p, const SyscallArgs& a) {
  PATH(from, a[1]);
  PATH(to, a[3]);
  return host_result(renameat2(dirfd_arg(a[0]), from.c_str(), dirfd_arg(a[2]), to.c_str(), a[4]));
}
uint32_t sys_link(Process& p, const SyscallArgs& a) {
  PATH(from, a[0]);
  PATH(to, a[1]);
  return host_result(link(from.c_str(), to.c_str()));
}
uint32_t sys_linkat(Process& p, const SyscallArgs& a) {
  PATH(from, a[1]);
  PATH(to, a[3]);
  return host_result(linkat(dirfd_arg(a[0]), from.c_str(), dirfd_arg(a[2]), to.c_str(), a.s(4)));
}
uint32_t sys_symlink(Process& p, const SyscallArgs& a) {
  std::string target;
  if (!p.space().read_string(a[0], target)) return err(EFAULT);
  PATH(to, a[1]);
  return host_result(symlink(target.c_str(), to.c_str()));
}
uint32_t sys_symlinkat(Process& p, const SyscallArgs& a) {
  std::string target;
  if (!p.space().read_string(a[0], target)) return err(EFAULT);
  PATH(to, a[2]);
  return host_result(symlinkat(target.c_str(), dirfd_arg(a[1]), to.c_str()));
}
uint32_t sys_chmod(Process& p, const SyscallArgs& a) {
  PATH(path, a[0]);
  return host_result(chmod(path.c_str(), a[1]));
}
uint32_t sys_fchmod(Process& p, const SyscallArgs& a) {
  return host_result(fchmod(a.s(0), a[1]));
}
uint32_t sys_fchmodat(Process& p, const SyscallArgs& a) {
  PATH(path, a[1]);
  return host_result(syscall(SYS_fchmodat, dirfd_arg(a[0]), path.c_str(), a[2]));
}

namespace {
// 16-bit uid/gid arguments: 0xffff means "unchanged" (-1).
uint32_t id16(uint32_t v) {
  return uint16_t(v) == 0xffff ? uint32_t(-1) : uint16_t(v);
}
}  // namespace

uint32_t sys_chown(Process& p, const SyscallArgs& a) {
  PATH(path, a[0]);
  return host_result(chown(path.c_str(), a[1], a[2]));
}
uint32_t sys_lchown(Process& p, const SyscallArgs& a) {
  PATH(path, a[0]);
  return host_result(lchown(path.c_str(), a[1], a[2]));
}
uint32_t sys_fchown(Process& p, const SyscallArgs& a) {
  return host_result(fchown(a.s(0), a[1], a[2]));
}
uint32_t sys_chown16(Process& p, const SyscallArgs& a) {
  return sys_chown(p, {{a[0], id16(a[1]), id16(a[2])}});
}
uint32_t sys_lchown16(Process& p, const SyscallArgs& a) {
  return sys_lchown(p, {{a[0], id16(a[1]), id16(a[2])}});
}
uint32_t sys_fchown16(Process& p, const SyscallArgs& a) {
  return sys_fchown(p, {{a[0], id16(a[1]), id16(a[2])}});
}
uint32_t sys_fchownat(Process& p, const SyscallArgs& a) {
  PATH(path, a[1]);
  return host_result(fchownat(dirfd_arg(a[0]), path.c_str(), a[2], a[3], a.s(4)));
}

namespace {
uint32_t do_utimensat(Process& p, int dirfd, uint32_t path_addr, uint32_t times, int flags,
                      bool time64) {
  std::string path;
  const char* pp = nullptr;
  if (path_addr) {
    if (int e = guest_path(p, path_addr, path); e) return err(-e);
    pp = path.c_str();
  }
  struct timespec ts[2];
  struct timespec* tp = nullptr;
  if (times) {
    struct timespec* dummy;
    const uint32_t sz = time64 ? sizeof(abi::Timespec64) : sizeof(abi::Timespec32);
    if (read_timespec(p, times, time64, ts[0], dummy) ||
        read_timespec(p, times + sz, time64, ts[1], dummy))
      return err(EFAULT);
    tp = ts;
  }
  return host_result(syscall(SYS_utimensat, dirfd, pp, tp, flags));
}
}  // namespace

uint32_t sys_utimensat(Process& p, const SyscallArgs& a) {
  return do_utimensat(p, dirfd_arg(a[0]), a[1], a[2], a.s(3), false);
}
uint32_t sys_utimensat_time64(Process& p, const SyscallArgs& a) {
  return do_utimensat(p, dirfd_arg(a[0]), a[1], a[2], a.s(3), true);
}

uint32_t sys_utimes(Process& p, const SyscallArgs& a) {
  PATH(path, a[0]);
  struct timeval tv[2];
  if (a[1]) {
    abi::Timeval32 g[2];
    if (!p.space().read(a[1], g, sizeof g)) return err(EFAULT);
    for (int i = 0; i < 2; ++i) tv[i] = {g[i].tv_sec, g[i].tv_usec};
  }
  return host_result(utimes(path.c_str(), a[1] ? tv : nullptr));
}

uint32_t sys_utime(Process& p, const SyscallArgs& a) {
  PATH(path, a[0]);
  struct timespec ts[2];
  if (a[1]) {
    int32_t g[2];  // struct utimbuf: actime, modtime
    if (!p.space().read(a[1], g, sizeof g)) return err(EFAULT);
    ts[0] = {g[0], 0};
    ts[1] = {g[1], 0};
  }
  return host_result(utimensat(AT_FDCWD, path.c_str(), a[1] ? ts : nullptr, 0));
}

uint32_t sys_truncate(Process& p, const SyscallArgs& a) {
  PATH(path, a[0]);
  return host_result(truncate(path.c_str(), a.s(1)));
}
uint32_t sys_ftruncate(Process& p, const SyscallArgs& a) {
  return host_result(ftruncate(a.s(0), a.s(1)));
}
uint32_t sys_truncate64(Process& p, const SyscallArgs& a) {
  PATH(path, a[0]);
  return host_result(truncate(path.c_str(), off64(a[1], a[2])));
}
uint32_t sys_ftruncate64(Process& p, const SyscallArgs& a) {
  return host_result(ftruncate(a.s(0), off64(a[1], a[2])));
}
uint32_t sys_fsync(Process& p, const SyscallArgs& a) {
  return host_result(fsync(a.s(0)));
}
uint32_t sys_fdatasync(Process& p, const SyscallArgs& a) {
  return host_result(fdatasync(a.s(0)));
}
uint32_t sys_sync(Process& p, const SyscallArgs& a) {
  sync();
  return 0;
}
uint32_t sys_flock(Process& p, const SyscallArgs& a) {
  return host_result(flock(a.s(0), a.s(1)));
}
uint32_t sys_fallocate(Process& p, const SyscallArgs& a) {
  return host_result(fallocate(a.s(0), a.s(1), off64(a[2], a[3]), off64(a[4], a[5])));
}
uint32_t sys_fadvise64(Process& p, const SyscallArgs& a) {
  // fadvise64(fd, offset_lo, offset_hi, len, advice)
  return err(posix_fadvise(a.s(0), off64(a[1], a[2]), off_t(a[3]), a.s(4)));
}
uint32_t sys_fadvise64_64(Process& p, const SyscallArgs& a) {
  return err(posix_fadvise(a.s(0), off64(a[1], a[2]), off64(a[3], a[4]), a.s(5)));
}
uint32_t sys_umask(Process& p, const SyscallArgs& a) {
  return umask(a[0]);
}

namespace {
uint32_t do_sendfile(Process& p, const SyscallArgs& a, bool off_is_64) {
  off_t off = 0;
  if (a[2]) {
    if (off_is_64) {
      int64_t v;
      if (!p.space().read_obj(a[2], v)) return err(EFAULT);
      off = v;
    } else {
      int32_t v;
      if (!p.space().read_obj(a[2], v)) return err(EFAULT);
      off = v;
    }
  }
  const ssize_t n = sendfile(a.s(0), a.s(1), a[2] ? &off : nullptr, a[3]);
  if (n < 0) return err(errno);
  if (a[2]) {
    if (off_is_64) {
      const int64_t v = off;
      p.space().write_obj(a[2], v);
    } else {
      const int32_t v = int32_t(off);
      p.space().write_obj(a[2], v);
    }
  }
  return uint32_t(n);
}
}  // namespace

uint32_t sys_sendfile(Process& p, const SyscallArgs& a) {
  return do_sendfile(p, a, false);
}
uint32_t sys_sendfile64(Process& p, const SyscallArgs& a) {
  return do_sendfile(p, a, true);
}

uint32_t sys_copy_file_range(Process& p, const SyscallArgs& a) {
  loff_t in_off = 0, out_off = 0;
  if (a[1] && !p.space().read_obj(a[1], in_off)) return err(EFAULT);
  if (a[3] && !p.space().read_obj(a[3], out_off)) return err(EFAULT);
  const ssize_t n = copy_file_range(a.s(0), a[1] ? &in_off : nullptr, a.s(2),
                                    a[3] ? &out_off : nullptr, a[4], a[5]);
  if (n < 0) return err(errno);
  if (a[1]) p.space().write_obj(a[1], in_off);
  if (a[3]) p.space().write_obj(a[3], out_off);
  return uint32_t(n);
}

uint32_t sys_eventfd2(Process& p, const SyscallArgs& a) {
  return host_result(syscall(SYS_eventfd2, a[0], a.s(1)));
}

uint32_t sys_memfd_create(Process& p, const SyscallArgs& a) {
  std::string name;
  if (!p.space().read_string(a[0], name, 256)) return err(EFAULT);
  return host_result(memfd_create(name.c_str(), a[1]));
}

namespace {
// compat_statfs64: packed, 4-byte aligned 64-bit fields.
struct [[gnu::packed]] Statfs64 {
  uint32_t f_type, f_bsize;
  uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
  int32_t f_fsid[2];
  uint32_t f_namelen, f_frsize, f_flags, f_spare[4];
};
static_assert(sizeof(Statfs64) == 84);

uint32_t put_statfs64(Process& p, const struct statfs& s, uint32_t size, uint32_t addr) {
  if (size != sizeof(Statfs64)) return err(EINVAL);
  Statfs64 g{};
  g.f_type = uint32_t(s.f_type);
  g.f_bsize = uint32_t(s.f_bsize);
  g.f_blocks = s.f_blocks;
  g.f_bfree = s.f_bfree;
  g.f_bavail = s.f_bavail;
  g.f_files = s.f_files;
  g.f_ffree = s.f_ffree;
  memcpy(g.f_fsid, &s.f_fsid, sizeof g.f_fsid);
  g.f_namelen = uint32_t(s.f_namelen);
  g.f_frsize = uint32_t(s.f_frsize);
  g.f_flags = uint32_t(s.f_flags);
  return p.space().write_obj(addr, g) ? 0 : err(EFAULT);
}
}  // namespace

uint32_t sys_statfs64(Process& p, const SyscallArgs& a) {
  PATH(path, a[0]);
  struct statfs s;
  if (statfs(path.c_str(), &s) < 0) return err(errno);
  return put_statfs64(p, s, a[1], a[2]);
}
uint32_t sys_fstatfs64(Process& p, const SyscallArgs& a) {
  struct statfs s;
  if (fstatfs(a.s(0), &s) < 0) return err(errno);
  return put_statfs64(p, s, a[1], a[2]);
}

}  // namespace dynemu::user
