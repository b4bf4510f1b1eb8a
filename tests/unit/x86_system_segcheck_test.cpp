// Segment limit and type checks on ordinary memory accesses and code
// fetches (emulator/x86/system/segment_check.h) against the SDM (vol. 3,
// 5.3-5.4; vol. 2, MOV/PUSH/POP "Protected Mode Exceptions" and "Real-Address
// Mode Exceptions"): the exact vector, error code and faulting EIP, on the
// test loop, the interpreter and the JIT. Guest snippets: GNU as source
// above their bytes.
#include <gtest/gtest.h>

#include "tests/unit/x86_system_machine.h"

namespace dynemu::x86::test {
namespace {

class X86SystemSegCheck : public ::testing::TestWithParam<Runner> {};

constexpr unsigned kIntGate32 = 14;
constexpr uint32_t kHandler = 0x3000;

// clang-format off
// mov $0x48,%ax; mov %ax,%ds; mov 0xffc,%eax; mov 0xffd,%ebx; hlt
constexpr uint8_t k_limit_up[] = {0x66, 0xb8, 0x48, 0x00, 0x8e, 0xd8, 0xa1, 0xfc, 0x0f, 0x00, 0x00, 0x8b, 0x1d, 0xfd, 0x0f, 0x00, 0x00, 0xf4};
// mov $0x50,%ax; mov %ax,%es; mov %es:0x10,%eax; movl $1,%es:0x10; hlt
constexpr uint8_t k_read_only[] = {0x66, 0xb8, 0x50, 0x00, 0x8e, 0xc0, 0x26, 0xa1, 0x10, 0x00, 0x00, 0x00, 0x26, 0xc7, 0x05, 0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xf4};
// mov $0x50,%ax; mov %ax,%es; cmpl $0,%es:0x10; addl $1,%es:0x10; hlt
constexpr uint8_t k_rmw_read_only[] = {0x66, 0xb8, 0x50, 0x00, 0x8e, 0xc0, 0x26, 0x83, 0x3d, 0x10, 0x00, 0x00, 0x00, 0x00, 0x26, 0x83, 0x05, 0x10, 0x00, 0x00, 0x00, 0x01, 0xf4};
// mov %cs:0x1000,%eax; movb $1,%cs:0x1000; hlt
constexpr uint8_t k_cs_write[] = {0x2e, 0xa1, 0x00, 0x10, 0x00, 0x00, 0x2e, 0xc6, 0x05, 0x00, 0x10, 0x00, 0x00, 0x01, 0xf4};
// xor %eax,%eax; mov %ax,%ds; mov (%eax),%ebx; hlt
constexpr uint8_t k_null_ds[] = {0x31, 0xc0, 0x8e, 0xd8, 0x8b, 0x18, 0xf4};
// mov $0x58,%ax; mov %ax,%ds; movw $7,0x1000; mov 0xfffc,%ecx; mov 0xfffd,%edx; hlt
constexpr uint8_t k_expand_down16[] = {0x66, 0xb8, 0x58, 0x00, 0x8e, 0xd8, 0x66, 0xc7, 0x05, 0x00, 0x10, 0x00, 0x00, 0x07, 0x00, 0x8b, 0x0d, 0xfc, 0xff, 0x00, 0x00, 0x8b, 0x15, 0xfd, 0xff, 0x00, 0x00, 0xf4};
// mov $0x60,%ax; mov %ax,%ss; mov $0xfffe,%esp; pop %eax; hlt
constexpr uint8_t k_pop_past_top[] = {0x66, 0xb8, 0x60, 0x00, 0x8e, 0xd0, 0xbc, 0xfe, 0xff, 0x00, 0x00, 0x58, 0xf4};
// mov $0x60,%ax; mov %ax,%ss; mov $0x2000,%esp; mov $0x800,%ebp;
// mov 0x1000(%ebp),%ecx; mov (%ebp),%eax; hlt
constexpr uint8_t k_ebp_below_limit[] = {0x66, 0xb8, 0x60, 0x00, 0x8e, 0xd0, 0xbc, 0x00, 0x20, 0x00, 0x00, 0xbd, 0x00, 0x08, 0x00, 0x00, 0x8b, 0x8d, 0x00, 0x10, 0x00, 0x00, 0x8b, 0x45, 0x00, 0xf4};
// nop; nop; mov $1,%eax; hlt
constexpr uint8_t k_code_end[] = {0x90, 0x90, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xf4};
// .code16: mov 0xfffe,%al; mov 0xfffe,%ax; mov 0xffff,%bx; hlt
constexpr uint8_t k_real_limit[] = {0xa0, 0xfe, 0xff, 0xa1, 0xfe, 0xff, 0x8b, 0x1e, 0xff, 0xff, 0xf4};
// .code16: mov $0xffff,%bp; mov (%bp),%al; mov (%bp),%ax; hlt
constexpr uint8_t k_real_ss_limit[] = {0xbd, 0xff, 0xff, 0x8a, 0x46, 0x00, 0x8b, 0x46, 0x00, 0xf4};
// .code16: mov $0x123456,%ebx; addr32 mov (%ebx),%eax; addr32 mov 0x10000,%ecx; hlt
constexpr uint8_t k_unreal[] = {0x66, 0xbb, 0x56, 0x34, 0x12, 0x00, 0x67, 0x66, 0x8b, 0x03, 0x67, 0x66, 0x8b, 0x0d, 0x00, 0x00, 0x01, 0x00, 0xf4};
// mov $0x60,%ax; mov %ax,%ss; mov $0xfffe,%esp; lret; hlt
constexpr uint8_t k_lret_past_top[] = {0x66, 0xb8, 0x60, 0x00, 0x8e, 0xd0, 0xbc, 0xfe, 0xff, 0x00, 0x00, 0xcb, 0xf4};
// mov $0x48,%ax; mov %ax,%es; mov $0xffe,%edi; mov $0x3f8,%dx; insl; hlt
constexpr uint8_t k_ins_past_limit[] = {0x66, 0xb8, 0x48, 0x00, 0x8e, 0xc0, 0xbf, 0xfe, 0x0f, 0x00, 0x00, 0x66, 0xba, 0xf8, 0x03, 0x6d, 0xf4};
// xor %eax,%eax; mov %ax,%gs; mov %gs:0x100,%ebx; hlt
constexpr uint8_t k_null_gs[] = {0x31, 0xc0, 0x8e, 0xe8, 0x65, 0x8b, 0x1d, 0x00, 0x01, 0x00, 0x00, 0xf4};
// xor %eax,%eax; mov %ax,%fs; movl $1,%fs:0x100; hlt
constexpr uint8_t k_null_fs[] = {0x31, 0xc0, 0x8e, 0xe0, 0x64, 0xc7, 0x05, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xf4};
// mov $0x10,%ax; mov %ax,%gs; mov %gs:0x100,%ebx; xor %eax,%eax; mov %ax,%gs; hlt
constexpr uint8_t k_flat_gs_then_null[] = {0x66, 0xb8, 0x10, 0x00, 0x8e, 0xe8, 0x65, 0x8b, 0x1d, 0x00, 0x01, 0x00, 0x00, 0x31, 0xc0, 0x8e, 0xe8, 0xf4};
constexpr uint8_t k_hlt[] = {0xf4};
// clang-format on

// Flat ring 0 with #GP and #SS handlers (HLT at kHandler) and test
// segments: 0x48 data RW base 0x10000 limit 0xfff; 0x50 data read-only
// base 0x20000; 0x58 data expand-down 16-bit limit 0xfff base 0x30000;
// 0x60 the same, for SS; 0x68 execute-only code.
void setup(SystemMachine& m) {
  m.protected_mode(0);
  m.set_idt(12, gate(0x08, kHandler, kIntGate32, 0));
  m.set_idt(13, gate(0x08, kHandler, kIntGate32, 0));
  m.set_gdt(9, descriptor(0x10000, 0xfff, 0x4093));
  m.set_gdt(10, descriptor(0x20000, 0xffff, 0x4091));
  m.set_gdt(11, descriptor(0x30000, 0xfff, 0x0097));
  m.set_gdt(12, descriptor(0x40000, 0xfff, 0x0097));
  m.set_gdt(13, descriptor(0, 0xfffff, 0xc099));
  m.put(kHandler, k_hlt);
  m.s.eip = 0x1000;
}

// Real mode with HLT handlers: #GP at kHandler, #SS at kHandler + 0x10.
void setup_real(SystemMachine& m) {
  m.real_mode();
  m.set_ivt(13, 0, kHandler);
  m.set_ivt(12, 0, kHandler + 0x10);
  m.put(kHandler, k_hlt);
  m.put(kHandler + 0x10, k_hlt);
}

// The exception frame at SS:ESP after a same-level fault with an error code.
struct Frame {
  uint32_t error, eip;
};
Frame frame(SystemMachine& m) {
  const uint32_t at = m.s.seg[kSs].base + m.s.gpr[kEsp];
  return {m.load32(at), m.load32(at + 4)};
}

TEST_P(X86SystemSegCheck, ExpandUpLimitIsGpZeroForTheLastByte) {
  SystemMachine m(GetParam());
  setup(m);
  m.store32(0x10ffc, 0xaabbccdd);
  m.put(0x1000, k_limit_up);
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.s.eip, kHandler + 1);
  EXPECT_EQ(m.s.gpr[kEax], 0xaabbccddu) << "the dword ending at the limit reads";
  EXPECT_EQ(frame(m).error, 0u);
  EXPECT_EQ(frame(m).eip, 0x100bu) << "the dword running one byte past the limit faults";
  if (m.counts_exceptions()) {
    EXPECT_EQ(m.last_vector, 13);
  }
}

TEST_P(X86SystemSegCheck, ReadOnlyDataReadsButWritesAreGp) {
  SystemMachine m(GetParam());
  setup(m);
  m.store32(0x20010, 0x12345678);
  m.put(0x1000, k_read_only);
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.s.gpr[kEax], 0x12345678u);
  EXPECT_EQ(frame(m).eip, 0x100cu);
  EXPECT_EQ(frame(m).error, 0u);
  EXPECT_EQ(m.load32(0x20010), 0x12345678u) << "nothing written";
}

TEST_P(X86SystemSegCheck, ReadModifyWriteOfReadOnlyDataIsGpButCmpIsNot) {
  SystemMachine m(GetParam());
  setup(m);
  m.store32(0x20010, 5);
  m.put(0x1000, k_rmw_read_only);
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(frame(m).eip, 0x100eu) << "ADD faults, CMP before it did not";
  EXPECT_EQ(m.load32(0x20010), 5u);
}

TEST_P(X86SystemSegCheck, WritesThroughCsAreGpEvenWhenFlat) {
  SystemMachine m(GetParam());
  setup(m);
  m.put(0x1000, k_cs_write);
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.s.gpr[kEax], m.load32(0x1000)) << "readable code reads";
  EXPECT_EQ(frame(m).eip, 0x1006u);
  EXPECT_EQ(frame(m).error, 0u);
}

TEST_P(X86SystemSegCheck, ReadsOfExecuteOnlyCodeAreGp) {
  SystemMachine m(GetParam());
  setup(m);
  m.s.seg[kCs] = SegmentCache{0x68, 0, 0xffffffffu, 0xc099};
  m.put(0x1000, k_cs_write);
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(frame(m).eip, 0x1000u);
  EXPECT_EQ(frame(m).error, 0u);
}

TEST_P(X86SystemSegCheck, NullSegmentLoadsButAnyUseIsGpZero) {
  SystemMachine m(GetParam());
  setup(m);
  m.put(0x1000, k_null_ds);
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.s.seg[kDs].selector, 0u);
  EXPECT_EQ(frame(m).eip, 0x1004u);
  EXPECT_EQ(frame(m).error, 0u);
}

// SDM vol. 3, 5.4.1: a null selector may sit in DS, ES, FS, GS at any CPL;
// using it is #GP(0). At CPL 0 the block key does not mark a null GS (it
// would split Linux's kernel code by its user GS): the translator tests it
// inline and retries the instruction with full checks.
TEST_P(X86SystemSegCheck, NullGsReadAtCpl0IsGpZero) {
  SystemMachine m(GetParam());
  setup(m);
  m.store32(0x100, 0x5555);
  m.s.gpr[kEbx] = 0x77;
  m.put(0x1000, k_null_gs);
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.s.eip, kHandler + 1);
  EXPECT_EQ(frame(m).eip, 0x1004u);
  EXPECT_EQ(frame(m).error, 0u);
  EXPECT_EQ(m.s.gpr[kEbx], 0x77u) << "nothing read";
  EXPECT_EQ(m.s.null_seg_retry, 0) << "cleared by the delivery";
}

TEST_P(X86SystemSegCheck, NullFsWriteAtCpl0IsGpZero) {
  SystemMachine m(GetParam());
  setup(m);
  m.put(0x1000, k_null_fs);
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(frame(m).eip, 0x1004u);
  EXPECT_EQ(frame(m).error, 0u);
  EXPECT_EQ(m.load32(0x100), 0u) << "nothing written";
}

TEST_P(X86SystemSegCheck, FlatGsAtCpl0ReadsAndLoadingNullIsNoFault) {
  SystemMachine m(GetParam());
  setup(m);
  m.store32(0x100, 0x5555);
  m.put(0x1000, k_flat_gs_then_null);
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.s.eip, 0x1012u) << "no #GP";
  EXPECT_EQ(m.s.gpr[kEbx], 0x5555u);
  EXPECT_EQ(m.s.seg[kGs].selector, 0u);
}

TEST_P(X86SystemSegCheck, ExpandDown16BitValidAboveTheLimitUpTo0xffff) {
  SystemMachine m(GetParam());
  setup(m);
  m.store32(0x3fffc, 0x01020304);
  m.put(0x1000, k_expand_down16);
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.load16(0x31000), 7u) << "offset limit + 1 is the lowest valid one";
  EXPECT_EQ(m.s.gpr[kEcx], 0x01020304u) << "the dword ending at 0xffff reads";
  EXPECT_EQ(frame(m).eip, 0x1015u) << "running past 0xffff (B = 0) faults";
  EXPECT_EQ(frame(m).error, 0u);
  if (m.counts_exceptions()) {
    EXPECT_EQ(m.last_vector, 13);
  }
}

TEST_P(X86SystemSegCheck, ExpandDownAtOrBelowTheLimitIsGp) {
  SystemMachine m(GetParam());
  setup(m);
  // movw $7,0x1000 -> movw $7,0x0fff: the limit itself is invalid.
  uint8_t code[sizeof(k_expand_down16)];
  std::memcpy(code, k_expand_down16, sizeof code);
  code[9] = 0xff;
  code[10] = 0x0f;
  m.put(0x1000, code);
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(frame(m).eip, 0x1006u);
  EXPECT_EQ(m.load16(0x30fff), 0u);
}

// POP and far RET reading past the top of a 16-bit expand-down stack.
TEST_P(X86SystemSegCheck, PoppingPastTheTopOfA16BitExpandDownStackIsSs) {
  for (const auto& [code, bytes] : {std::pair{k_pop_past_top, sizeof k_pop_past_top},
                                    std::pair{k_lret_past_top, sizeof k_lret_past_top}}) {
    SystemMachine m(GetParam());
    setup(m);
    m.put(0x1000, code, bytes);
    ASSERT_EQ(m.run(), Stop::Halt);
    if (m.counts_exceptions()) {
      EXPECT_EQ(m.last_vector, 12);
    }
    // The frame went below SP 0xfffe (16-bit stack: SP, not ESP).
    const uint32_t sp = m.s.gpr[kEsp] & 0xffff;
    EXPECT_EQ(sp, 0xfffeu - 16);
    EXPECT_EQ(m.load32(0x40000 + sp), 0u) << "#SS(0)";
    EXPECT_EQ(m.load32(0x40000 + sp + 4), 0x100bu);
  }
}

TEST_P(X86SystemSegCheck, InsPastTheEsLimitIsGpBeforeThePortIsRead) {
  SystemMachine m(GetParam());
  setup(m);
  m.put(0x1000, k_ins_past_limit);
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(frame(m).eip, 0x100fu);
  EXPECT_EQ(frame(m).error, 0u);
  EXPECT_TRUE(m.bus.reads.empty());
  EXPECT_EQ(m.s.gpr[kEdi], 0xffeu);
}

TEST_P(X86SystemSegCheck, EbpBasedAccessBelowAnExpandDownStackLimitIsSs) {
  SystemMachine m(GetParam());
  setup(m);
  m.put(0x1000, k_ebp_below_limit);
  ASSERT_EQ(m.run(), Stop::Halt);
  if (m.counts_exceptions()) {
    EXPECT_EQ(m.last_vector, 12);
  }
  const uint32_t sp = m.s.gpr[kEsp] & 0xffff;
  EXPECT_EQ(sp, 0x2000u - 16);
  EXPECT_EQ(m.load32(0x40000 + sp), 0u);
  EXPECT_EQ(m.load32(0x40000 + sp + 4), 0x1016u) << "0x1000(%ebp) was fine, (%ebp) is not";
}

TEST_P(X86SystemSegCheck, CodeBeyondTheCsLimitIsGpAtThatInstruction) {
  SystemMachine m(GetParam());
  setup(m);
  m.set_gdt(14, descriptor(0, 0x1005, 0x409b));
  m.s.seg[kCs] = SegmentCache{0x70, 0, 0x1005, 0x409b};
  m.put(0x1000, k_code_end);
  m.s.gpr[kEax] = 0;
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.s.gpr[kEax], 0u) << "MOV ends at 0x1006, one byte past the limit";
  EXPECT_EQ(frame(m).eip, 0x1002u);
  EXPECT_EQ(frame(m).error, 0u);
}

TEST_P(X86SystemSegCheck, NearJumpBeyondTheCsLimitIsGpAtTheJump) {
  SystemMachine m(GetParam());
  setup(m);
  m.s.seg[kCs] = SegmentCache{0x70, 0, 0x10ff, 0x409b};
  m.s.gpr[kEax] = 0;
  // 1000 cmp $1,%eax; 1003 je 0x1200 (not taken); 1009 jmp 0x1200
  const uint8_t code[] = {0x83, 0xf8, 0x01, 0x0f, 0x84, 0xf7, 0x01,
                          0x00, 0x00, 0xe9, 0xf2, 0x01, 0x00, 0x00};
  m.put(0x1000, code);
  m.put(0x1200, k_hlt);
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.s.eip, kHandler + 1);
  EXPECT_EQ(frame(m).eip, 0x1009u) << "the JMP faults, not its target; the untaken JE does not";
  EXPECT_EQ(frame(m).error, 0u);
}

// Real mode: 64 KiB limits too (#GP / #SS through the IVT, no error code).
TEST_P(X86SystemSegCheck, RealModeWordAtOffset0xffffIsGp) {
  SystemMachine m(GetParam());
  setup_real(m);
  m.store16(0xfffe, 0x5aa5);
  m.put(0x1000, k_real_limit);
  m.s.eip = 0x1000;
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.s.eip, kHandler + 1) << "#GP, not #SS";
  EXPECT_EQ(m.s.gpr[kEax] & 0xffff, 0x5aa5u);
  EXPECT_EQ(m.load16(0x8000 - 6), 0x1006u) << "IP of the faulting MOV";
}

TEST_P(X86SystemSegCheck, RealModeSsWordAtOffset0xffffIsSs) {
  SystemMachine m(GetParam());
  setup_real(m);
  m.put(0x1000, k_real_ss_limit);
  m.s.eip = 0x1000;
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.s.eip, kHandler + 0x11) << "#SS";
  EXPECT_EQ(m.load16(0x8000 - 6), 0x1006u);
}

TEST_P(X86SystemSegCheck, BigRealModeSegmentsReachPast64KiB) {
  SystemMachine m(GetParam());
  m.real_mode();
  m.s.seg[kDs].limit = 0xffffffffu;
  m.store32(0x123456, 0xfeedf00d);
  m.store32(0x10000, 0x600df00d);
  m.put(0x1000, k_unreal);
  m.s.eip = 0x1000;
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.s.gpr[kEax], 0xfeedf00du);
  EXPECT_EQ(m.s.gpr[kEcx], 0x600df00du);
  EXPECT_EQ(m.s.eip, 0x1013u);
}

TEST(X86SegmentCheckMode, FlatSegmentsNeedNoChecks) {
  CpuState s;
  s.cr[0] = 1;
  for (auto& seg : s.seg) seg = SegmentCache{0x10, 0x1000, 0xffffffffu, 0xc093};
  s.seg[kCs] = SegmentCache{0x08, 0, 0xffffffffu, 0xc09b};
  EXPECT_EQ(segment_check_mode(s), 0u) << "bases do not matter";
  s.seg[kDs].flags = 0xc091;
  EXPECT_EQ(segment_check_mode(s), 1u << (kModeSegCheckShift + kDs)) << "read-only DS";
  s.seg[kDs].flags = 0xc097;
  EXPECT_EQ(segment_check_mode(s), 1u << (kModeSegCheckShift + kDs)) << "expand-down DS";
  s.seg[kDs].flags = 0xc09b;
  EXPECT_EQ(segment_check_mode(s), 1u << (kModeSegCheckShift + kDs)) << "code in DS";
  s.seg[kDs].flags = 0xc093;
  s.seg[kFs] = SegmentCache{0x33, 0, 0xffffffffu, 0xc091};
  EXPECT_EQ(segment_check_mode(s), 1u << (kModeSegCheckShift + kFs)) << "read-only FS";
  s.seg[kFs] = SegmentCache{0x33, 0, 0xffffffffu, 0xc093};
  s.seg[kGs] = SegmentCache{0, 0, 0, 0};
  EXPECT_EQ(segment_check_mode(s), 0u) << "null GS below CPL 3 (Linux's kernel GS)";
  s.null_seg_retry = 1;
  EXPECT_EQ(segment_check_mode(s), 1u << (kModeSegCheckShift + kGs)) << "retrying a null GS use";
  s.null_seg_retry = 0;
  s.seg[kFs] = SegmentCache{0, 0, 0, 0};
  EXPECT_EQ(segment_check_mode(s), 1u << (kModeSegCheckShift + kFs)) << "null FS below CPL 3";
  s.seg[kCs].selector = 0x0b;
  EXPECT_EQ(segment_check_mode(s) & ~(1u << (kModeSegCheckShift + kCs)),
            3u << (kModeSegCheckShift + kFs))
      << "null FS/GS at CPL 3";
  s.seg[kCs].selector = 0x08;
  s.seg[kCs].flags = 0xc099;
  EXPECT_TRUE(segment_check_mode(s) & (1u << (kModeSegCheckShift + kCs))) << "execute-only";
  EXPECT_FALSE(segment_check_mode(s) & kModeCodeLimit);
  s.seg[kCs].limit = 0xfffff;
  EXPECT_TRUE(segment_check_mode(s) & kModeCodeLimit);
  CpuState real;  // 64 KiB segments, 16-bit code: no per-instruction code checks
  EXPECT_EQ(segment_check_mode(real), kModeSegCheckMask);
}

INSTANTIATE_TEST_SUITE_P(Runners, X86SystemSegCheck,
                         ::testing::Values(Runner::Loop, Runner::Interp, Runner::Jit), runner_name);

}  // namespace
}  // namespace dynemu::x86::test
