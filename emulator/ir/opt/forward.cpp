#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <vector>

#include "emulator/ir/opt/optimize.h"
#include "emulator/ir/semantics.h"
#include "emulator/x86/cpu_state.h"
#include "emulator/x86/lazy_flags.h"

namespace dynemu::ir::opt {

namespace {

using x86::CcKind;

constexpr size_t kGprBegin = offsetof(x86::CpuState, gpr);
constexpr size_t kGprEnd = kGprBegin + sizeof(x86::CpuState::gpr);
constexpr size_t kCcBegin = offsetof(x86::CpuState, cc);
constexpr size_t kCcEnd = kCcBegin + sizeof(x86::LazyFlags);

bool overlaps(uint64_t off, unsigned bytes, size_t begin, size_t end) {
  return off < end && off + bytes > begin;
}

unsigned state_bytes(Opcode op) {
  switch (op) {
    case Opcode::GetState8:
    case Opcode::SetState8: return 1;
    case Opcode::GetState16:
    case Opcode::SetState16: return 2;
    default: return 4;
  }
}

// Appends new instructions to the output while rewriting a block.
class Rewriter {
 public:
  Rewriter(Block& block, std::vector<Inst>& out) : m_block(block), m_out(out) {}

  Value emit(Opcode op, std::initializer_list<Value> args, uint64_t imm = 0) {
    Inst inst;
    inst.op = op;
    inst.imm = imm;
    unsigned i = 0;
    for (Value a : args) inst.args[i++] = a;
    const Slot r = op_info(op).result;
    inst.dst = Value{static_cast<uint16_t>(m_block.temp_types.size())};
    m_block.temp_types.push_back(r == Slot::I64 ? Type::I64 : Type::I32);
    m_out.push_back(inst);
    return inst.dst;
  }
  Value imm(uint32_t v) { return emit(Opcode::Const32, {}, v); }
  Value bin(Opcode op, Value a, Value b) { return emit(op, {a, b}); }
  Value un(Opcode op, Value a) { return emit(op, {a}); }

 private:
  Block& m_block;
  std::vector<Inst>& m_out;
};

// Identity of a pure computation, for common subexpression elimination.
struct PureKey {
  Opcode op;
  std::array<Value, 4> args;
  uint64_t imm;
  bool operator<(const PureKey& o) const {
    if (op != o.op) return op < o.op;
    if (imm != o.imm) return imm < o.imm;
    for (unsigned i = 0; i < 4; ++i)
      if (args[i].id != o.args[i].id) return args[i].id < o.args[i].id;
    return false;
  }
};

// The lazy-flag fields of the last unconditional set_cc, if known.
struct KnownCc {
  bool known = false;
  uint32_t op = 0;
  Value dst, src, src2;
  Value first;  // the first operand of a Sub-kind op, when dst = sub(first, src) is in the block
};

// `cond` (0..15) computed from known lazy-flag operands with pure ops, for
// the operations that dominate compiled code; invalid Value if not handled.
Value fuse_cond(Rewriter& w, unsigned cond, const KnownCc& cc) {
  const auto op = static_cast<x86::CcOp>(cc.op);
  if (op >= x86::CcOp::Eflags) return {};
  const CcKind kind = x86::cc_kind(op);
  const unsigned bytes = x86::cc_size(op);
  auto zx = [&](Value v) {
    return bytes == 4 ? v : w.bin(Opcode::And, v, w.imm(bytes == 1 ? 0xff : 0xffff));
  };
  auto sx = [&](Value v) {
    return bytes == 4 ? v : w.un(bytes == 1 ? Opcode::Sext8 : Opcode::Sext16, v);
  };
  auto is_zero = [&](Value v) { return w.bin(Opcode::Eq, zx(v), w.imm(0)); };
  auto non_zero = [&](Value v) { return w.bin(Opcode::Ne, zx(v), w.imm(0)); };
  auto is_neg = [&](Value v) { return w.bin(Opcode::LtS, sx(v), w.imm(0)); };
  auto non_neg = [&](Value v) { return w.bin(Opcode::LeS, w.imm(0), sx(v)); };
  const bool zf_sf_from_result =
      kind == CcKind::Add || kind == CcKind::Adc || kind == CcKind::Sub || kind == CcKind::Sbb ||
      kind == CcKind::Logic || kind == CcKind::Inc || kind == CcKind::Dec || kind == CcKind::Neg;
  const unsigned c = cond & 15;
  if (zf_sf_from_result && !cc.dst.valid()) return {};
  if (zf_sf_from_result) {
    switch (c) {
      case x86::kCondZ: return is_zero(cc.dst);
      case x86::kCondNZ: return non_zero(cc.dst);
      case x86::kCondS: return is_neg(cc.dst);
      case x86::kCondNS: return non_neg(cc.dst);
      default: break;
    }
  }
  switch (kind) {
    case CcKind::Sub: {
      if (!cc.src.valid()) return {};
      // The first operand: known, or dst + src.
      const Value a = cc.first.valid() ? cc.first : w.bin(Opcode::Add, cc.dst, cc.src);
      switch (c) {
        case x86::kCondB: return w.bin(Opcode::LtU, zx(a), zx(cc.src));
        case x86::kCondNB: return w.bin(Opcode::LeU, zx(cc.src), zx(a));
        case x86::kCondBE: return w.bin(Opcode::LeU, zx(a), zx(cc.src));
        case x86::kCondNBE: return w.bin(Opcode::LtU, zx(cc.src), zx(a));
        case x86::kCondL: return w.bin(Opcode::LtS, sx(a), sx(cc.src));
        case x86::kCondNL: return w.bin(Opcode::LeS, sx(cc.src), sx(a));
        case x86::kCondLE: return w.bin(Opcode::LeS, sx(a), sx(cc.src));
        case x86::kCondNLE: return w.bin(Opcode::LtS, sx(cc.src), sx(a));
        default: return {};
      }
    }
    case CcKind::Add:
      if (!cc.src.valid()) return {};
      if (c == x86::kCondB) return w.bin(Opcode::LtU, zx(cc.dst), zx(cc.src));
      if (c == x86::kCondNB) return w.bin(Opcode::LeU, zx(cc.src), zx(cc.dst));
      return {};
    case CcKind::Logic:
      switch (c) {
        case x86::kCondO:
        case x86::kCondB: return w.imm(0);
        case x86::kCondNO:
        case x86::kCondNB: return w.imm(1);
        case x86::kCondBE: return is_zero(cc.dst);
        case x86::kCondNBE: return non_zero(cc.dst);
        case x86::kCondL: return is_neg(cc.dst);
        case x86::kCondNL: return non_neg(cc.dst);
        case x86::kCondLE: return w.bin(Opcode::LeS, sx(cc.dst), w.imm(0));
        case x86::kCondNLE: return w.bin(Opcode::LtS, w.imm(0), sx(cc.dst));
        default: return {};
      }
    case CcKind::Inc:
    case CcKind::Dec:
      // CF is the carried-over old CF.
      if (c != x86::kCondB && c != x86::kCondNB) return {};
      if (!cc.src2.valid()) return w.imm(c == x86::kCondB ? 0 : 1);
      {
        const Value cf = w.bin(Opcode::And, cc.src2, w.imm(1));
        return c == x86::kCondB ? cf : w.bin(Opcode::Eq, cf, w.imm(0));
      }
    default: return {};
  }
}

// x+0, x-0, x|0, x^0, x&~0, x<<0 (and >>, rotates), x*1: the result is x.
template <typename ConstantOf>
Value identity(const Inst& inst, ConstantOf constant) {
  if (!inst.args[1].valid()) return {};
  const std::optional<uint64_t> b = constant(inst.args[1]);
  const std::optional<uint64_t> a = constant(inst.args[0]);
  switch (inst.op) {
    case Opcode::Add:
    case Opcode::Or:
    case Opcode::Xor:
      if (b == 0u) return inst.args[0];
      if (a == 0u) return inst.args[1];
      return {};
    case Opcode::Sub:
    case Opcode::Shl:
    case Opcode::Shr:
    case Opcode::Sar:
    case Opcode::Rol:
    case Opcode::Ror:
      if (b && (inst.op == Opcode::Sub ? *b == 0 : (*b & 31) == 0)) return inst.args[0];
      return {};
    case Opcode::And:
      if (b == 0xffffffffu) return inst.args[0];
      if (a == 0xffffffffu) return inst.args[1];
      return {};
    case Opcode::Mul:
      if (b == 1u) return inst.args[0];
      if (a == 1u) return inst.args[1];
      return {};
    default: return {};
  }
}

}  // namespace

void forward_state(Block& block) {
  std::vector<Inst> out;
  out.reserve(block.insts.size());
  Rewriter w(block, out);
  std::vector<Value> repl(block.temp_types.size());
  std::vector<std::optional<uint64_t>> konst(block.temp_types.size());
  std::array<Value, 8> gpr{};
  KnownCc cc;
  std::map<PureKey, Value> seen;
  // For each temp defined by sub(a, b) in the output: a (CMP's and SUB's
  // first operand, so fused conditions compare it instead of dst + src).
  std::vector<Value> sub_first(block.temp_types.size()), sub_second(block.temp_types.size());

  auto resolve = [&](Value v) {
    while (v.valid() && v.id < repl.size() && repl[v.id].valid()) v = repl[v.id];
    return v;
  };
  auto constant = [&](Value v) -> std::optional<uint64_t> {
    if (!v.valid()) return 0;  // an absent optional operand reads as 0
    if (v.id < konst.size()) return konst[v.id];
    return std::nullopt;
  };
  auto forward_to = [&](const Inst& inst, Value v) {
    if (v.valid()) {
      repl[inst.dst.id] = v;
    } else {
      // An absent lazy-flag operand reads as 0.
      Inst zero = inst;
      zero.op = Opcode::Const32;
      zero.imm = 0;
      zero.args = {};
      konst[inst.dst.id] = 0;
      out.push_back(zero);
    }
  };

  for (Inst inst : block.insts) {
    for (Value& a : inst.args) a = resolve(a);
    const OpInfo& info = op_info(inst.op);
    switch (inst.op) {
      case Opcode::Const32:
      case Opcode::Const64: konst[inst.dst.id] = inst.imm; break;
      case Opcode::GetGpr:
        if (gpr[inst.imm].valid()) {
          repl[inst.dst.id] = gpr[inst.imm];
          continue;
        }
        gpr[inst.imm] = inst.dst;
        break;
      case Opcode::SetGpr: gpr[inst.imm] = inst.args[0]; break;
      case Opcode::SetState8:
      case Opcode::SetState16:
      case Opcode::SetState32: {
        const unsigned bytes = state_bytes(inst.op);
        if (overlaps(inst.imm, bytes, kGprBegin, kGprEnd)) gpr = {};
        if (overlaps(inst.imm, bytes, kCcBegin, kCcEnd)) cc.known = false;
        break;
      }
      case Opcode::SetCc:
        cc = {true, static_cast<uint32_t>(inst.imm), inst.args[0], inst.args[1], inst.args[2], {}};
        if (inst.args[0].valid() && inst.args[0].id < sub_first.size() &&
            sub_first[inst.args[0].id].valid() && sub_second[inst.args[0].id] == inst.args[1] &&
            x86::cc_kind(static_cast<x86::CcOp>(cc.op)) == CcKind::Sub &&
            cc.op < static_cast<uint32_t>(x86::CcOp::Eflags))
          cc.first = sub_first[inst.args[0].id];
        break;
      case Opcode::SetCcIf: cc.known = false; break;
      case Opcode::GetCcOp:
        if (cc.known) {
          inst.op = Opcode::Const32;
          inst.imm = cc.op;
          konst[inst.dst.id] = cc.op;
        }
        break;
      case Opcode::GetCcDst:
        if (cc.known) {
          forward_to(inst, cc.dst);
          continue;
        }
        break;
      case Opcode::GetCcSrc:
        if (cc.known) {
          forward_to(inst, cc.src);
          continue;
        }
        break;
      case Opcode::GetCcSrc2:
        if (cc.known) {
          forward_to(inst, cc.src2);
          continue;
        }
        break;
      case Opcode::Cond:
        if (cc.known) {
          const Value v = fuse_cond(w, static_cast<unsigned>(inst.imm), cc);
          if (v.valid()) {
            repl.resize(block.temp_types.size());
            konst.resize(block.temp_types.size());
            repl[inst.dst.id] = v;
            continue;
          }
        }
        break;
      case Opcode::ExitIf:
        // A constant condition: never taken (drop it) or always (the block ends).
        if (auto c = constant(inst.args[0])) {
          if (*c == 0) continue;
          inst.op = Opcode::ExitJump;
          inst.args = {};
          out.push_back(inst);
          block.insts = std::move(out);
          return;
        }
        break;
      case Opcode::Call:
        if (inst.helper->effects & kWritesState) gpr = {};
        if (inst.helper->effects & kWritesCc) cc.known = false;
        break;
      default: break;
    }
    // Identities with one constant operand: the op is the other operand.
    if (const Value same = identity(inst, constant); same.valid()) {
      repl[inst.dst.id] = same;
      continue;
    }
    // The same temp on both sides: x^x = x-x = 0 (XOR EAX, EAX), x&x = x|x = x.
    if (inst.args[0].valid() && inst.args[0] == inst.args[1]) {
      if (inst.op == Opcode::And || inst.op == Opcode::Or) {
        repl[inst.dst.id] = inst.args[0];
        continue;
      }
      if (inst.op == Opcode::Xor || inst.op == Opcode::Sub) {
        inst.op = Opcode::Const32;
        inst.imm = 0;
        inst.args = {};
        konst[inst.dst.id] = 0;
      }
    }
    // Constant folding of pure ops whose operands are all known.
    if (info.effects == kPure && inst.op != Opcode::Const32 && inst.op != Opcode::Const64 &&
        info.args[0] != Slot::None) {
      std::optional<uint64_t> v[3];
      bool all = true;
      for (unsigned a = 0; a < 3; ++a) {
        v[a] = info.args[a] == Slot::None ? std::optional<uint64_t>(0) : constant(inst.args[a]);
        all &= v[a].has_value();
      }
      if (all) {
        if (auto r = eval_pure(inst.op, *v[0], *v[1], *v[2], inst.imm)) {
          const bool wide = block.type_of(inst.dst) == Type::I64;
          inst.op = wide ? Opcode::Const64 : Opcode::Const32;
          inst.imm = *r;
          inst.args = {};
          konst[inst.dst.id] = *r;
        }
      }
    }
    // Common subexpressions: a pure op computed again on the same operands.
    if (op_info(inst.op).effects == kPure) {
      const PureKey key{inst.op, inst.args, inst.imm};
      auto [it, fresh] = seen.try_emplace(key, inst.dst);
      if (!fresh) {
        repl[inst.dst.id] = it->second;
        continue;
      }
    }
    out.push_back(inst);
    repl.resize(block.temp_types.size());
    konst.resize(block.temp_types.size());
    sub_first.resize(block.temp_types.size());
    sub_second.resize(block.temp_types.size());
    if (inst.op == Opcode::Sub && inst.args[0].valid() && inst.args[1].valid()) {
      sub_first[inst.dst.id] = inst.args[0];
      sub_second[inst.dst.id] = inst.args[1];
    }
  }
  block.insts = std::move(out);
}

}  // namespace dynemu::ir::opt
