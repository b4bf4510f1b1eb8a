#include "emulator/backend/x64/disasm.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace dynemu::backend::x64 {
namespace {

std::string addr(const uint8_t* p, size_t off) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%012llx",
                static_cast<unsigned long long>(reinterpret_cast<uint64_t>(p) + off));
  return buf;
}

TEST(X64Disasm, OneLinePerInstructionWithOffset) {
  // mov rax, rbx; mov dword ptr [rbx+0x10], 0x7; add r9d, r10d; ret
  const uint8_t code[] = {0x48, 0x89, 0xd8, 0xc7, 0x43, 0x10, 0x07,
                          0x00, 0x00, 0x00, 0x45, 0x01, 0xd1, 0xc3};
  const std::string want = "  0x0000  " + addr(code, 0) + ":  mov rax, rbx\n" + "  0x0003  " +
                           addr(code, 3) + ":  mov dword ptr [rbx+0x10], 0x07\n" + "  0x000a  " +
                           addr(code, 10) + ":  add r9d, r10d\n" + "  0x000d  " + addr(code, 13) +
                           ":  ret\n";
  EXPECT_EQ(disassemble_host(code, sizeof code), want);
}

TEST(X64Disasm, UndecodableBytesAndTruncatedTail) {
  // 0x06 (push es) does not exist in 64-bit mode; 0x48 0x89 is cut short.
  const uint8_t code[] = {0x06, 0x90, 0x48, 0x89};
  const std::string want = "  0x0000  " + addr(code, 0) + ":  .byte 0x06\n" + "  0x0001  " +
                           addr(code, 1) + ":  nop\n" + "  0x0002  " + addr(code, 2) +
                           ":  .byte 0x48\n" + "  0x0003  " + addr(code, 3) + ":  .byte 0x89\n";
  EXPECT_EQ(disassemble_host(code, sizeof code), want);
  EXPECT_EQ(disassemble_host(code, 0), "");
}

}  // namespace
}  // namespace dynemu::backend::x64
