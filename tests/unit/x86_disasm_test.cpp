// Intel-syntax disassembly of known encodings (as objdump -M intel would
// show them, modulo its spacing).
#include <gtest/gtest.h>

#include <vector>

#include "emulator/x86/decoder.h"
#include "emulator/x86/disasm.h"

namespace dynemu::x86 {
namespace {

std::string dis(std::vector<uint8_t> bytes, CodeSize cs = CodeSize::Bits32, uint32_t eip = 0x1000) {
  Insn insn;
  bytes.resize(bytes.size() + 15, 0);
  if (decode(bytes.data(), bytes.size(), eip, cs, insn) != DecodeStatus::Ok) return "(bad)";
  return disassemble(insn);
}

TEST(X86Disasm, KnownEncodings) {
  EXPECT_EQ(dis({0x01, 0xd8}), "add eax, ebx");
  EXPECT_EQ(dis({0x65, 0xa1, 0x14, 0x00, 0x00, 0x00}), "mov eax, dword ptr gs:[0x14]");
  EXPECT_EQ(dis({0x8b, 0x44, 0x24, 0x04}), "mov eax, dword ptr [esp+0x4]");
  EXPECT_EQ(dis({0x8d, 0x74, 0x26, 0x00}), "lea esi, [esi]");
  EXPECT_EQ(dis({0x89, 0x54, 0x8b, 0xfc}), "mov dword ptr [ebx+ecx*4-0x4], edx");
  EXPECT_EQ(dis({0xf0, 0x0f, 0xb1, 0x0a}), "lock cmpxchg dword ptr [edx], ecx");
  EXPECT_EQ(dis({0x83, 0xec, 0x1c}), "sub esp, 0x1c");
  EXPECT_EQ(dis({0x66, 0x83, 0xe8, 0xff}), "sub ax, 0xffff");
  EXPECT_EQ(dis({0xe8, 0xfb, 0xff, 0xff, 0xff}), "call 0x1000");
  EXPECT_EQ(dis({0x75, 0xfe}), "jnz 0x1000");
  EXPECT_EQ(dis({0x0f, 0x84, 0x10, 0x00, 0x00, 0x00}), "jz 0x1016");
  EXPECT_EQ(dis({0xf3, 0xa5}), "rep movsd");
  EXPECT_EQ(dis({0xf2, 0xae}), "repne scasb");
  EXPECT_EQ(dis({0xf3, 0xa6}), "repe cmpsb");
  EXPECT_EQ(dis({0x0f, 0x44, 0xc1}), "cmovz eax, ecx");
  EXPECT_EQ(dis({0x0f, 0x97, 0xc0}), "setnbe al");
  EXPECT_EQ(dis({0xd1, 0xe0}), "shl eax, 0x1");
  EXPECT_EQ(dis({0x0f, 0xa5, 0xd0}), "shld eax, edx, cl");
  EXPECT_EQ(dis({0x99}), "cdq");
  EXPECT_EQ(dis({0x66, 0x98}), "cbw");
  EXPECT_EQ(dis({0xcd, 0x80}), "int 0x80");
  EXPECT_EQ(dis({0x0f, 0x1f, 0x44, 0x00, 0x00}), "nop dword ptr [eax+eax]");
  EXPECT_EQ(dis({0x8e, 0xe8}), "mov gs, ax");
  EXPECT_EQ(dis({0x0f, 0xc7, 0x0e}), "cmpxchg8b qword ptr [esi]");
  EXPECT_EQ(dis({0xdd, 0x44, 0x24, 0x08}), "fld qword ptr [esp+0x8]");
  EXPECT_EQ(dis({0xde, 0xc9}), "fmulp st(1), st");
  EXPECT_EQ(dis({0xdf, 0xe0}), "fnstsw ax");
  EXPECT_EQ(dis({0xea, 0x00, 0x10, 0x00, 0x00, 0x08, 0x00}), "jmp 0x8:0x1000");
  EXPECT_EQ(dis({0xc8, 0x10, 0x00, 0x01}), "enter 0x10, 0x1");
  EXPECT_EQ(dis({0x0f, 0x0b}), "ud2");
  EXPECT_EQ(dis({0x0f, 0x10, 0xc1}), "(bad)");
}

TEST(X86Disasm, SixteenBitAddressing) {
  EXPECT_EQ(dis({0x8b, 0x40, 0x02}, CodeSize::Bits16), "mov ax, word ptr [bx+si+0x2]");
  EXPECT_EQ(dis({0x8b, 0x46, 0xfe}, CodeSize::Bits16), "mov ax, word ptr [bp-0x2]");
  EXPECT_EQ(dis({0x8b, 0x1e, 0x34, 0x12}, CodeSize::Bits16), "mov bx, word ptr [0x1234]");
  EXPECT_EQ(dis({0x67, 0x8b, 0x07}), "mov eax, dword ptr [bx]");
  EXPECT_EQ(dis({0x67, 0xe3, 0x00}), "jcxz 0x1003");
}

}  // namespace
}  // namespace dynemu::x86
