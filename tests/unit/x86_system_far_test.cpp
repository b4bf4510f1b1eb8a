// Far transfers and privilege checks in system mode (emulator/x86/system
// far.h, io.h, eflags.h, control.h and the translator's CPL checks): a call
// gate with parameter copy and the return to CPL 3, segment-load checks,
// IOPL and the TSS I/O bitmap, POPF at CPL 3, and the real -> protected ->
// real mode round trip SeaBIOS makes. Guest snippets: GNU as source above
// their bytes.
#include <gtest/gtest.h>

#include "emulator/x86/system/eflags.h"
#include "tests/unit/x86_system_machine.h"

namespace dynemu::x86::test {
namespace {

class X86SystemFar : public ::testing::TestWithParam<Runner> {};

constexpr unsigned kIntGate32 = 14, kCallGate32 = 12;

// clang-format off
// push $0xaaaa; push $0xbbbb; lcall $0x33,$0; int $0x80
constexpr uint8_t k_call_gate_user[] = {0x68, 0xaa, 0xaa, 0x00, 0x00, 0x68, 0xbb, 0xbb, 0x00, 0x00, 0x9a, 0x00, 0x00, 0x00, 0x00, 0x33, 0x00, 0xcd, 0x80};
// mov 8(%esp),%edi; mov 12(%esp),%ebp; mov %esp,%esi; mov $0x10,%ax; mov %ax,%ds; lret $8
constexpr uint8_t k_call_gate_target[] = {0x8b, 0x7c, 0x24, 0x08, 0x8b, 0x6c, 0x24, 0x0c, 0x89, 0xe6, 0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd8, 0xca, 0x08, 0x00};
// mov $0x10,%ax; mov %ax,%ds; int $0x80
constexpr uint8_t k_load_ds_dpl0[] = {0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd8, 0xcd, 0x80};
// cli; int $0x80
constexpr uint8_t k_cli[] = {0xfa, 0xcd, 0x80};
// mov $0x55,%al; out %al,$0x80; mov $0x80,%dx; in %dx,%al; out %al,$0x81; int $0x80
constexpr uint8_t k_io[] = {0xb0, 0x55, 0xe6, 0x80, 0x66, 0xba, 0x80, 0x00, 0xec, 0xe6, 0x81, 0xcd, 0x80};
// push $0x3401; popf; pushf; pop %eax; cld; int $0x80
constexpr uint8_t k_popf[] = {0x68, 0x01, 0x34, 0x00, 0x00, 0x9d, 0x9c, 0x58, 0xfc, 0xcd, 0x80};
constexpr uint8_t k_hlt[] = {0xf4};
// .code16 at 0x1000: lgdtl gdtdesc; mov %cr0,%eax; or $1,%eax; mov %eax,%cr0; ljmpl $0x08,$pm32
// .code32 pm32: mov $0x10,%ax; mov %ax,%ds; mov %ax,%ss; mov $0x1234,%ebx; movl $0xcafe,0x2000; ljmp $0x38,$pm16
// .code16 pm16: mov $0x40,%ax; mov %ax,%ds; mov %ax,%ss; mov %cr0,%eax; and $0xfffffffe,%eax; mov %eax,%cr0; ljmp $0,$real
// real: xor %ax,%ax; mov %ax,%ds; mov %ax,%ss; mov $0x5678,%cx; mov 0x2000,%dx; hlt
// .p2align 3; gdtdesc: .word 0x47; .long 0x4000
constexpr uint8_t k_real_pm_real[] = {0x66, 0x0f, 0x01, 0x16, 0x60, 0x10, 0x0f, 0x20, 0xc0, 0x66, 0x83, 0xc8, 0x01, 0x0f, 0x22, 0xc0, 0x66, 0xea, 0x18, 0x10, 0x00, 0x00, 0x08, 0x00, 0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd8, 0x8e, 0xd0, 0xbb, 0x34, 0x12, 0x00, 0x00, 0xc7, 0x05, 0x00, 0x20, 0x00, 0x00, 0xfe, 0xca, 0x00, 0x00, 0xea, 0x36, 0x10, 0x00, 0x00, 0x38, 0x00, 0xb8, 0x40, 0x00, 0x8e, 0xd8, 0x8e, 0xd0, 0x0f, 0x20, 0xc0, 0x66, 0x83, 0xe0, 0xfe, 0x0f, 0x22, 0xc0, 0xea, 0x4c, 0x10, 0x00, 0x00, 0x31, 0xc0, 0x8e, 0xd8, 0x8e, 0xd0, 0xb9, 0x78, 0x56, 0x8b, 0x16, 0x00, 0x20, 0xf4, 0x8d, 0xb4, 0x00, 0x00, 0x66, 0x90, 0x47, 0x00, 0x00, 0x40, 0x00, 0x00};
// clang-format on

// CPL 3 with INT 0x80 (DPL 3) to a CPL 0 HLT at 0x3000 as the end marker,
// and #GP to a CPL 0 HLT at 0x3100.
void user_machine(SystemMachine& m, uint32_t tss_limit = 0x67) {
  m.protected_mode(3, tss_limit);
  m.set_idt(0x80, gate(0x08, 0x3000, kIntGate32, 3));
  m.set_idt(13, gate(0x08, 0x3100, kIntGate32, 0));
  m.put(0x3000, k_hlt);
  m.put(0x3100, k_hlt);
  m.s.eip = 0x1000;
}

TEST_P(X86SystemFar, CallGateToCpl0CopiesParametersAndRetfReturnsToCpl3) {
  SystemMachine m(GetParam());
  user_machine(m);
  m.set_gdt(6, gate(0x08, 0x3200, kCallGate32, 3, 2));  // selector 0x30 (RPL 3: 0x33)
  m.put(0x1000, k_call_gate_user);
  m.put(0x3200, k_call_gate_target);
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.s.eip, 0x3001u) << "ended at the INT 0x80 marker";
  EXPECT_EQ(m.s.gpr[kEdi], 0xbbbbu);
  EXPECT_EQ(m.s.gpr[kEbp], 0xaaaau);
  EXPECT_EQ(m.s.gpr[kEsi], 0x9000u - 24) << "inner stack from the TSS";
  EXPECT_EQ(m.load32(0x9000 - 24), 0x1011u) << "the call's return EIP";
  // Back at CPL 3: the parameters released, DS (DPL 0) nulled; then INT 0x80
  // pushed its frame over the call's: EIP, CS, EFLAGS, ESP, SS.
  EXPECT_EQ(m.load32(0x9000 - 20), 0x1013u);
  EXPECT_EQ(m.load32(0x9000 - 8), 0x8000u);
  EXPECT_EQ(m.load32(0x9000 - 4), 0x23u);
  EXPECT_EQ(m.load32(0x9000 - 16), 0x1bu);
  EXPECT_EQ(m.s.seg[kDs].selector, 0u);
  EXPECT_EQ(m.s.seg[kEs].selector, 0x23u);
}

TEST_P(X86SystemFar, LoadingDpl0DataAtCpl3IsGpWithSelector) {
  SystemMachine m(GetParam());
  user_machine(m);
  m.put(0x1000, k_load_ds_dpl0);
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.s.eip, 0x3101u);
  EXPECT_EQ(m.load32(m.s.gpr[kEsp]), 0x10u);
  EXPECT_EQ(m.load32(m.s.gpr[kEsp] + 4), 0x1004u) << "at the MOV";
}

TEST_P(X86SystemFar, CliAtCpl3WithIopl0IsGp) {
  SystemMachine m(GetParam());
  user_machine(m);
  m.put(0x1000, k_cli);
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.s.eip, 0x3101u);
  EXPECT_EQ(m.load32(m.s.gpr[kEsp]), 0u);
  // With IOPL 3 it runs.
  user_machine(m);
  write_eflags(m.s, 0x3202);
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.s.eip, 0x3001u);
  EXPECT_EQ(m.load32(m.s.gpr[kEsp] + 8) & kIF, 0u);
}

TEST_P(X86SystemFar, IoBitmapAllowsOnlyClearedPorts) {
  SystemMachine m(GetParam());
  // The bitmap at TSS + 0x68 covers ports 0-255 (+ the terminating byte).
  user_machine(m, 0x68 + 32);
  m.store16(SystemMachine::kTss + 0x66, 0x68);
  for (uint32_t i = 0; i <= 32; ++i) m.store8(SystemMachine::kTss + 0x68 + i, 0xff);
  m.store8(SystemMachine::kTss + 0x68 + 0x80 / 8, 0xfe);  // port 0x80 allowed
  m.put(0x1000, k_io);
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.s.eip, 0x3101u) << "OUT to 0x81 is #GP";
  EXPECT_EQ(m.load32(m.s.gpr[kEsp] + 4), 0x1009u);
  ASSERT_EQ(m.bus.writes.size(), 1u);
  EXPECT_EQ(m.bus.writes[0].port, 0x80);
  EXPECT_EQ(m.bus.writes[0].value, 0x55u);
  ASSERT_EQ(m.bus.reads.size(), 1u);
  EXPECT_EQ(m.s.gpr[kEax] & 0xff, 0x78u);
}

TEST_P(X86SystemFar, IoAtCpl3WithoutBitmapIsGpAndAtIopl3IsAllowed) {
  SystemMachine m(GetParam());
  user_machine(m);
  m.store16(SystemMachine::kTss + 0x66, 0x68);  // the bitmap would start past the TSS limit
  m.put(0x1000, k_io);
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.s.eip, 0x3101u);
  EXPECT_EQ(m.load32(m.s.gpr[kEsp] + 4), 0x1002u) << "the first OUT faults";
  EXPECT_TRUE(m.bus.writes.empty());
  user_machine(m);
  write_eflags(m.s, 0x3202);
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.s.eip, 0x3001u);
  EXPECT_EQ(m.bus.writes.size(), 2u);
}

TEST_P(X86SystemFar, PopfAtCpl3KeepsIfAndIopl) {
  SystemMachine m(GetParam());
  user_machine(m);
  m.put(0x1000, k_popf);
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.s.eip, 0x3001u);
  const uint32_t seen = m.s.gpr[kEax];
  EXPECT_TRUE(seen & kIF) << "IF unchanged";
  EXPECT_EQ(seen & kIOPL, 0u) << "IOPL unchanged";
  EXPECT_TRUE(seen & kDF);
  EXPECT_TRUE(seen & kCF);
}

TEST(X86SystemFarRules, PopfRulesByPrivilege) {
  const uint32_t old = 0x202;  // IF, IOPL 0
  EXPECT_EQ(popf_result(old, 0x3000, 4, 0, false) & (kIF | kIOPL), kIOPL) << "CPL 0: both";
  EXPECT_EQ(popf_result(old, 0x3000, 4, 3, false) & (kIF | kIOPL), kIF) << "CPL 3 > IOPL";
  EXPECT_EQ(popf_result(0x3202, 0x0000, 4, 3, false) & (kIF | kIOPL), kIOPL) << "CPL 3 = IOPL";
  EXPECT_EQ(popf_result(old, kVM | kRF | kAC, 4, 0, false) & (kVM | kRF | kAC), kAC);
  EXPECT_EQ(popf_result(old, kAC, 2, 0, false) & kAC, 0u) << "16-bit POPF keeps the high half";
}

TEST_P(X86SystemFar, RealToProtectedAndBack) {
  SystemMachine m(GetParam());
  m.protected_mode(0);  // for the GDT contents
  m.real_mode();
  m.put(0x1000, k_real_pm_real);
  m.s.eip = 0x1000;
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.s.cr[0] & 1, 0u);
  EXPECT_EQ(m.s.gdtr.base, 0x4000u);
  EXPECT_EQ(m.s.gdtr.limit, 0x47u);
  EXPECT_EQ(m.s.gpr[kEbx], 0x1234u);
  EXPECT_EQ(m.s.gpr[kEcx] & 0xffff, 0x5678u);
  EXPECT_EQ(m.s.gpr[kEdx] & 0xffff, 0xcafeu);
  EXPECT_EQ(m.s.seg[kCs].selector, 0u);
  EXPECT_EQ(m.s.seg[kCs].base, 0u);
  EXPECT_FALSE(m.s.seg[kCs].flags & (1u << 14)) << "16-bit code from the 16-bit PM segment";
  EXPECT_EQ(m.s.eip, 0x105au);
  if (m.counts_exceptions()) {
    EXPECT_EQ(m.exceptions, 0);
  }
}

TEST_P(X86SystemFar, PrivilegedInstructionsAtCpl3AreGp) {
  // mov %cr0,%eax; int $0x80
  static constexpr uint8_t k_mov_cr0[] = {0x0f, 0x20, 0xc0, 0xcd, 0x80};
  // hlt; int $0x80
  static constexpr uint8_t k_hlt_user[] = {0xf4, 0xcd, 0x80};
  // wrmsr; int $0x80
  static constexpr uint8_t k_wrmsr[] = {0x0f, 0x30, 0xcd, 0x80};
  for (const auto& [code, len] :
       {std::pair{k_mov_cr0, sizeof k_mov_cr0}, std::pair{k_hlt_user, sizeof k_hlt_user},
        std::pair{k_wrmsr, sizeof k_wrmsr}}) {
    SystemMachine m(GetParam());
    user_machine(m);
    m.put(0x1000, code, len);
    ASSERT_EQ(m.run(), Stop::Halt);
    EXPECT_EQ(m.s.eip, 0x3101u);
    EXPECT_EQ(m.load32(m.s.gpr[kEsp]), 0u);
    EXPECT_EQ(m.load32(m.s.gpr[kEsp] + 4), 0x1000u);
  }
}

TEST_P(X86SystemFar, MsrsAndControlRegistersAtCpl0) {
  // mov $0x174,%ecx; mov $0x60,%eax; xor %edx,%edx; wrmsr; xor %eax,%eax; rdmsr; mov %eax,%ebx;
  // mov $0x1b,%ecx; rdmsr (#GP: no APIC)
  static constexpr uint8_t k_msr[] = {0xb9, 0x74, 0x01, 0x00, 0x00, 0xb8, 0x60, 0x00, 0x00,
                                      0x00, 0x31, 0xd2, 0x0f, 0x30, 0x31, 0xc0, 0x0f, 0x32,
                                      0x89, 0xc3, 0xb9, 0x1b, 0x00, 0x00, 0x00, 0x0f, 0x32};
  SystemMachine m(GetParam());
  m.protected_mode(0);
  m.set_idt(13, gate(0x08, 0x3100, kIntGate32, 0));
  m.put(0x3100, k_hlt);
  m.put(0x1000, k_msr);
  m.s.eip = 0x1000;
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.s.sysenter_cs, 0x60u);
  EXPECT_EQ(m.s.gpr[kEbx], 0x60u);
  EXPECT_EQ(m.s.eip, 0x3101u);
  EXPECT_EQ(m.load32(m.s.gpr[kEsp] + 4), 0x1019u) << "RDMSR 0x1B faults";
  // mov %cr4,%eax; or $0x20,%eax (PAE: not supported); mov %eax,%cr4
  static constexpr uint8_t k_pae[] = {0x0f, 0x20, 0xe0, 0x83, 0xc8, 0x20, 0x0f, 0x22, 0xe0};
  m.put(0x1000, k_pae);
  m.s.eip = 0x1000;
  m.s.gpr[kEsp] = 0x8000;
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.load32(m.s.gpr[kEsp] + 4), 0x1006u);
  EXPECT_EQ(m.s.cr[4], 0u);
  // mov %cr3 writes flush the TLB
  // mov $0x10000,%eax; mov %eax,%cr3; hlt
  static constexpr uint8_t k_cr3[] = {0xb8, 0x00, 0x00, 0x01, 0x00, 0x0f, 0x22, 0xd8, 0xf4};
  m.put(0x1000, k_cr3);
  m.s.eip = 0x1000;
  const int flushes = m.memory().flushes;
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.s.cr[3], 0x10000u);
  if (m.counts_flushes()) {
    EXPECT_EQ(m.memory().flushes, flushes + 1);
  }
}

TEST_P(X86SystemFar, SysexitToCpl3AndSysenterBack) {
  // mov $0x174,%ecx; mov $0x08,%eax; xor %edx,%edx; wrmsr; inc %ecx; mov $0x7000,%eax; wrmsr;
  // inc %ecx; mov $0x3000,%eax; wrmsr; mov $0x2000,%edx; mov $0x6000,%ecx; sysexit
  static constexpr uint8_t k_setup[] = {
      0xb9, 0x74, 0x01, 0x00, 0x00, 0xb8, 0x08, 0x00, 0x00, 0x00, 0x31, 0xd2, 0x0f, 0x30,
      0x41, 0xb8, 0x00, 0x70, 0x00, 0x00, 0x0f, 0x30, 0x41, 0xb8, 0x00, 0x30, 0x00, 0x00,
      0x0f, 0x30, 0xba, 0x00, 0x20, 0x00, 0x00, 0xb9, 0x00, 0x60, 0x00, 0x00, 0x0f, 0x35};
  // mov %cs,%ebx; sysenter
  static constexpr uint8_t k_user[] = {0x8c, 0xcb, 0x0f, 0x34};
  SystemMachine m(GetParam());
  m.protected_mode(0);
  m.put(0x1000, k_setup);
  m.put(0x2000, k_user);
  m.put(0x3000, k_hlt);
  m.s.eip = 0x1000;
  ASSERT_EQ(m.run(), Stop::Halt);
  if (m.counts_exceptions()) {
    EXPECT_EQ(m.exceptions, 0);
  }
  EXPECT_EQ(m.s.gpr[kEbx] & 0xffff, 0x1bu) << "SYSEXIT went to CPL 3";
  EXPECT_EQ(m.s.seg[kCs].selector, 0x08u);
  EXPECT_EQ(m.s.seg[kSs].selector, 0x10u);
  EXPECT_EQ(m.s.gpr[kEsp], 0x7000u);
  EXPECT_EQ(m.s.eip, 0x3001u);
}

// SDM vol. 2, SYSENTER: CS = SYSENTER_CS & 0xfffc and SS = CS + 8, flat
// 4 GiB DPL 0 (accessed code/data), CPL 0; VM, IF and RF cleared.
TEST_P(X86SystemFar, SysenterLoadsFlatRing0SegmentsAndClearsIf) {
  SystemMachine m(GetParam());
  m.protected_mode(3);
  m.s.sysenter_cs = 0x0b;  // RPL bits are ignored
  m.s.sysenter_esp = 0x7000;
  m.s.sysenter_eip = 0x3000;
  write_eflags(m.s, 0x10202);  // RF, IF
  static constexpr uint8_t k_sysenter[] = {0x0f, 0x34};
  m.put(0x1000, k_sysenter);
  m.put(0x3000, k_hlt);
  m.s.eip = 0x1000;
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.s.eip, 0x3001u);
  EXPECT_EQ(m.s.seg[kCs].selector, 0x08u);
  EXPECT_EQ(m.s.seg[kCs].flags, 0xc09bu);
  EXPECT_EQ(m.s.seg[kCs].limit, 0xffffffffu);
  EXPECT_EQ(m.s.seg[kSs].selector, 0x10u);
  EXPECT_EQ(m.s.seg[kSs].flags, 0xc093u);
  EXPECT_EQ(m.s.gpr[kEsp], 0x7000u);
  EXPECT_EQ(read_eflags(m.s) & (kIF | kRF | kVM), 0u);
}

// SYSENTER with SYSENTER_CS 0 and SYSEXIT at CPL 3 are #GP(0).
TEST_P(X86SystemFar, SysenterWithNullCsMsrAndSysexitAtCpl3AreGp) {
  // mov $0x174,%ecx; xor %eax,%eax; xor %edx,%edx; wrmsr; sysenter
  static constexpr uint8_t k_null_msr[] = {0xb9, 0x74, 0x01, 0x00, 0x00, 0x31, 0xc0,
                                           0x31, 0xd2, 0x0f, 0x30, 0x0f, 0x34};
  static constexpr uint8_t k_sysexit[] = {0x0f, 0x35};
  {
    SystemMachine m(GetParam());
    m.protected_mode(0);
    m.set_idt(13, gate(0x08, 0x3100, kIntGate32, 0));
    m.put(0x3100, k_hlt);
    m.put(0x1000, k_null_msr);
    m.s.eip = 0x1000;
    ASSERT_EQ(m.run(), Stop::Halt);
    EXPECT_EQ(m.s.eip, 0x3101u);
    EXPECT_EQ(m.load32(m.s.gpr[kEsp]), 0u) << "error code";
    EXPECT_EQ(m.load32(m.s.gpr[kEsp] + 4), 0x100bu) << "at SYSENTER";
  }
  {
    SystemMachine m(GetParam());
    user_machine(m);
    m.s.sysenter_cs = 0x08;
    m.put(0x1000, k_sysexit);
    ASSERT_EQ(m.run(), Stop::Halt);
    EXPECT_EQ(m.s.eip, 0x3101u);
    EXPECT_EQ(m.load32(0x9000 - 24), 0u) << "error code";
    EXPECT_EQ(m.load32(0x9000 - 20), 0x1000u) << "at SYSEXIT";
  }
}

TEST_P(X86SystemFar, IretToVirtual8086AndInterruptBackToCpl0) {
  // push $0 (GS); push $0 (FS); push $0x2222 (DS); push $0x3333 (ES); push $0x1100 (SS);
  // push $0x100 (ESP); push $0x23202 (VM, IOPL 3, IF); push $0x1100 (CS); push $0 (EIP); iret
  static constexpr uint8_t k_enter_v86[] = {
      0x6a, 0x00, 0x6a, 0x00, 0x68, 0x22, 0x22, 0x00, 0x00, 0x68, 0x33, 0x33, 0x00,
      0x00, 0x68, 0x00, 0x11, 0x00, 0x00, 0x68, 0x00, 0x01, 0x00, 0x00, 0x68, 0x02,
      0x32, 0x02, 0x00, 0x68, 0x00, 0x11, 0x00, 0x00, 0x6a, 0x00, 0xcf};
  // .code16: mov $0x77,%ax; int $0x21; hlt
  static constexpr uint8_t k_v86_code[] = {0xb8, 0x77, 0x00, 0xcd, 0x21, 0xf4};
  SystemMachine m(GetParam());
  m.protected_mode(0);
  m.set_idt(0x21, gate(0x08, 0x3000, kIntGate32, 3));
  m.put(0x1000, k_enter_v86);
  m.put(0x11000, k_v86_code);
  m.put(0x3000, k_hlt);
  m.s.eip = 0x1000;
  ASSERT_EQ(m.run(), Stop::Halt);
  if (m.counts_exceptions()) {
    EXPECT_EQ(m.exceptions, 0);
  }
  EXPECT_EQ(m.s.gpr[kEax] & 0xffff, 0x77u);
  EXPECT_EQ(m.s.seg[kCs].selector, 0x08u);
  EXPECT_FALSE(read_eflags(m.s) & kVM);
  EXPECT_EQ(m.s.seg[kDs].selector, 0u);
  EXPECT_EQ(m.s.gpr[kEsp], 0x9000u - 36);
  const uint32_t frame[] = {0x5, 0x1100, 0, 0x100, 0x1100, 0x3333, 0x2222, 0, 0};
  for (unsigned i = 0; i < 9; ++i) {
    if (i == 2) {
      EXPECT_TRUE(m.load32(0x9000 - 36 + 8) & kVM);
      continue;
    }
    EXPECT_EQ(m.load32(0x9000 - 36 + 4 * i), frame[i]) << "frame slot " << i;
  }
}

TEST_P(X86SystemFar, RepInswAndRepOutsb) {
  // mov $0x3000,%edi; mov $4,%ecx; mov $0x1f0,%dx; cld; rep insw;
  // mov $0x3000,%esi; mov $3,%ecx; rep outsb; hlt
  static constexpr uint8_t k_string_io[] = {0xbf, 0x00, 0x30, 0x00, 0x00, 0xb9, 0x04, 0x00,
                                            0x00, 0x00, 0x66, 0xba, 0xf0, 0x01, 0xfc, 0x66,
                                            0xf3, 0x6d, 0xbe, 0x00, 0x30, 0x00, 0x00, 0xb9,
                                            0x03, 0x00, 0x00, 0x00, 0xf3, 0x6e, 0xf4};
  SystemMachine m(GetParam());
  m.protected_mode(0);
  m.put(0x1000, k_string_io);
  m.s.eip = 0x1000;
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.bus.reads.size(), 4u);
  for (uint32_t i = 0; i < 4; ++i) EXPECT_EQ(m.load16(0x3000 + 2 * i), 0x5678u);
  EXPECT_EQ(m.s.gpr[kEdi], 0x3008u);
  EXPECT_EQ(m.s.gpr[kEsi], 0x3003u);
  EXPECT_EQ(m.s.gpr[kEcx], 0u);
  ASSERT_EQ(m.bus.writes.size(), 3u);
  EXPECT_EQ(m.bus.writes[0].value, 0x78u);
  EXPECT_EQ(m.bus.writes[1].value, 0x56u);
  EXPECT_EQ(m.bus.writes[2].port, 0x1f0);
  EXPECT_EQ(m.bus.writes[2].size, 1u);
}

TEST_P(X86SystemFar, LtrMarksBusyLldtAndStrSldtRead) {
  // mov $0x30,%ax; ltr %ax; str %bx; mov $0x50,%ax; lldt %ax; sldt %si; mov $0x30,%ax; ltr %ax; hlt
  static constexpr uint8_t k_ltr[] = {0x66, 0xb8, 0x30, 0x00, 0x0f, 0x00, 0xd8, 0x66, 0x0f, 0x00,
                                      0xcb, 0x66, 0xb8, 0x50, 0x00, 0x0f, 0x00, 0xd0, 0x66, 0x0f,
                                      0x00, 0xc6, 0x66, 0xb8, 0x30, 0x00, 0x0f, 0x00, 0xd8, 0xf4};
  SystemMachine m(GetParam());
  m.protected_mode(0);
  m.set_gdt(6, descriptor(0x5800, 0x67, 0x89));   // available 32-bit TSS
  m.set_gdt(10, descriptor(0x7000, 0x1f, 0x82));  // LDT
  m.set_idt(13, gate(0x08, 0x3100, kIntGate32, 0));
  m.put(0x3100, k_hlt);
  m.put(0x1000, k_ltr);
  m.s.eip = 0x1000;
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.s.tr.selector, 0x30u);
  EXPECT_EQ(m.s.tr.base, 0x5800u);
  EXPECT_EQ((m.load64(SystemMachine::kGdt + 6 * 8) >> 40) & 0xf, 11u) << "LTR marked it busy";
  EXPECT_EQ(m.s.gpr[kEbx] & 0xffff, 0x30u);
  EXPECT_EQ(m.s.ldtr.base, 0x7000u);
  EXPECT_EQ(m.s.ldtr.limit, 0x1fu);
  EXPECT_EQ(m.s.gpr[kEsi] & 0xffff, 0x50u);
  EXPECT_EQ(m.s.eip, 0x3101u) << "LTR of a busy TSS is #GP";
  EXPECT_EQ(m.load32(m.s.gpr[kEsp]), 0x30u);
  EXPECT_EQ(m.load32(m.s.gpr[kEsp] + 4), 0x101au);
}

TEST_P(X86SystemFar, RealModeFarCallAndRetf) {
  // .code16 at 0x1000: lcall $0x0200,$0; mov $0x1111,%bx; hlt
  static constexpr uint8_t k_call[] = {0x9a, 0x00, 0x00, 0x00, 0x02, 0xbb, 0x11, 0x11, 0xf4};
  // .code16: mov $0x2222,%cx; lret
  static constexpr uint8_t k_far_fn[] = {0xb9, 0x22, 0x22, 0xcb};
  SystemMachine m(GetParam());
  m.real_mode();
  m.put(0x1000, k_call);
  m.put(0x2000, k_far_fn);
  m.s.eip = 0x1000;
  ASSERT_EQ(m.run(), Stop::Halt);
  EXPECT_EQ(m.s.gpr[kEbx] & 0xffff, 0x1111u);
  EXPECT_EQ(m.s.gpr[kEcx] & 0xffff, 0x2222u);
  EXPECT_EQ(m.s.gpr[kEsp], 0x8000u);
  EXPECT_EQ(m.s.eip, 0x1009u);
  EXPECT_EQ(m.load16(0x8000 - 4), 0x1005u);
  EXPECT_EQ(m.load16(0x8000 - 2), 0u);
}

INSTANTIATE_TEST_SUITE_P(Runners, X86SystemFar,
                         ::testing::Values(Runner::Loop, Runner::Interp, Runner::Jit), runner_name);

}  // namespace
}  // namespace dynemu::x86::test
