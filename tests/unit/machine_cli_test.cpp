// dynemu-system-i386 as a process: one-line errors with exit status 2 for
// files that cannot be used, -help, and a machine that runs and exits
// through isa-debug-exit.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

namespace {

struct Outcome {
  int status = -1;
  std::string out;  // stdout and stderr
};

Outcome run(const std::string& args) {
  Outcome r;
  const std::string cmd = std::string(DYNEMU_SYSTEM_I386) + " " + args + " 2>&1 </dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

size_t lines(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

class TempDir {
 public:
  TempDir() {
    char t[] = "/tmp/machine_cli_XXXXXX";
    m_path = mkdtemp(t);
  }
  ~TempDir() { std::system(("rm -rf " + m_path).c_str()); }
  std::string file(const std::string& name, const std::string& bytes) const {
    const std::string p = m_path + "/" + name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  const std::string& path() const { return m_path; }

 private:
  std::string m_path;
};

TEST(MachineCli, MissingFilesAreOneLineAndExit2) {
  for (const char* flag : {"-hda", "-hdb", "-cdrom", "-kernel", "-bios"}) {
    const Outcome r = run(std::string(flag) + " /nonexistent/file.img -display none");
    EXPECT_EQ(r.status, 2) << flag << ": " << r.out;
    EXPECT_EQ(lines(r.out), 1u) << r.out;
    EXPECT_EQ(r.out, "dynemu-system-i386: " + std::string(flag) +
                         " /nonexistent/file.img: No such file or directory\n");
  }
  TempDir dir;
  const std::string kernel = dir.file("vmlinuz", std::string(4096, 'x'));
  const Outcome initrd = run("-kernel " + kernel + " -initrd /nonexistent/initrd");
  EXPECT_EQ(initrd.status, 2);
  EXPECT_EQ(lines(initrd.out), 1u) << initrd.out;
}

TEST(MachineCli, UnusableFilesAreOneLineAndExit2) {
  TempDir dir;
  // Not a bzImage.
  const Outcome kernel = run("-kernel " + dir.file("junk", std::string(8192, 'x')));
  EXPECT_EQ(kernel.status, 2);
  EXPECT_EQ(lines(kernel.out), 1u) << kernel.out;
  EXPECT_EQ(kernel.out.rfind("dynemu-system-i386: -kernel " + dir.path() + "/junk: not a Linux", 0),
            0u)
      << kernel.out;
  // A folder as a disk, an empty disk image, a BIOS of the wrong size.
  for (const std::string& args : {"-hda " + dir.path(), "-hda " + dir.file("empty.img", ""),
                                  "-bios " + dir.file("bios.bin", std::string(1000, '\0'))}) {
    const Outcome r = run(args);
    EXPECT_EQ(r.status, 2) << args << ": " << r.out;
    EXPECT_EQ(lines(r.out), 1u) << r.out;
  }
}

TEST(MachineCli, Help) {
  const Outcome r = run("-help");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("-kernel"), std::string::npos);
  EXPECT_EQ(run("--frobnicate").status, 2);
}

// A 64 KiB firmware that writes "ok" to the debug console and exits through
// isa-debug-exit with status (0x20 << 1) | 1.
TEST(MachineCli, RunsFirmwareToIsaDebugExit) {
  std::string rom(65536, '\xf4');
  const unsigned char code[] = {0xba, 0x02, 0x04, 0xb0, 'o',  0xee, 0xb0, 'k', 0xee,  // debugcon
                                0xba, 0x01, 0x05, 0xb0, 0x20, 0xee,                   // exit
                                0xf4, 0xeb, 0xfd};
  rom.replace(0, sizeof code, reinterpret_cast<const char*>(code), sizeof code);
  const unsigned char reset[] = {0xea, 0x00, 0x00, 0x00, 0xf0};
  rom.replace(0xfff0, sizeof reset, reinterpret_cast<const char*>(reset), sizeof reset);
  TempDir dir;
  const std::string bios = dir.file("bios.bin", rom);
  const Outcome r = run("-bios " + bios + " -display none -debugcon stdio");
  EXPECT_EQ(r.status, 0x41) << r.out;
  EXPECT_NE(r.out.find("ok"), std::string::npos) << r.out;
}

}  // namespace
