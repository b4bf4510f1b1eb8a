// The CPU loop over hand-built IR blocks (a fake front end): exit kinds,
// precise EIP and state on host faults, self-modifying code, REP-style
// self loops, exit requests, the block key, and engines that do not exist yet.
#include "emulator/exec/cpu.h"

#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <csignal>
#include <functional>
#include <map>
#include <stdexcept>
#include <thread>

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

// A fake front end: one IR generator per start EIP.
class FakeFrontEnd {
 public:
  using Gen = std::function<void(Builder&, const x86::TranslateRequest&)>;
  void at(uint32_t eip, uint32_t bytes, Gen gen) { m_gens[eip] = {bytes, std::move(gen)}; }

  ir::Block translate(const x86::TranslateRequest& req) {
    ++translations;
    last_cs_base = req.cs_base;
    ir::Block block;
    block.start_eip = req.eip;
    block.cs_base = req.cs_base;
    block.mode = req.mode;
    Builder b(block);
    auto it = m_gens.find(req.eip);
    if (it == m_gens.end()) {
      b.insn_start(req.eip);
      b.raise_fault(6);  // #UD: no code here
      return block;
    }
    block.guest_bytes = it->second.first;
    it->second.second(b, req);
    return block;
  }

  int translations = 0;
  uint32_t last_cs_base = 0;

 private:
  std::map<uint32_t, std::pair<uint32_t, Gen>> m_gens;
};

class ExecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    install_host_fault_handler();
    mem.map(0x1000, 0x4000);
    CpuConfig config;
    config.guest_base = mem.base();
    config.translate = [this](const x86::TranslateRequest& r) { return fe.translate(r); };
    cpu = std::make_unique<Cpu>(config);
    auto& s = cpu->state();
    s.seg[x86::kCs].flags = 1u << 14;  // 32-bit code
    s.seg[x86::kSs].flags = 1u << 14;
    s.cr[0] = 1;
  }

  GuestMemory mem;
  FakeFrontEnd fe;
  std::unique_ptr<Cpu> cpu;
};

TEST_F(ExecTest, ExitKinds) {
  fe.at(0x1000, 5, [](Builder& b, auto&) {
    b.insn_start(0x1000);
    b.set_gpr(kEax, b.imm32(1));
    b.exit_jump(0x2000);
  });
  fe.at(0x2000, 5, [](Builder& b, auto&) {
    b.insn_start(0x2000);
    b.set_gpr(kEax, b.add(b.get_gpr(kEax), 1u));
    b.exit_syscall(0x2002);
  });
  fe.at(0x2002, 1, [](Builder& b, auto&) {
    b.insn_start(0x2002);
    b.exit_halt(0x2003);
  });
  fe.at(0x2003, 1, [](Builder& b, auto&) {
    b.insn_start(0x2003);
    b.raise_trap(3, 0x2004);
  });
  cpu->state().eip = 0x1000;
  CpuExit e = cpu->run();
  EXPECT_EQ(e.kind, ExitKind::Syscall);
  EXPECT_EQ(cpu->state().eip, 0x2002u);
  EXPECT_EQ(cpu->state().gpr[kEax], 2u);
  e = cpu->run();
  EXPECT_EQ(e.kind, ExitKind::Halt);
  EXPECT_EQ(cpu->state().eip, 0x2003u);
  e = cpu->run();
  EXPECT_EQ(e.kind, ExitKind::Exception);
  EXPECT_EQ(e.vector, 3);
  EXPECT_EQ(cpu->state().eip, 0x2004u);
  cpu->state().eip = 0x7777;  // nothing there: the fake front end raises #UD
  e = cpu->run();
  EXPECT_EQ(e.kind, ExitKind::Exception);
  EXPECT_EQ(e.vector, 6);
  EXPECT_EQ(cpu->state().eip, 0x7777u);
  EXPECT_EQ(cpu->stats().blocks_translated, 5u);
}

// A load from unmapped guest memory in the middle of a block: #PF with the
// faulting instruction's EIP, and the state as after the previous one.
TEST_F(ExecTest, HostFaultIsPreciseGuestPageFault) {
  fe.at(0x1000, 9, [](Builder& b, auto&) {
    b.insn_start(0x1000);  // mov ecx, 5
    b.set_gpr(kEcx, b.imm32(5));
    b.set_cc(x86::CcOp::Logic32, b.imm32(0));
    b.insn_start(0x1003);  // add edx, [eax]
    Value v = b.load32(b.get_gpr(kEax));
    Value r = b.add(b.get_gpr(kEdx), v);
    b.set_gpr(kEdx, r);
    b.set_cc(x86::CcOp::Add32, r, v);
    b.insn_start(0x1006);  // mov [ebx], ecx
    b.store32(b.get_gpr(kEbx), b.get_gpr(kEcx));
    b.exit_syscall(0x1009);
  });
  auto& s = cpu->state();
  s.eip = 0x1000;
  s.gpr[kEax] = 0x00800010;  // unmapped
  s.gpr[kEdx] = 0x1234;
  CpuExit e = cpu->run();
  EXPECT_EQ(e.kind, ExitKind::Exception);
  EXPECT_EQ(e.vector, 14);
  EXPECT_EQ(e.fault_addr, 0x00800010u);
  EXPECT_EQ(e.error_code & 2, 0u);  // a read
  EXPECT_EQ(e.error_code & 4, 4u);  // user mode
  EXPECT_EQ(e.host_signal, SIGSEGV);
  EXPECT_EQ(s.eip, 0x1003u);
  EXPECT_EQ(s.gpr[kEcx], 5u);
  EXPECT_EQ(s.gpr[kEdx], 0x1234u);
  EXPECT_EQ(s.cc.op, static_cast<uint32_t>(x86::CcOp::Logic32));  // flags of insn 1

  // Now the load works and the store faults: a write.
  s.eip = 0x1000;
  s.gpr[kEax] = 0x1100;
  s.gpr[kEbx] = 0xfffffffe;  // the access runs past 4 GiB: still a guest fault
  e = cpu->run();
  EXPECT_EQ(e.kind, ExitKind::Exception);
  EXPECT_EQ(e.vector, 14);
  EXPECT_EQ(e.error_code & 2, 2u);
  EXPECT_EQ(s.eip, 0x1006u);
  EXPECT_EQ(cpu->stats().host_faults, 2u);

  // Read-only page: a protection fault (present bit set).
  mem.map(0x5000, 0x1000, PROT_READ);
  s.eip = 0x1000;
  s.gpr[kEbx] = 0x5000;
  e = cpu->run();
  EXPECT_EQ(e.vector, 14);
  EXPECT_EQ(e.error_code & 3, 3u);
  EXPECT_EQ(e.fault_addr, 0x5000u);
}

// The fake front end reads its "instruction" from guest memory: "set eax to
// the code byte at 0x1000". A store into that byte must change what runs.
TEST_F(ExecTest, SelfModifyingCode) {
  *mem.at(0x1000) = 7;
  fe.at(0x1000, 2, [](Builder& b, const x86::TranslateRequest& req) {
    uint8_t code = 0;
    EXPECT_EQ(req.fetch(0x1000, &code, 1), 1u);
    b.insn_start(0x1000);
    b.set_gpr(kEax, b.imm32(code));
    b.insn_start(0x1001);  // mov [0x1000], bl: writes into this very block
    b.store8(b.imm32(0x1000), b.get_gpr(kEbx));
    b.set_gpr(kEcx, b.add(b.get_gpr(kEcx), 1u));
    b.insn_start(0x1002);
    b.set_gpr(kEdx, b.imm32(0xdead));  // must not run from the stale block
    b.exit_jump(0x1003);
  });
  fe.at(0x1002, 1, [](Builder& b, auto&) {
    b.insn_start(0x1002);
    b.set_gpr(kEdx, b.add(b.get_gpr(kEax), 100u));
    b.exit_syscall(0x1003);
  });
  auto& s = cpu->state();
  s.eip = 0x1000;
  s.gpr[kEbx] = 9;
  CpuExit e = cpu->run();
  EXPECT_EQ(e.kind, ExitKind::Syscall);
  EXPECT_EQ(s.gpr[kEax], 7u);
  EXPECT_EQ(s.gpr[kEcx], 1u);    // the storing instruction completed
  EXPECT_EQ(s.gpr[kEdx], 107u);  // continued in a fresh block at 0x1002
  EXPECT_EQ(cpu->stats().invalidations, 1u);
  EXPECT_EQ(*mem.at(0x1000), 9);

  // The next run translates the new code.
  s.eip = 0x1000;
  s.gpr[kEbx] = 9;  // same byte again: no change to code, but still a write
  e = cpu->run();
  EXPECT_EQ(s.gpr[kEax], 9u);
  EXPECT_EQ(fe.translations, 3);  // 0x1000, 0x1002, 0x1000 again (+0x1002 cached)

  // Changes behind the CPU's back need invalidate_code.
  fe.at(0x3000, 1, [](Builder& b, const x86::TranslateRequest& req) {
    uint8_t code = 0;
    req.fetch(0x3000, &code, 1);
    b.insn_start(0x3000);
    b.set_gpr(kEax, b.imm32(code));
    b.exit_syscall(0x3001);
  });
  *mem.at(0x3000) = 1;
  s.eip = 0x3000;
  cpu->run();
  EXPECT_EQ(s.gpr[kEax], 1u);
  *mem.at(0x3000) = 2;
  s.eip = 0x3000;
  cpu->run();
  EXPECT_EQ(s.gpr[kEax], 1u);  // cached
  cpu->invalidate_code(0x2ff0, 0x20);
  s.eip = 0x3000;
  cpu->run();
  EXPECT_EQ(s.gpr[kEax], 2u);
}

// Code written through a second mapping of the same memory (W^X JITs):
// the personality reports the alias, stores there invalidate the code.
TEST(ExecAlias, WritesThroughAnAliasInvalidate) {
  install_host_fault_handler();
  GuestMemory mem;
  const int fd = memfd_create("exec_test", 0);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, 4096), 0);
  for (uint32_t at : {0x6000u, 0x7000u})
    ASSERT_NE(mmap(mem.at(at), 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0),
              MAP_FAILED);
  close(fd);
  FakeFrontEnd fe;
  fe.at(0x6000, 1, [](Builder& b, const x86::TranslateRequest& req) {
    uint8_t code = 0;
    req.fetch(0x6000, &code, 1);
    b.insn_start(0x6000);
    b.set_gpr(kEax, b.imm32(code));
    b.exit_syscall(0x6001);
  });
  fe.at(0x5000, 1, [](Builder& b, auto&) {
    b.insn_start(0x5000);  // mov [0x7000], bl
    b.store8(b.imm32(0x7000), b.get_gpr(kEbx));
    b.exit_jump(0x6000);
  });
  CpuConfig config;
  config.guest_base = mem.base();
  config.translate = [&fe](const x86::TranslateRequest& r) { return fe.translate(r); };
  config.page_aliases = [](uint32_t page, std::vector<uint32_t>& out) {
    if (page == 0x6) out.push_back(0x7);
    if (page == 0x7) out.push_back(0x6);
  };
  Cpu cpu(config);
  cpu.state().seg[x86::kCs].flags = 1u << 14;
  for (uint32_t i = 1; i <= 3; ++i) {
    cpu.state().eip = 0x5000;
    cpu.state().gpr[kEbx] = i;
    EXPECT_EQ(cpu.run().kind, ExitKind::Syscall);
    EXPECT_EQ(cpu.state().gpr[kEax], i);
  }
  EXPECT_EQ(fe.translations, 4);  // 0x5000 once, 0x6000 three times
}

// Stores near code but not into it must not drop the code's blocks.
TEST_F(ExecTest, DataNextToCodeKeepsBlocks) {
  fe.at(0x1000, 4, [](Builder& b, auto&) {
    b.insn_start(0x1000);
    b.store32(b.imm32(0x1004), b.get_gpr(kEcx));  // just past the block's bytes
    b.set_gpr(kEcx, b.add(b.get_gpr(kEcx), 1u));
    b.exit_if(b.ne(b.get_gpr(kEcx), 10u), 0x1000);
    b.exit_syscall(0x1004);
  });
  cpu->state().eip = 0x1000;
  EXPECT_EQ(cpu->run().kind, ExitKind::Syscall);
  EXPECT_EQ(cpu->state().gpr[kEcx], 10u);
  EXPECT_EQ(fe.translations, 1);
  EXPECT_EQ(cpu->stats().invalidations, 0u);
}

// REP-style loop: a block that exits to its own EIP while work remains.
TEST_F(ExecTest, SelfLoopIsChained) {
  fe.at(0x1000, 2, [](Builder& b, auto&) {
    b.insn_start(0x1000);  // "rep stosb" one iteration at a time
    Value ecx = b.get_gpr(kEcx);
    b.exit_if(b.eq(ecx, 0u), 0x1002);
    b.store8(b.get_gpr(x86::kEdi), b.get_gpr(kEax));
    b.set_gpr(x86::kEdi, b.add(b.get_gpr(x86::kEdi), 1u));
    b.set_gpr(kEcx, b.sub(ecx, 1u));
    b.exit_jump(0x1000);
  });
  fe.at(0x1002, 1, [](Builder& b, auto&) {
    b.insn_start(0x1002);
    b.exit_syscall(0x1003);
  });
  auto& s = cpu->state();
  s.eip = 0x1000;
  s.gpr[kEcx] = 1000;
  s.gpr[kEax] = 0xab;
  s.gpr[x86::kEdi] = 0x2000;
  EXPECT_EQ(cpu->run().kind, ExitKind::Syscall);
  EXPECT_EQ(s.gpr[x86::kEdi], 0x2000u + 1000);
  EXPECT_EQ(*mem.at(0x2000 + 999), 0xab);
  EXPECT_EQ(fe.translations, 2);
  EXPECT_EQ(cpu->stats().blocks_executed, 1002u);
  EXPECT_GE(cpu->stats().chained, 999u);
}

TEST_F(ExecTest, RequestExit) {
  fe.at(0x1000, 2, [](Builder& b, auto&) {
    b.insn_start(0x1000);  // jmp $
    b.set_gpr(kEax, b.add(b.get_gpr(kEax), 1u));
    b.exit_jump(0x1000);
  });
  cpu->state().eip = 0x1000;
  cpu->request_exit();
  EXPECT_EQ(cpu->run().kind, ExitKind::Request);
  EXPECT_EQ(cpu->state().gpr[kEax], 0u);
  // From another thread while the guest spins forever.
  std::thread stopper([this] {
    while (__atomic_load_n(&cpu->state().gpr[kEax], __ATOMIC_RELAXED) < 1000)
      std::this_thread::yield();
    cpu->request_exit();
  });
  EXPECT_EQ(cpu->run().kind, ExitKind::Request);
  stopper.join();
  EXPECT_GE(cpu->state().gpr[kEax], 1000u);
}

// The block key includes the CS base and the mode.
TEST_F(ExecTest, BlockKey) {
  fe.at(0x1000, 1, [](Builder& b, const x86::TranslateRequest& req) {
    b.insn_start(0x1000);
    b.set_gpr(kEax, b.imm32(req.mode));
    b.exit_syscall(0x1001);
  });
  auto& s = cpu->state();
  s.eip = 0x1000;
  cpu->run();
  constexpr uint32_t kCpl3 = 3u << ir::kModeCplShift;  // user mode runs at CPL 3
  EXPECT_EQ(s.gpr[kEax], ir::kMode32BitCode | ir::kMode32BitStack | ir::kModeFlatSegs |
                             ir::kModeProtected | kCpl3);
  s.seg[x86::kCs].base = 0x100;  // not flat any more
  s.eip = 0x1000;
  cpu->run();
  EXPECT_EQ(fe.last_cs_base, 0x100u);
  EXPECT_EQ(s.gpr[kEax], ir::kMode32BitCode | ir::kMode32BitStack | ir::kModeProtected | kCpl3);
  s.seg[x86::kCs].base = 0;
  s.seg[x86::kCs].flags = 0;
  s.eip = 0x1000;
  cpu->run();
  EXPECT_EQ(s.gpr[kEax], ir::kMode32BitStack | ir::kModeFlatSegs | ir::kModeProtected | kCpl3);
  EXPECT_EQ(fe.translations, 3);
  s.seg[x86::kCs].flags = 1u << 14;
  s.eip = 0x1000;
  cpu->run();
  EXPECT_EQ(fe.translations, 3);  // the first one, from the cache
}

// A block that changes the CS base cannot chain blindly: its successor
// depends on the state it leaves.
TEST_F(ExecTest, ModeChangingBlocksAreNotChainedBlindly) {
  fe.at(0x1000, 1, [](Builder& b, const x86::TranslateRequest& req) {
    b.insn_start(0x1000);
    if (req.cs_base == 0) {  // "far jump": CS base from EBX, same EIP
      b.set_state(offsetof(x86::CpuState, seg) + x86::kCs * sizeof(x86::SegmentCache) +
                      offsetof(x86::SegmentCache, base),
                  4, b.get_gpr(kEbx));
      b.exit_jump(0x1000);
    } else {
      b.set_gpr(kEax, b.imm32(req.cs_base));
      b.exit_syscall(0x1001);
    }
  });
  auto& s = cpu->state();
  for (uint32_t base : {0x100u, 0x200u, 0x100u}) {
    s.eip = 0x1000;
    s.seg[x86::kCs].base = 0;
    s.gpr[kEbx] = base;
    EXPECT_EQ(cpu->run().kind, ExitKind::Syscall);
    EXPECT_EQ(s.gpr[kEax], base);
  }
}

TEST_F(ExecTest, GuardedFetch) {
  mem.map(0x10000, 0x1000);
  fe.at(0x10ffe, 2, [](Builder& b, const x86::TranslateRequest& req) {
    uint8_t buf[16];
    b.insn_start(0x10ffe);
    b.set_gpr(kEax, b.imm32(req.fetch(0x10ffe, buf, 16)));    // 2 readable bytes
    b.set_gpr(kEcx, b.imm32(req.fetch(0x00900000, buf, 4)));  // none
    b.exit_syscall(0x11000);
  });
  cpu->state().eip = 0x10ffe;
  EXPECT_EQ(cpu->run().kind, ExitKind::Syscall);
  EXPECT_EQ(cpu->state().gpr[kEax], 2u);
  EXPECT_EQ(cpu->state().gpr[kEcx], 0u);
}

TEST(ExecCodeAccess, NoExecutePagesFault) {
  install_host_fault_handler();
  GuestMemory mem;
  mem.map(0x1000, 0x3000);
  FakeFrontEnd fe;
  fe.at(0x1ffe, 2, [](Builder& b, const x86::TranslateRequest& req) {
    uint8_t buf[4];
    b.insn_start(0x1ffe);
    b.set_gpr(kEax, b.imm32(req.fetch(0x1ffe, buf, 4)));  // stops at the NX page
    b.exit_syscall(0x2000);
  });
  CpuConfig config;
  config.guest_base = mem.base();
  config.translate = [&fe](const x86::TranslateRequest& r) { return fe.translate(r); };
  config.code_access = [](uint32_t page) {
    return page == 1 ? CodeAccess::Exec : page == 2 ? CodeAccess::NoExec : CodeAccess::Unmapped;
  };
  Cpu cpu(config);
  cpu.state().eip = 0x1ffe;
  EXPECT_EQ(cpu.run().kind, ExitKind::Syscall);
  EXPECT_EQ(cpu.state().gpr[kEax], 2u);
  CpuExit e = cpu.run();  // at 0x2000: mapped, not executable
  EXPECT_EQ(e.kind, ExitKind::Exception);
  EXPECT_EQ(e.vector, 14);
  EXPECT_EQ(e.error_code, 0x15u);
  EXPECT_EQ(e.fault_addr, 0x2000u);
  EXPECT_EQ(cpu.state().eip, 0x2000u);
  cpu.state().eip = 0x9000;
  e = cpu.run();
  EXPECT_EQ(e.error_code, 0x14u);
  EXPECT_EQ(e.fault_addr, 0x9000u);
  EXPECT_EQ(fe.translations, 1);
}

// Two CPUs (guest threads) sharing one cache: code is translated once, and a
// store by one into code the other translated invalidates it.
TEST(ExecSharedCache, ThreadsShareTranslationsAndInvalidation) {
  install_host_fault_handler();
  GuestMemory mem;
  mem.map(0x1000, 0x2000);
  *mem.at(0x1000) = 5;
  FakeFrontEnd fe;
  fe.at(0x1000, 1, [](Builder& b, const x86::TranslateRequest& req) {
    uint8_t code = 0;
    req.fetch(0x1000, &code, 1);
    b.insn_start(0x1000);
    b.set_gpr(kEax, b.imm32(code));
    b.exit_syscall(0x1001);
  });
  fe.at(0x2000, 1, [](Builder& b, auto&) {
    b.insn_start(0x2000);  // mov [0x1000], bl
    b.store8(b.imm32(0x1000), b.get_gpr(kEbx));
    b.exit_syscall(0x2001);
  });
  CpuConfig config;
  config.guest_base = mem.base();
  config.translate = [&fe](const x86::TranslateRequest& r) { return fe.translate(r); };
  config.shared_cache = make_shared_block_cache();
  Cpu a(config), b(config);
  a.state().eip = b.state().eip = 0x1000;
  a.run();
  b.run();
  EXPECT_EQ(a.state().gpr[kEax], 5u);
  EXPECT_EQ(b.state().gpr[kEax], 5u);
  EXPECT_EQ(fe.translations, 1);
  b.state().eip = 0x2000;
  b.state().gpr[kEbx] = 6;
  b.run();
  a.state().eip = 0x1000;
  a.run();
  EXPECT_EQ(a.state().gpr[kEax], 6u);
}

uint64_t helper_raise_ud(ir::GuestEnv& env, uint64_t, uint64_t, uint64_t, uint64_t) {
  env.raise(6);
  return 0;
}
constexpr ir::HelperInfo kRaiseUd{"raise_ud", &helper_raise_ud, ir::Type::Void, 0, ir::kMayRaise};

TEST_F(ExecTest, HelperException) {
  fe.at(0x1000, 4, [](Builder& b, auto&) {
    b.insn_start(0x1000);
    b.set_gpr(kEax, b.imm32(1));
    b.insn_start(0x1002);
    b.call(kRaiseUd);
    b.set_gpr(kEax, b.imm32(2));
    b.exit_jump(0x1004);
  });
  cpu->state().eip = 0x1000;
  CpuExit e = cpu->run();
  EXPECT_EQ(e.kind, ExitKind::Exception);
  EXPECT_EQ(e.vector, 6);
  EXPECT_EQ(cpu->state().eip, 0x1002u);
  EXPECT_EQ(cpu->state().gpr[kEax], 1u);
}

// Engine::Jit: indirect exits to compiled blocks of the same key jump
// straight into them (the loop sees them only when they leave), and an
// invalidated block is not entered through the stale jump cache entry.
TEST(ExecJit, IndirectExitsChainAndSeeInvalidation) {
  install_host_fault_handler();
  GuestMemory mem;
  mem.map(0x1000, 0x4000);
  FakeFrontEnd fe;
  CpuConfig config;
  config.guest_base = mem.base();
  config.engine = Engine::Jit;
  config.translate = [&fe](const x86::TranslateRequest& r) { return fe.translate(r); };
  auto cpu = std::make_unique<Cpu>(config);
  auto& s = cpu->state();
  s.seg[x86::kCs].flags = 1u << 14;
  s.seg[x86::kSs].flags = 1u << 14;
  s.cr[0] = 1;
  fe.at(0x1000, 4, [](Builder& b, auto&) {  // "call [eax]" until ECX reaches 2000
    b.insn_start(0x1000);
    Value ecx = b.add(b.get_gpr(kEcx), 1u);
    b.set_gpr(kEcx, ecx);
    b.exit_if(b.eq(ecx, 2000u), 0x1004);
    b.exit_indirect(b.get_gpr(kEax));
  });
  fe.at(0x1004, 1, [](Builder& b, auto&) {
    b.insn_start(0x1004);
    b.exit_syscall(0x1005);
  });
  int version = 1;
  fe.at(0x1010, 1, [&version](Builder& b, auto&) {  // "ret" to EBX, counting in EDX
    b.insn_start(0x1010);
    b.set_gpr(kEdx, b.add(b.get_gpr(kEdx), b.imm32(version)));
    b.exit_indirect(b.get_gpr(kEbx));
  });
  s.eip = 0x1000;
  s.gpr[kEax] = 0x1010;
  s.gpr[kEbx] = 0x1000;
  EXPECT_EQ(cpu->run().kind, ExitKind::Syscall);
  EXPECT_EQ(s.gpr[kEcx], 2000u);
  EXPECT_EQ(s.gpr[kEdx], 1999u);
  // 3999 blocks ran; without inline lookups the loop would have run each.
  EXPECT_LT(cpu->stats().blocks_executed, 100u);
  // New code at 0x1010: the next run must translate it again and use it.
  version = 2;
  cpu->invalidate_code(0x1010, 1);
  s.eip = 0x1000;
  s.gpr[kEcx] = 0;
  s.gpr[kEdx] = 0;
  EXPECT_EQ(cpu->run().kind, ExitKind::Syscall);
  EXPECT_EQ(s.gpr[kEdx], 2u * 1999);
  EXPECT_EQ(fe.translations, 4);
}

TEST(ExecEngines, AllEnginesCanBeCreated) {
  CpuConfig config;
  for (Engine engine : {Engine::Interp, Engine::Jit, Engine::Compare}) {
    config.engine = engine;
    EXPECT_TRUE(Cpu::create(config).ok());
  }
}

}  // namespace
}  // namespace dynemu::exec
