#include "emulator/ir/semantics.h"

namespace dynemu::ir {

namespace {

// A template, so that pure_op is instantiated only for pure ops.
template <Opcode kOp>
std::optional<uint64_t> eval_if_pure(uint64_t a, uint64_t b, uint64_t c, uint64_t imm) {
  if constexpr (is_pure(kOp)) {
    return pure_op<kOp>(a, b, c, imm);
  } else {
    return std::nullopt;
  }
}

}  // namespace

std::optional<uint64_t> eval_pure(Opcode op, uint64_t a, uint64_t b, uint64_t c, uint64_t imm) {
  switch (op) {
#define OPCODE(id, name, res, a0, a1, a2, a3, immkind, fx) \
  case Opcode::id:                                         \
    return eval_if_pure<Opcode::id>(a, b, c, imm);
#include "emulator/ir/opcodes.inc"
#undef OPCODE
    case Opcode::Count: break;
  }
  return std::nullopt;
}

}  // namespace dynemu::ir
