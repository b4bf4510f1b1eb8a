#include "emulator/ir/verifier.h"

#include <string>
#include <vector>

#include "emulator/ir/printer.h"
#include "emulator/x86/lazy_flags.h"

namespace dynemu::ir {

namespace {

Error fail(size_t index, const Inst& inst, const std::string& what) {
  std::string m = "IR inst ";
  m.append(std::to_string(index)).append(" (").append(op_name(inst.op)).append("): ").append(what);
  return Error{m};
}

bool slot_accepts(Slot s, Type t, bool valid) {
  switch (s) {
    case Slot::None: return !valid;
    case Slot::I32: return valid && t == Type::I32;
    case Slot::I64: return valid && t == Type::I64;
    case Slot::OptI32: return !valid || t == Type::I32;
    case Slot::Any: return !valid || t == Type::I32 || t == Type::I64;
    case Slot::Dyn: return false;
  }
  return false;
}

// Checks the immediate of an instruction; returns an empty string if fine.
std::string check_imm(const Inst& inst) {
  switch (op_info(inst.op).imm) {
    case ImmKind::ImmGpr:
      if (inst.imm > 7) return "register index out of range";
      break;
    case ImmKind::ImmSeg:
      if (inst.imm > 5) return "segment index out of range";
      break;
    case ImmKind::ImmStateOffset: {
      unsigned bytes = inst.op == Opcode::GetState8 || inst.op == Opcode::SetState8     ? 1
                       : inst.op == Opcode::GetState16 || inst.op == Opcode::SetState16 ? 2
                                                                                        : 4;
      if (inst.imm + bytes > sizeof(x86::CpuState)) return "state offset out of range";
      if (inst.imm % bytes != 0) return "misaligned state offset";
      break;
    }
    case ImmKind::ImmBitField: {
      const uint64_t lsb = inst.imm & 0xff, width = (inst.imm >> 8) & 0xff;
      if (inst.imm >> 16 || width == 0 || lsb + width > 32) return "bad bit field";
      break;
    }
    case ImmKind::ImmSize:
      if (inst.imm != 1 && inst.imm != 2 && inst.imm != 4) return "size must be 1, 2 or 4";
      break;
    case ImmKind::ImmCcOp:
      if (inst.imm >= static_cast<uint64_t>(x86::CcOp::Count)) return "bad CcOp";
      break;
    case ImmKind::ImmCond:
      if (inst.imm > 15) return "condition out of range";
      break;
    case ImmKind::ImmHelper:
      if (!inst.helper || !inst.helper->fn) return "call without helper";
      break;
    case ImmKind::ImmEip:
    case ImmKind::ImmTrap:
    case ImmKind::ImmU32:
      if (inst.imm > 0xffffffffu) return "immediate wider than 32 bits";
      break;
    case ImmKind::ImmFault:
    case ImmKind::ImmU64:
    case ImmKind::NoImm: break;
  }
  if ((op_info(inst.op).imm == ImmKind::ImmFault || op_info(inst.op).imm == ImmKind::ImmTrap) &&
      inst.aux > 255)
    return "vector out of range";
  return {};
}

}  // namespace

Result<void> verify(const Block& block) {
  std::vector<bool> defined(block.temp_types.size(), false);
  if (block.insts.empty()) return Error{"IR block is empty"};
  for (size_t i = 0; i < block.insts.size(); ++i) {
    const Inst& inst = block.insts[i];
    if (static_cast<unsigned>(inst.op) >= kNumOpcodes) return fail(i, inst, "bad opcode");
    const OpInfo& info = op_info(inst.op);

    // Arguments: shape, type, defined earlier.
    unsigned num_args = 0;
    for (unsigned a = 0; a < 4; ++a) {
      const Value v = inst.args[a];
      if (v.valid()) {
        if (v.id >= block.temp_types.size()) return fail(i, inst, "argument is not a temp");
        if (!defined[v.id])
          return fail(i, inst, temp_name(v).append(" used before its definition"));
        num_args = a + 1;
      }
      if (!slot_accepts(info.args[a], block.type_of(v), v.valid()))
        return fail(i, inst, "argument " + std::to_string(a) + " has the wrong type");
    }
    if (inst.op == Opcode::Call && inst.helper) {
      if (num_args > inst.helper->num_args) return fail(i, inst, "too many helper arguments");
      for (unsigned a = 0; a < inst.helper->num_args; ++a)
        if (!inst.args[a].valid()) return fail(i, inst, "missing helper argument");
    }

    // Result: a fresh temp of the right type.
    Type want = Type::Void;
    if (info.result == Slot::I32) want = Type::I32;
    if (info.result == Slot::I64) want = Type::I64;
    if (info.result == Slot::Dyn && inst.helper) want = inst.helper->result;
    if (want == Type::Void) {
      if (inst.dst.valid()) return fail(i, inst, "defines a temp but has no result");
    } else {
      if (!inst.dst.valid()) return fail(i, inst, "result is missing");
      if (inst.dst.id >= block.temp_types.size()) return fail(i, inst, "result is not a temp");
      if (defined[inst.dst.id]) return fail(i, inst, temp_name(inst.dst).append(" defined twice"));
      if (block.temp_types[inst.dst.id] != want) return fail(i, inst, "result has the wrong type");
      defined[inst.dst.id] = true;
    }

    if (std::string e = check_imm(inst); !e.empty()) return fail(i, inst, e);

    const bool terminator = info.effects & kTerminator;
    const bool last = i + 1 == block.insts.size();
    if (terminator && !last) return fail(i, inst, "terminator before the end of the block");
    if (!terminator && last) return fail(i, inst, "block does not end with an exit");
  }
  return Ok{};
}

}  // namespace dynemu::ir
