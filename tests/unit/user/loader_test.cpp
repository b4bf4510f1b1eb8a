#include <elf.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <map>

#include "emulator/user/elf_loader.h"
#include "emulator/user/initial_stack.h"

namespace dynemu::user {
namespace {

const std::string kDir = USER_TEST_GUEST_DIR;

class LoaderTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(space.reserve().ok()); }
  GuestSpace space;
};

TEST_F(LoaderTest, StaticProgram) {
  auto r = load_program(space, kDir + "/hello-static", "/");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const LoadedProgram& p = r.value();
  EXPECT_FALSE(p.has_interp);
  EXPECT_EQ(p.main.bias, 0u);
  EXPECT_EQ(p.entry, p.main.entry);
  EXPECT_GE(p.main.entry, 0x08048000u);
  // AT_PHDR points at the program headers, readable in guest memory.
  Elf32_Phdr first;
  ASSERT_TRUE(space.read_obj(p.main.phdr, first));
  EXPECT_GT(p.main.phnum, 2u);
  // The ELF header is mapped at the first segment and says "ELF".
  EXPECT_EQ(memcmp(space.host(0x08048000), ELFMAG, SELFMAG), 0);
  EXPECT_FALSE(p.main.exec_stack);
  // The bss is zero and writable up to the image end.
  EXPECT_TRUE(space.writable(p.main.end - 4, 4));
}

TEST_F(LoaderTest, DynamicProgramLoadsItsInterpreter) {
  if (access("/lib/ld-linux.so.2", R_OK) != 0) GTEST_SKIP() << "no i386 loader on this host";
  auto r = load_program(space, kDir + "/hello-dynamic", "/");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const LoadedProgram& p = r.value();
  EXPECT_EQ(p.main.interp, "/lib/ld-linux.so.2");
  ASSERT_TRUE(p.has_interp);
  EXPECT_EQ(p.entry, p.interp.entry);
  EXPECT_NE(p.interp.bias, 0u);  // ET_DYN placed by the allocator
  EXPECT_LT(p.interp.bias, GuestSpace::kMmapTop);
  EXPECT_EQ(p.interp.bias % GuestSpace::kPage, 0u);
  EXPECT_EQ(memcmp(space.host(p.interp.bias), ELFMAG, SELFMAG), 0);
}

TEST_F(LoaderTest, PieProgramGoesToThePieBase) {
  if (access("/lib/ld-linux.so.2", R_OK) != 0) GTEST_SKIP() << "no i386 loader on this host";
  auto r = load_program(space, kDir + "/hello-pie", "/");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value().main.bias, kPieBase);
  EXPECT_EQ(memcmp(space.host(kPieBase), ELFMAG, SELFMAG), 0);
}

TEST_F(LoaderTest, RejectsWhatIsNotAnI386Program) {
  auto r = load_program(space, "/proc/self/exe", "/");  // this x86-64 test binary
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("Exec format error"), std::string::npos);
  EXPECT_FALSE(is_elf32_i386("/proc/self/exe"));
  EXPECT_TRUE(is_elf32_i386(kDir + "/hello-static"));
  auto missing = load_program(space, kDir + "/no-such-file", "/");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("No such file"), std::string::npos);
}

TEST_F(LoaderTest, InitialStackLayout) {
  auto r = load_program(space, kDir + "/hello-static", "/");
  ASSERT_TRUE(r.ok());
  constexpr uint32_t kTop = 0xbf000000;
  ASSERT_TRUE(space
                  .map_fixed(kTop - 0x100000, 0x100000, kProtRead | kProtWrite,
                             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                  .ok());
  StackImage img;
  img.argv = {"prog", "a b", ""};
  img.envp = {"X=1", "PATH=/bin"};
  img.execfn = "/path/to/prog";
  img.hwcap = 0x8119;
  for (int i = 0; i < 16; ++i) img.random[i] = uint8_t(i * 7);
  auto sp_r = build_initial_stack(space, kTop, img, r.value());
  ASSERT_TRUE(sp_r.ok());
  const uint32_t sp = sp_r.value();
  EXPECT_EQ(sp % 16, 0u);

  auto word = [&](uint32_t a) {
    uint32_t v = 0;
    EXPECT_TRUE(space.read_obj(a, v));
    return v;
  };
  auto str = [&](uint32_t a) {
    std::string s;
    EXPECT_TRUE(space.read_string(a, s));
    return s;
  };
  uint32_t at = sp;
  ASSERT_EQ(word(at), 3u);
  at += 4;
  for (const auto& a : img.argv) EXPECT_EQ(str(word((at += 4) - 4)), a);
  EXPECT_EQ(word(at), 0u);
  at += 4;
  for (const auto& e : img.envp) EXPECT_EQ(str(word((at += 4) - 4)), e);
  EXPECT_EQ(word(at), 0u);
  at += 4;
  std::map<uint32_t, uint32_t> aux;
  for (;;) {
    const uint32_t type = word(at), value = word(at + 4);
    at += 8;
    if (type == kAtNull) break;
    EXPECT_EQ(aux.count(type), 0u) << "duplicate auxv entry " << type;
    aux[type] = value;
  }
  EXPECT_EQ(aux[kAtPagesz], 4096u);
  EXPECT_EQ(aux[kAtPhdr], r.value().main.phdr);
  EXPECT_EQ(aux[kAtPhent], sizeof(Elf32_Phdr));
  EXPECT_EQ(aux[kAtPhnum], r.value().main.phnum);
  EXPECT_EQ(aux[kAtEntry], r.value().main.entry);
  EXPECT_EQ(aux[kAtBase], 0u);
  EXPECT_EQ(aux[kAtHwcap], 0x8119u);
  EXPECT_EQ(aux[kAtClktck], 100u);
  EXPECT_EQ(str(aux[kAtPlatform]), "i686");
  EXPECT_EQ(str(aux[kAtExecfn]), "/path/to/prog");
  EXPECT_EQ(aux.count(32), 0u);  // no AT_SYSINFO: int $0x80 system calls
  EXPECT_EQ(aux.count(33), 0u);  // no vDSO
  uint8_t random[16];
  ASSERT_TRUE(space.read(aux[kAtRandom], random, 16));
  EXPECT_EQ(memcmp(random, img.random.data(), 16), 0);
  // Everything lies below the top, above the tables.
  EXPECT_LT(aux[kAtExecfn], kTop);
  EXPECT_GT(aux[kAtRandom], at);
}

}  // namespace
}  // namespace dynemu::user
