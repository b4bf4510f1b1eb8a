// The guest's time-stamp counter: its advertised rate and properties
// (CPUID) and the coupling of IA32_TSC and IA32_TSC_ADJUST (SDM vol. 3,
// 17.17.3), which Linux relies on to trust the TSC without a watchdog.
#include <gtest/gtest.h>

#include "emulator/x86/helpers.h"
#include "emulator/x86/tsc.h"
#include "tests/unit/x86_system_machine.h"

namespace dynemu::x86::test {
namespace {

class X86Tsc : public ::testing::TestWithParam<Runner> {};

TEST(X86TscCpuid, StatesRateInvarianceAndTscAdjust) {
  const CpuidResult l15 = cpuid_leaf(0x15, 0);
  ASSERT_NE(l15.eax, 0u);
  EXPECT_EQ(uint64_t{l15.ecx} * l15.ebx / l15.eax, kTscHz);
  EXPECT_EQ(cpuid_leaf(0x16, 0).eax, kTscHz / 1'000'000);
  EXPECT_EQ(cpuid_leaf(0x7, 0).ebx, 1u << 1) << "IA32_TSC_ADJUST only";
  EXPECT_GE(cpuid_leaf(0x80000000, 0).eax, 0x80000007u);
  EXPECT_EQ(cpuid_leaf(0x80000007, 0).edx, 1u << 8) << "invariant TSC";
  EXPECT_EQ(cpuid_leaf(0x80000005, 0).edx, 0u);
}

TEST(X86TscCpuid, GuestTscFollowsItsOffset) {
  CpuState s;
  s.tsc_offset = tsc_offset_for(uint64_t{1} << 40);
  const uint64_t first = guest_tsc(s);
  EXPECT_GE(first, uint64_t{1} << 40);
  EXPECT_GE(guest_tsc(s), first);
}

// mov $0x3b,%ecx; mov $0x1000,%eax; xor %edx,%edx; wrmsr   (TSC_ADJUST = 0x1000)
// mov $0x10,%ecx; xor %eax,%eax; mov $0x100,%edx; wrmsr    (TSC = 2^40)
// mov $0x3b,%ecx; rdmsr; hlt
constexpr uint8_t k_tsc_adjust[] = {0xb9, 0x3b, 0x00, 0x00, 0x00, 0xb8, 0x00, 0x10, 0x00,
                                    0x00, 0x31, 0xd2, 0x0f, 0x30, 0xb9, 0x10, 0x00, 0x00,
                                    0x00, 0x31, 0xc0, 0xba, 0x00, 0x01, 0x00, 0x00, 0x0f,
                                    0x30, 0xb9, 0x3b, 0x00, 0x00, 0x00, 0x0f, 0x32, 0xf4};

TEST_P(X86Tsc, WritesToTheTscAccumulateInTscAdjust) {
  SystemMachine m(GetParam());
  m.protected_mode(0);
  m.put(0x1000, k_tsc_adjust);
  m.s.eip = 0x1000;
  const uint64_t before = guest_tsc(m.s);
  ASSERT_EQ(m.run(), Stop::Halt);
  // Writing TSC_ADJUST moved the TSC by 0x1000; writing the TSC then set it
  // to 2^40 and moved TSC_ADJUST by that step too, so TSC_ADJUST now holds
  // everything software changed: 2^40 minus what the TSC would read.
  const uint64_t adjust = uint64_t{m.s.gpr[kEdx]} << 32 | m.s.gpr[kEax];
  EXPECT_EQ(adjust, m.s.tsc_adjust);
  const auto moved = static_cast<int64_t>((uint64_t{1} << 40) - before);
  EXPECT_NEAR(static_cast<double>(static_cast<int64_t>(adjust)), static_cast<double>(moved), 1e9)
      << "within a second of host time";
  EXPECT_GE(guest_tsc(m.s), uint64_t{1} << 40);
}

INSTANTIATE_TEST_SUITE_P(Runners, X86Tsc,
                         ::testing::Values(Runner::Loop, Runner::Interp, Runner::Jit), runner_name);

}  // namespace
}  // namespace dynemu::x86::test
