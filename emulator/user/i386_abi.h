#pragma once

#include <cstddef>
#include <cstdint>

// Structure layouts of the Linux i386 ABI (the kernel's arch/x86 headers for
// 32-bit user space), written out field by field so they never silently take
// the host's 64-bit layout. Offsets are checked by static_asserts below and
// against the kernel's own definitions in tests/unit/user_abi_test.cpp.
namespace dynemu::user::abi {

using u8 = uint8_t;
using u16 = uint16_t;
using u32 = uint32_t;
using i32 = int32_t;
using u64 = uint64_t;
using i64 = int64_t;

// asm/stat.h, struct stat64 (packed: long long at 4-byte alignment).
struct [[gnu::packed]] Stat64 {
  u64 st_dev;
  u8 pad0[4];
  u32 st_ino_low;
  u32 st_mode;
  u32 st_nlink;
  u32 st_uid;
  u32 st_gid;
  u64 st_rdev;
  u8 pad3[4];
  i64 st_size;
  u32 st_blksize;
  u64 st_blocks;
  u32 st_atime_sec;
  u32 st_atime_nsec;
  u32 st_mtime_sec;
  u32 st_mtime_nsec;
  u32 st_ctime_sec;
  u32 st_ctime_nsec;
  u64 st_ino;
};
static_assert(sizeof(Stat64) == 96);
static_assert(offsetof(Stat64, st_size) == 44);
static_assert(offsetof(Stat64, st_ino) == 88);

// asm/stat.h, struct stat (the old stat/fstat/lstat calls).
struct OldStat {
  u32 st_dev;
  u32 st_ino;
  u16 st_mode;
  u16 st_nlink;
  u16 st_uid;
  u16 st_gid;
  u32 st_rdev;
  u32 st_size;
  u32 st_blksize;
  u32 st_blocks;
  u32 st_atime_sec;
  u32 st_atime_nsec;
  u32 st_mtime_sec;
  u32 st_mtime_nsec;
  u32 st_ctime_sec;
  u32 st_ctime_nsec;
  u32 unused4;
  u32 unused5;
};
static_assert(sizeof(OldStat) == 64);

struct Timespec32 {
  i32 tv_sec;
  i32 tv_nsec;
};
struct Timespec64 {
  i64 tv_sec;
  i64 tv_nsec;
};
struct Timeval32 {
  i32 tv_sec;
  i32 tv_usec;
};
struct Itimerval32 {
  Timeval32 interval, value;
};
struct Iovec32 {
  u32 base;
  u32 len;
};
struct Rlimit32 {
  u32 cur, max;
};
struct Tms32 {
  i32 utime, stime, cutime, cstime;
};

// struct rusage with 32-bit longs.
struct Rusage32 {
  Timeval32 utime, stime;
  i32 fields[14];  // maxrss ixrss idrss isrss minflt majflt nswap inblock oublock msgsnd msgrcv
                   // nsignals nvcsw nivcsw
};
static_assert(sizeof(Rusage32) == 72);

// linux/sysinfo.h with 32-bit longs.
struct Sysinfo32 {
  i32 uptime;
  u32 loads[3];
  u32 totalram, freeram, sharedram, bufferram, totalswap, freeswap;
  u16 procs;
  u16 pad;
  u32 totalhigh, freehigh;
  u32 mem_unit;
  char f[8];
};
static_assert(sizeof(Sysinfo32) == 64);

// asm/termbits.h: the kernel termios is the same on i386 and x86-64, but it
// is copied field by field like every other structure.
struct Termios {
  u32 c_iflag, c_oflag, c_cflag, c_lflag;
  u8 c_line;
  u8 c_cc[19];
};
static_assert(sizeof(Termios) == 36);
struct Winsize {
  u16 ws_row, ws_col, ws_xpixel, ws_ypixel;
};

// struct flock (fcntl F_GETLK...) and struct flock64 (packed on i386).
struct Flock32 {
  int16_t l_type, l_whence;
  i32 l_start, l_len;
  i32 l_pid;
};
static_assert(sizeof(Flock32) == 16);
struct [[gnu::packed]] Flock64 {
  int16_t l_type, l_whence;
  i64 l_start, l_len;
  i32 l_pid;
};
static_assert(sizeof(Flock64) == 24);

// Old readdir record (getdents): 32-bit d_ino and d_off; d_type is the last
// byte of the record.
struct Dirent32Head {
  u32 d_ino;
  u32 d_off;
  u16 d_reclen;
};

// asm/ldt.h struct user_desc (set_thread_area, modify_ldt).
struct UserDesc {
  u32 entry_number;
  u32 base_addr;
  u32 limit;
  u32 flags;  // seg_32bit:1 contents:2 read_exec_only:1 limit_in_pages:1 seg_not_present:1
              // useable:1
};
enum UserDescFlags : u32 {
  kUdSeg32 = 1u << 0,
  kUdContentsShift = 1,
  kUdReadExecOnly = 1u << 3,
  kUdLimitInPages = 1u << 4,
  kUdNotPresent = 1u << 5,
  kUdUseable = 1u << 6,
};

// Signals.
struct [[gnu::packed]] Sigaction32 {  // rt_sigaction's struct sigaction
  u32 handler;
  u32 flags;
  u32 restorer;
  u64 mask;
};
static_assert(sizeof(Sigaction32) == 20);
struct OldSigaction32 {  // sigaction (67)
  u32 handler;
  u32 mask;
  u32 flags;
  u32 restorer;
};
struct Stack32 {  // stack_t
  u32 ss_sp;
  i32 ss_flags;
  u32 ss_size;
};

// compat_siginfo_t: 128 bytes; the union starts at offset 12.
struct Siginfo32 {
  i32 si_signo;
  i32 si_errno;
  i32 si_code;
  union {
    u32 pad[29];
    struct {  // kill, tkill
      i32 pid;
      u32 uid;
    } kill;
    struct {  // timers
      i32 tid;
      i32 overrun;
      i32 value;
    } timer;
    struct {  // POSIX.1b signals (sigqueue)
      i32 pid;
      u32 uid;
      i32 value;
    } rt;
    struct {  // SIGCHLD
      i32 pid;
      u32 uid;
      i32 status;
      i32 utime;
      i32 stime;
    } chld;
    struct {  // SIGILL SIGFPE SIGSEGV SIGBUS SIGTRAP
      u32 addr;
    } fault;
    struct {  // SIGPOLL
      i32 band;
      i32 fd;
    } poll;
  };
};
static_assert(sizeof(Siginfo32) == 128);

// asm/sigcontext.h struct sigcontext_32.
struct Sigcontext32 {
  u16 gs, gsh, fs, fsh, es, esh, ds, dsh;
  u32 edi, esi, ebp, esp, ebx, edx, ecx, eax;
  u32 trapno, err, eip;
  u16 cs, csh;
  u32 eflags, esp_at_signal;
  u16 ss, ssh;
  u32 fpstate;
  u32 oldmask;
  u32 cr2;
};
static_assert(sizeof(Sigcontext32) == 88);

// struct _fpstate_32 as the kernel writes it for a CPU without FXSR: the
// FNSAVE image, then status and magic 0xffff ("regular FPU data only").
struct Fpstate32 {
  u8 fnsave[108];
  u16 status;
  u16 magic;
};
static_assert(sizeof(Fpstate32) == 112);
inline constexpr u16 kFpstateMagicFsave = 0xffff;

struct [[gnu::packed]] Ucontext32 {
  u32 uc_flags;
  u32 uc_link;
  Stack32 uc_stack;
  Sigcontext32 uc_mcontext;
  u64 uc_sigmask;
};
static_assert(sizeof(Ucontext32) == 116);

// arch/x86/include/asm/sigframe.h, the ia32 frames.
struct Sigframe32 {
  u32 pretcode;
  i32 sig;
  Sigcontext32 sc;
  Fpstate32 fpstate_unused;
  u32 extramask;
  u8 retcode[8];
};
static_assert(offsetof(Sigframe32, sc) == 8);
static_assert(offsetof(Sigframe32, extramask) == 208);
static_assert(sizeof(Sigframe32) == 220);

struct [[gnu::packed]] RtSigframe32 {
  u32 pretcode;
  i32 sig;
  u32 pinfo;
  u32 puc;
  Siginfo32 info;
  Ucontext32 uc;
  u8 retcode[8];
};
static_assert(offsetof(RtSigframe32, info) == 16);
static_assert(offsetof(RtSigframe32, uc) == 144);
static_assert(sizeof(RtSigframe32) == 268);

// Sockets.
struct Msghdr32 {
  u32 msg_name;
  u32 msg_namelen;
  u32 msg_iov;
  u32 msg_iovlen;
  u32 msg_control;
  u32 msg_controllen;
  i32 msg_flags;
};
struct Cmsghdr32 {
  u32 cmsg_len;
  i32 cmsg_level;
  i32 cmsg_type;
};

// struct sel_arg_struct of the old select (82) and the mmap (90) arguments.
struct SelArg32 {
  u32 n, inp, outp, exp, tvp;
};
struct MmapArg32 {
  u32 addr, len, prot, flags, fd, offset;
};

}  // namespace dynemu::user::abi
