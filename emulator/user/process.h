#pragma once

#include <sys/resource.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "emulator/core/log.h"
#include "emulator/core/result.h"
#include "emulator/exec/cpu.h"
#include "emulator/user/descriptors.h"
#include "emulator/user/guest_space.h"
#include "emulator/user/signals.h"
#include "emulator/user/threads.h"

namespace dynemu::user {

struct Options {
  std::string sysroot = "/";
  // The JIT by default; -accel interp is the reference interpreter.
  exec::Engine engine = exec::Engine::Jit;
  std::string accel_name = "jit";
  std::string log_items;  // the -d argument, passed on across execve
  std::string self_exe;   // this emulator's own executable, for execve
  std::string argv0;      // the guest's argv[0] when it differs from the path (-0)
  LogMask log;
};

// One emulated Linux i386 process: its address space, CPU, descriptor
// tables and signal state, and the loop that runs guest code and serves its
// system calls.
class Process {
 public:
  explicit Process(const Options& options);
  ~Process();

  // Loads `path` (the guest program) with `argv`/`envp` and prepares the CPU.
  Result<void> load(const std::string& path, const std::vector<std::string>& argv,
                    const std::vector<std::string>& envp);
  // Runs until the guest exits; returns its exit status. A guest killed by
  // a signal kills this process with the same signal instead.
  int run();

  const Options& options() const { return m_options; }
  GuestSpace& space() { return m_space; }
  // The CPU and state of the guest thread running on this host thread.
  exec::Cpu& cpu() { return *current().cpu; }
  x86::CpuState& state() { return current().cpu->state(); }
  GuestThread& current();
  Descriptors& descriptors() { return m_descriptors; }
  Signals& signals() { return *m_signals; }
  bool log(LogItem item) const { return m_options.log.has(item); }

  // The guest program's absolute path (/proc/self/exe, AT_EXECFN).
  const std::string& exe_path() const { return m_exe_path; }
  // A guest path as the host sees it: absolute paths are looked up under
  // the sysroot first, and /proc/self/exe names the guest program.
  std::string host_path(const std::string& guest_path) const;

  // Files under /proc/self that must describe the guest, not the emulator
  // (maps, cmdline): an open descriptor with the guest's view, or -1 when
  // `guest_path` is not one of them.
  int open_proc_file(const std::string& guest_path);

  // Guest memory changed behind the CPU: drop translations of it.
  void invalidate(uint32_t addr, uint32_t len);

  // exit/exit_group: stops run() with this status.
  // Resource limits kept for the guest only (see sys_proc.cpp).
  struct rlimit guest_limits[RLIM_NLIMITS] = {};
  // Directory offsets: a 64-bit host reports 64-bit hash offsets that a
  // 32-bit guest's readdir rejects (EOVERFLOW), so offsets that do not fit
  // in 30 bits become cookies kDirCookie | index into this per-descriptor
  // table, translated back by lseek.
  static constexpr uint32_t kDirCookie = 0x40000000;
  std::unordered_map<int, std::vector<int64_t>> dir_offsets;
  uint32_t dir_cookie(int fd, int64_t off);
  int64_t dir_offset(int fd, int64_t off) const;

  uint32_t robust_list = 0;  // set_robust_list

  // exit_group: ends the process with this status.
  void exit(int status);
  // exit: ends the calling guest thread (the process with the last one).
  void exit_thread(int status);
  // clone with CLONE_VM|CLONE_THREAD: starts a guest thread whose state is a
  // copy of the caller's with EAX 0, ESP `stack` (if non-zero) and TLS
  // descriptor `tls` (if non-null); returns its tid or -errno.
  int start_thread(uint32_t stack, const abi::UserDesc* tls, uint32_t child_cleartid);
  // A forked child: only the calling thread survives.
  void after_fork();

 private:
  void handle_syscall();
  // exec::CodeWriteGuard callbacks (called in the SIGSEGV handler).
  static bool unlock_code_page(void* self, uint32_t addr);
  static void drop_code_page(void* self, uint32_t page_addr);
  std::unique_ptr<exec::Cpu> make_cpu();
  // Runs guest code on the calling host thread until its guest thread ends.
  void thread_loop(GuestThread& t);
  void lock(GuestThread& t);
  void unlock(GuestThread& t);

  Options m_options;
  GuestSpace m_space;
  std::shared_ptr<exec::BlockCache> m_block_cache;
  std::vector<std::unique_ptr<GuestThread>> m_threads;
  // Set when the first thread is started; from then on guest code runs
  // under m_lock.
  bool m_multithreaded = false;
  BigLock m_lock;
  Descriptors m_descriptors;
  std::unique_ptr<Signals> m_signals;
  std::string m_exe_path;
  std::vector<std::string> m_argv;
  bool m_read_implies_exec = false;
  bool m_exited = false;
  int m_exit_status = 0;
};

}  // namespace dynemu::user
