// Address arithmetic: the translator spells base + index * scale + disp as
// shl/add/add (one op each); the x64 backend computes a Lea in one LEA.
#include <cstdint>
#include <optional>
#include <vector>

#include "emulator/ir/opt/optimize.h"

namespace dynemu::ir::opt {

namespace {

uint64_t lea_imm(unsigned shift, uint32_t disp) {
  return shift | uint64_t{disp} << 32;
}

}  // namespace

void fuse_addresses(Block& block) {
  std::vector<int32_t> def(block.temp_types.size(), -1);
  auto def_of = [&](Value v) -> const Inst* {
    return v.valid() && def[v.id] >= 0 ? &block.insts[def[v.id]] : nullptr;
  };
  auto const_of = [&](Value v) -> std::optional<uint32_t> {
    const Inst* d = def_of(v);
    if (d && d->op == Opcode::Const32) return static_cast<uint32_t>(d->imm);
    return std::nullopt;
  };
  // v = y << s with a constant s in 1..3: {y, s}.
  auto scaled = [&](Value v) -> std::optional<std::pair<Value, unsigned>> {
    const Inst* d = def_of(v);
    if (!d || d->op != Opcode::Shl) return std::nullopt;
    const std::optional<uint32_t> s = const_of(d->args[1]);
    if (!s || (*s & 31) < 1 || (*s & 31) > 3) return std::nullopt;
    return std::pair{d->args[0], *s & 31};
  };
  for (size_t k = 0; k < block.insts.size(); ++k) {
    Inst& inst = block.insts[k];
    if (inst.op == Opcode::Add) {
      Value a = inst.args[0], b = inst.args[1];
      if (const_of(a) && !const_of(b)) std::swap(a, b);
      if (const std::optional<uint32_t> c = const_of(b); c && !const_of(a)) {
        // (x + (y << s) + d) + c, (x + y) + c, (x + (y << s)) + c
        const Inst* d = def_of(a);
        if (d && d->op == Opcode::Lea) {
          const uint32_t disp = static_cast<uint32_t>(d->imm >> 32) + *c;
          inst = Inst{Opcode::Lea, inst.dst, {d->args[0], d->args[1]}, lea_imm(d->imm & 3, disp)};
        } else if (d && d->op == Opcode::Add && !const_of(d->args[0]) && !const_of(d->args[1])) {
          Value x = d->args[0], y = d->args[1];
          unsigned s = 0;
          if (auto sy = scaled(y)) {
            y = sy->first;
            s = sy->second;
          } else if (auto sx = scaled(x)) {
            x = y;
            y = sx->first;
            s = sx->second;
          }
          inst = Inst{Opcode::Lea, inst.dst, {x, y}, lea_imm(s, *c)};
        }
      } else if (!const_of(a) && !const_of(b)) {
        // x + (y << s)
        if (auto sb = scaled(b)) {
          inst = Inst{Opcode::Lea, inst.dst, {a, sb->first}, lea_imm(sb->second, 0)};
        } else if (auto sa = scaled(a)) {
          inst = Inst{Opcode::Lea, inst.dst, {b, sa->first}, lea_imm(sa->second, 0)};
        }
      }
    }
    if (inst.dst.valid()) def[inst.dst.id] = static_cast<int32_t>(k);
  }
}

}  // namespace dynemu::ir::opt
