// exec::Cpu in system mode: which blocks are chained. A block whose
// CpuState writes change nothing the block key depends on (CLI/CLD/STD:
// EFLAGS.IF/DF; RDTSC), or whose helpers leave the block when they did
// (segment loads, POPF, IRET, STI: ir::kKeepsKey), keeps the key's mode,
// so its direct exits are chained (host code on the JIT, the successor
// cache on the interpreter) instead of returning to the CPU loop each
// time: a Linux guest's interrupt entry and exit, spin_lock_irqsave,
// sched_clock and `sti; hlt` run on every timer tick. Setting IF with the
// interrupt line up sends chained code back to the loop, which takes the
// interrupt (after STI's shadow).
#include <gtest/gtest.h>

#include <cstring>
#include <initializer_list>
#include <memory>

#include "emulator/exec/cpu.h"
#include "emulator/ir/system_bus.h"
#include "emulator/mmu/phys_memory.h"
#include "tests/unit/system_cpu_fixture.h"

namespace dynemu::exec {
namespace {

// INTA answers vector 0x20 and lowers INTR (an edge, as the PIC's).
struct NoDevices : ir::SystemBus {
  Cpu* cpu = nullptr;
  int acks = 0;
  uint32_t io_read(uint16_t, unsigned) override { return 0; }
  // OUT to port 0x80 raises INTR.
  void io_write(uint16_t port, unsigned, uint32_t) override {
    if (port == 0x80) cpu->set_irq(true);
  }
  int interrupt_acknowledge() override {
    ++acks;
    cpu->set_irq(false);
    return 0x20;
  }
};

constexpr uint32_t kCount = 3000;

class SystemChain : public test::SystemCpuFixture<NoDevices, 4 << 20> {
 protected:
  using Base = test::SystemCpuFixture<NoDevices, 4 << 20>;
  void SetUp() override {
    Base::SetUp();
    bus.cpu = cpu.get();
  }
  // 32-bit flat protected mode at CPL 0 with paging (the first 4 MiB 1:1),
  // IDT at 0x12000 with vector 0x20 -> 0x3000 (stores ECX at 0x5000 and
  // IRETs), ECX = kCount.
  void paged_mode_at(uint32_t eip) {
    Base::paged_mode_at(eip);
    put32(0x12000 + 8 * 0x20, (0x08u << 16) | 0x3000);
    put32(0x12004 + 8 * 0x20, 0x8e00);
    put(0x3000, {0x89, 0x0d, 0x00, 0x50, 0x00, 0x00, 0xcf});  // mov [0x5000], ecx; iret
    s().gpr[x86::kEcx] = kCount;
  }
  // Runs to the HLT; returns how often the loop ran a block itself.
  uint64_t run_to_halt() {
    const uint64_t before = cpu->stats().blocks_executed;
    EXPECT_EQ(cpu->run().kind, ExitKind::Halt);
    return cpu->stats().blocks_executed - before;
  }
  // The loop of kCount iterations ran chained: on the JIT mostly in host
  // code (the loop sees the block only when it leaves), on the interpreter
  // through the successor cache.
  void expect_chained(uint64_t loop_blocks, uint64_t chained_before) {
    if (GetParam() == Engine::Jit)
      EXPECT_LT(loop_blocks, kCount / 10);
    else
      EXPECT_GE(cpu->stats().chained - chained_before, kCount - 2);
  }
  // Runs the loop with INTR up from the start and interrupts off: it must
  // run chained to ECX = 0 and take the interrupt exactly once, when the
  // handler saw ECX = `ecx_seen`.
  void expect_one_interrupt_in_chained_loop(uint32_t ecx_seen) {
    s().eflags = 0x2;
    cpu->set_irq(true);
    const uint64_t chained = cpu->stats().chained;
    const uint64_t loop_blocks = run_to_halt();
    EXPECT_EQ(s().gpr[x86::kEcx], 0u);
    EXPECT_EQ(bus.acks, 1);
    uint32_t seen = 0;
    std::memcpy(&seen, phys.ram() + 0x5000, 4);
    EXPECT_EQ(seen, ecx_seen);
    expect_chained(loop_blocks, chained);
  }
};

TEST_P(SystemChain, CliCldStdLoopIsChained) {
  paged_mode_at(0x1000);
  // loop: cli; std; cld; dec ecx; jnz loop; hlt
  put(0x1000, {0xfa, 0xfd, 0xfc, 0x49, 0x75, 0xfa, 0xf4});
  s().eflags = 0x202;
  const uint64_t chained = cpu->stats().chained;
  const uint64_t loop_blocks = run_to_halt();
  EXPECT_EQ(s().gpr[x86::kEcx], 0u);
  EXPECT_EQ(s().eflags & (x86::kIF | x86::kDF), 0u);
  expect_chained(loop_blocks, chained);
}

TEST_P(SystemChain, RdtscLoopIsChained) {
  paged_mode_at(0x1000);
  // loop: rdtsc; dec ecx; jnz loop; hlt (interrupts off: the HLT stays)
  put(0x1000, {0x0f, 0x31, 0x49, 0x75, 0xfb, 0xf4});
  s().eflags = 0x2;
  const uint64_t chained = cpu->stats().chained;
  const uint64_t loop_blocks = run_to_halt();
  EXPECT_EQ(s().gpr[x86::kEcx], 0u);
  expect_chained(loop_blocks, chained);
}

TEST_P(SystemChain, StiLoopIsChainedAndTakesThePendingInterruptOneInstructionLater) {
  paged_mode_at(0x1000);
  // loop: cli; sti; dec ecx; jnz loop; hlt with INTR raised: the first
  // STI lets it in one instruction later (the handler sees ECX one less),
  // although the STI block is chained (its exit request sends the chained
  // code back to the loop).
  put(0x1000, {0xfa, 0xfb, 0x49, 0x75, 0xfb, 0xf4});
  put32(0x5000, 0xdeadbeef);
  expect_one_interrupt_in_chained_loop(kCount - 1);
}

TEST_P(SystemChain, StiHltTakesTheInterruptAfterTheHltAndWakes) {
  paged_mode_at(0x1000);
  // loop: cli; out 0x80, al (raises INTR); sti; hlt; dec ecx; jnz loop; hlt.
  // Each interrupt comes after the HLT (STI's shadow), wakes it, and the
  // handler returns behind it: every iteration's handler runs, the last
  // one sees ECX = 1, and the final HLT stops the run.
  put(0x1000, {0xfa, 0xe6, 0x80, 0xfb, 0xf4, 0x49, 0x75, 0xf8, 0xf4});
  s().eflags = 0x2;
  EXPECT_EQ(cpu->run().kind, ExitKind::Halt);
  EXPECT_EQ(s().gpr[x86::kEcx], 0u);
  EXPECT_EQ(s().eip, 0x1009u);
  EXPECT_EQ(bus.acks, static_cast<int>(kCount));
  uint32_t seen = 0;
  std::memcpy(&seen, phys.ram() + 0x5000, 4);
  EXPECT_EQ(seen, 1u);
}

TEST_P(SystemChain, PopfSettingIfTakesThePendingInterrupt) {
  paged_mode_at(0x1000);
  // loop: cli; push 0x202; popf; dec ecx; jnz loop; hlt with INTR raised:
  // taken right after the first POPF (no shadow), although chained.
  put(0x1000, {0xfa, 0x68, 0x02, 0x02, 0x00, 0x00, 0x9d, 0x49, 0x75, 0xf6, 0xf4});
  expect_one_interrupt_in_chained_loop(kCount);
}

TEST_P(SystemChain, SegmentReloadKeepingTheModeIsChained) {
  paged_mode_at(0x1000);
  // loop: mov ds, dx; push ds; pop es; dec ecx; jnz loop; hlt (DX = the
  // flat data selector: the key's mode stays).
  put(0x1000, {0x8e, 0xda, 0x1e, 0x07, 0x49, 0x75, 0xf9, 0xf4});
  s().eflags = 0x2;
  s().gpr[x86::kEdx] = 0x10;
  const uint64_t chained = cpu->stats().chained;
  const uint64_t loop_blocks = run_to_halt();
  EXPECT_EQ(s().gpr[x86::kEcx], 0u);
  expect_chained(loop_blocks, chained);
}

TEST_P(SystemChain, SegmentLoadChangingTheModeLeavesTheBlock) {
  paged_mode_at(0x1000);
  // Selector 0x18: data at base 0x1000. mov ds, dx; mov [0x4000], ecx;
  // pop es; mov [es:0x4000], ecx; hlt: the first store must add DS's new
  // base (the block was translated for flat segments), the second ES's
  // (from the stack: the same selector).
  put32(0x13018, 0x1000ffff);
  put32(0x1301c, 0x00cf9200);
  s().gdtr = {0x13000, 0x1f};
  put(0x1000, {0x8e, 0xda, 0x89, 0x0d, 0x00, 0x40, 0x00, 0x00, 0x07, 0x26, 0x89, 0x0d, 0x00, 0x50,
               0x00, 0x00, 0xf4});
  put32(0x8ffc, 0x18);
  s().gpr[x86::kEsp] = 0x8ffc;
  s().gpr[x86::kEdx] = 0x18;
  s().eflags = 0x2;
  EXPECT_EQ(cpu->run().kind, ExitKind::Halt);
  uint32_t at = 0;
  std::memcpy(&at, phys.ram() + 0x5000, 4);
  EXPECT_EQ(at, kCount);
  std::memcpy(&at, phys.ram() + 0x6000, 4);
  EXPECT_EQ(at, kCount);
  std::memcpy(&at, phys.ram() + 0x4000, 4);
  EXPECT_EQ(at, 0u);
  EXPECT_EQ(s().seg[x86::kEs].base, 0x1000u);
}

TEST_P(SystemChain, IretToTheSameLevelIsChained) {
  paged_mode_at(0x1000);
  // loop: pushfd; push cs; push next; iretd; next: dec ecx; jnz loop; hlt
  put(0x1000, {0x9c, 0x0e, 0x68, 0x08, 0x10, 0x00, 0x00, 0xcf, 0x49, 0x75, 0xf5, 0xf4});
  s().eflags = 0x2;
  const uint64_t chained = cpu->stats().chained;
  const uint64_t loop_blocks = run_to_halt();
  EXPECT_EQ(s().gpr[x86::kEcx], 0u);
  EXPECT_EQ(s().gpr[x86::kEsp], 0x9000u);
  if (GetParam() == Engine::Jit)
    EXPECT_LT(loop_blocks, kCount / 10);
  else
    EXPECT_GE(cpu->stats().chained - chained, kCount - 2);
}

INSTANTIATE_TEST_SUITE_P(Engines, SystemChain, ::testing::Values(Engine::Interp, Engine::Jit),
                         [](const auto& info) {
                           return info.param == Engine::Jit ? "Jit" : "Interp";
                         });

}  // namespace
}  // namespace dynemu::exec
