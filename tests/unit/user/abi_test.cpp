#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cstdio>
#include <map>
#include <string>

#include "emulator/user/abi_convert.h"
#include "emulator/user/i386_abi.h"
#include "emulator/user/signals.h"

namespace dynemu::user {
namespace {

// Runs the i386 layout probe natively (this host runs i386 code) and reads
// its "name value" lines.
std::map<std::string, unsigned> kernel_layout() {
  std::map<std::string, unsigned> out;
  FILE* f = popen(USER_TEST_GUEST_DIR "/abi_layout", "r");
  if (!f) return out;
  char name[128];
  unsigned v;
  while (fscanf(f, "%127s %u", name, &v) == 2) out[name] = v;
  pclose(f);
  return out;
}

TEST(AbiLayout, MatchesTheKernelsI386Structures) {
  auto k = kernel_layout();
  if (k.empty()) GTEST_SKIP() << "cannot run i386 programs natively here";
  EXPECT_EQ(k["stat64"], sizeof(abi::Stat64));
  EXPECT_EQ(k["stat64.st_size"], offsetof(abi::Stat64, st_size));
  EXPECT_EQ(k["stat64.st_blocks"], offsetof(abi::Stat64, st_blocks));
  EXPECT_EQ(k["stat64.st_ino"], offsetof(abi::Stat64, st_ino));
  EXPECT_EQ(k["stat64.st_mtime_nsec"], offsetof(abi::Stat64, st_mtime_nsec));
  EXPECT_EQ(k["stat"], sizeof(abi::OldStat));
  EXPECT_EQ(k["stat.st_size"], offsetof(abi::OldStat, st_size));
  EXPECT_EQ(k["sigcontext"], sizeof(abi::Sigcontext32));
  EXPECT_EQ(k["sigcontext.eip"], offsetof(abi::Sigcontext32, eip));
  EXPECT_EQ(k["sigcontext.eflags"], offsetof(abi::Sigcontext32, eflags));
  EXPECT_EQ(k["sigcontext.fpstate"], offsetof(abi::Sigcontext32, fpstate));
  EXPECT_EQ(k["sigcontext.cr2"], offsetof(abi::Sigcontext32, cr2));
  EXPECT_EQ(k["ucontext.uc_mcontext"], offsetof(abi::Ucontext32, uc_mcontext));
  EXPECT_EQ(k["ucontext.uc_sigmask"], offsetof(abi::Ucontext32, uc_sigmask));
  EXPECT_EQ(k["user_desc"], sizeof(abi::UserDesc));
  EXPECT_EQ(k["siginfo"], sizeof(abi::Siginfo32));
  EXPECT_EQ(k["siginfo.si_addr"], offsetof(abi::Siginfo32, fault.addr));
  EXPECT_EQ(k["siginfo.si_pid"], offsetof(abi::Siginfo32, kill.pid));
  EXPECT_EQ(k["siginfo.si_status"], offsetof(abi::Siginfo32, chld.status));
  EXPECT_EQ(k["stack_t"], sizeof(abi::Stack32));
  // The frame this host's kernel built for the probe's handler.
  EXPECT_EQ(k["rt_sigframe.info"], offsetof(abi::RtSigframe32, info));
  EXPECT_EQ(k["rt_sigframe.uc"], offsetof(abi::RtSigframe32, uc));
  EXPECT_EQ(k["rt_sigframe.align"], 0u);
}

TEST(AbiLayout, FramePlacementAlignsLikeLinux) {
  for (uint32_t sp : {0xbffff000u, 0xbfffeffcu, 0xbfffef13u}) {
    for (bool rt : {true, false}) {
      const auto place = Signals::place_frame(sp, rt);
      EXPECT_EQ((place.frame + 4) % 16, 0u);
      EXPECT_EQ(place.fpstate % 64, 0u);
      EXPECT_LE(place.fpstate + sizeof(abi::Fpstate32), sp);
      EXPECT_LE(place.frame + (rt ? sizeof(abi::RtSigframe32) : sizeof(abi::Sigframe32)),
                place.fpstate);
    }
  }
}

TEST(AbiConvert, Stat64CarriesEveryField) {
  struct stat st {};
  st.st_dev = makedev(259, 3);
  st.st_ino = 0x1'2345'6789ull;
  st.st_mode = 0100644;
  st.st_nlink = 3;
  st.st_uid = 1000;
  st.st_gid = 100;
  st.st_rdev = makedev(4, 64);
  st.st_size = 0x1'0000'0010ll;
  st.st_blksize = 4096;
  st.st_blocks = 0x800001;
  st.st_atim = {1700000000, 1};
  st.st_mtim = {1700000001, 2};
  st.st_ctim = {1700000002, 3};
  const abi::Stat64 g = to_stat64(st);
  EXPECT_EQ(g.st_dev, st.st_dev);
  EXPECT_EQ(g.st_ino, st.st_ino);
  EXPECT_EQ(g.st_ino_low, 0x23456789u);
  EXPECT_EQ(g.st_mode, 0100644u);
  EXPECT_EQ(g.st_nlink, 3u);
  EXPECT_EQ(g.st_uid, 1000u);
  EXPECT_EQ(g.st_gid, 100u);
  EXPECT_EQ(g.st_rdev, st.st_rdev);
  EXPECT_EQ(g.st_size, st.st_size);
  EXPECT_EQ(g.st_blocks, 0x800001u);
  EXPECT_EQ(g.st_atime_sec, 1700000000u);
  EXPECT_EQ(g.st_mtime_nsec, 2u);
  EXPECT_EQ(g.st_ctime_sec, 1700000002u);
  abi::OldStat old;
  EXPECT_EQ(to_old_stat(st, old), -EOVERFLOW);  // inode and size too big
  st.st_ino = 77;
  st.st_size = 1234;
  ASSERT_EQ(to_old_stat(st, old), 0);
  EXPECT_EQ(old.st_ino, 77u);
  EXPECT_EQ(old.st_size, 1234u);
  EXPECT_EQ(old.st_mode, 0100644);
}

}  // namespace
}  // namespace dynemu::user
