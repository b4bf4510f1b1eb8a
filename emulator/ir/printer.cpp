#include "emulator/ir/printer.h"

#include <cinttypes>
#include <cstddef>
#include <cstdio>

#include "emulator/x86/lazy_flags.h"

namespace dynemu::ir {

namespace {

constexpr const char* kGprNames[] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
constexpr const char* kSegNames[] = {"es", "cs", "ss", "ds", "fs", "gs"};
constexpr const char* kCondNames[] = {"o", "no", "b", "nb", "z", "nz", "be", "nbe",
                                      "s", "ns", "p", "np", "l", "nl", "le", "nle"};

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
  return buf;
}

// Names the well-known CpuState fields so that -d op stays readable.
std::string state_field(uint64_t off) {
  if (off == offsetof(x86::CpuState, eflags)) return "eflags";
  if (off == offsetof(x86::CpuState, eip)) return "eip";
  for (unsigned s = 0; s < 6; ++s) {
    const size_t base = offsetof(x86::CpuState, seg) + s * sizeof(x86::SegmentCache);
    if (off == base + offsetof(x86::SegmentCache, selector))
      return std::string(kSegNames[s]) + ".sel";
    if (off == base + offsetof(x86::SegmentCache, base)) return std::string(kSegNames[s]) + ".base";
    if (off == base + offsetof(x86::SegmentCache, limit))
      return std::string(kSegNames[s]) + ".limit";
    if (off == base + offsetof(x86::SegmentCache, flags))
      return std::string(kSegNames[s]) + ".flags";
  }
  if (off == offsetof(x86::CpuState, fpu) + offsetof(x86::FpuState, control)) return "fpu.control";
  if (off == offsetof(x86::CpuState, fpu) + offsetof(x86::FpuState, status)) return "fpu.status";
  return "state+" + hex(off);
}

std::string imm_text(const Inst& inst) {
  switch (op_info(inst.op).imm) {
    case ImmKind::NoImm: return {};
    case ImmKind::ImmU32:
    case ImmKind::ImmU64: return hex(inst.imm);
    case ImmKind::ImmGpr: return inst.imm < 8 ? kGprNames[inst.imm] : "?";
    case ImmKind::ImmSeg: return inst.imm < 6 ? kSegNames[inst.imm] : "?";
    case ImmKind::ImmStateOffset: return state_field(inst.imm);
    case ImmKind::ImmBitField: {
      char buf[16];
      std::snprintf(buf, sizeof buf, "[%u:%u]", unsigned(inst.imm & 0xff),
                    unsigned((inst.imm >> 8) & 0xff));
      return buf;
    }
    case ImmKind::ImmSize: return std::to_string(inst.imm) + " bytes";
    case ImmKind::ImmCcOp: return x86::cc_op_name(static_cast<x86::CcOp>(inst.imm));
    case ImmKind::ImmCond: return inst.imm < 16 ? kCondNames[inst.imm] : "?";
    case ImmKind::ImmHelper: return inst.helper ? inst.helper->name : "?";
    case ImmKind::ImmEip:
      if (inst.op == Opcode::ExitIf || inst.op == Opcode::ExitJump)
        return hex(inst.imm) + " [slot " + std::to_string(inst.aux) + "]";
      return hex(inst.imm);
    case ImmKind::ImmFault: {
      std::string s =
          "vector " + std::to_string(inst.aux) + ", error " + hex(inst.imm & 0xffffffff);
      if (inst.imm >> 32) s += ", addr " + hex(inst.imm >> 32);
      return s;
    }
    case ImmKind::ImmTrap: return "vector " + std::to_string(inst.aux) + ", next " + hex(inst.imm);
  }
  return {};
}

std::string mode_text(uint32_t mode) {
  std::string s;
  auto add = [&](const char* name) { s += s.empty() ? name : std::string(",") + name; };
  if (mode & kMode32BitCode) add("code32");
  if (mode & kMode32BitStack) add("stack32");
  if (mode & kModeFlatSegs) add("flat");
  if (mode & kModeProtected) add("pm");
  if (mode & kModeVm86) add("vm86");
  return s.empty() ? "real16" : s;
}

}  // namespace

std::string temp_name(Value v) {
  // Built with append: GCC 12 warns falsely (-Wrestrict) on "t" + string.
  std::string s = "t";
  s.append(std::to_string(v.id));
  return s;
}

std::string print_inst(const Block& block, const Inst& inst) {
  std::string s;
  if (inst.dst.valid()) {
    s.append(temp_name(inst.dst)).append(":").append(type_name(block.type_of(inst.dst)));
    s.append(" = ");
  }
  s += op_name(inst.op);
  std::string operands = imm_text(inst);
  const OpInfo& info = op_info(inst.op);
  unsigned last = 0;
  for (unsigned a = 0; a < 4; ++a)
    if (inst.args[a].valid() || info.args[a] == Slot::OptI32) last = a + 1;
  if (inst.op == Opcode::Call && inst.helper) last = inst.helper->num_args;
  for (unsigned a = 0; a < last; ++a) {
    if (!operands.empty()) operands += ", ";
    operands += inst.args[a].valid() ? temp_name(inst.args[a]) : std::string("-");
  }
  if (!operands.empty()) s += " " + operands;
  return s;
}

std::string print_block(const Block& block) {
  std::string s = "IR block eip=" + hex(block.start_eip) + " cs_base=" + hex(block.cs_base) +
                  " mode=" + mode_text(block.mode) + " insns=" + std::to_string(block.num_insns) +
                  " bytes=" + std::to_string(block.guest_bytes) +
                  " temps=" + std::to_string(block.temp_types.size()) + "\n";
  for (const Inst& inst : block.insts) {
    s += inst.op == Opcode::InsnStart ? " " : "    ";
    s += print_inst(block, inst) + "\n";
  }
  return s;
}

}  // namespace dynemu::ir
