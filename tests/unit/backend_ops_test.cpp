// Every IR op through the interpreter (the reference) and the x86-64 JIT on
// edge and random inputs: same guest state, memory, exit and exception.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <utility>
#include <vector>

#include "emulator/backend/x64/jit.h"
#include "emulator/interp/interpreter.h"
#include "emulator/ir/builder.h"
#include "emulator/ir/semantics.h"
#include "emulator/ir/verifier.h"
#include "emulator/x86/lazy_flags.h"

namespace dynemu {
namespace {

using backend::x64::Jit;
using ir::Opcode;

constexpr uint32_t kMemSize = 1u << 16;

const uint32_t kEdges[] = {
    0,      1,       2,          7,          8,          15,         16,         31,        32,
    33,     63,      64,         0x7f,       0x80,       0xff,       0x100,      0x7fff,    0x8000,
    0xffff, 0x10000, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff, 0x12345678};

struct Outcome {
  x86::CpuState state;
  std::vector<uint8_t> mem;
  interp::BlockExit exit;
  bool raised;
  uint8_t vector;
  uint32_t error_code, fault_addr;
};

Outcome run_engine(const ir::Block& block, bool jit_engine, Jit& jit, const x86::CpuState& in,
                   const std::vector<uint8_t>& mem_in) {
  Outcome o{in, mem_in, {}, false, 0, 0, 0};
  ir::GuestEnv env;
  env.state = &o.state;
  env.guest_base = o.mem.data();
  std::vector<uint64_t> temps(block.temp_types.size() + 2, 0xdeadbeefdeadbeefull);
  if (jit_engine) {
    const auto fn = jit.compile(block);
    EXPECT_NE(fn, nullptr);
    if (!fn) return o;
    o.exit = Jit::run(fn, env, temps.data());
  } else {
    const auto program = interp::Program::compile(block);
    temps.resize(program.num_slots());
    o.exit = interp::run(program, env, temps.data());
  }
  o.raised = env.raised;
  o.vector = env.vector;
  o.error_code = env.error_code;
  o.fault_addr = env.fault_addr;
  return o;
}

void expect_same(const ir::Block& block, Jit& jit, const x86::CpuState& in,
                 const std::vector<uint8_t>& mem, const std::string& what) {
  const Outcome a = run_engine(block, false, jit, in, mem);
  const Outcome b = run_engine(block, true, jit, in, mem);
  for (int r = 0; r < 8; ++r) EXPECT_EQ(a.state.gpr[r], b.state.gpr[r]) << what << " gpr " << r;
  EXPECT_EQ(a.state.eip, b.state.eip) << what;
  EXPECT_EQ(a.state.eflags, b.state.eflags) << what;
  EXPECT_EQ(a.state.cc.op, b.state.cc.op) << what;
  EXPECT_EQ(a.state.cc.dst, b.state.cc.dst) << what;
  EXPECT_EQ(a.state.cc.src, b.state.cc.src) << what;
  EXPECT_EQ(a.state.cc.src2, b.state.cc.src2) << what;
  EXPECT_EQ(0, std::memcmp(&a.state, &b.state, sizeof a.state)) << what;
  EXPECT_TRUE(a.mem == b.mem) << what << ": memory differs";
  EXPECT_EQ(a.exit.kind, b.exit.kind) << what;
  EXPECT_EQ(a.exit.slot, b.exit.slot) << what;
  EXPECT_EQ(a.raised, b.raised) << what;
  EXPECT_EQ(a.vector, b.vector) << what;
  EXPECT_EQ(a.error_code, b.error_code) << what;
  EXPECT_EQ(a.fault_addr, b.fault_addr) << what;
}

class BackendOps : public ::testing::Test {
 protected:
  std::mt19937 m_rng{12345};
  Jit m_jit;
  std::vector<uint8_t> m_mem = std::vector<uint8_t>(kMemSize);

  uint32_t value() {
    if (m_rng() % 2) return kEdges[m_rng() % std::size(kEdges)];
    switch (m_rng() % 3) {
      case 0: return m_rng();
      case 1: return m_rng() & 0xff;
      default: return static_cast<uint32_t>(-static_cast<int32_t>(m_rng() & 0xffff));
    }
  }
  x86::CpuState random_state() {
    x86::CpuState s;
    for (auto& g : s.gpr) g = value();
    s.cc = {static_cast<uint32_t>(m_rng() % static_cast<uint32_t>(x86::CcOp::Count)), value(),
            value(), uint32_t(m_rng() & 1)};
    s.eflags = 0x2 | (m_rng() & 0x400);
    return s;
  }
  void randomize_mem() {
    for (auto& b : m_mem) b = static_cast<uint8_t>(m_rng());
  }
  // Two guest addresses inside m_mem (with room for 16 bytes), from EAX and EBX.
  static std::pair<ir::Value, ir::Value> mem_addresses(ir::Builder& b) {
    const ir::Value mask = b.imm32(kMemSize - 16);
    return {b.and_(b.get_gpr(x86::kEax), mask), b.and_(b.get_gpr(x86::kEbx), mask)};
  }
};

// Arguments of a pure op from guest registers (i32: one GPR, i64: a pair).
ir::Value arg_of(ir::Builder& b, ir::Slot slot, unsigned k) {
  if (slot == ir::Slot::I64)
    return b.pack64(b.get_gpr(static_cast<x86::Gpr>(2 * k)),
                    b.get_gpr(static_cast<x86::Gpr>(2 * k + 1)));
  return b.get_gpr(static_cast<x86::Gpr>(k));
}

void store_result(ir::Builder& b, ir::Value r) {
  if (b.block().type_of(r) == ir::Type::I64) {
    b.set_gpr(x86::kEsi, b.lo64(r));
    b.set_gpr(x86::kEdi, b.hi64(r));
  } else {
    b.set_gpr(x86::kEdi, r);
  }
}

std::vector<uint64_t> imms_for(Opcode op, const ir::OpInfo& info, std::mt19937& rng) {
  if (op == Opcode::Lea) {  // scale | disp << 32
    std::vector<uint64_t> v;
    for (uint64_t s = 0; s < 4; ++s)
      for (uint64_t d : {uint64_t{0}, uint64_t{1}, uint64_t{0x7fffffff}, uint64_t{0x80000000},
                         uint64_t{0xfffffbe8}, uint64_t{rng()}})
        v.push_back(s | d << 32);
    return v;
  }
  if (info.imm == ir::ImmKind::ImmBitField) {
    std::vector<uint64_t> v = {0 | 8 << 8,  8 | 8 << 8,  0 | 16 << 8,
                               0 | 32 << 8, 31 | 1 << 8, 16 | 16 << 8};
    for (int n = 0; n < 10; ++n) {
      const unsigned lsb = rng() % 32, width = 1 + rng() % (32 - lsb);
      v.push_back(lsb | width << 8);
    }
    return v;
  }
  return {0};
}

TEST_F(BackendOps, PureOpsMatchInterpreter) {
  for (unsigned o = 0; o < ir::kNumOpcodes; ++o) {
    const auto op = static_cast<Opcode>(o);
    const ir::OpInfo& info = ir::op_info(op);
    if (!ir::is_pure(op) || op == Opcode::Const32 || op == Opcode::Const64) continue;
    for (uint64_t imm : imms_for(op, info, m_rng)) {
      // Register operands, then the same op on constant operands.
      ir::Block block;
      ir::Builder b(block);
      b.insn_start(0x1000);
      std::vector<ir::Value> args;
      for (unsigned k = 0; k < 4 && info.args[k] != ir::Slot::None; ++k)
        args.push_back(arg_of(b, info.args[k], k));
      store_result(b, b.emit(op, std::span<const ir::Value>(args), imm));
      b.exit_jump(0x1002);
      ASSERT_TRUE(ir::verify(block)) << info.name;
      for (int n = 0; n < 300; ++n)
        expect_same(block, m_jit, random_state(), m_mem, std::string(info.name));

      for (int n = 0; n < 20; ++n) {
        ir::Block cb;
        ir::Builder c(cb);
        c.insn_start(0x1000);
        std::vector<ir::Value> cargs;
        for (unsigned k = 0; k < 4 && info.args[k] != ir::Slot::None; ++k)
          cargs.push_back(info.args[k] == ir::Slot::I64 ? c.imm64(uint64_t{value()} << 32 | value())
                                                        : c.imm32(value()));
        store_result(c, c.emit(op, std::span<const ir::Value>(cargs), imm));
        c.exit_jump(0x1002);
        expect_same(cb, m_jit, random_state(), m_mem, std::string(info.name) + " (const)");
      }
    }
  }
}

TEST_F(BackendOps, DivisionAndDivideError) {
  for (Opcode op : {Opcode::DivU, Opcode::DivS}) {
    for (unsigned bytes : {1u, 2u, 4u}) {
      ir::Block block;
      ir::Builder b(block);
      b.insn_start(0x1000);
      const ir::Value n = b.pack64(b.get_gpr(x86::kEax), b.get_gpr(x86::kEdx));
      const ir::Value r = b.emit(op, {n, b.get_gpr(x86::kEcx)}, bytes);
      b.set_gpr(x86::kEax, b.lo64(r));
      b.set_gpr(x86::kEdx, b.hi64(r));
      b.exit_jump(0x1002);
      for (int k = 0; k < 2000; ++k) {
        x86::CpuState s = random_state();
        if (k % 3 == 0) s.gpr[x86::kEdx] = (m_rng() & 1) ? 0 : 0xffffffff;
        expect_same(block, m_jit, s, m_mem, std::string(ir::op_name(op)) + std::to_string(bytes));
      }
    }
  }
}

TEST_F(BackendOps, MemoryStateAndFlags) {
  randomize_mem();
  for (int round = 0; round < 200; ++round) {
    ir::Block block;
    ir::Builder b(block);
    b.insn_start(0x1000);
    const auto [a0, a1] = mem_addresses(b);
    const ir::Value v8 = b.load8(a0), v16 = b.load16(a0), v32 = b.load32(a1);
    const ir::Value v64 = b.load64(a1);
    b.store8(b.add(a1, 3u), b.get_gpr(x86::kEcx));
    b.store16(b.add(a0, 5u), b.get_gpr(x86::kEdx));
    b.store32(b.add(a1, 9u), v8);
    b.store64(b.add(a0, 1u), v64);
    b.insn_start(0x1003);
    b.set_gpr(x86::kEsi, b.add(v16, v32));
    b.set_reg(4, 1, v8);  // AH
    b.set_state(offsetof(x86::CpuState, fpu), 2, v16);
    b.set_gpr(x86::kEbp,
              b.add(b.get_state(offsetof(x86::CpuState, eflags), 1), b.get_seg_base(x86::kDs)));
    // A random flag-producing operation, then conditions and EFLAGS.
    const auto cc = static_cast<x86::CcOp>(m_rng() % static_cast<uint32_t>(x86::CcOp::Eflags));
    b.set_cc_if(b.and_(b.get_gpr(x86::kEdi), 1u), cc, b.get_gpr(x86::kEcx), b.get_gpr(x86::kEdx),
                b.and_(b.get_gpr(x86::kEbx), 1u));
    ir::Value acc = b.eflags();
    for (unsigned c = 0; c < 16; ++c) acc = b.add(b.shl(acc, 1u), b.cond(c));
    b.set_gpr(x86::kEdi, acc);
    b.set_gpr(x86::kEcx, b.add(b.get_cc_op(), b.xor_(b.get_cc_dst(), b.get_cc_src())));
    b.set_gpr(x86::kEdx, b.get_cc_src2());
    b.exit_if(b.lt_u(v8, b.imm32(0x40)), 0x2000);
    b.exit_if(b.lt_u(v8, b.imm32(0x80)), 0x3000);
    b.exit_indirect(v32);
    ASSERT_TRUE(ir::verify(block));
    for (int n = 0; n < 20; ++n) expect_same(block, m_jit, random_state(), m_mem, "memory");
  }
}

// User-mode stores (kMemHostProtected: no SMC check): the address from its
// register, constant values as immediates (64-bit ones only when they fit a
// sign-extended imm32).
TEST_F(BackendOps, HostProtectedStores) {
  randomize_mem();
  for (int round = 0; round < 100; ++round) {
    ir::Block block;
    ir::Builder b(block);
    b.insn_start(0x1000);
    const auto [a0, a1] = mem_addresses(b);
    const uint32_t c = value();
    b.store8(a0, b.imm32(c));
    b.store16(b.add(a1, 1u), b.imm32(c));
    b.store32(b.add(a0, 3u), b.imm32(c));
    b.store64(b.add(a1, 8u), b.imm64(uint64_t{c} << (round % 2 ? 32 : 0)));
    b.store64(b.add(a0, 7u), b.imm64(static_cast<uint64_t>(-static_cast<int64_t>(c & 0xffff))));
    b.store8(b.add(a1, 2u), b.get_gpr(x86::kEcx));
    b.store16(b.add(a0, 11u), b.get_gpr(x86::kEdx));
    b.store32(a1, b.get_gpr(x86::kEsi));
    b.store64(b.add(a1, 4u), b.pack64(b.get_gpr(x86::kEdi), b.get_gpr(x86::kEbp)));
    b.set_gpr(x86::kEcx, b.load32(a0));
    b.exit_jump(0x1002);
    for (ir::Inst& inst : block.insts)
      if (inst.op >= Opcode::Store8 && inst.op <= Opcode::Store64)
        inst.aux |= ir::kMemHostProtected;
    ASSERT_TRUE(ir::verify(block));
    for (int n = 0; n < 10; ++n) expect_same(block, m_jit, random_state(), m_mem, "host-protected");
  }
}

TEST_F(BackendOps, TerminatorsAndExceptions) {
  auto check = [&](auto build, const char* what) {
    ir::Block block;
    ir::Builder b(block);
    b.insn_start(0x1000);
    build(b);
    ASSERT_TRUE(ir::verify(block)) << what;
    for (int n = 0; n < 5; ++n) expect_same(block, m_jit, random_state(), m_mem, what);
  };
  check([](ir::Builder& b) { b.raise_fault(13, 0x18, 0x1234); }, "raise_fault");
  check([](ir::Builder& b) { b.raise_fault(14, 0x4, 0xfffff000); }, "raise_fault #PF");
  check([](ir::Builder& b) { b.raise_trap(3, 0x1001); }, "raise_trap");
  check([](ir::Builder& b) { b.exit_syscall(0x1002); }, "exit_syscall");
  check([](ir::Builder& b) { b.exit_halt(0x1001); }, "exit_halt");
  check([](ir::Builder& b) { b.exit_indirect(b.get_gpr(x86::kEsp)); }, "exit_indirect");
  check([](ir::Builder& b) { b.exit_jump(0x5555); }, "exit_jump");
}

uint64_t test_helper(ir::GuestEnv& env, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3) {
  if (a0 == 7) env.raise(6);
  // High garbage in the result: an i32 result must be truncated.
  return (a0 * 3 + a1 * 5 + a2 * 7 + a3 * 11) | 0xabcd000000000000ull;
}
uint64_t test_helper64(ir::GuestEnv& env, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3) {
  env.state->gpr[x86::kEbp] = static_cast<uint32_t>(a1);
  return a0 * 0x100000001ull + a3;
}
const ir::HelperInfo kTestHelper{"test", &test_helper, ir::Type::I32, 4, ir::kMayRaise};
const ir::HelperInfo kTestHelper64{"test64", &test_helper64, ir::Type::I64, 4, ir::kWritesState};

TEST_F(BackendOps, HelperCalls) {
  ir::Block block;
  ir::Builder b(block);
  b.insn_start(0x1000);
  const ir::Value r = b.call(kTestHelper, {b.and_(b.get_gpr(x86::kEax), 7u), b.get_gpr(x86::kEbx),
                                           b.get_gpr(x86::kEcx), b.get_gpr(x86::kEdx)});
  b.insn_start(0x1004);
  const ir::Value r64 = b.call(
      kTestHelper64, {r, b.get_gpr(x86::kEsi), b.pack64(r, r), b.sext64(b.get_gpr(x86::kEdi))});
  b.set_gpr(x86::kEax, b.lo64(r64));
  b.set_gpr(x86::kEbx, b.hi64(r64));
  b.set_gpr(x86::kEcx, r);
  b.exit_jump(0x1010);
  ASSERT_TRUE(ir::verify(block));
  for (int n = 0; n < 100; ++n) expect_same(block, m_jit, random_state(), m_mem, "call");
}

TEST(BackendCodeCache, FlushesWholeWhenFull) {
  Jit jit(64 * 1024);
  ir::Block block;
  ir::Builder b(block);
  b.insn_start(0x1000);
  ir::Value v = b.get_gpr(x86::kEax);
  for (int k = 0; k < 100; ++k) v = b.add(v, static_cast<uint32_t>(k));
  b.set_gpr(x86::kEax, v);
  b.exit_jump(0x1002);
  const uint64_t epoch = jit.epoch();
  for (int k = 0; k < 200; ++k) ASSERT_NE(jit.compile(block), nullptr);
  EXPECT_GT(jit.epoch(), epoch);
  EXPECT_GT(jit.stats().flushes, 0u);
  // The code compiled last still runs.
  x86::CpuState s;
  ir::GuestEnv env;
  env.state = &s;
  std::vector<uint64_t> temps(block.temp_types.size());
  const auto fn = jit.compile(block);
  EXPECT_EQ(Jit::run(fn, env, temps.data()).kind, interp::ExitKind::Direct);
  EXPECT_EQ(s.gpr[x86::kEax], 4950u);
  EXPECT_EQ(s.eip, 0x1002u);
}

}  // namespace
}  // namespace dynemu
