#include "emulator/interp/interpreter.h"

#include <cassert>
#include <cstring>

#include "emulator/core/bits.h"
#include "emulator/ir/semantics.h"
#include "emulator/mmu/mmu.h"
#include "emulator/x86/lazy_flags.h"

namespace dynemu::interp {

using ir::Opcode;

namespace {

// Binary ops whose second operand is a constant get an interpreter-only form
// reading it from Op::imm: one dispatch and one load fewer.
#define DYNEMU_INTERP_IMM_FORMS(X) \
  X(Add)                           \
  X(Sub)                           \
  X(And)                           \
  X(Or)                            \
  X(Xor)                           \
  X(Shl)                           \
  X(Shr)                           \
  X(Sar)                           \
  X(Mul)                           \
  X(Eq)                            \
  X(Ne)                            \
  X(LtU)                           \
  X(LeU)                           \
  X(LtS)                           \
  X(LeS)

enum ImmForm : uint16_t {
#define X(id) kImm##id,
  DYNEMU_INTERP_IMM_FORMS(X)
#undef X
      kNumImmForms
};

// The Op code of the immediate form of `op`, or 0 if it has none.
uint16_t imm_form(Opcode op) {
  switch (op) {
#define X(id) \
  case Opcode::id: return static_cast<uint16_t>(ir::kNumOpcodes + kImm##id);
    DYNEMU_INTERP_IMM_FORMS(X)
#undef X
    default: return 0;
  }
}

}  // namespace

Program Program::compile(const ir::Block& block) {
  Program p;
  const auto n = static_cast<uint32_t>(block.temp_types.size());
  const auto zero = static_cast<uint16_t>(n), scratch = static_cast<uint16_t>(n + 1);
  p.m_num_slots = n + 2;
  p.m_mode = block.mode;
  p.m_ops.reserve(block.insts.size());
  auto slot = [&](ir::Value v) { return v.valid() ? v.id : zero; };
  std::vector<bool> is_const(n, false);
  std::vector<uint64_t> const_value(n, 0);
  for (const ir::Inst& inst : block.insts) {
    if (inst.op == Opcode::Const32 || inst.op == Opcode::Const64) {
      p.m_const_slots.push_back(inst.dst.id);
      p.m_const_values.push_back(inst.imm);
      is_const[inst.dst.id] = true;
      const_value[inst.dst.id] = inst.imm;
      continue;
    }
    if (const uint16_t form = imm_form(inst.op);
        form && inst.args[1].valid() && is_const[inst.args[1].id]) {
      Op op{};
      op.code = form;
      op.dst = inst.dst.id;
      op.a = slot(inst.args[0]);
      op.b = op.c = op.d = zero;
      op.imm = const_value[inst.args[1].id];
      p.m_ops.push_back(op);
      continue;
    }
    Op op{};
    op.code = static_cast<uint16_t>(inst.op);
    op.dst = inst.dst.valid() ? inst.dst.id : scratch;
    op.a = slot(inst.args[0]);
    op.b = slot(inst.args[1]);
    op.c = slot(inst.args[2]);
    op.d = slot(inst.args[3]);
    op.aux = inst.aux;
    op.imm = inst.op == Opcode::Call ? reinterpret_cast<uint64_t>(inst.helper) : inst.imm;
    p.m_ops.push_back(op);
  }
  return p;
}

namespace {

// What one step sees. `leave` ops fill `exit` and return true.
struct Ctx {
  ir::GuestEnv& env;
  x86::CpuState& s;
  uint8_t* mem;
  uint64_t* t;
  BlockExit exit;
  // System mode: the TLB set of the block's CPL (null in user mode).
  const ir::TlbEntry* tlb;
  uint32_t user;
};

#define ALWAYS_INLINE [[gnu::always_inline]] inline

// The meaning of op kOp. Pure ops come from ir::pure_op (semantics.h); every
// op with effects has an explicit specialization below. Returns true when
// the block is left.
template <Opcode kOp>
ALWAYS_INLINE bool step(Ctx& c, const Op& op) {
  static_assert(ir::is_pure(kOp), "an op with effects needs its own step<>");
  c.t[op.dst] = ir::pure_op<kOp>(c.t[op.a], c.t[op.b], c.t[op.c], op.imm);
  return false;
}

uint8_t* state_ptr(x86::CpuState& s, uint64_t off) {
  return reinterpret_cast<uint8_t*>(&s) + off;
}

template <>
ALWAYS_INLINE bool step<Opcode::GetGpr>(Ctx& c, const Op& op) {
  c.t[op.dst] = c.s.gpr[op.imm];
  return false;
}
template <>
ALWAYS_INLINE bool step<Opcode::SetGpr>(Ctx& c, const Op& op) {
  c.s.gpr[op.imm] = static_cast<uint32_t>(c.t[op.a]);
  return false;
}
template <>
ALWAYS_INLINE bool step<Opcode::GetSegBase>(Ctx& c, const Op& op) {
  c.t[op.dst] = c.s.seg[op.imm].base;
  return false;
}
template <>
ALWAYS_INLINE bool step<Opcode::GetState8>(Ctx& c, const Op& op) {
  c.t[op.dst] = *state_ptr(c.s, op.imm);
  return false;
}
template <>
ALWAYS_INLINE bool step<Opcode::GetState16>(Ctx& c, const Op& op) {
  c.t[op.dst] = load_le<uint16_t>(state_ptr(c.s, op.imm));
  return false;
}
template <>
ALWAYS_INLINE bool step<Opcode::GetState32>(Ctx& c, const Op& op) {
  c.t[op.dst] = load_le<uint32_t>(state_ptr(c.s, op.imm));
  return false;
}
template <>
ALWAYS_INLINE bool step<Opcode::SetState8>(Ctx& c, const Op& op) {
  *state_ptr(c.s, op.imm) = static_cast<uint8_t>(c.t[op.a]);
  return false;
}
template <>
ALWAYS_INLINE bool step<Opcode::SetState16>(Ctx& c, const Op& op) {
  store_le<uint16_t>(state_ptr(c.s, op.imm), static_cast<uint16_t>(c.t[op.a]));
  return false;
}
template <>
ALWAYS_INLINE bool step<Opcode::SetState32>(Ctx& c, const Op& op) {
  store_le<uint32_t>(state_ptr(c.s, op.imm), static_cast<uint32_t>(c.t[op.a]));
  return false;
}

ALWAYS_INLINE bool divide(Ctx& c, const Op& op, bool is_signed) {
  const auto r = ir::div_op(is_signed, c.t[op.a], static_cast<uint32_t>(c.t[op.b]), op.imm);
  if (!r) {
    c.env.raise(0);  // #DE at the current instruction
    c.exit = {ExitKind::Exception, 0};
    return true;
  }
  c.t[op.dst] = *r;
  return false;
}
template <>
ALWAYS_INLINE bool step<Opcode::DivU>(Ctx& c, const Op& op) {
  return divide(c, op, false);
}
template <>
ALWAYS_INLINE bool step<Opcode::DivS>(Ctx& c, const Op& op) {
  return divide(c, op, true);
}

// Guest memory. User mode: host = guest_base + linear; bad addresses fault
// on the host and the CPU loop's signal handler turns that into a guest #PF.
// System mode: the soft TLB inline (the tag is compared with the page of
// the access's last byte, so page-crossing accesses miss), else the MMU's
// slow path, which may raise #PF: then the block leaves.
template <typename T>
ALWAYS_INLINE const ir::TlbEntry& tlb_entry(Ctx& c, uint32_t a) {
  return c.tlb[(a >> 12) & (ir::kTlbEntries - 1)];
}
template <typename T>
ALWAYS_INLINE bool step_load(Ctx& c, const Op& op) {
  const auto a = static_cast<uint32_t>(c.t[op.a]);
  if (!c.tlb) [[likely]] {
    c.t[op.dst] = load_le<T>(c.mem + a);
    return false;
  }
  const ir::TlbEntry& e = tlb_entry<T>(c, a);
  if (((a + sizeof(T) - 1) & ~0xfffu) == e.read) [[likely]] {
    c.t[op.dst] = load_le<T>(reinterpret_cast<const uint8_t*>(e.addend + a));
    return false;
  }
  c.t[op.dst] = static_cast<T>(mmu::load_slow(&c.env, a, sizeof(T), c.user));
  if (!c.env.raised) return false;
  c.exit = {ExitKind::Exception, 0};
  return true;
}
template <typename T>
ALWAYS_INLINE bool step_store(Ctx& c, const Op& op) {
  const auto a = static_cast<uint32_t>(c.t[op.a]);
  const auto v = static_cast<T>(c.t[op.b]);
  if (!c.tlb) [[likely]] {
    store_le<T>(c.mem + a, v);
    c.env.note_store(a, sizeof(T));
    return false;
  }
  const ir::TlbEntry& e = tlb_entry<T>(c, a);
  if (((a + sizeof(T) - 1) & ~0xfffu) == e.write) [[likely]] {
    store_le<T>(reinterpret_cast<uint8_t*>(e.addend + a), v);
    return false;
  }
  mmu::store_slow(&c.env, a, v, sizeof(T), c.user);
  if (!c.env.raised) return false;
  c.exit = {ExitKind::Exception, 0};
  return true;
}
template <>
ALWAYS_INLINE bool step<Opcode::Load8>(Ctx& c, const Op& op) {
  return step_load<uint8_t>(c, op);
}
template <>
ALWAYS_INLINE bool step<Opcode::Load16>(Ctx& c, const Op& op) {
  return step_load<uint16_t>(c, op);
}
template <>
ALWAYS_INLINE bool step<Opcode::Load32>(Ctx& c, const Op& op) {
  return step_load<uint32_t>(c, op);
}
template <>
ALWAYS_INLINE bool step<Opcode::Load64>(Ctx& c, const Op& op) {
  return step_load<uint64_t>(c, op);
}
template <>
ALWAYS_INLINE bool step<Opcode::Store8>(Ctx& c, const Op& op) {
  return step_store<uint8_t>(c, op);
}
template <>
ALWAYS_INLINE bool step<Opcode::Store16>(Ctx& c, const Op& op) {
  return step_store<uint16_t>(c, op);
}
template <>
ALWAYS_INLINE bool step<Opcode::Store32>(Ctx& c, const Op& op) {
  return step_store<uint32_t>(c, op);
}
template <>
ALWAYS_INLINE bool step<Opcode::Store64>(Ctx& c, const Op& op) {
  return step_store<uint64_t>(c, op);
}

template <>
ALWAYS_INLINE bool step<Opcode::SetCc>(Ctx& c, const Op& op) {
  c.s.cc = {static_cast<uint32_t>(op.imm), static_cast<uint32_t>(c.t[op.a]),
            static_cast<uint32_t>(c.t[op.b]), static_cast<uint32_t>(c.t[op.c])};
  return false;
}
template <>
ALWAYS_INLINE bool step<Opcode::SetCcIf>(Ctx& c, const Op& op) {
  if (c.t[op.a])
    c.s.cc = {static_cast<uint32_t>(op.imm), static_cast<uint32_t>(c.t[op.b]),
              static_cast<uint32_t>(c.t[op.c]), static_cast<uint32_t>(c.t[op.d])};
  return false;
}
template <>
ALWAYS_INLINE bool step<Opcode::GetCcOp>(Ctx& c, const Op& op) {
  c.t[op.dst] = c.s.cc.op;
  return false;
}
template <>
ALWAYS_INLINE bool step<Opcode::GetCcDst>(Ctx& c, const Op& op) {
  c.t[op.dst] = c.s.cc.dst;
  return false;
}
template <>
ALWAYS_INLINE bool step<Opcode::GetCcSrc>(Ctx& c, const Op& op) {
  c.t[op.dst] = c.s.cc.src;
  return false;
}
template <>
ALWAYS_INLINE bool step<Opcode::GetCcSrc2>(Ctx& c, const Op& op) {
  c.t[op.dst] = c.s.cc.src2;
  return false;
}
template <>
ALWAYS_INLINE bool step<Opcode::Eflags>(Ctx& c, const Op& op) {
  c.t[op.dst] = x86::read_eflags(c.s);
  return false;
}
template <>
ALWAYS_INLINE bool step<Opcode::Cond>(Ctx& c, const Op& op) {
  c.t[op.dst] = x86::eval_cond(c.s.cc, static_cast<unsigned>(op.imm));
  return false;
}

template <>
ALWAYS_INLINE bool step<Opcode::Call>(Ctx& c, const Op& op) {
  const auto* h = reinterpret_cast<const ir::HelperInfo*>(op.imm);
  const uint64_t r = h->fn(c.env, c.t[op.a], c.t[op.b], c.t[op.c], c.t[op.d]);
  c.t[op.dst] = h->result == ir::Type::I32 ? static_cast<uint32_t>(r) : r;
  if (c.env.raised) {
    c.exit = {ExitKind::Exception, 0};
    return true;
  }
  return false;
}

template <>
ALWAYS_INLINE bool step<Opcode::InsnStart>(Ctx& c, const Op& op) {
  c.s.eip = static_cast<uint32_t>(op.imm);
  // A store of the previous instruction rewrote this block: leave it so
  // that the new code is translated and runs.
  if (c.env.block_invalidated) {
    c.exit = {ExitKind::Stopped, 0};
    return true;
  }
  return false;
}

template <>
ALWAYS_INLINE bool step<Opcode::ExitIf>(Ctx& c, const Op& op) {
  if (!c.t[op.a]) return false;
  c.s.eip = static_cast<uint32_t>(op.imm);
  c.exit = {ExitKind::Direct, op.aux};
  return true;
}
template <>
ALWAYS_INLINE bool step<Opcode::ExitJump>(Ctx& c, const Op& op) {
  c.s.eip = static_cast<uint32_t>(op.imm);
  c.exit = {ExitKind::Direct, op.aux};
  return true;
}
template <>
ALWAYS_INLINE bool step<Opcode::ExitIndirect>(Ctx& c, const Op& op) {
  c.s.eip = static_cast<uint32_t>(c.t[op.a]);
  c.exit = {ExitKind::Indirect, 0};
  return true;
}
template <>
ALWAYS_INLINE bool step<Opcode::RaiseFault>(Ctx& c, const Op& op) {
  c.env.raise(static_cast<uint8_t>(op.aux), static_cast<uint32_t>(op.imm),
              static_cast<uint32_t>(op.imm >> 32));
  c.exit = {ExitKind::Exception, 0};
  return true;
}
template <>
ALWAYS_INLINE bool step<Opcode::RaiseTrap>(Ctx& c, const Op& op) {
  c.s.eip = static_cast<uint32_t>(op.imm);
  c.env.raise(static_cast<uint8_t>(op.aux));
  c.exit = {ExitKind::Exception, 0};
  return true;
}
template <>
ALWAYS_INLINE bool step<Opcode::ExitSyscall>(Ctx& c, const Op& op) {
  c.s.eip = static_cast<uint32_t>(op.imm);
  c.exit = {ExitKind::Syscall, 0};
  return true;
}
template <>
ALWAYS_INLINE bool step<Opcode::ExitHalt>(Ctx& c, const Op& op) {
  c.s.eip = static_cast<uint32_t>(op.imm);
  c.exit = {ExitKind::Halt, 0};
  return true;
}

}  // namespace

BlockExit run(const Program& program, ir::GuestEnv& env, uint64_t* temps) {
  const uint32_t user = ir::mode_cpl(program.mode()) == 3;
  Ctx c{env,   *env.state, env.guest_base,
        temps, {},         env.tlb ? env.tlb + (user ? ir::kTlbEntries : 0) : nullptr,
        user};
  temps[program.num_slots() - 2] = 0;  // the slot of absent operands
  const auto& const_slots = program.const_slots();
  const uint64_t* const_values = program.const_values().data();
  for (size_t i = 0; i < const_slots.size(); ++i) temps[const_slots[i]] = const_values[i];
  const Op* op = program.ops().data();

  // Threaded dispatch (GCC labels as values): one indirect jump per op, a
  // separate one at each op's end, which the host predicts well.
  static constexpr void* kDispatch[] = {
#define OPCODE(id, name, res, a0, a1, a2, a3, imm, fx) &&L_##id,
#include "emulator/ir/opcodes.inc"
#undef OPCODE
#define X(id) &&L_imm_##id,
      DYNEMU_INTERP_IMM_FORMS(X)
#undef X
  };
  goto* kDispatch[op->code];
#define X(id)                                                                     \
  L_imm_##id : c.t[op->dst] = ir::pure_op<Opcode::id>(c.t[op->a], op->imm, 0, 0); \
  ++op;                                                                           \
  goto* kDispatch[op->code];
  DYNEMU_INTERP_IMM_FORMS(X)
#undef X
#define OPCODE(id, name, res, a0, a1, a2, a3, imm, fx)  \
  L_##id : if (step<Opcode::id>(c, *op)) return c.exit; \
  ++op;                                                 \
  goto* kDispatch[op->code];
#include "emulator/ir/opcodes.inc"
#undef OPCODE
}

}  // namespace dynemu::interp
