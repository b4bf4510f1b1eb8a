#include "emulator/x86/disasm.h"

#include <cstdio>

#include "emulator/x86/cpu_state.h"

namespace dynemu::x86 {
namespace {

constexpr const char* kCond[16] = {"o", "no", "b", "nb", "z", "nz", "be", "nbe",
                                   "s", "ns", "p", "np", "l", "nl", "le", "nle"};
constexpr const char* kReg8[8] = {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"};
constexpr const char* kReg16[8] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
constexpr const char* kReg32[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
constexpr const char* kSeg[8] = {"es", "cs", "ss", "ds", "fs", "gs", "?", "?"};

const char* reg_name(unsigned reg, unsigned size) {
  reg &= 7;
  return size == 1 ? kReg8[reg] : size == 2 ? kReg16[reg] : kReg32[reg];
}

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", v);
  return buf;
}

const char* size_ptr(unsigned size) {
  switch (size) {
    case 1: return "byte ptr ";
    case 2: return "word ptr ";
    case 4: return "dword ptr ";
    case 6: return "fword ptr ";
    case 8: return "qword ptr ";
    case 10: return "tbyte ptr ";
    default: return "";
  }
}

const char* size_suffix(unsigned size) {
  return size == 1 ? "b" : size == 2 ? "w" : "d";
}

std::string memory(const Insn& insn, const Operand& o) {
  std::string s = size_ptr(o.size);
  const MemRef& m = insn.mem;
  if (insn.has(kPrefixSeg)) s += std::string(kSeg[m.seg]) + ":";
  s += "[";
  bool any = false;
  if (m.base >= 0) {
    s += reg_name(m.base, insn.addrsize);
    any = true;
  }
  if (m.index >= 0) {
    if (any) s += "+";
    s += reg_name(m.index, insn.addrsize);
    if (m.scale) {
      s += '*';
      s += std::to_string(1u << m.scale);
    }
    any = true;
  }
  const uint32_t disp = insn.addrsize == 2 ? m.disp & 0xffff : m.disp;
  if (!any) {
    s += hex(disp);
  } else if (disp != 0) {
    const int32_t sdisp =
        insn.addrsize == 2 ? static_cast<int16_t>(disp) : static_cast<int32_t>(disp);
    s += sdisp < 0 ? '-' : '+';
    s += hex(sdisp < 0 ? static_cast<uint32_t>(-static_cast<int64_t>(sdisp)) : disp);
  }
  return s + "]";
}

std::string operand(const Insn& insn, const Operand& o) {
  switch (o.kind) {
    case OperandKind::None: return "";
    case OperandKind::Reg: return reg_name(o.reg, o.size);
    case OperandKind::Seg: return kSeg[o.reg & 7];
    case OperandKind::Mem: return memory(insn, o);
    case OperandKind::Imm:
    case OperandKind::Rel: return hex(o.value);
    case OperandKind::Far: return hex(o.sel) + ":" + hex(o.value);
    // Appending to a named string sidesteps GCC 12's false -Wrestrict on
    // `"literal" + std::string&&`.
    case OperandKind::Cr: return std::string("cr").append(std::to_string(o.reg));
    case OperandKind::Dr: return std::string("dr").append(std::to_string(o.reg));
    case OperandKind::St:
      return o.reg ? std::string("st(").append(std::to_string(o.reg)).append(")") : "st";
    case OperandKind::StrSrc:
      return std::string(size_ptr(o.size)) + (insn.has(kPrefixSeg) ? kSeg[insn.mem.seg] : "ds") +
             ":[" + reg_name(kEsi, insn.addrsize) + "]";
    case OperandKind::StrDst:
      return std::string(size_ptr(o.size)) + "es:[" + reg_name(kEdi, insn.addrsize) + "]";
  }
  return "";
}

bool is_string(Op op) {
  switch (op) {
    case Op::Movs:
    case Op::Cmps:
    case Op::Stos:
    case Op::Lods:
    case Op::Scas:
    case Op::Ins:
    case Op::Outs: return true;
    default: return false;
  }
}

}  // namespace

std::string mnemonic(const Insn& insn) {
  const bool o32 = insn.opsize == 4;
  switch (insn.op) {
    case Op::Jcc: return std::string("j") + kCond[insn.cond];
    case Op::Setcc: return std::string("set") + kCond[insn.cond];
    case Op::Cmovcc: return std::string("cmov") + kCond[insn.cond];
    case Op::Cbw: return o32 ? "cwde" : "cbw";
    case Op::Cwd: return o32 ? "cdq" : "cwd";
    case Op::Pusha: return o32 ? "pushad" : "pusha";
    case Op::Popa: return o32 ? "popad" : "popa";
    case Op::Pushf: return o32 ? "pushfd" : "pushf";
    case Op::Popf: return o32 ? "popfd" : "popf";
    case Op::Iret: return o32 ? "iretd" : "iret";
    case Op::Jcxz: return insn.addrsize == 4 ? "jecxz" : "jcxz";
    default: break;
  }
  std::string m = op_mnemonic(insn.op);
  if (is_string(insn.op)) {
    const Operand& o = insn.operands[0].kind == OperandKind::Reg && insn.operands[0].size == 2 &&
                               insn.operands[0].reg == kEdx
                           ? insn.operands[1]
                           : insn.operands[0];
    m += size_suffix(o.size);
  }
  return m;
}

std::string disassemble(const Insn& insn) {
  if (insn.op == Op::Invalid) return "(bad)";
  std::string s;
  if (insn.has(kPrefixLock)) s += "lock ";
  if (is_string(insn.op)) {
    const bool conditional = insn.op == Op::Cmps || insn.op == Op::Scas;
    if (insn.has(kPrefixRep)) s += conditional ? "repe " : "rep ";
    if (insn.has(kPrefixRepne)) s += "repne ";
    s += mnemonic(insn);
    // Only a non-default segment or address size is worth showing.
    if (insn.has(kPrefixSeg) || insn.addrsize == 2) {
      for (unsigned i = 0; i < insn.num_operands; ++i) {
        if (insn.operands[i].kind != OperandKind::StrSrc &&
            insn.operands[i].kind != OperandKind::StrDst)
          continue;
        s += i == 0 || s.back() == ' ' ? " " : ", ";
        s += operand(insn, insn.operands[i]);
      }
    }
    return s;
  }
  s += mnemonic(insn);
  if (insn.op == Op::Fnstsw && insn.num_operands == 0) return s + " ax";
  for (unsigned i = 0; i < insn.num_operands; ++i) {
    const Operand& o = insn.operands[i];
    // D0/D1's implicit 1 is written out, as objdump and Zydis do.
    s += i == 0 ? " " : ", ";
    s += operand(insn, o);
  }
  return s;
}

}  // namespace dynemu::x86
