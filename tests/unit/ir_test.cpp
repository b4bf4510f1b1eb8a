// The IR and its reference interpreter: every pure op on edge and random
// inputs against an oracle written independently of ir/semantics.h, every op
// with effects on CpuState and guest memory, the verifier and the printer.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <span>
#include <vector>

#include "emulator/interp/interpreter.h"
#include "emulator/ir/builder.h"
#include "emulator/ir/printer.h"
#include "emulator/ir/semantics.h"
#include "emulator/ir/verifier.h"
#include "emulator/x86/lazy_flags.h"
#include "tests/unit/guest_memory.h"

namespace dynemu::ir {
namespace {

using x86::CpuState;

// Runs a block on a state and memory; returns how it left.
interp::BlockExit run_block(const Block& block, CpuState& s, GuestEnv& env) {
  EXPECT_TRUE(verify(block).ok()) << verify(block).error().message << print_block(block);
  const auto program = interp::Program::compile(block);
  std::vector<uint64_t> temps(program.num_slots());
  env.state = &s;
  return interp::run(program, env, temps.data());
}

uint64_t m32(uint64_t v) {
  return v & 0xffffffffu;
}
uint64_t rotl_ref(uint32_t v, unsigned n) {
  for (unsigned i = 0; i < n % 32; ++i) v = (v << 1) | (v >> 31);
  return v;
}
uint64_t count_zeros(uint32_t v, bool trailing) {
  unsigned n = 0;
  for (unsigned i = 0; i < 32; ++i) {
    const unsigned bit = trailing ? i : 31 - i;
    if ((v >> bit) & 1) break;
    ++n;
  }
  return n;
}
int64_t s32(uint64_t v) {
  return static_cast<int32_t>(static_cast<uint32_t>(v));
}

using Oracle = std::function<uint64_t(uint64_t a, uint64_t b, uint64_t c)>;

// One oracle per pure op with arguments (constants and bit fields are tested
// on their own below).
const std::map<Opcode, Oracle>& oracles() {
  using enum Opcode;
  static const std::map<Opcode, Oracle> table = {
      {Add, [](auto a, auto b, auto) { return m32(a + b); }},
      {Sub, [](auto a, auto b, auto) { return m32(a + (~b & 0xffffffffu) + 1); }},
      {And, [](auto a, auto b, auto) { return a & b; }},
      {Or, [](auto a, auto b, auto) { return a | b; }},
      {Xor, [](auto a, auto b, auto) { return (a | b) & ~(a & b); }},
      {Shl, [](auto a, auto b, auto) { return m32(a << (b % 32)); }},
      {Shr, [](auto a, auto b, auto) { return a >> (b % 32); }},
      {Sar, [](auto a, auto b, auto) { return m32(uint64_t(s32(a) >> (b % 32))); }},
      {Rol, [](auto a, auto b, auto) { return rotl_ref(uint32_t(a), unsigned(b)); }},
      {Ror, [](auto a, auto b, auto) { return rotl_ref(uint32_t(a), 32 - unsigned(b % 32)); }},
      {Mul, [](auto a, auto b, auto) { return m32(a * b); }},
      {MulHiU, [](auto a, auto b, auto) { return (a * b) >> 32; }},
      {MulHiS, [](auto a, auto b, auto) { return m32(uint64_t(s32(a) * s32(b)) >> 32); }},
      {Neg, [](auto a, auto, auto) { return m32((uint64_t{1} << 32) - a); }},
      {Not, [](auto a, auto, auto) { return a ^ 0xffffffffu; }},
      {Zext8, [](auto a, auto, auto) { return a % 256; }},
      {Zext16, [](auto a, auto, auto) { return a % 65536; }},
      {Sext8, [](auto a, auto, auto) { return (a & 0x80) ? (a | 0xffffff00u) : (a & 0xff); }},
      {Sext16, [](auto a, auto, auto) { return (a & 0x8000) ? (a | 0xffff0000u) : (a & 0xffff); }},
      {Bswap,
       [](auto a, auto, auto) {
         return ((a & 0xff) << 24) | ((a & 0xff00) << 8) | ((a >> 8) & 0xff00) | (a >> 24);
       }},
      {Ctz, [](auto a, auto, auto) { return count_zeros(uint32_t(a), true); }},
      {Clz, [](auto a, auto, auto) { return count_zeros(uint32_t(a), false); }},
      {Eq, [](auto a, auto b, auto) { return uint64_t(a == b); }},
      {Ne, [](auto a, auto b, auto) { return uint64_t(a != b); }},
      {LtU, [](auto a, auto b, auto) { return uint64_t(a < b); }},
      {LeU, [](auto a, auto b, auto) { return uint64_t(!(b < a)); }},
      {LtS, [](auto a, auto b, auto) { return uint64_t(s32(a) < s32(b)); }},
      {LeS, [](auto a, auto b, auto) { return uint64_t(!(s32(b) < s32(a))); }},
      {Select, [](auto a, auto b, auto c) { return a != 0 ? b : c; }},
      {Pack64, [](auto a, auto b, auto) { return a + b * (uint64_t{1} << 32); }},
      {Lo64, [](auto a, auto, auto) { return a % (uint64_t{1} << 32); }},
      {Hi64, [](auto a, auto, auto) { return a / (uint64_t{1} << 32); }},
      {Zext64, [](auto a, auto, auto) { return a; }},
      {Sext64, [](auto a, auto, auto) { return uint64_t(s32(a)); }},
      {Add64, [](auto a, auto b, auto) { return a + b; }},
      {Sub64, [](auto a, auto b, auto) { return a - b; }},
      {Mul64, [](auto a, auto b, auto) { return a * b; }},
      {Shl64, [](auto a, auto b, auto) { return a << (b % 64); }},
      {Shr64, [](auto a, auto b, auto) { return a >> (b % 64); }},
      {Sar64, [](auto a, auto b, auto) { return uint64_t(int64_t(a) >> (b % 64)); }},
      {Eq64, [](auto a, auto b, auto) { return uint64_t(a == b); }},
  };
  return table;
}

std::vector<uint64_t> inputs(Slot slot) {
  std::vector<uint64_t> v = {0,          1,          2,          31,         32,
                             33,         63,         64,         0x7f,       0x80,
                             0xff,       0x7fff,     0x8000,     0xffff,     0x7fffffff,
                             0x80000000, 0xfffffffe, 0xffffffff, 0x12345678, 0x87654321};
  std::mt19937_64 rng(static_cast<unsigned>(slot) + 1);
  for (int i = 0; i < 12; ++i) v.push_back(rng());
  if (slot == Slot::I64) {
    v.push_back(0x8000000000000000ull);
    v.push_back(~0ull);
    v.push_back(0x7fffffffffffffffull);
    v.push_back(0x100000000ull);
  }
  for (auto& x : v)
    if (slot != Slot::I64) x &= 0xffffffffu;
  return v;
}

// Every pure op: operands arrive in guest registers (so nothing is a
// constant), the interpreter computes, the result leaves through registers.
TEST(IrInterp, EveryPureOpMatchesItsOracle) {
  const auto& table = oracles();
  unsigned tested = 0;
  for (unsigned i = 0; i < kNumOpcodes; ++i) {
    const auto op = static_cast<Opcode>(i);
    const OpInfo& info = op_info(op);
    if (!is_pure(op) || info.args[0] == Slot::None || info.imm != ImmKind::NoImm) continue;
    auto oracle = table.find(op);
    ASSERT_NE(oracle, table.end()) << "no oracle for pure op " << op_name(op);
    ++tested;
    unsigned nargs = 0;
    while (nargs < 4 && info.args[nargs] != Slot::None) ++nargs;

    Block block;
    Builder b(block);
    b.insn_start(0x1000);
    std::vector<Value> args;
    for (unsigned a = 0; a < nargs; ++a) {
      Value lo = b.get_gpr(static_cast<x86::Gpr>(a * 2));
      args.push_back(info.args[a] == Slot::I64
                         ? b.pack64(lo, b.get_gpr(static_cast<x86::Gpr>(a * 2 + 1)))
                         : lo);
    }
    Value r = b.emit(op, std::span<const Value>(args));
    b.set_state(offsetof(CpuState, dr), 4, info.result == Slot::I64 ? b.lo64(r) : r);
    b.set_state(offsetof(CpuState, dr) + 4, 4, info.result == Slot::I64 ? b.hi64(r) : b.imm32(0));
    b.exit_jump(0x1001);
    ASSERT_TRUE(verify(block).ok()) << op_name(op) << ": " << verify(block).error().message;
    const auto program = interp::Program::compile(block);
    std::vector<uint64_t> temps(program.num_slots());

    const auto a_in = inputs(info.args[0]);
    const auto b_in = nargs > 1 ? inputs(info.args[1]) : std::vector<uint64_t>{0};
    const auto c_in =
        nargs > 2 ? std::vector<uint64_t>{0, 1, 0x80000000} : std::vector<uint64_t>{0};
    int failures = 0;
    for (uint64_t av : a_in)
      for (uint64_t bv : b_in)
        for (uint64_t cv : c_in) {
          CpuState s;
          GuestEnv env;
          env.state = &s;
          const uint64_t vals[3] = {av, bv, cv};
          for (unsigned a = 0; a < nargs; ++a) {
            s.gpr[a * 2] = static_cast<uint32_t>(vals[a]);
            s.gpr[a * 2 + 1] = static_cast<uint32_t>(vals[a] >> 32);
          }
          interp::run(program, env, temps.data());
          const uint64_t got = s.dr[0] | uint64_t{s.dr[1]} << 32;
          const uint64_t want = oracle->second(av, bv, cv);
          if (got != want && ++failures < 5)
            ADD_FAILURE() << op_name(op) << "(0x" << std::hex << av << ", 0x" << bv << ", 0x" << cv
                          << ") = 0x" << got << ", want 0x" << want;
          // Constant folding uses the same meaning.
          EXPECT_EQ(eval_pure(op, av, bv, cv, 0), std::optional<uint64_t>(want));
        }
  }
  EXPECT_EQ(tested, table.size());
}

// The same with a constant second operand (the interpreter has immediate
// forms for the common binary ops) and a constant first operand.
TEST(IrInterp, PureOpsWithConstantOperands) {
  const auto& table = oracles();
  for (unsigned i = 0; i < kNumOpcodes; ++i) {
    const auto op = static_cast<Opcode>(i);
    const OpInfo& info = op_info(op);
    if (!is_pure(op) || info.imm != ImmKind::NoImm || info.result != Slot::I32 ||
        info.args[1] != Slot::I32 || info.args[0] != Slot::I32 || info.args[2] != Slot::None)
      continue;
    for (uint64_t k : inputs(Slot::I32)) {
      for (bool const_first : {false, true}) {
        Block block;
        Builder b(block);
        b.insn_start(0);
        Value reg = b.get_gpr(x86::kEax);
        Value r = const_first ? b.emit(op, {b.imm32(uint32_t(k)), reg})
                              : b.emit(op, {reg, b.imm32(uint32_t(k))});
        b.set_gpr(x86::kEdx, r);
        b.exit_jump(0);
        const auto program = interp::Program::compile(block);
        std::vector<uint64_t> temps(program.num_slots());
        for (uint64_t x : inputs(Slot::I32)) {
          CpuState s;
          GuestEnv env;
          env.state = &s;
          s.gpr[x86::kEax] = uint32_t(x);
          interp::run(program, env, temps.data());
          const uint64_t want = const_first ? table.at(op)(k, x, 0) : table.at(op)(x, k, 0);
          ASSERT_EQ(s.gpr[x86::kEdx], want) << op_name(op) << " x=0x" << std::hex << x << " k=0x"
                                            << k << " const_first " << const_first;
        }
      }
    }
  }
}

TEST(IrInterp, ConstantsExtractDeposit) {
  std::mt19937 rng(5);
  for (int i = 0; i < 200; ++i) {
    const uint32_t x = rng(), y = rng();
    const unsigned lsb = rng() % 32, width = 1 + rng() % (32 - lsb);
    Block block;
    Builder b(block);
    b.insn_start(0);
    Value vx = b.get_gpr(x86::kEax), vy = b.get_gpr(x86::kEcx);
    b.set_gpr(x86::kEdx, b.extract(vx, lsb, width));
    b.set_gpr(x86::kEbx, b.deposit(vx, vy, lsb, width));
    Value k = b.imm64(0x123456789abcdef0ull);
    b.set_gpr(x86::kEsi, b.hi64(k));
    b.set_gpr(x86::kEdi, b.imm32(0xdeadbeef));
    b.exit_jump(0);
    CpuState s;
    s.gpr[x86::kEax] = x;
    s.gpr[x86::kEcx] = y;
    GuestEnv env;
    run_block(block, s, env);
    const uint64_t mask = ((uint64_t{1} << width) - 1);
    EXPECT_EQ(s.gpr[x86::kEdx], (x >> lsb) & mask) << lsb << ":" << width;
    EXPECT_EQ(s.gpr[x86::kEbx], (x & ~(mask << lsb)) | ((y & mask) << lsb)) << lsb << ":" << width;
    EXPECT_EQ(s.gpr[x86::kEsi], 0x12345678u);
    EXPECT_EQ(s.gpr[x86::kEdi], 0xdeadbeefu);
  }
}

TEST(IrInterp, PartialRegisters) {
  Block block;
  Builder b(block);
  b.insn_start(0);
  b.set_gpr(x86::kEdi, b.get_reg(4, 1));  // AH
  b.set_gpr(x86::kEsi, b.get_reg(3, 1));  // BL
  b.set_reg(5, 1, b.imm32(0x1ab));        // CH = 0xab
  b.set_reg(2, 2, b.imm32(0x12345));      // DX = 0x2345
  b.exit_jump(0);
  CpuState s;
  s.gpr[x86::kEax] = 0x11223344;
  s.gpr[x86::kEbx] = 0x55667788;
  s.gpr[x86::kEcx] = 0xffffffff;
  s.gpr[x86::kEdx] = 0xaaaaaaaa;
  GuestEnv env;
  run_block(block, s, env);
  EXPECT_EQ(s.gpr[x86::kEdi], 0x33u);
  EXPECT_EQ(s.gpr[x86::kEsi], 0x88u);
  EXPECT_EQ(s.gpr[x86::kEcx], 0xffffabffu);
  EXPECT_EQ(s.gpr[x86::kEdx], 0xaaaa2345u);
}

TEST(IrInterp, Division) {
  struct Case {
    bool is_signed;
    uint64_t n;
    uint32_t d;
    unsigned bytes;
    bool de;
    uint32_t q, r;
  };
  const Case cases[] = {
      {false, 100, 7, 4, false, 14, 2},
      {false, 0x100000000ull, 2, 4, false, 0x80000000u, 0},
      {false, 0x200000000ull, 2, 4, true, 0, 0},  // quotient overflow
      {false, 5, 0, 4, true, 0, 0},               // divide by zero
      {false, 0xffff, 0xff, 1, true, 0, 0},       // AX / r8: quotient 257
      {false, 0xfe01, 0xff, 1, false, 0xff, 0},
      {false, 0x12345, 0x10, 2, false, 0x1234, 5},
      {true, uint64_t(-7), uint32_t(-2), 4, false, 3, uint32_t(-1)},
      {true, uint64_t(-7), 2, 4, false, uint32_t(-3), uint32_t(-1)},
      {true, 0xffffffff80000000ull, uint32_t(-1), 4, true, 0, 0},  // INT_MIN / -1
      {true, 0x8000000000000000ull, uint32_t(-1), 4, true, 0, 0},
      {true, 0xff80, 0xff, 1, true, 0, 0},  // -128 / -1 = 128 does not fit
      {true, 0xff81, 0xff, 1, false, 0x7f, 0},
      {true, 0xfffe, 0x02, 2, false, 0x7fff, 0},  // 0x0000fffe / 2 (DX=0)
  };
  for (const Case& c : cases) {
    Block block;
    Builder b(block);
    b.insn_start(0x40);
    Value n = b.pack64(b.get_gpr(x86::kEax), b.get_gpr(x86::kEdx));
    Value r = c.is_signed ? b.div_s(n, b.get_gpr(x86::kEcx), c.bytes)
                          : b.div_u(n, b.get_gpr(x86::kEcx), c.bytes);
    b.set_gpr(x86::kEax, b.lo64(r));
    b.set_gpr(x86::kEdx, b.hi64(r));
    b.exit_jump(0x42);
    CpuState s;
    s.gpr[x86::kEax] = static_cast<uint32_t>(c.n);
    s.gpr[x86::kEdx] = static_cast<uint32_t>(c.n >> 32);
    s.gpr[x86::kEcx] = c.d;
    GuestEnv env;
    const auto exit = run_block(block, s, env);
    if (c.de) {
      EXPECT_EQ(exit.kind, interp::ExitKind::Exception) << std::hex << c.n << "/" << c.d;
      EXPECT_EQ(env.vector, 0);
      EXPECT_EQ(s.eip, 0x40u);
      EXPECT_EQ(s.gpr[x86::kEax], static_cast<uint32_t>(c.n));  // untouched
    } else {
      EXPECT_EQ(exit.kind, interp::ExitKind::Direct);
      EXPECT_EQ(s.gpr[x86::kEax], c.q) << std::hex << c.n << "/" << c.d;
      EXPECT_EQ(s.gpr[x86::kEdx], c.r) << std::hex << c.n << "/" << c.d;
    }
  }
}

TEST(IrInterp, StateAndSegments) {
  Block block;
  Builder b(block);
  b.insn_start(0);
  b.set_gpr(x86::kEax, b.get_seg_base(x86::kFs));
  b.set_gpr(x86::kEcx,
            b.get_state(offsetof(CpuState, seg) + x86::kGs * sizeof(x86::SegmentCache), 2));
  b.set_gpr(x86::kEdx, b.get_state(offsetof(CpuState, fpu) + offsetof(x86::FpuState, control), 2));
  b.set_state(offsetof(CpuState, eflags), 4,
              b.or_(b.get_state(offsetof(CpuState, eflags), 4), x86::kDF));
  b.set_state(offsetof(CpuState, cr), 1, b.imm32(0x1ff));
  b.set_state(offsetof(CpuState, seg) + x86::kDs * sizeof(x86::SegmentCache), 2, b.imm32(0x12345));
  b.exit_jump(0);
  CpuState s;
  s.seg[x86::kFs].base = 0xabcd0000;
  s.seg[x86::kGs].selector = 0x33;
  s.cr[0] = 0xffffff00;
  GuestEnv env;
  run_block(block, s, env);
  EXPECT_EQ(s.gpr[x86::kEax], 0xabcd0000u);
  EXPECT_EQ(s.gpr[x86::kEcx], 0x33u);
  EXPECT_EQ(s.gpr[x86::kEdx], 0x37fu);
  EXPECT_EQ(s.eflags, 0x2u | x86::kDF);
  EXPECT_EQ(s.cr[0], 0xffffffffu);
  EXPECT_EQ(s.seg[x86::kDs].selector, 0x2345u);
}

TEST(IrInterp, LoadsAndStores) {
  GuestMemory mem;
  mem.map(0x10000, 0x2000);
  Block block;
  Builder b(block);
  b.insn_start(0);
  Value base = b.get_gpr(x86::kEsi);
  b.store32(base, b.imm32(0x89abcdef));
  b.store16(b.add(base, 4u), b.imm32(0x11223344));
  b.store8(b.add(base, 6u), b.imm32(0x5566));
  b.store64(b.add(base, 0xffe),
            b.pack64(b.imm32(0x01020304), b.imm32(0x05060708)));  // crosses a page
  b.set_gpr(x86::kEax, b.load8(b.add(base, 3u)));
  b.set_gpr(x86::kEcx, b.load16(b.add(base, 1u)));
  b.set_gpr(x86::kEdx, b.load32(b.add(base, 3u)));
  Value q = b.load64(b.add(base, 0xffe));
  b.set_gpr(x86::kEbx, b.lo64(q));
  b.set_gpr(x86::kEdi, b.hi64(q));
  b.exit_jump(0);
  CpuState s;
  s.gpr[x86::kEsi] = 0x10000;
  GuestEnv env;
  env.guest_base = mem.base();
  run_block(block, s, env);
  const uint8_t want[] = {0xef, 0xcd, 0xab, 0x89, 0x44, 0x33, 0x66};
  EXPECT_EQ(std::memcmp(mem.at(0x10000), want, sizeof want), 0);
  EXPECT_EQ(s.gpr[x86::kEax], 0x89u);
  EXPECT_EQ(s.gpr[x86::kEcx], 0xabcdu);
  EXPECT_EQ(s.gpr[x86::kEdx], 0x66334489u);
  EXPECT_EQ(s.gpr[x86::kEbx], 0x01020304u);
  EXPECT_EQ(s.gpr[x86::kEdi], 0x05060708u);
}

TEST(IrInterp, LazyFlagOps) {
  Block block;
  Builder b(block);
  b.insn_start(0);
  Value x = b.get_gpr(x86::kEax), y = b.get_gpr(x86::kEcx);
  Value r = b.sub(x, y);
  b.set_cc(x86::CcOp::Sub32, r, y);
  b.set_gpr(x86::kEdx, b.cond(x86::kCondL));
  b.set_gpr(x86::kEbx, b.cond(x86::kCondB));
  b.set_gpr(x86::kEsi, b.eflags());
  b.set_cc_if(b.imm32(0), x86::CcOp::Logic32, b.imm32(0));  // not taken: flags stay
  b.set_gpr(x86::kEdi, b.get_cc_op());
  b.set_state(offsetof(CpuState, dr), 4, b.get_cc_dst());
  b.set_state(offsetof(CpuState, dr) + 4, 4, b.get_cc_src());
  b.set_cc_if(b.imm32(1), x86::CcOp::Adc8, b.imm32(0x100), b.imm32(0xff), b.imm32(1));
  b.set_state(offsetof(CpuState, dr) + 8, 4, b.get_cc_src2());
  b.exit_jump(0);
  CpuState s;
  s.gpr[x86::kEax] = 1;
  s.gpr[x86::kEcx] = 2;
  s.eflags = 0x2 | x86::kDF;
  GuestEnv env;
  run_block(block, s, env);
  EXPECT_EQ(s.gpr[x86::kEdx], 1u);  // 1 < 2 signed
  EXPECT_EQ(s.gpr[x86::kEbx], 1u);  // and unsigned
  EXPECT_EQ(s.gpr[x86::kEsi], 0x2u | x86::kDF | x86::kCF | x86::kSF | x86::kAF | x86::kPF);
  EXPECT_EQ(s.gpr[x86::kEdi], static_cast<uint32_t>(x86::CcOp::Sub32));
  EXPECT_EQ(s.dr[0], 0xffffffffu);
  EXPECT_EQ(s.dr[1], 2u);
  EXPECT_EQ(s.dr[2], 1u);
  EXPECT_EQ(s.cc.op, static_cast<uint32_t>(x86::CcOp::Adc8));
  EXPECT_EQ(x86::materialize_flags(s.cc), x86::kCF | x86::kZF | x86::kPF | x86::kAF);
}

uint64_t add3(GuestEnv& env, uint64_t a, uint64_t b, uint64_t c, uint64_t) {
  env.state->gpr[x86::kEbp] = 0x5555;  // helpers may write state
  return a + b + c;
}
uint64_t raise_gp(GuestEnv& env, uint64_t code, uint64_t, uint64_t, uint64_t) {
  env.raise(13, static_cast<uint32_t>(code));
  return 0;
}
constexpr HelperInfo kAdd3{"add3", &add3, Type::I64, 3, kWritesState};
constexpr HelperInfo kRaiseGp{"raise_gp", &raise_gp, Type::Void, 1, kMayRaise};

TEST(IrInterp, HelperCalls) {
  Block block;
  Builder b(block);
  b.insn_start(0x100);
  Value r = b.call(kAdd3, {b.get_gpr(x86::kEax), b.imm64(0x100000000ull), b.imm32(5)});
  b.set_gpr(x86::kEcx, b.lo64(r));
  b.set_gpr(x86::kEdx, b.hi64(r));
  b.insn_start(0x105);
  EXPECT_FALSE(b.call(kRaiseGp, {b.imm32(0x28)}).valid());
  b.set_gpr(x86::kEax, b.imm32(0));  // not reached
  b.exit_jump(0x10a);
  CpuState s;
  s.gpr[x86::kEax] = 0xfffffffe;
  GuestEnv env;
  const auto exit = run_block(block, s, env);
  EXPECT_EQ(exit.kind, interp::ExitKind::Exception);
  EXPECT_EQ(env.vector, 13);
  EXPECT_EQ(env.error_code, 0x28u);
  EXPECT_EQ(s.eip, 0x105u);  // at the raising instruction
  EXPECT_EQ(s.gpr[x86::kEax], 0xfffffffeu);
  EXPECT_EQ(s.gpr[x86::kEcx], 3u);
  EXPECT_EQ(s.gpr[x86::kEdx], 2u);
  EXPECT_EQ(s.gpr[x86::kEbp], 0x5555u);
}

TEST(IrInterp, Exits) {
  auto run_exit = [](auto emit_exit, CpuState& s, GuestEnv& env) {
    Block block;
    Builder b(block);
    b.insn_start(0x200);
    b.set_gpr(x86::kEax, b.imm32(1));
    b.insn_start(0x201);
    emit_exit(b);
    return run_block(block, s, env);
  };
  CpuState s;
  GuestEnv env;
  auto e = run_exit([](Builder& b) { b.exit_jump(0x300); }, s, env);
  EXPECT_EQ(e.kind, interp::ExitKind::Direct);
  EXPECT_EQ(e.slot, 0u);
  EXPECT_EQ(s.eip, 0x300u);
  e = run_exit([](Builder& b) { b.exit_indirect(b.imm32(0x12345678)); }, s, env);
  EXPECT_EQ(e.kind, interp::ExitKind::Indirect);
  EXPECT_EQ(s.eip, 0x12345678u);
  e = run_exit([](Builder& b) { b.raise_fault(6); }, s, env);
  EXPECT_EQ(e.kind, interp::ExitKind::Exception);
  EXPECT_EQ(env.vector, 6);
  EXPECT_EQ(s.eip, 0x201u);
  env = GuestEnv{};
  e = run_exit([](Builder& b) { b.raise_fault(14, 0x14, 0xdead000); }, s, env);
  EXPECT_EQ(env.vector, 14);
  EXPECT_EQ(env.error_code, 0x14u);
  EXPECT_EQ(env.fault_addr, 0xdead000u);
  env = GuestEnv{};
  e = run_exit([](Builder& b) { b.raise_trap(3, 0x202); }, s, env);
  EXPECT_EQ(e.kind, interp::ExitKind::Exception);
  EXPECT_EQ(env.vector, 3);
  EXPECT_EQ(s.eip, 0x202u);
  e = run_exit([](Builder& b) { b.exit_syscall(0x203); }, s, env);
  EXPECT_EQ(e.kind, interp::ExitKind::Syscall);
  EXPECT_EQ(s.eip, 0x203u);
  e = run_exit([](Builder& b) { b.exit_halt(0x204); }, s, env);
  EXPECT_EQ(e.kind, interp::ExitKind::Halt);
  EXPECT_EQ(s.eip, 0x204u);
  // exit_if: taken and not taken; slots count up.
  for (uint32_t c : {0u, 1u}) {
    e = run_exit(
        [c](Builder& b) {
          b.exit_if(b.imm32(c), 0x400);
          b.exit_jump(0x500);
        },
        s, env);
    EXPECT_EQ(e.kind, interp::ExitKind::Direct);
    EXPECT_EQ(s.eip, c ? 0x400u : 0x500u);
    EXPECT_EQ(e.slot, c ? 0u : 1u);
  }
}

TEST(IrVerifier, CatchesBadBlocks) {
  auto expect_bad = [](const Block& block, const char* what) {
    auto r = verify(block);
    EXPECT_FALSE(r.ok()) << what;
    if (!r.ok()) {
      EXPECT_NE(r.error().message.find(what), std::string::npos) << r.error().message;
    }
  };
  {
    Block block;
    expect_bad(block, "empty");
  }
  {
    Block block;
    Builder b(block);
    b.insn_start(0);
    b.set_gpr(x86::kEax, b.imm32(1));
    expect_bad(block, "does not end with an exit");
  }
  {
    Block block;
    Builder b(block);
    b.exit_jump(0);
    b.block().insts.push_back(b.block().insts.back());
    expect_bad(block, "terminator before the end");
  }
  {
    // Use before definition: swap two instructions.
    Block block;
    Builder b(block);
    Value x = b.imm32(1);
    b.set_gpr(x86::kEax, b.add(x, x));
    b.exit_jump(0);
    std::swap(block.insts[0], block.insts[1]);
    expect_bad(block, "used before its definition");
  }
  {
    // Type mismatch: an i64 where an i32 belongs.
    Block block;
    Builder b(block);
    Value x = b.imm64(1);
    b.exit_jump(0);
    Inst bad;
    bad.op = Opcode::SetGpr;
    bad.args[0] = x;
    block.insts.insert(block.insts.begin() + 1, bad);
    expect_bad(block, "wrong type");
  }
  {
    Block block;
    Builder b(block);
    Value x = b.imm32(1);
    b.exit_jump(0);
    Inst twice;
    twice.op = Opcode::Const32;
    twice.dst = x;
    block.insts.insert(block.insts.begin() + 1, twice);
    expect_bad(block, "defined twice");
  }
  {
    Block block;
    Builder b(block);
    b.exit_jump(0);
    Inst bad;
    bad.op = Opcode::GetGpr;
    bad.imm = 9;
    bad.dst = Value{static_cast<uint16_t>(block.temp_types.size())};
    block.temp_types.push_back(Type::I32);
    block.insts.insert(block.insts.begin(), bad);
    expect_bad(block, "register index out of range");
  }
  {
    Block block;
    Builder b(block);
    b.set_gpr(x86::kEax, b.cond(3));
    b.exit_jump(0);
    block.insts[0].imm = 16;
    expect_bad(block, "condition out of range");
  }
  {
    Block block;
    Builder b(block);
    b.set_gpr(x86::kEax, b.get_state(offsetof(CpuState, eip), 4));
    b.exit_jump(0);
    block.insts[0].imm = sizeof(CpuState);
    expect_bad(block, "state offset out of range");
  }
  {
    Block block;
    Builder b(block);
    Value r = b.call(kAdd3, {b.imm32(1), b.imm32(2), b.imm32(3)});
    b.set_gpr(x86::kEax, b.lo64(r));
    b.exit_jump(0);
    block.insts[5].args[0] = r;  // kAdd3 returns i64: set_gpr wants i32
    expect_bad(block, "wrong type");
  }
  {
    Block block;
    Builder b(block);
    Value r = b.call(kAdd3, {b.imm32(1), b.imm32(2), b.imm32(3)});
    b.set_gpr(x86::kEax, b.lo64(r));
    b.exit_jump(0);
    block.insts[3].args[2] = Value{};  // a required helper argument missing
    expect_bad(block, "missing helper argument");
  }
}

TEST(IrPrinter, Readable) {
  Block block;
  block.start_eip = 0x8048000;
  block.mode = kMode32BitCode | kMode32BitStack | kModeFlatSegs;
  block.guest_bytes = 3;
  Builder b(block);
  b.insn_start(0x8048000);
  Value r = b.add(b.get_gpr(x86::kEax), b.get_reg(3, 1));
  b.set_gpr(x86::kEax, r);
  b.set_cc(x86::CcOp::Add32, r, b.imm32(7));
  b.exit_if(b.cond(x86::kCondZ), 0x8048010);
  b.exit_jump(0x8048003);
  const std::string text = print_block(block);
  EXPECT_NE(text.find("IR block eip=0x8048000"), std::string::npos) << text;
  EXPECT_NE(text.find("mode=code32,stack32,flat"), std::string::npos) << text;
  EXPECT_NE(text.find("insn_start 0x8048000"), std::string::npos) << text;
  EXPECT_NE(text.find("t0:i32 = get_gpr ebx"), std::string::npos) << text;
  EXPECT_NE(text.find("t1:i32 = extract [0:8], t0"), std::string::npos) << text;
  EXPECT_NE(text.find("set_cc Add32, t3, t4, -"), std::string::npos) << text;
  EXPECT_NE(text.find("= cond z"), std::string::npos) << text;
  EXPECT_NE(text.find("exit_if 0x8048010 [slot 0], t5"), std::string::npos) << text;
  EXPECT_NE(text.find("exit_jump 0x8048003 [slot 1]"), std::string::npos) << text;
}

}  // namespace
}  // namespace dynemu::ir
