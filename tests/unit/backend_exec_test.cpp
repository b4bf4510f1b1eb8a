// The JIT inside the CPU loop (Engine::Jit and Engine::Compare): precise
// host faults and helper exceptions from compiled code, self-modifying
// code, a full translation cache, and compare mode's undo of stores.
#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <functional>
#include <map>
#include <thread>

#include "emulator/exec/cpu.h"
#include "emulator/ir/builder.h"
#include "tests/unit/guest_memory.h"

namespace dynemu::exec {
namespace {

using ir::Builder;
using ir::Value;
using x86::kEax;
using x86::kEbx;
using x86::kEcx;
using x86::kEdx;

using Gen = std::function<void(Builder&, uint32_t eip)>;

class BackendExec : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override { install_host_fault_handler(); }

  void start(size_t cache_bytes = 32u << 20) {
    mem.map(0x1000, 0x4000);
    CpuConfig config;
    config.engine = GetParam();
    config.guest_base = mem.base();
    config.jit_cache_bytes = cache_bytes;
    config.translate = [this](const x86::TranslateRequest& r) {
      ir::Block block;
      block.start_eip = r.eip;
      block.cs_base = r.cs_base;
      block.mode = r.mode;
      block.guest_bytes = 1;
      Builder b(block);
      if (gen)
        gen(b, r.eip);
      else {
        b.insn_start(r.eip);
        b.raise_fault(6);
      }
      return block;
    };
    cpu = std::make_unique<Cpu>(config);
    auto& s = cpu->state();
    s.seg[x86::kCs].flags = 1u << 14;
    s.seg[x86::kSs].flags = 1u << 14;
    s.cr[0] = 1;
  }

  GuestMemory mem;
  Gen gen;
  std::unique_ptr<Cpu> cpu;
};

TEST_P(BackendExec, HostFaultIsPrecise) {
  gen = [](Builder& b, uint32_t) {
    b.insn_start(0x1000);
    b.set_gpr(kEcx, b.imm32(5));
    b.set_cc(x86::CcOp::Logic32, b.imm32(0));
    b.insn_start(0x1003);
    Value v = b.load32(b.get_gpr(kEax));
    Value r = b.add(b.get_gpr(kEdx), v);
    b.set_gpr(kEdx, r);
    b.set_cc(x86::CcOp::Add32, r, v);
    b.insn_start(0x1006);
    b.store32(b.get_gpr(kEbx), b.get_gpr(kEcx));
    b.exit_syscall(0x1009);
  };
  start();
  auto& s = cpu->state();
  s.eip = 0x1000;
  s.gpr[kEax] = 0x00800010;  // unmapped
  s.gpr[kEdx] = 0x1234;
  CpuExit e = cpu->run();
  EXPECT_EQ(e.kind, ExitKind::Exception);
  EXPECT_EQ(e.vector, 14);
  EXPECT_EQ(e.fault_addr, 0x00800010u);
  EXPECT_EQ(e.error_code & 2, 0u);
  EXPECT_EQ(s.eip, 0x1003u);
  EXPECT_EQ(s.gpr[kEcx], 5u);
  EXPECT_EQ(s.gpr[kEdx], 0x1234u);
  EXPECT_EQ(s.cc.op, static_cast<uint32_t>(x86::CcOp::Logic32));

  s.eip = 0x1000;
  s.gpr[kEax] = 0x1100;
  s.gpr[kEbx] = 0xfffffffe;  // past 4 GiB: still a guest fault
  e = cpu->run();
  EXPECT_EQ(e.vector, 14);
  EXPECT_EQ(e.error_code & 2, 2u);
  EXPECT_EQ(s.eip, 0x1006u);

  s.eip = 0x1000;
  s.gpr[kEbx] = 0x1200;
  s.gpr[kEdx] = 1;
  std::memcpy(mem.at(0x1100), "\x02\0\0\0", 4);
  e = cpu->run();
  EXPECT_EQ(e.kind, ExitKind::Syscall);
  EXPECT_EQ(s.eip, 0x1009u);
  EXPECT_EQ(s.gpr[kEdx], 3u);
  EXPECT_EQ(mem.at(0x1200)[0], 5);
}

uint64_t raise_gp(ir::GuestEnv& env, uint64_t a, uint64_t, uint64_t, uint64_t) {
  if (a) env.raise(13, 0x28);
  return a + 1;
}
const ir::HelperInfo kRaiseGp{"raise_gp", &raise_gp, ir::Type::I32, 1, ir::kMayRaise};

TEST_P(BackendExec, HelperExceptionIsPrecise) {
  gen = [](Builder& b, uint32_t) {
    b.insn_start(0x1000);
    b.set_gpr(kEbx, b.imm32(7));
    b.insn_start(0x1002);
    Value r = b.call(kRaiseGp, {b.get_gpr(kEax)});
    b.set_gpr(kEcx, r);
    b.exit_syscall(0x1004);
  };
  start();
  auto& s = cpu->state();
  s.eip = 0x1000;
  s.gpr[kEax] = 1;
  CpuExit e = cpu->run();
  EXPECT_EQ(e.kind, ExitKind::Exception);
  EXPECT_EQ(e.vector, 13);
  EXPECT_EQ(e.error_code, 0x28u);
  EXPECT_EQ(s.eip, 0x1002u);
  EXPECT_EQ(s.gpr[kEbx], 7u);
  EXPECT_EQ(s.gpr[kEcx], 0u);
  s.eip = 0x1000;
  s.gpr[kEax] = 0;
  e = cpu->run();
  EXPECT_EQ(e.kind, ExitKind::Syscall);
  EXPECT_EQ(s.gpr[kEcx], 1u);
}

// "Code" at 0x1000 is one byte: the block sets eax to it, then stores ebx
// there. The store rewrites the running block, which stops at the next
// instruction boundary (edx not incremented); the next run sees the new
// byte (and compare mode must not run the block's store twice).
TEST_P(BackendExec, SelfModifyingCode) {
  GuestMemory* m = &mem;
  gen = [m](Builder& b, uint32_t eip) {
    b.insn_start(eip);
    if (eip != 0x1000) {
      b.exit_syscall(eip);
      return;
    }
    b.set_gpr(kEax, b.imm32(*m->at(0x1000)));
    b.insn_start(eip + 1);
    b.store8(b.imm32(0x1000), b.get_gpr(kEbx));
    b.insn_start(eip + 2);
    b.set_gpr(kEdx, b.add(b.get_gpr(kEdx), 1u));
    b.exit_syscall(eip + 3);
  };
  start();
  auto& s = cpu->state();
  *mem.at(0x1000) = 0x11;
  s.gpr[kEbx] = 0x22;
  s.eip = 0x1000;
  cpu->run();
  EXPECT_EQ(s.gpr[kEax], 0x11u);
  EXPECT_EQ(*mem.at(0x1000), 0x22);
  EXPECT_EQ(s.gpr[kEdx], 0u);
  EXPECT_EQ(s.eip, 0x1002u);
  s.eip = 0x1000;
  s.gpr[kEbx] = 0x33;
  cpu->run();
  EXPECT_EQ(s.gpr[kEax], 0x22u);
  EXPECT_EQ(*mem.at(0x1000), 0x33);
  EXPECT_EQ(s.gpr[kEdx], 0u);
  // Data stores to a page without code do not stop blocks.
  *mem.at(0x1000) = 0x44;
  cpu->invalidate_code(0x1000, 1);
  gen = [](Builder& b, uint32_t eip) {
    b.insn_start(eip);
    b.store8(b.imm32(0x3000), b.get_gpr(kEbx));
    b.insn_start(eip + 1);
    b.set_gpr(kEdx, b.add(b.get_gpr(kEdx), 1u));
    b.exit_syscall(eip + 3);
  };
  s.eip = 0x1000;
  cpu->run();
  EXPECT_EQ(s.gpr[kEdx], 1u);
  EXPECT_EQ(s.eip, 0x1003u);
}

// Read-modify-write of memory and a loop through many blocks: compare mode
// runs each block twice, so its undo must leave one increment per run; a
// tiny translation cache is flushed many times on the way.
TEST_P(BackendExec, LoopThroughManyBlocksWithSmallCache) {
  gen = [](Builder& b, uint32_t eip) {
    b.insn_start(eip);
    Value addr = b.imm32(0x2000 + (eip & 0xff) * 4);
    b.store32(addr, b.add(b.load32(addr), 1u));
    b.set_gpr(kEax, b.add(b.get_gpr(kEax), eip));
    Value n = b.add(b.get_gpr(kEcx), 0xffffffffu);
    b.set_gpr(kEcx, n);
    b.exit_if(b.eq(n, 0u), 0x9000);
    b.exit_jump(eip + 1 > 0x10ff ? 0x1000 : eip + 1);
  };
  start(16 * 1024);
  // Block at 0x9000: leave.
  auto inner = gen;
  gen = [inner](Builder& b, uint32_t eip) {
    if (eip == 0x9000) {
      b.insn_start(eip);
      b.exit_syscall(eip + 2);
      return;
    }
    inner(b, eip);
  };
  auto& s = cpu->state();
  s.eip = 0x1000;
  s.gpr[kEcx] = 1000;
  CpuExit e = cpu->run();
  EXPECT_EQ(e.kind, ExitKind::Syscall);
  uint64_t sum = 0;
  uint32_t total = 0;
  for (uint32_t k = 0; k < 1000; ++k) sum += 0x1000 + (k % 256);
  for (uint32_t k = 0; k < 256; ++k) {
    uint32_t v;
    std::memcpy(&v, mem.at(0x2000 + 4 * k), 4);
    total += v;
  }
  EXPECT_EQ(total, 1000u);
  EXPECT_EQ(s.gpr[kEax], static_cast<uint32_t>(sum));
  EXPECT_EQ(cpu->stats().jit_fallbacks, 0u);
}

// Block A rewrites the "code" byte of block B, then jumps to it; B loads
// that byte as of its translation. Chained host jumps A -> B must be
// unlinked by the write, so every iteration runs a fresh B.
TEST_P(BackendExec, CodeWritesUnlinkChains) {
  GuestMemory* m = &mem;
  gen = [m](Builder& b, uint32_t eip) {
    b.insn_start(eip);
    if (eip == 0x1000) {
      Value n = b.add(b.get_gpr(kEbx), 1u);
      b.set_gpr(kEbx, n);
      b.store8(b.imm32(0x1100), n);
      b.exit_jump(0x1100);
    } else if (eip == 0x1100) {
      b.set_gpr(kEax, b.add(b.get_gpr(kEax), b.imm32(*m->at(0x1100))));
      Value c = b.add(b.get_gpr(kEcx), 0xffffffffu);
      b.set_gpr(kEcx, c);
      b.exit_if(b.eq(c, 0u), 0x9000);
      b.exit_jump(0x1000);
    } else {
      b.exit_syscall(eip);
    }
  };
  start();
  auto& s = cpu->state();
  s.eip = 0x1000;
  s.gpr[kEcx] = 300;
  CpuExit e = cpu->run();
  EXPECT_EQ(e.kind, ExitKind::Syscall);
  uint32_t sum = 0;
  for (uint32_t k = 1; k <= 300; ++k) sum += k & 0xff;
  EXPECT_EQ(s.gpr[kEax], sum);
}

// A block looping to itself forever, chained to itself in host code,
// still sees exit requests (its chained entry tests GuestEnv::exit_request).
TEST_P(BackendExec, EndlessChainedLoopSeesExitRequest) {
  gen = [](Builder& b, uint32_t eip) {
    b.insn_start(eip);
    b.set_gpr(kEax, b.add(b.get_gpr(kEax), 1u));
    b.exit_jump(eip);
  };
  start();
  cpu->state().eip = 0x1000;
  std::thread stopper([this] {
    while (cpu->state().gpr[kEax] < 100000) std::this_thread::yield();
    cpu->request_exit();
  });
  CpuExit e = cpu->run();
  stopper.join();
  EXPECT_EQ(e.kind, ExitKind::Request);
  EXPECT_GE(cpu->state().gpr[kEax], 100000u);
}

// x87 code runs inline with the guest's x87 registers resident in the host
// unit (emit_x87.cpp); a host fault in the middle of such a run must still
// leave the x87 state as after the previous instruction, as the interpreter
// does. Real translator, real x87 code.
TEST_P(BackendExec, X87StateIsPreciseAtAHostFault) {
  // fld1; fldpi; fld dword [eax]; fmul st, st(1); fstp dword [ebx]; int 0x80
  static const uint8_t kCode[] = {0xd9, 0xe8, 0xd9, 0xeb, 0xd9, 0x00,
                                  0xd8, 0xc9, 0xd9, 0x1b, 0xcd, 0x80};
  auto run_on = [&](Engine engine, uint32_t eax, uint32_t ebx, x86::CpuState& out) {
    GuestMemory m;
    m.map(0x1000, 0x4000);
    std::memcpy(m.at(0x1000), kCode, sizeof kCode);
    std::memcpy(m.at(0x2000), "\0\0\x40\x40", 4);  // 3.0f
    CpuConfig config;
    config.engine = engine;
    config.guest_base = m.base();
    Cpu c(config);
    auto& s = c.state();
    s.seg[x86::kCs].flags = 1u << 14;
    s.seg[x86::kSs].flags = 1u << 14;
    s.cr[0] = 1;
    s.eip = 0x1000;
    s.gpr[kEax] = eax;
    s.gpr[kEbx] = ebx;
    const CpuExit e = c.run();
    out = s;
    return e;
  };
  struct Case {
    uint32_t eax, ebx, fault_eip;  // fault_eip 0: runs to the syscall
  };
  for (const Case k : {Case{0x00900000, 0x3000, 0x1004}, Case{0x2000, 0x00900000, 0x1008},
                       Case{0x2000, 0x3000, 0}}) {
    x86::CpuState got, want;
    const CpuExit e = run_on(GetParam(), k.eax, k.ebx, got);
    const CpuExit r = run_on(Engine::Interp, k.eax, k.ebx, want);
    EXPECT_EQ(e.kind, r.kind);
    EXPECT_EQ(e.kind, k.fault_eip ? ExitKind::Exception : ExitKind::Syscall);
    EXPECT_EQ(got.eip, k.fault_eip ? k.fault_eip : 0x100cu);
    EXPECT_EQ(got.eip, want.eip);
    EXPECT_EQ(std::memcmp(&got.fpu, &want.fpu, x86::FpuState::kImageSize), 0)
        << "x87 state differs, fault at " << k.fault_eip;
    EXPECT_EQ(got.fpu.top(), want.fpu.top());
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, BackendExec, ::testing::Values(Engine::Jit, Engine::Compare),
                         [](const auto& info) {
                           return info.param == Engine::Jit ? std::string("Jit")
                                                            : std::string("Compare");
                         });

}  // namespace
}  // namespace dynemu::exec
