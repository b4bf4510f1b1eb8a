// exec::Cpu in system mode: which blocks are chained. A block whose only
// CpuState writes are CLI/CLD/STD (EFLAGS.IF/DF, no key bit) or RDTSC
// keeps the key's mode, so its direct exits are chained (host code on the
// JIT, the successor cache on the interpreter) instead of returning to the
// CPU loop each time: a Linux guest's spin_lock_irqsave and sched_clock run
// on every timer tick. STI still returns to the loop (a pending interrupt
// must be taken after the next instruction).
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
  void io_write(uint16_t, unsigned, uint32_t) override {}
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

TEST_P(SystemChain, StiReturnsToTheLoopAndTakesThePendingInterrupt) {
  paged_mode_at(0x1000);
  // loop: cli; sti; dec ecx; jnz loop; hlt with INTR raised: the first
  // STI lets it in one instruction later (the handler sees ECX one less),
  // and every STI block returns to the loop.
  put(0x1000, {0xfa, 0xfb, 0x49, 0x75, 0xfb, 0xf4});
  put32(0x5000, 0xdeadbeef);
  s().eflags = 0x2;
  cpu->set_irq(true);
  const uint64_t loop_blocks = run_to_halt();
  EXPECT_EQ(s().gpr[x86::kEcx], 0u);
  EXPECT_EQ(bus.acks, 1);
  uint32_t seen = 0;
  std::memcpy(&seen, phys.ram() + 0x5000, 4);
  EXPECT_EQ(seen, kCount - 1);
  EXPECT_GE(loop_blocks, uint64_t{kCount});
}

INSTANTIATE_TEST_SUITE_P(Engines, SystemChain, ::testing::Values(Engine::Interp, Engine::Jit),
                         [](const auto& info) {
                           return info.param == Engine::Jit ? "Jit" : "Interp";
                         });

}  // namespace
}  // namespace dynemu::exec
