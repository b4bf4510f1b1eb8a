// The personality around a loaded program, without running guest code:
// system-call handlers on guest memory and signal frames.
#include "emulator/user/process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

#include "emulator/user/abi_convert.h"
#include "emulator/user/syscall.h"
#include "emulator/x86/lazy_flags.h"

namespace dynemu::user {
namespace {

class ProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = process.load(USER_TEST_GUEST_DIR "/hello-static", {"hello", "x"}, {"A=b"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    scratch = process.space().find_free(0x4000);
    ASSERT_TRUE(
        process.space()
            .map_fixed(scratch, 0x4000, kProtRead | kProtWrite, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            .ok());
  }
  uint32_t call(const char* name, SyscallArgs a) {
    const SyscallInfo* info = find_syscall(name);
    EXPECT_NE(info, nullptr) << name;
    return info ? info->handler(process, a) : 0;
  }
  uint32_t put_string(uint32_t at, const std::string& s) {
    EXPECT_TRUE(process.space().write(at, s.c_str(), s.size() + 1));
    return at;
  }

  Options options;
  Process process{options};
  uint32_t scratch = 0;
};

TEST_F(ProcessTest, StartsAtTheEntryWithAnAlignedStack) {
  const auto& s = process.state();
  EXPECT_EQ(s.gpr[x86::kEsp] % 16, 0u);
  uint32_t argc = 0;
  ASSERT_TRUE(process.space().read_obj(s.gpr[x86::kEsp], argc));
  EXPECT_EQ(argc, 2u);
  EXPECT_EQ(s.seg[x86::kCs].selector, 0x23);
  EXPECT_EQ(s.gpr[x86::kEdx], 0u);
  EXPECT_EQ(x86::read_eflags(s) & x86::kIF, x86::kIF);
}

TEST_F(ProcessTest, Fstat64WritesTheI386Layout) {
  const std::string path = ::testing::TempDir() + "/user_test_stat";
  {
    FILE* f = fopen(path.c_str(), "w");
    fputs("twelve bytes", f);
    fclose(f);
  }
  const uint32_t fd = call("open", {{put_string(scratch, path), O_RDONLY, 0}});
  ASSERT_FALSE(is_error(fd));
  ASSERT_EQ(call("fstat64", {{fd, scratch + 0x100}}), 0u);
  abi::Stat64 g;
  ASSERT_TRUE(process.space().read_obj(scratch + 0x100, g));
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  const abi::Stat64 want = to_stat64(st);
  EXPECT_EQ(memcmp(&g, &want, sizeof g), 0);
  EXPECT_EQ(g.st_size, 12);
  // A bad guest pointer is -EFAULT, not a crash.
  EXPECT_EQ(call("fstat64", {{fd, 0x1000}}), err(EFAULT));
  EXPECT_EQ(call("fstat64", {{fd, 0xfffffff0}}), err(EFAULT));
  EXPECT_EQ(call("read", {{fd, 0xfffff000, 0x100000}}), err(EFAULT));
  EXPECT_EQ(call("close", {{fd}}), 0u);
  unlink(path.c_str());
}

TEST_F(ProcessTest, TermiosIoctlsUseTheKernelLayout) {
  int master, slave;
  ASSERT_EQ(openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  ASSERT_EQ(call("ioctl", {{uint32_t(slave), TCGETS, scratch}}), 0u);
  abi::Termios g;
  ASSERT_TRUE(process.space().read_obj(scratch, g));
  struct termios t;
  ASSERT_EQ(tcgetattr(slave, &t), 0);
  EXPECT_EQ(g.c_iflag, t.c_iflag);
  EXPECT_EQ(g.c_lflag, t.c_lflag);
  EXPECT_EQ(g.c_cc[VINTR], t.c_cc[VINTR]);
  g.c_lflag &= ~uint32_t(ECHO);
  g.c_cc[VMIN] = 7;
  ASSERT_TRUE(process.space().write_obj(scratch, g));
  ASSERT_EQ(call("ioctl", {{uint32_t(slave), TCSETS, scratch}}), 0u);
  ASSERT_EQ(tcgetattr(slave, &t), 0);
  EXPECT_FALSE(t.c_lflag & ECHO);
  EXPECT_EQ(t.c_cc[VMIN], 7);
  struct winsize ws {
    24, 80, 0, 0
  };
  ioctl(master, TIOCSWINSZ, &ws);
  ASSERT_EQ(call("ioctl", {{uint32_t(slave), TIOCGWINSZ, scratch}}), 0u);
  abi::Winsize w;
  ASSERT_TRUE(process.space().read_obj(scratch, w));
  EXPECT_EQ(w.ws_row, 24);
  EXPECT_EQ(w.ws_col, 80);
  EXPECT_EQ(call("ioctl", {{uint32_t(slave), TCGETS, 0x1000}}), err(EFAULT));
  close(master);
  close(slave);
}

TEST_F(ProcessTest, MmapBrkAndMunmap) {
  const uint32_t a = call(
      "mmap2", {{0, 0x3000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, uint32_t(-1), 0}});
  ASSERT_FALSE(is_error(a));
  EXPECT_LT(a, GuestSpace::kMmapTop);
  EXPECT_TRUE(process.space().writable(a, 0x3000));
  EXPECT_EQ(call("munmap", {{a, 0x3000}}), 0u);
  EXPECT_FALSE(process.space().readable(a, 1));
  EXPECT_EQ(call("munmap", {{a + 1, 0x1000}}), err(EINVAL));
  const uint32_t brk0 = call("brk", {{0}});
  EXPECT_EQ(call("brk", {{brk0 + 0x10000}}), brk0 + 0x10000);
  EXPECT_TRUE(process.space().writable(brk0, 0x10000));
  EXPECT_EQ(call("brk", {{brk0}}), brk0);
}

TEST_F(ProcessTest, UnameSaysI686) {
  ASSERT_EQ(call("uname", {{scratch}}), 0u);
  std::string machine;
  ASSERT_TRUE(process.space().read_string(scratch + 4 * 65, machine));
  EXPECT_EQ(machine, "i686");
}

TEST_F(ProcessTest, RtSignalFrameRoundTrip) {
  auto& s = process.state();
  constexpr uint32_t kHandler = 0x08049000, kRestorer = 0x0804a000;
  abi::Sigaction32 act{kHandler, kSaSiginfo | kSaRestorer, kRestorer, sig_bit(SIGUSR2)}, old;
  ASSERT_EQ(process.signals().sigaction(SIGSEGV, &act, &old), 0);
  s.gpr[x86::kEax] = 0x11111111;
  s.gpr[x86::kEbx] = 0x22222222;
  s.gpr[x86::kEbp] = 0x33333333;
  s.eip = 0x08048123;
  x86::write_eflags(s, x86::kIF | x86::kCF | x86::kZF | x86::kDF);
  const uint32_t esp = s.gpr[x86::kEsp];
  exec::CpuExit pf{exec::ExitKind::Exception, 14, 6, 0x00001234};
  process.signals().raise_exception(pf);

  // Handler entry: EIP, arguments in registers and on the stack.
  EXPECT_EQ(s.eip, kHandler);
  EXPECT_EQ(s.gpr[x86::kEax], uint32_t(SIGSEGV));
  const uint32_t frame = s.gpr[x86::kEsp];
  EXPECT_EQ((frame + 4) % 16, 0u);
  EXPECT_LT(frame, esp);
  abi::RtSigframe32 f;
  ASSERT_TRUE(process.space().read_obj(frame, f));
  EXPECT_EQ(f.pretcode, kRestorer);
  EXPECT_EQ(f.sig, SIGSEGV);
  EXPECT_EQ(f.pinfo, frame + 16);
  EXPECT_EQ(f.puc, frame + 144);
  EXPECT_EQ(s.gpr[x86::kEdx], f.pinfo);
  EXPECT_EQ(s.gpr[x86::kEcx], f.puc);
  EXPECT_EQ(f.info.si_signo, SIGSEGV);
  EXPECT_EQ(f.info.si_code, SEGV_MAPERR);
  EXPECT_EQ(f.info.fault.addr, 0x1234u);
  const abi::Sigcontext32& sc = f.uc.uc_mcontext;
  EXPECT_EQ(sc.eip, 0x08048123u);
  EXPECT_EQ(sc.eax, 0x11111111u);
  EXPECT_EQ(sc.ebp, 0x33333333u);
  EXPECT_EQ(sc.esp, esp);
  EXPECT_EQ(sc.trapno, 14u);
  EXPECT_EQ(sc.err, 6u | 4u);  // user-mode bit, as Linux reports
  EXPECT_EQ(sc.cr2, 0x1234u);
  EXPECT_EQ(sc.cs, 0x23);
  EXPECT_EQ(sc.eflags & (x86::kCF | x86::kZF | x86::kDF), x86::kCF | x86::kZF | x86::kDF);
  EXPECT_NE(sc.fpstate, 0u);
  abi::Fpstate32 fp;
  ASSERT_TRUE(process.space().read_obj(sc.fpstate, fp));
  EXPECT_EQ(fp.magic, abi::kFpstateMagicFsave);
  // DF is clear in the handler; SIGSEGV and sa_mask are blocked.
  EXPECT_EQ(x86::read_eflags(s) & x86::kDF, 0u);
  EXPECT_TRUE(process.signals().blocked() & sig_bit(SIGSEGV));
  EXPECT_TRUE(process.signals().blocked() & sig_bit(SIGUSR2));

  // The handler returns through the restorer: RET popped pretcode.
  s.gpr[x86::kEax] = 0;
  s.gpr[x86::kEsp] = frame + 4;
  EXPECT_EQ(process.signals().sigreturn(true), 0x11111111u);
  EXPECT_EQ(s.eip, 0x08048123u);
  EXPECT_EQ(s.gpr[x86::kEsp], esp);
  EXPECT_EQ(s.gpr[x86::kEbx], 0x22222222u);
  EXPECT_EQ(x86::read_eflags(s) & (x86::kCF | x86::kZF | x86::kDF), x86::kCF | x86::kZF | x86::kDF);
  EXPECT_EQ(process.signals().blocked(), 0u);
}

TEST_F(ProcessTest, OldStyleFrameUsesTheTrampoline) {
  auto& s = process.state();
  abi::Sigaction32 act{0x08049000, 0, 0, 0}, old;
  ASSERT_EQ(process.signals().sigaction(SIGILL, &act, &old), 0);
  s.eip = 0x08048200;
  const uint32_t esp = s.gpr[x86::kEsp];
  process.signals().raise_exception({exec::ExitKind::Exception, 6, 0, 0});
  const uint32_t frame = s.gpr[x86::kEsp];
  abi::Sigframe32 f;
  ASSERT_TRUE(process.space().read_obj(frame, f));
  EXPECT_EQ(f.pretcode, Signals::kTrampolineAddr + 8);
  EXPECT_EQ(f.sig, SIGILL);
  EXPECT_EQ(f.sc.trapno, 6u);
  // The trampoline: pop %eax; mov $119,%eax; int $0x80.
  uint8_t code[8];
  ASSERT_TRUE(process.space().read(f.pretcode, code, 8));
  const uint8_t expect[8] = {0x58, 0xb8, 119, 0, 0, 0, 0xcd, 0x80};
  EXPECT_EQ(memcmp(code, expect, 8), 0);
  s.gpr[x86::kEsp] = frame + 8;  // after RET and pop %eax
  process.signals().sigreturn(false);
  EXPECT_EQ(s.eip, 0x08048200u);
  EXPECT_EQ(s.gpr[x86::kEsp], esp);
}

}  // namespace
}  // namespace dynemu::user
