// The optimizer against the unoptimized IR: random blocks of register, flag,
// memory, helper and exit operations run on the interpreter both ways from
// the same random state must leave the same guest state, memory and exit,
// also when they stop early at a raised exception.
#include "emulator/ir/opt/optimize.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "emulator/interp/interpreter.h"
#include "emulator/ir/builder.h"
#include "emulator/ir/printer.h"
#include "emulator/ir/verifier.h"
#include "emulator/x86/lazy_flags.h"
#include "tests/unit/guest_memory.h"

namespace dynemu::ir {
namespace {

using x86::CcKind;

constexpr uint32_t kData = 0x20000;  // a mapped page of guest data

// A helper that reads and writes guest registers and may raise #GP.
uint64_t swap_or_raise(GuestEnv& env, uint64_t a, uint64_t, uint64_t, uint64_t) {
  if ((a & 15) == 0) {
    env.raise(13, static_cast<uint32_t>(a));
    return 0;
  }
  std::swap(env.state->gpr[x86::kEax], env.state->gpr[x86::kEbx]);
  return a * 3;
}
constexpr HelperInfo kSwapOrRaise{"swap_or_raise", &swap_or_raise, Type::I32, 1,
                                  kReadsState | kWritesState | kMayRaise};

class RandomBlock {
 public:
  explicit RandomBlock(uint32_t seed) : m_rng(seed) {}

  Block make() {
    Block block;
    block.start_eip = 0x1000;
    Builder b(block);
    const unsigned insns = 1 + pick(24);
    uint32_t eip = 0x1000;
    for (unsigned i = 0; i < insns; ++i, eip += 3) {
      b.insn_start(eip);
      emit_insn(b, eip);
      if (b.terminated()) return block;
    }
    b.exit_jump(eip);
    return block;
  }

 private:
  unsigned pick(unsigned n) { return m_rng() % n; }
  x86::Gpr reg() { return static_cast<x86::Gpr>(pick(8)); }
  Value operand(Builder& b) {
    switch (pick(4)) {
      case 0: return b.imm32(pick(3) == 0 ? m_rng() : pick(4));
      default: return b.get_gpr(reg());
    }
  }
  Value data_addr(Builder& b) { return b.add(b.and_(b.get_gpr(reg()), 0xffc), kData); }
  void set_flags(Builder& b, Value r, Value src, Value src2) {
    static constexpr CcKind kKinds[] = {CcKind::Add, CcKind::Sub, CcKind::Logic, CcKind::Inc,
                                        CcKind::Dec, CcKind::Adc, CcKind::Sbb,   CcKind::Neg};
    const CcKind kind = kKinds[pick(8)];
    const unsigned bytes = 1u << pick(3);
    b.set_cc(x86::cc_op(kind, bytes), r, src, src2);
  }

  void emit_insn(Builder& b, uint32_t eip) {
    static constexpr Opcode kAlu[] = {Opcode::Add, Opcode::Sub, Opcode::And, Opcode::Or,
                                      Opcode::Xor, Opcode::Shl, Opcode::Shr, Opcode::Mul};
    switch (pick(14)) {
      case 0:
      case 1:
      case 2: {  // ALU op with flags
        Value a = operand(b), src = operand(b);
        Value r = b.emit(kAlu[pick(8)], {a, src});
        b.set_gpr(reg(), r);
        set_flags(b, r, src, pick(2) ? b.cond(x86::kCondB) : Value{});
        break;
      }
      case 3:  // SETcc
        b.set_gpr(reg(), b.cond(pick(16)));
        break;
      case 4:  // Jcc
        b.exit_if(b.cond(pick(16)), 0x4000 + pick(16));
        break;
      case 5: {  // load
        Value v = b.load32(data_addr(b));
        b.set_gpr(reg(), b.add(v, operand(b)));
        break;
      }
      case 6:  // store
        b.store32(data_addr(b), operand(b));
        break;
      case 7: {  // partial register write
        b.set_reg(pick(8), 1 + pick(2), operand(b));
        break;
      }
      case 8:  // flags read back
        switch (pick(4)) {
          case 0: b.set_gpr(reg(), b.eflags()); break;
          case 1: b.set_gpr(reg(), b.get_cc_dst()); break;
          case 2: b.set_gpr(reg(), b.get_cc_op()); break;
          default: b.set_gpr(reg(), b.get_cc_src2()); break;
        }
        break;
      case 9: {  // helper that swaps EAX/EBX or raises
        Value r = b.call(kSwapOrRaise, {operand(b)});
        b.set_gpr(reg(), r);
        break;
      }
      case 10: {  // division (may raise #DE)
        Value q = b.div_u(b.pack64(b.get_gpr(x86::kEax), b.get_gpr(x86::kEdx)), operand(b), 4);
        b.set_gpr(x86::kEax, b.lo64(q));
        b.set_gpr(x86::kEdx, b.hi64(q));
        break;
      }
      case 11: {  // variable-count shift: flags only if the count is not 0
        Value v = b.get_gpr(reg());
        Value count = b.and_(operand(b), 31);
        Value r = b.shl(v, count);
        b.set_gpr(reg(), r);
        b.set_cc_if(b.ne(count, 0u), x86::CcOp::Shl32, r, v, count);
        break;
      }
      case 12:  // rarely: leave
        if (pick(4) == 0) b.exit_indirect(b.get_gpr(reg()));
        break;
      default:
        if (pick(6) == 0)
          b.raise_fault(6);
        else
          b.set_gpr(reg(), operand(b));
        break;
    }
    (void)eip;
  }

  std::mt19937 m_rng;
};

struct Outcome {
  interp::BlockExit exit;
  x86::CpuState state;
  uint32_t eflags = 0;
  uint8_t vector = 0;
  std::vector<uint8_t> data;
};

// Self-modifying code: the data page counts as holding this block's code,
// and a store into its first 256 bytes invalidates the running block, which
// must then stop at the next instruction with exact state.
bool code_write(void*, uint32_t addr, uint32_t) {
  return (addr & 0xfff) < 0x100;
}

// host_protected: user mode's stores (kMemHostProtected): a code write
// faults before writing, so stores never stop the block (no code_pages).
Outcome run(const Block& block, const x86::CpuState& initial, GuestMemory& mem,
            const std::vector<uint8_t>& data, bool host_protected = false) {
  std::memcpy(mem.at(kData), data.data(), data.size());
  Outcome o;
  o.state = initial;
  GuestEnv env;
  env.state = &o.state;
  env.guest_base = mem.base();
  static std::vector<uint64_t> code_pages = [] {
    std::vector<uint64_t> bits((uint64_t{1} << 20) / 64);
    bits[(kData >> 12) / 64] |= uint64_t{1} << ((kData >> 12) % 64);
    return bits;
  }();
  if (!host_protected) {
    env.code_pages = code_pages.data();
    env.on_code_write = &code_write;
  }
  const auto program = interp::Program::compile(block);
  std::vector<uint64_t> temps(program.num_slots());
  o.exit = interp::run(program, env, temps.data());
  o.eflags = x86::read_eflags(o.state);
  o.vector = env.raised ? env.vector : 0xff;
  o.data.assign(mem.at(kData), mem.at(kData) + 4096);
  return o;
}

void random_blocks_behave_the_same(bool host_protected) {
  GuestMemory mem;
  mem.map(kData, 4096);
  std::mt19937 rng(1234);
  size_t ops_before = 0, ops_after = 0;
  for (uint32_t seed = 0; seed < 3000; ++seed) {
    RandomBlock gen(seed);
    Block original = gen.make();
    if (host_protected)
      for (Inst& inst : original.insts)
        if (inst.op >= Opcode::Store8 && inst.op <= Opcode::Store64) inst.aux |= kMemHostProtected;
    ASSERT_TRUE(verify(original).ok()) << verify(original).error().message;
    Block optimized = original;
    opt::optimize(optimized);
    ASSERT_TRUE(verify(optimized).ok()) << verify(optimized).error().message << "\n"
                                        << print_block(original) << "\n---\n"
                                        << print_block(optimized);
    ops_before += original.insts.size();
    ops_after += optimized.insts.size();

    for (int trial = 0; trial < 4; ++trial) {
      x86::CpuState s;
      for (auto& g : s.gpr) g = rng() >> (rng() % 32);
      s.eip = 0x1000;
      x86::write_eflags(s, 0x2 | (rng() & x86::kArithFlags));
      if (trial & 1)
        s.cc = {static_cast<uint32_t>(rng() % 66), uint32_t(rng()), uint32_t(rng()),
                uint32_t(rng() & 1)};
      std::vector<uint8_t> data(4096);
      for (auto& d : data) d = static_cast<uint8_t>(rng());
      const Outcome a = run(original, s, mem, data, host_protected);
      const Outcome b = run(optimized, s, mem, data, host_protected);
      const std::string where = "seed " + std::to_string(seed) + "\n" + print_block(original) +
                                "\n--- optimized:\n" + print_block(optimized);
      ASSERT_EQ(a.exit.kind, b.exit.kind) << where;
      ASSERT_EQ(a.exit.slot, b.exit.slot) << where;
      ASSERT_EQ(a.vector, b.vector) << where;
      ASSERT_EQ(a.state.eip, b.state.eip) << where;
      for (int r = 0; r < 8; ++r) ASSERT_EQ(a.state.gpr[r], b.state.gpr[r]) << "gpr " << r << where;
      ASSERT_EQ(a.eflags, b.eflags) << where;
      ASSERT_TRUE(a.data == b.data) << where;
    }
  }
  // The optimizer must also pay: fewer ops overall.
  EXPECT_LT(ops_after * 10, ops_before * 9) << ops_before << " -> " << ops_after;
}

TEST(IrOpt, RandomBlocksBehaveTheSame) {
  random_blocks_behave_the_same(false);
}

// Stores marked kMemHostProtected make no stop points: set_gpr/set_cc
// before an instruction boundary after them may go when overwritten.
TEST(IrOpt, RandomBlocksWithHostProtectedStoresBehaveTheSame) {
  random_blocks_behave_the_same(true);
}

TEST(IrOpt, FusesCompareAndBranch) {
  Block block;
  Builder b(block);
  b.insn_start(0);  // cmp eax, ebx
  Value a = b.get_gpr(x86::kEax), c = b.get_gpr(x86::kEbx);
  b.set_cc(x86::CcOp::Sub32, b.sub(a, c), c);
  b.insn_start(2);  // jl
  b.exit_if(b.cond(x86::kCondL), 0x100);
  b.exit_jump(4);
  opt::optimize(block);
  ASSERT_TRUE(verify(block).ok());
  const std::string text = print_block(block);
  EXPECT_EQ(text.find("cond"), std::string::npos) << text;
  EXPECT_EQ(text.find("insn_start"), std::string::npos) << text;  // nothing can fault
  EXPECT_NE(text.find("lt_s"), std::string::npos) << text;
}

TEST(IrOpt, FoldsRegisterIdioms) {
  Block block;
  Builder b(block);
  b.insn_start(0);  // xor eax, eax
  Value r = b.xor_(b.get_gpr(x86::kEax), b.get_gpr(x86::kEax));
  b.set_gpr(x86::kEax, r);
  b.set_cc(x86::CcOp::Logic32, r);
  b.insn_start(2);  // add ecx, eax
  Value s = b.add(b.get_gpr(x86::kEcx), b.get_gpr(x86::kEax));
  b.set_gpr(x86::kEcx, s);
  b.set_cc(x86::CcOp::Add32, s, b.get_gpr(x86::kEax));
  b.insn_start(4);  // jz
  b.exit_if(b.cond(x86::kCondZ), 0x100);
  b.exit_jump(6);
  opt::optimize(block);
  ASSERT_TRUE(verify(block).ok());
  const std::string text = print_block(block);
  EXPECT_EQ(text.find("xor"), std::string::npos) << text;
  EXPECT_EQ(text.find("add"), std::string::npos) << text;  // ecx + 0
  EXPECT_EQ(text.find("get_gpr eax"), std::string::npos) << text;
  EXPECT_NE(text.find("set_gpr eax"), std::string::npos) << text;
}

}  // namespace
}  // namespace dynemu::ir
