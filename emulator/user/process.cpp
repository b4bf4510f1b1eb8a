#include "emulator/user/process.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <random>

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

Process::~Process() = default;

std::string Process::host_path(const std::string& path) const {
  if (path == "/proc/self/exe") return m_exe_path;
  if (path.empty() || path[0] != '/' || m_options.sysroot.empty() || m_options.sysroot == "/")
    return path;
  // The host's own /proc, /dev and /sys are the guest's too.
  for (const char* host_only : {"/proc/", "/dev/", "/sys/"})
    if (path.rfind(host_only, 0) == 0) return path;
  std::string under = m_options.sysroot + path;
  struct stat st;
  if (lstat(under.c_str(), &st) == 0) return under;
  return path;
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

void Process::invalidate(uint32_t addr, uint32_t len) {
  if (len) m_cpu->invalidate_code(addr, len);
}

Result<void> Process::load(const std::string& path, const std::vector<std::string>& argv,
                           const std::vector<std::string>& envp) {
  TRY(m_space.reserve());
  exec::CpuConfig config = cpu_config(m_options, m_space.base());
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
  m_cpu = std::make_unique<exec::Cpu>(config);
  m_signals = std::make_unique<Signals>(*this);

  // /proc/self/exe and AT_EXECFN name the program as an absolute path.
  char resolved[PATH_MAX];
  m_exe_path = realpath(path.c_str(), resolved) ? std::string(resolved) : path;

  auto& s = m_cpu->state();
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
  auto& s = m_cpu->state();
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
    result = info->handler(*this, args);
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

int Process::run() {
  while (!m_exited) {
    const exec::CpuExit e = m_cpu->run();
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
      case exec::ExitKind::Request: break;
    }
    if (!m_exited) m_signals->deliver_pending();
  }
  return m_exit_status;
}

}  // namespace dynemu::user
