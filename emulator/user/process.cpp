#include "emulator/user/process.h"

#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <random>
#include <thread>

#include "emulator/exec/block_cache.h"
#include "emulator/exec/host_fault.h"
#include "emulator/user/elf_loader.h"
#include "emulator/user/initial_stack.h"
#include "emulator/user/syscall.h"
#include "emulator/x86/helpers.h"
#include "emulator/x86/lazy_flags.h"

namespace dynemu::user {

namespace {

exec::CpuConfig cpu_config(const Options& o, uint8_t* base) {
  exec::CpuConfig c;
  c.engine = o.engine;
  c.guest_base = base;
  c.log = o.log;
  return c;
}

// System calls that Linux never restarts after a handler (they return
// EINTR: -ERESTARTNOHAND or a restart block).
bool never_restarted(uint32_t nr) {
  switch (nr) {
    case 29:   // pause
    case 72:   // sigsuspend
    case 179:  // rt_sigsuspend
    case 82:   // select
    case 142:  // _newselect
    case 168:  // poll
    case 308:  // pselect6
    case 309:  // ppoll
    case 413:  // pselect6_time64
    case 414:  // ppoll_time64
    case 162:  // nanosleep
    case 267:  // clock_nanosleep
    case 407:  // clock_nanosleep_time64
      return true;
    default: return false;
  }
}

}  // namespace

Process::Process(const Options& options) : m_options(options), m_descriptors(m_space) {}

Process::~Process() {
  if (log(LogItem::Stats)) {
    const GuestSpace::CodeLockStats& c = m_space.code_lock_stats();
    fprintf(stderr,
            "stats: smc: code pages write-protected %" PRIu64 ", unprotected by writes %" PRIu64
            "\n",
            c.locks, c.unlocks);
  }
}

bool Process::unlock_code_page(void* self, uint32_t addr) {
  return static_cast<Process*>(self)->m_space.unlock_code(addr);
}

void Process::drop_code_page(void* self, uint32_t page_addr) {
  static_cast<Process*>(self)->invalidate(page_addr, GuestSpace::kPage);
}

std::string Process::host_path(const std::string& path) const {
  if (path == "/proc/self/exe") return m_exe_path;
  if (path.empty() || path[0] != '/' || m_options.sysroot.empty() || m_options.sysroot == "/")
    return path;
  // The host's own /proc, /dev and /sys are the guest's too.
  for (const char* host_only : {"/proc/", "/dev/", "/sys/"})
    if (path.rfind(host_only, 0) == 0) return path;
  // Only files are taken from the sysroot (the loader's libraries, data
  // files); directories stay the host's, so listing "/" or "/etc" shows
  // what a native run shows.
  std::string under = m_options.sysroot + path;
  struct stat st;
  if (lstat(under.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) return under;
  return path;
}

int Process::open_proc_file(const std::string& path) {
  const std::string self = "/proc/" + std::to_string(getpid()) + "/";
  std::string name;
  if (path.rfind("/proc/self/", 0) == 0)
    name = path.substr(11);
  else if (path.rfind(self, 0) == 0)
    name = path.substr(self.size());
  else
    return -1;
  std::string text;
  if (name == "maps") {
    // One line per run of pages with the same protection, as Linux prints.
    char line[128];
    uint32_t a = 0;
    const uint32_t stack_lo = GuestSpace::kStackTop - GuestSpace::kStackSize;
    while (a < GuestSpace::kSystemBase) {
      if (!m_space.page_mapped(a)) {
        a += GuestSpace::kPage;
        continue;
      }
      const uint8_t prot = m_space.page_prot(a);
      uint32_t end = a + GuestSpace::kPage;
      while (end < GuestSpace::kSystemBase && m_space.page_mapped(end) &&
             m_space.page_prot(end) == prot && end != stack_lo && end != m_space.brk_start)
        end += GuestSpace::kPage;
      const char* tag = a >= stack_lo && end <= GuestSpace::kStackTop               ? "[stack]"
                        : a >= m_space.brk_start && end <= page_up(m_space.brk_cur) ? "[heap]"
                                                                                    : "";
      snprintf(line, sizeof line, "%08x-%08x %c%c%cp 00000000 00:00 0 %s%s\n", a, end,
               prot & kProtRead ? 'r' : '-', prot & kProtWrite ? 'w' : '-',
               prot & kProtExec ? 'x' : '-', *tag ? "                 " : "", tag);
      text += line;
      a = end;
    }
  } else if (name == "cmdline") {
    for (const auto& arg : m_argv) text.append(arg.c_str(), arg.size() + 1);
  } else {
    return -1;
  }
  const int fd = memfd_create("dynemu-proc", MFD_CLOEXEC);
  if (fd < 0) return -1;
  if (write(fd, text.data(), text.size()) != ssize_t(text.size())) {
    close(fd);
    return -1;
  }
  lseek(fd, 0, SEEK_SET);
  return fd;
}

uint32_t Process::dir_cookie(int fd, int64_t off) {
  if (off >= 0 && off < kDirCookie) return uint32_t(off);
  auto& v = dir_offsets[fd];
  v.push_back(off);
  return kDirCookie | uint32_t(v.size() - 1);
}

int64_t Process::dir_offset(int fd, int64_t off) const {
  if (off < kDirCookie || off > INT32_MAX) return off;
  auto it = dir_offsets.find(fd);
  const uint32_t index = uint32_t(off) & (kDirCookie - 1);
  if (it == dir_offsets.end() || index >= it->second.size()) return off;
  return it->second[index];
}

namespace {
// The guest thread each host thread runs. Thread-local because that is what
// it is: handlers find "the calling thread" through it.
thread_local GuestThread* t_current = nullptr;

// System calls that may block: in a multithreaded guest they run without
// the big lock so that other threads go on meanwhile. They touch only
// guest buffers and host descriptors, not the personality's tables.
bool may_block(uint32_t nr) {
  switch (nr) {
    case 3:
    case 4:
    case 145:
    case 146:
    case 180:
    case 181:
    case 333:
    case 334:  // read/write
    case 7:
    case 114:
    case 284:  // waits
    case 162:
    case 267:
    case 407:  // sleeps
    case 168:
    case 142:
    case 82:
    case 308:
    case 309:
    case 413:
    case 414:  // poll/select
    case 240:
    case 422:  // futex
    case 102:
    case 362:
    case 364:
    case 369:
    case 370:
    case 371:
    case 372:  // sockets
    case 158:  // sched_yield
    case 256:  // epoll_wait
    case 319:  // epoll_pwait
    case 5:
    case 295:  // open (FIFOs)
      return true;
    default: return false;
  }
}
}  // namespace

GuestThread& Process::current() {
  return *t_current;
}

void Process::invalidate(uint32_t addr, uint32_t len) {
  if (!len) return;
  // The translation cache is shared: one CPU drops the code for all.
  m_threads.front()->cpu->invalidate_code(addr, len);
}

std::unique_ptr<exec::Cpu> Process::make_cpu() {
  exec::CpuConfig config = cpu_config(m_options, m_space.base());
  // All guest threads share one translation cache: they run one at a time
  // (the big lock), translate code once and see each other's code writes.
  if (!m_block_cache) {
    m_block_cache = exec::make_shared_block_cache();
    // Self-modifying code by host page protection (exec/host_fault.h).
    m_block_cache->on_code_page = [this](uint32_t page) { m_space.lock_code(page); };
    m_space.holds_code = [this](uint32_t page) { return m_block_cache->is_code_page(page); };
  }
  config.shared_cache = m_block_cache;
  config.code_access = [this](uint32_t page) {
    const uint32_t addr = page * GuestSpace::kPage;
    if (!m_space.page_mapped(addr)) return exec::CodeAccess::Unmapped;
    const uint8_t prot = m_space.page_prot(addr);
    if ((prot & kProtExec) || (m_read_implies_exec && (prot & kProtRead)))
      return exec::CodeAccess::Exec;
    return exec::CodeAccess::NoExec;
  };
  config.page_aliases = [this](uint32_t page, std::vector<uint32_t>& out) {
    m_space.aliases(page, out);
  };
  return std::make_unique<exec::Cpu>(config);
}

void Process::lock(GuestThread& t) {
  m_lock.acquire(t.cpu.get());
  m_signals->set_running_cpu(t.cpu.get());
  m_descriptors.load_tls(t.tls);
}

void Process::unlock(GuestThread& t) {
  m_descriptors.save_tls(t.tls);
  m_lock.release();
}

Result<void> Process::load(const std::string& path, const std::vector<std::string>& argv,
                           const std::vector<std::string>& envp) {
  TRY(m_space.reserve());
  exec::set_code_write_guard(
      {m_space.base(), &Process::unlock_code_page, &Process::drop_code_page, this});
  auto main_thread = std::make_unique<GuestThread>();
  main_thread->cpu = make_cpu();
  main_thread->tid = gettid();
  t_current = main_thread.get();
  m_threads.push_back(std::move(main_thread));
  m_signals = std::make_unique<Signals>(*this);

  // /proc/self/exe and AT_EXECFN name the program as an absolute path.
  char resolved[PATH_MAX];
  m_exe_path = realpath(path.c_str(), resolved) ? std::string(resolved) : path;

  auto& s = state();
  TRY(m_descriptors.install(s));
  TRY(m_signals->install());

  for (int r = 0; r < RLIM_NLIMITS; ++r) getrlimit(__rlimit_resource_t(r), &guest_limits[r]);

  const uint32_t stack_bottom = GuestSpace::kStackTop - GuestSpace::kStackSize;
  LoadedProgram prog = TRY(load_program(m_space, path, m_options.sysroot));
  // Programs without PT_GNU_STACK run with READ_IMPLIES_EXEC, as on Linux.
  m_read_implies_exec = !prog.main.has_gnu_stack;
  TRY(m_space.map_fixed(
      stack_bottom, GuestSpace::kStackSize,
      kProtRead | kProtWrite | (prog.main.exec_stack || m_read_implies_exec ? kProtExec : 0),
      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));

  m_space.brk_start = m_space.brk_cur = uint32_t(page_up(prog.main.end));

  m_argv = argv;
  StackImage img;
  img.argv = argv;
  img.envp = envp;
  img.execfn = path;
  img.hwcap = x86::cpuid_leaf(1, 0).edx;
  img.uid = getuid();
  img.euid = geteuid();
  img.gid = getgid();
  img.egid = getegid();
  std::random_device rd;
  for (auto& b : img.random) b = uint8_t(rd());
  const uint32_t sp = TRY(build_initial_stack(m_space, GuestSpace::kStackTop, img, prog));

  s.gpr[x86::kEsp] = sp;
  s.eip = prog.entry;
  // The i386 ELF ABI: EDX holds a function for atexit (0: none); the
  // kernel zeroes the other registers.
  for (auto& r : s.gpr)
    if (&r != &s.gpr[x86::kEsp]) r = 0;
  x86::write_eflags(s, x86::kIF);
  return Ok{};
}

void Process::handle_syscall() {
  auto& s = state();
  const uint32_t nr = s.gpr[x86::kEax];
  const SyscallArgs args{{s.gpr[x86::kEbx], s.gpr[x86::kEcx], s.gpr[x86::kEdx], s.gpr[x86::kEsi],
                          s.gpr[x86::kEdi], s.gpr[x86::kEbp]}};
  const SyscallInfo* info = find_syscall(nr);
  uint32_t result;
  if (!info) {
    if (log(LogItem::Unimp) || log(LogItem::Strace))
      fprintf(stderr, "dynemu-i386: unimplemented system call %u (%x, %x, %x, %x, %x, %x)\n", nr,
              args[0], args[1], args[2], args[3], args[4], args[5]);
    result = err(ENOSYS);
  } else {
    if (log(LogItem::Strace))
      fprintf(stderr, "%d %s(0x%x, 0x%x, 0x%x, 0x%x, 0x%x, 0x%x)", getpid(),
              std::string(info->name).c_str(), args[0], args[1], args[2], args[3], args[4],
              args[5]);
    auto call = [&](bool may_release) {
      if (may_release && m_multithreaded && may_block(nr)) {
        GuestThread& t = current();
        unlock(t);
        result = info->handler(*this, args);
        lock(t);
      } else {
        result = info->handler(*this, args);
      }
    };
    call(true);
    // The host kernel wrote into a page write-protected because it holds
    // code (read(2) into a buffer next to code): it returns EFAULT where a
    // CPU store would fault. Unprotect every such page and try again (the
    // kernel does nothing before it fails to copy the data out). Without
    // releasing the lock this time: another thread could translate code
    // from that page and protect it again meanwhile. (The data that made
    // the kernel copy out is still there, so the call does not block.)
    if (result == err(EFAULT) && m_space.locked_pages()) {
      m_space.unlock_all([this](uint32_t page_addr) { invalidate(page_addr, GuestSpace::kPage); });
      call(false);
    }
    if (log(LogItem::Strace)) {
      if (is_error(result))
        fprintf(stderr, " = -%u (%s)\n", -result, strerror(int(-result)));
      else
        fprintf(stderr, " = 0x%x\n", result);
    }
  }
  // sigreturn restored the whole context, EAX included.
  if (info && (info->handler == sys_rt_sigreturn || info->handler == sys_sigreturn)) {
    s.gpr[x86::kEax] = result;
    return;
  }
  bool restart = false;
  if (result == err(EINTR) && !never_restarted(nr) && m_signals->interrupted(restart) && restart) {
    // SA_RESTART: run INT 0x80 again once the handler returns.
    s.eip -= 2;
    s.gpr[x86::kEax] = nr;
    return;
  }
  s.gpr[x86::kEax] = result;
}

void Process::thread_loop(GuestThread& t) {
  while (!t.exited) {
    const exec::CpuExit e = t.cpu->run();
    switch (e.kind) {
      case exec::ExitKind::Syscall: handle_syscall(); break;
      case exec::ExitKind::Exception: m_signals->raise_exception(e); break;
      case exec::ExitKind::Halt: {
        // HLT at CPL 3 is a #GP.
        exec::CpuExit gp = e;
        gp.kind = exec::ExitKind::Exception;
        gp.vector = 13;
        m_signals->raise_exception(gp);
        break;
      }
      case exec::ExitKind::Request:
      case exec::ExitKind::Shutdown: break;  // system mode only (triple fault)
    }
    if (t.exited) break;
    m_signals->deliver_pending();
    if (m_multithreaded && m_lock.contended()) {
      // Let the waiting threads run (the ticket lock queues us behind them).
      unlock(t);
      lock(t);
    }
  }
}

int Process::run() {
  GuestThread& t = current();
  thread_loop(t);
  if (m_multithreaded) {
    if (!m_exited) {
      // The main thread ended first: the process lives on until the last
      // thread ends (which exits the process itself).
      unlock(t);
      for (;;) pause();
    }
  }
  return m_exit_status;
}

void Process::exit(int status) {
  m_exited = true;
  m_exit_status = status;
  current().exited = true;
  // Other threads are running host code: end the process here.
  if (m_multithreaded) _exit(status);
}

void Process::exit_thread(int status) {
  GuestThread& t = current();
  const bool last = std::count_if(m_threads.begin(), m_threads.end(),
                                  [](const auto& o) { return !o->exited; }) == 1;
  if (!m_multithreaded || last) {
    exit(status);
    return;
  }
  t.exited = true;
  if (t.clear_child_tid && m_space.writable(t.clear_child_tid, 4)) {
    // As the kernel does for a dying thread: zero the tid and wake joiners.
    const uint32_t zero = 0;
    m_space.write_obj(t.clear_child_tid, zero);
    syscall(SYS_futex, m_space.host(t.clear_child_tid), FUTEX_WAKE, 1, nullptr, nullptr, 0);
  }
}

int Process::start_thread(uint32_t stack, const abi::UserDesc* tls, uint32_t child_cleartid) {
  GuestThread& parent = current();
  if (!m_multithreaded) {
    m_multithreaded = true;
    lock(parent);
  }
  auto child = std::make_unique<GuestThread>();
  child->cpu = make_cpu();
  child->cpu->state() = parent.cpu->state();
  x86::CpuState& cs = child->cpu->state();
  cs.gpr[x86::kEax] = 0;
  if (stack) cs.gpr[x86::kEsp] = stack;
  child->clear_child_tid = child_cleartid;
  m_descriptors.save_tls(parent.tls);
  memcpy(child->tls, parent.tls, sizeof child->tls);
  if (tls) {
    // set_thread_area for the child: its own TLS slot, its own %gs base.
    abi::UserDesc d = *tls;
    m_descriptors.save_tls(parent.tls);
    if (int e = m_descriptors.set_thread_area(cs, d); e) return e;
    m_descriptors.save_tls(child->tls);
    m_descriptors.load_tls(parent.tls);
  }
  GuestThread* raw = child.get();
  m_threads.push_back(std::move(child));
  std::atomic<int> tid{0};
  std::thread([this, raw, &tid] {
    t_current = raw;
    raw->tid = gettid();
    tid.store(raw->tid);
    tid.notify_one();
    lock(*raw);
    thread_loop(*raw);
    unlock(*raw);
  }).detach();
  tid.wait(0);
  return tid.load();
}

void Process::after_fork() {
  GuestThread* self = t_current;
  self->tid = gettid();
  if (!m_multithreaded) return;
  // The other threads do not exist in the child.
  std::vector<std::unique_ptr<GuestThread>> keep;
  for (auto& t : m_threads) {
    if (t.get() == self)
      keep.push_back(std::move(t));
    else
      (void)t.release();  // their host threads are gone; leave their objects be
  }
  m_threads = std::move(keep);
  m_lock.reset_after_fork(self->cpu.get());
}

}  // namespace dynemu::user
