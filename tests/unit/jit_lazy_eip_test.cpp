// Lazy EIP in the x86-64 JIT: compiled code stores no EIP per guest
// instruction; Jit::guest_eip_at maps a host PC inside a block back to its
// guest instruction (what the host fault handler uses), and EIP is still
// exact at faults (RaiseFault), helper calls and exits.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <vector>

#include "emulator/backend/x64/jit.h"
#include "emulator/ir/builder.h"

namespace dynemu {
namespace {

using backend::x64::Jit;
using ir::Builder;

// A block of `n` instructions at 0x1000, 0x1002, ..., each adding to eax.
ir::Block adds(uint32_t n) {
  ir::Block block;
  block.start_eip = 0x1000;
  block.guest_bytes = 2 * n;
  Builder b(block);
  for (uint32_t k = 0; k < n; ++k) {
    b.insn_start(0x1000 + 2 * k);
    b.set_gpr(x86::kEax, b.add(b.get_gpr(x86::kEax), b.imm32(k + 1)));
    b.store32(b.get_gpr(x86::kEbx), b.get_gpr(x86::kEax));
  }
  b.exit_syscall(0x1000 + 2 * n);
  return block;
}

TEST(JitLazyEip, HostPcMapsToTheContainingInstruction) {
  Jit jit;
  const ir::Block block = adds(6);
  const Jit::Chained c = jit.compile_chained(block, 0x77);
  ASSERT_NE(c.fn, nullptr);
  ASSERT_GT(c.hot.size, 0u);
  ASSERT_GT(c.cold.size, 0u);
  EXPECT_EQ(jit.stats().host_bytes, c.hot.size + c.cold.size);
  uint32_t eip = 0;
  uint64_t tag = 1;
  // The exit-request test and the entry belong to no instruction; bytes
  // outside the block none.
  const auto hot = reinterpret_cast<uintptr_t>(c.hot.start);
  const auto cold = reinterpret_cast<uintptr_t>(c.cold.start);
  EXPECT_FALSE(jit.guest_eip_at(hot, eip, tag));
  EXPECT_FALSE(jit.guest_eip_at(reinterpret_cast<uintptr_t>(c.fn), eip, tag));
  EXPECT_FALSE(jit.guest_eip_at(hot + c.hot.size + 64, eip, tag));
  EXPECT_FALSE(jit.guest_eip_at(cold + c.cold.size + 64, eip, tag));
  EXPECT_FALSE(jit.guest_eip_at(0x1234, eip, tag));
  // Walking the block's hot code, its instructions come in order, every
  // one of them appears, and nothing else; its cold code (slow paths)
  // belongs to the same instructions.
  std::set<uint32_t> seen;
  uint32_t last = 0;
  bool ordered = true;
  for (uintptr_t pc = hot; pc < hot + c.hot.size; ++pc) {
    if (!jit.guest_eip_at(pc, eip, tag)) continue;
    EXPECT_EQ(tag, 0x77u);
    EXPECT_GE(eip, 0x1000u);
    EXPECT_LE(eip, 0x100au);
    EXPECT_EQ(eip % 2, 0u);
    if (eip < last) ordered = false;
    last = eip;
    seen.insert(eip);
  }
  EXPECT_TRUE(ordered);
  EXPECT_EQ(seen.size(), 6u);
  for (uintptr_t pc = cold; pc < cold + c.cold.size; ++pc) {
    if (!jit.guest_eip_at(pc, eip, tag)) continue;
    EXPECT_EQ(tag, 0x77u);
    EXPECT_TRUE(seen.count(eip)) << std::hex << eip;
  }
}

TEST(JitLazyEip, TagAndFlushForgetOldBlocks) {
  // A cache of 64 KiB fills up: after a flush old addresses map to nothing
  // unless a new block sits there.
  Jit jit(64 * 1024);
  const ir::Block block = adds(40);
  const Jit::Chained first = jit.compile_chained(block, 0xabcd);
  ASSERT_NE(first.fn, nullptr);
  uint32_t eip = 0;
  uint64_t tag = 0;
  // The first instruction starts at or shortly after the body.
  auto pc = reinterpret_cast<uintptr_t>(first.body);
  while (!jit.guest_eip_at(pc, eip, tag) && pc < reinterpret_cast<uintptr_t>(first.body) + 64) ++pc;
  ASSERT_TRUE(jit.guest_eip_at(pc, eip, tag));
  EXPECT_EQ(tag, 0xabcdu);
  EXPECT_EQ(eip, 0x1000u);
  const uint64_t epoch = jit.epoch();
  uint64_t n = 1;
  while (jit.epoch() == epoch) {
    ASSERT_NE(jit.compile_chained(block, 0x100 + n).fn, nullptr);
    ++n;
  }
  // The first block after the flush went where `first` was.
  EXPECT_TRUE(jit.guest_eip_at(pc, eip, tag));
  EXPECT_EQ(tag, 0x100 + n - 1);
  // Code of the last epoch past the new blocks is gone.
  const auto old_last = reinterpret_cast<uintptr_t>(first.body) + 20 * 1024;
  EXPECT_FALSE(jit.guest_eip_at(old_last, eip, tag));
}

// EIP exact without per-instruction stores: a fault raised by the IR
// (RaiseFault) in the third instruction, a helper call, an exit.
uint64_t read_eip(ir::GuestEnv& env, uint64_t, uint64_t, uint64_t, uint64_t) {
  return env.state->eip;
}
const ir::HelperInfo kReadEip{"read_eip", &read_eip, ir::Type::I32, 0, ir::kReadsState};

TEST(JitLazyEip, EipExactAtFaultsCallsAndExits) {
  Jit jit;
  std::vector<uint8_t> mem(0x10000);
  x86::CpuState s{};
  ir::GuestEnv env;
  env.state = &s;
  env.guest_base = mem.data();
  std::vector<uint64_t> temps(64);

  ir::Block fault;
  fault.start_eip = 0x2000;
  {
    Builder b(fault);
    b.insn_start(0x2000);
    b.set_gpr(x86::kEcx, b.imm32(1));
    b.insn_start(0x2003);
    b.set_gpr(x86::kEcx, b.call(kReadEip, {}));
    b.insn_start(0x2005);
    b.raise_fault(6);
  }
  s.eip = 0x2000;
  auto exit = Jit::run(jit.compile(fault), env, temps.data());
  EXPECT_EQ(exit.kind, interp::ExitKind::Exception);
  EXPECT_EQ(env.vector, 6);
  EXPECT_EQ(s.eip, 0x2005u);
  EXPECT_EQ(s.gpr[x86::kEcx], 0x2003u);  // the helper saw its instruction's EIP

  env.raised = false;
  s.eip = 0;
  exit = Jit::run(jit.compile(adds(3)), env, temps.data());
  EXPECT_EQ(exit.kind, interp::ExitKind::Syscall);
  EXPECT_EQ(s.eip, 0x1006u);
}

// Chaining by patched jumps: block A's direct exit is a jmp rel32 that
// exec points at B's body (and back at A's stub); B, entered by a chained
// jump, leaves at once when GuestEnv::exit_request is set.
TEST(JitLazyEip, PatchedExitsLinkUnlinkAndSeeExitRequests) {
  Jit jit(1u << 20);
  // One instruction at `eip` adding 1 to `reg`, then `leave`.
  auto add_one = [](uint32_t eip, x86::Gpr reg, auto leave) {
    ir::Block block;
    block.start_eip = eip;
    Builder b(block);
    b.insn_start(eip);
    b.set_gpr(reg, b.add(b.get_gpr(reg), b.imm32(1)));
    leave(b);
    return block;
  };
  const ir::Block a = add_one(0x1000, x86::kEax, [](Builder& b) { b.exit_jump(0x2000); });
  const ir::Block bb = add_one(0x2000, x86::kEcx, [](Builder& b) { b.exit_syscall(0x2002); });
  const Jit::Chained ca = jit.compile_chained(a, 0xa);
  const Jit::Chained cb = jit.compile_chained(bb, 0xb);
  ASSERT_NE(ca.fn, nullptr);
  ASSERT_NE(cb.fn, nullptr);
  ASSERT_EQ(ca.exits.size(), 1u);
  EXPECT_EQ(ca.exits[0].first, 0u);

  x86::CpuState s{};
  ir::GuestEnv env;
  env.state = &s;
  std::vector<uint64_t> temps(64);
  uint64_t* t = temps.data() + 1;  // temps[-1]: the block that left
  auto run = [&] { return Jit::run(ca.fn, env, t); };

  auto exit = run();  // unlinked: A leaves through its stub
  EXPECT_EQ(exit.kind, interp::ExitKind::Direct);
  EXPECT_EQ(exit.slot, 0u);
  EXPECT_EQ(s.eip, 0x2000u);
  EXPECT_EQ(temps[0], 0xau);
  EXPECT_EQ(s.gpr[x86::kEcx], 0u);

  jit.patch_exit(ca.exits[0].second, cb.body);
  s.eip = 0;
  exit = run();  // linked: B runs after A, no return in between
  EXPECT_EQ(exit.kind, interp::ExitKind::Syscall);
  EXPECT_EQ(s.eip, 0x2002u);
  EXPECT_EQ(temps[0], 0xbu);
  EXPECT_EQ(s.gpr[x86::kEax], 2u);
  EXPECT_EQ(s.gpr[x86::kEcx], 1u);

  env.exit_request = 1;  // A (entered from the loop) runs; B leaves at entry
  exit = run();
  EXPECT_EQ(exit.kind, interp::ExitKind::Stopped);
  EXPECT_EQ(exit.slot, backend::x64::kEntryStop);  // EIP: B's start, set by exec
  EXPECT_EQ(temps[0], 0xbu);
  EXPECT_EQ(s.gpr[x86::kEax], 3u);
  EXPECT_EQ(s.gpr[x86::kEcx], 1u);
  env.exit_request = 0;

  jit.patch_exit(ca.exits[0].second, nullptr);
  exit = run();
  EXPECT_EQ(exit.kind, interp::ExitKind::Direct);
  EXPECT_EQ(s.eip, 0x2000u);
  EXPECT_EQ(s.gpr[x86::kEcx], 1u);
}

}  // namespace
}  // namespace dynemu
