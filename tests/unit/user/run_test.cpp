// dynemu-i386 end to end on the small guests: output, exit status, death by
// signal, and the command-line errors.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace {

struct RunResult {
  std::string out;
  int status = -1;
};

RunResult run(const std::string& args) {
  RunResult r;
  const std::string cmd = std::string(USER_TEST_EMULATOR) + " " + args + " 2>&1";
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) r.out.append(buf, n);
  r.status = pclose(f);
  return r;
}

const std::string kDir = USER_TEST_GUEST_DIR;

TEST(DynemuI386, RunsAStaticProgram) {
  const RunResult r = run(kDir + "/hello-static a b");
  EXPECT_EQ(r.out, "hello from " + kDir + "/hello-static (3 args)\n");
  ASSERT_TRUE(WIFEXITED(r.status));
  EXPECT_EQ(WEXITSTATUS(r.status), 0);
}

TEST(DynemuI386, RunsDynamicAndPiePrograms) {
  if (access("/lib/ld-linux.so.2", R_OK) != 0) GTEST_SKIP() << "no i386 loader on this host";
  RunResult r = run("-L / " + kDir + "/hello-dynamic");
  EXPECT_EQ(r.out, "hello from " + kDir + "/hello-dynamic (1 args)\n");
  r = run("-0 renamed " + kDir + "/hello-pie");
  EXPECT_EQ(r.out, "hello from renamed (1 args)\n");
}

TEST(DynemuI386, GuestDeathBySignalIsTheEmulatorsToo) {
  for (const auto& [arg, sig] : {std::pair{"segv", SIGSEGV}, {"abort", SIGABRT}, {"fpe", SIGFPE}}) {
    // Not through popen's shell: the emulator's own wait status counts.
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      execl(USER_TEST_EMULATOR, USER_TEST_EMULATOR, (kDir + "/crash").c_str(), arg, nullptr);
      _exit(127);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << arg << " status " << status;
    EXPECT_EQ(WTERMSIG(status), sig) << arg;
  }
}

TEST(DynemuI386, CommandLineErrors) {
  RunResult r = run("-accel warp " + kDir + "/hello-static");
  EXPECT_EQ(WEXITSTATUS(r.status), 2);
  EXPECT_NE(r.out.find("unknown accelerator 'warp'"), std::string::npos);
  r = run(kDir + "/no-such-program");
  EXPECT_EQ(WEXITSTATUS(r.status), 2);
  EXPECT_NE(r.out.find("Error while loading"), std::string::npos);
  r = run("/proc/self/exe");  // an x86-64 program
  EXPECT_EQ(WEXITSTATUS(r.status), 2);
  EXPECT_NE(r.out.find("Exec format error"), std::string::npos);
  r = run("-d nonsense " + kDir + "/hello-static");
  EXPECT_EQ(WEXITSTATUS(r.status), 2);
  r = run("-h");
  EXPECT_EQ(WEXITSTATUS(r.status), 0);
  EXPECT_NE(r.out.find("usage: dynemu-i386"), std::string::npos);
}

}  // namespace
