// x87_execute: what the translator's helper call does around the host run:
// #MF for a pending unmasked exception, the guest's instruction and data
// pointers, suppressed stores, EFLAGS for FCOMI and FCMOVcc, FNSTSW AX,
// FXSAVE alignment.
#include <gtest/gtest.h>

#include <cstring>

#include "emulator/x86/fpu/x87_exec.h"
#include "emulator/x86/lazy_flags.h"

namespace dynemu::x86::fpu {
namespace {

const Float80 kOne{0x8000000000000000, 0x3fff};
const Float80 kTwo{0x8000000000000000, 0x4000};
const Float80 kQnan{0xc000000000000000, 0x7fff};

// A CPU whose x87 stack holds `regs` (ST(0) first).
CpuState cpu_with(std::initializer_list<Float80> regs, uint16_t control = 0x037f) {
  CpuState cpu;
  cpu.seg[kCs].selector = 0x23;
  cpu.seg[kDs].selector = 0x2b;
  FpuState& f = cpu.fpu;
  const unsigned n = regs.size(), top = (8 - n) & 7;
  f.control = control;
  f.status = uint16_t(top << kFpuTopShift);
  unsigned i = 0;
  for (const Float80& r : regs) {
    f.tag &= uint16_t(~(3u << (((top + i) & 7) * 2)));
    f.st[i++] = r;
  }
  return cpu;
}

uint32_t run(CpuState& cpu, uint8_t op, uint8_t modrm, uint32_t eip = 0x1000, uint32_t ea = 0) {
  return x87_execute(cpu, X87Insn{op, modrm}.pack(), eip, ea);
}

TEST(FpuExec, AddsAndRecordsTheGuestPointers) {
  CpuState cpu = cpu_with({kOne});
  const float two = 2.0f;
  std::memcpy(cpu.fpu.operand, &two, 4);
  EXPECT_EQ(run(cpu, 0xd8, 0x05, 0x8048123, 0x804a000), kX87Done);  // FADD dword [disp32]
  EXPECT_EQ(cpu.fpu.st[0].sign_exponent, 0x4000);                   // 3.0
  EXPECT_EQ(cpu.fpu.st[0].mantissa, 0xc000000000000000);
  EXPECT_EQ(cpu.fpu.last_ip, 0x8048123u);
  EXPECT_EQ(cpu.fpu.last_cs, 0x23);
  EXPECT_EQ(cpu.fpu.last_opcode, 0x005);
  EXPECT_EQ(cpu.fpu.last_dp, 0x804a000u);
  EXPECT_EQ(cpu.fpu.last_ds, 0x2b);
  // FLDCW is a control instruction: the pointers stay.
  const uint16_t cw = 0x027f;
  std::memcpy(cpu.fpu.operand, &cw, 2);
  EXPECT_EQ(run(cpu, 0xd9, 0x2d, 0x9999, 0x7777), kX87Done);
  EXPECT_EQ(cpu.fpu.control, 0x027f);
  EXPECT_EQ(cpu.fpu.last_ip, 0x8048123u);
  // FNINIT clears them.
  EXPECT_EQ(run(cpu, 0xdb, 0xe3), kX87Done);
  EXPECT_EQ(cpu.fpu.last_ip, 0u);
  EXPECT_EQ(cpu.fpu.control, 0x037f);
  EXPECT_EQ(cpu.fpu.tag, 0xffff);
}

TEST(FpuExec, PendingUnmaskedExceptionRaisesMfAtWaitingInstructions) {
  // FADD ST, ST(1) with an empty ST(1) and IE unmasked: stack underflow,
  // now pending.
  CpuState cpu = cpu_with({kOne}, 0x037e);
  EXPECT_EQ(run(cpu, 0xd8, 0xc1), kX87Done);
  EXPECT_TRUE(cpu.fpu.exception_pending());
  EXPECT_EQ(cpu.fpu.status & (kFpuIE | kFpuSF | kFpuES | kFpuB), kFpuIE | kFpuSF | kFpuES | kFpuB);
  const FpuState before = cpu.fpu;
  EXPECT_EQ(run(cpu, 0xd8, 0xc0), kX87RaiseMf);  // FADD: waiting
  EXPECT_EQ(run(cpu, 0x9b, 0), kX87RaiseMf);     // FWAIT
  EXPECT_EQ(run(cpu, 0xd9, 0xd0), kX87RaiseMf);  // FNOP
  EXPECT_EQ(std::memcmp(&cpu.fpu, &before, 108), 0);
  cpu.gpr[kEax] = 0xdead0000;
  EXPECT_EQ(run(cpu, 0xdf, 0xe0), kX87Done);  // FNSTSW AX: no-wait
  EXPECT_EQ(cpu.gpr[kEax], 0xdead0000u | cpu.fpu.status);
  EXPECT_EQ(run(cpu, 0xdb, 0xe2), kX87Done);  // FNCLEX
  EXPECT_FALSE(cpu.fpu.exception_pending());
  EXPECT_EQ(cpu.fpu.status & 0x80ff, 0);
  EXPECT_EQ(run(cpu, 0x9b, 0), kX87Done);
}

TEST(FpuExec, UnmaskedInvalidOperationSuppressesTheStore) {
  // FSTP dword with an empty stack: masked, it stores the indefinite.
  CpuState masked = cpu_with({});
  EXPECT_EQ(run(masked, 0xd9, 0x18), kX87Done);
  uint32_t v;
  std::memcpy(&v, masked.fpu.operand, 4);
  EXPECT_EQ(v, 0xffc00000u);
  // Unmasked: memory is left alone.
  CpuState unmasked = cpu_with({}, 0x037e);
  EXPECT_EQ(run(unmasked, 0xd9, 0x18), kX87NoStore);
  // FISTP word of a NaN, IE unmasked: no store either.
  CpuState nan = cpu_with({kQnan}, 0x037e);
  EXPECT_EQ(run(nan, 0xdf, 0x18), kX87NoStore);
  // Unmasked precision exceptions still store, even a value equal to the
  // helper's sentinel pattern (float 0xa5a5a5a5 = -2.8744e-16, rounded).
  const Float80 near_sentinel{0xa5a5a50000000001 | 0x8000000000000000, 0x3fcb | 0x8000};
  CpuState pe = cpu_with({near_sentinel}, 0x035f);
  EXPECT_EQ(run(pe, 0xd9, 0x10), kX87Done);  // FST dword
  EXPECT_TRUE(pe.fpu.status & kFpuPE);
  std::memcpy(&v, pe.fpu.operand, 4);
  EXPECT_EQ(v, 0xa5a5a5a5u);
}

TEST(FpuExec, FcomiSetsZfPfCfAndFcmovReadsThem) {
  CpuState cpu = cpu_with({kOne, kTwo});
  write_eflags(cpu, 0x2 | kOF | kSF | kAF);
  EXPECT_EQ(run(cpu, 0xdb, 0xf1), kX87Done);  // FCOMI ST, ST(1): 1 < 2
  EXPECT_EQ(read_eflags(cpu) & kArithFlags, kCF);
  EXPECT_EQ(run(cpu, 0xda, 0xc1), kX87Done);  // FCMOVB ST, ST(1): CF set, moves
  EXPECT_EQ(cpu.fpu.st[0].sign_exponent, 0x4000);
  CpuState un = cpu_with({kQnan, kOne});
  EXPECT_EQ(run(un, 0xdb, 0xe9), kX87Done);  // FUCOMI: unordered
  EXPECT_EQ(read_eflags(un) & kArithFlags, kZF | kPF | kCF);
  CpuState eq = cpu_with({kTwo, kTwo});
  EXPECT_EQ(run(eq, 0xdf, 0xf1), kX87Done);  // FCOMIP: equal, pops
  EXPECT_EQ(read_eflags(eq) & kArithFlags, kZF);
  EXPECT_EQ(eq.fpu.top(), 7u);
  write_eflags(eq, 0x2);
  EXPECT_EQ(run(eq, 0xda, 0xc8), kX87Done);  // FCMOVE ST, ST(0): ZF clear, no move
}

TEST(FpuExec, FxsaveNeedsSixteenByteAlignmentAndFisttpIsUndefined) {
  CpuState cpu = cpu_with({kOne});
  EXPECT_EQ(x87_execute(cpu, X87Insn{0xae, 0x00}.pack(), 0, 0x1008), kX87RaiseGp);
  EXPECT_EQ(x87_execute(cpu, X87Insn{0xae, 0x00}.pack(), 0, 0x1010), kX87Done);
  EXPECT_EQ(cpu.fpu.operand[0] | cpu.fpu.operand[1] << 8, 0x037f);
  EXPECT_EQ(run(cpu, 0xdb, 0x08), kX87RaiseUd);  // FISTTP m32 (SSE3)
  EXPECT_EQ(run(cpu, 0xd9, 0xd1), kX87RaiseUd);  // reserved
}

TEST(FpuExec, Cr0EmOrTsRaisesNm) {
  CpuState cpu = cpu_with({kOne});
  cpu.cr[0] = kCr0Ts;
  EXPECT_EQ(run(cpu, 0xd8, 0xc0), kX87RaiseNm);
  EXPECT_EQ(run(cpu, 0x9b, 0), kX87Done);  // FWAIT: only with MP and TS
  cpu.cr[0] = kCr0Ts | kCr0Mp;
  EXPECT_EQ(run(cpu, 0x9b, 0), kX87RaiseNm);
  cpu.cr[0] = kCr0Em;
  EXPECT_EQ(run(cpu, 0xdb, 0xe3), kX87RaiseNm);
  EXPECT_EQ(x87_execute(cpu, X87Insn{0xae, 0x00}.pack(), 0, 0), kX87RaiseUd);
  EXPECT_EQ(cpu.fpu.st[0].sign_exponent, 0x3fff);  // untouched
}

}  // namespace
}  // namespace dynemu::x86::fpu
