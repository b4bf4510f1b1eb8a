#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "emulator/user/syscall.h"

namespace dynemu::user {
namespace {

TEST(SyscallTable, LooksUpByNumberAndName) {
  ASSERT_NE(find_syscall(4u), nullptr);
  EXPECT_EQ(find_syscall(4u)->name, "write");
  ASSERT_NE(find_syscall("mmap2"), nullptr);
  EXPECT_EQ(find_syscall("mmap2")->number, 192u);
  EXPECT_EQ(find_syscall(100000u), nullptr);
  EXPECT_EQ(find_syscall("no_such_call"), nullptr);
  EXPECT_EQ(find_syscall(1u)->handler, find_syscall("exit")->handler);
}

// Every row's number is the one asm/unistd_32.h gives its name.
TEST(SyscallTable, NumbersMatchTheI386Header) {
  std::ifstream in(USER_TEST_UNISTD32);
  if (!in) GTEST_SKIP() << "no " << USER_TEST_UNISTD32;
  std::map<std::string, uint32_t> numbers;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream s(line);
    std::string define, name;
    uint32_t nr;
    if (s >> define >> name >> nr && define == "#define" && name.rfind("__NR_", 0) == 0)
      numbers[name.substr(5)] = nr;
  }
  ASSERT_GT(numbers.size(), 300u);
  int rows = 0;
  for (uint32_t nr = 0; nr < 512; ++nr) {
    const SyscallInfo* info = find_syscall(nr);
    if (!info) continue;
    ++rows;
    const std::string name(info->name);
    ASSERT_TRUE(numbers.count(name)) << name;
    EXPECT_EQ(numbers[name], nr) << name;
  }
  EXPECT_GT(rows, 150);
}

}  // namespace
}  // namespace dynemu::user
