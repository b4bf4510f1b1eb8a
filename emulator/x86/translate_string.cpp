// String instructions (SDM vol. 1, 7.3.9): MOVS CMPS STOS LODS SCAS with
// REP/REPE/REPNE; INS/OUTS are I/O (privileged in user mode).
//
// A REP instruction runs a bounded number of iterations per block execution
// (as QEMU runs one): the block exits to the instruction's own EIP while
// iterations remain, and to the next instruction when done, so interrupts
// and faults between iterations see a consistent ECX/ESI/EDI, as on
// hardware.
#include "emulator/x86/helpers.h"
#include "emulator/x86/system/debug.h"
#include "emulator/x86/system/io.h"
#include "emulator/x86/translator.h"

namespace dynemu::x86 {

using ir::Value;

namespace {

enum class Kind { Movs, Cmps, Stos, Lods, Scas };

// Iterations of a REP instruction per block execution. Each iteration
// writes back ECX/ESI/EDI before the next one's memory accesses, so a fault
// in any of them is precise; the block then exits to its own EIP (more to
// do) or to the next instruction (done).
constexpr unsigned kRepUnroll = 8;

// One iteration at ESI/EDI = si/di; returns the REPE/REPNE continuation
// condition for CMPS/SCAS (invalid for the others).
Value iteration(Translator& t, const Insn& insn, Kind kind, unsigned bytes, Value delta, Value& si,
                Value& di) {
  ir::Builder& b = t.ir();
  const bool uses_src = kind == Kind::Movs || kind == Kind::Cmps || kind == Kind::Lods;
  const bool uses_dst = kind != Kind::Lods;
  Value src_val, dst_val;
  // ESI/EDI advance unwrapped between unrolled iterations; addresses wrap
  // at the address size.
  if (uses_src)
    src_val = b.load_sized(t.linear(insn.mem.seg, b.zext(si, insn.addrsize), bytes), bytes);
  const bool writes_dst = kind == Kind::Movs || kind == Kind::Stos;
  Value dst_addr = uses_dst ? t.linear(kEs, b.zext(di, insn.addrsize), bytes, writes_dst) : Value{};
  switch (kind) {
    case Kind::Movs: b.store_sized(dst_addr, src_val, bytes); break;
    case Kind::Stos: b.store_sized(dst_addr, b.get_reg(kEax, bytes), bytes); break;
    case Kind::Cmps:
    case Kind::Scas: dst_val = b.load_sized(dst_addr, bytes); break;
    case Kind::Lods: break;
  }
  // All memory accesses done: now registers and flags.
  if (uses_src) {
    si = b.add(si, delta);
    t.set_index_reg(insn, kEsi, si);
  }
  if (uses_dst) {
    di = b.add(di, delta);
    t.set_index_reg(insn, kEdi, di);
  }
  if (kind == Kind::Lods) b.set_reg(kEax, bytes, src_val);
  if (kind != Kind::Cmps && kind != Kind::Scas) return {};
  // CMPS compares [ESI] - [EDI]; SCAS compares AL/AX/EAX - [EDI].
  Value a = kind == Kind::Cmps ? src_val : b.get_reg(kEax, bytes);
  Value r = b.sub(a, dst_val);
  t.set_flags(CcKind::Sub, bytes, r, dst_val);
  Value equal = b.eq(b.zext(r, bytes), 0u);
  return insn.has(kPrefixRep) ? equal : b.xor_(equal, 1u);
}

void string_op(Translator& t, const Insn& insn, Kind kind) {
  ir::Builder& b = t.ir();
  const bool rep = insn.has(kPrefixRep) || insn.has(kPrefixRepne);
  unsigned bytes = 0;  // element size: the string operand's
  for (unsigned i = 0; i < insn.num_operands; ++i)
    if (insn.operands[i].kind == OperandKind::StrSrc ||
        insn.operands[i].kind == OperandKind::StrDst)
      bytes = insn.operands[i].size;
  Value count;
  if (rep) {
    count = t.get_count_reg(insn);
    b.exit_if(b.eq(count, 0u), insn.next_eip());
  }
  Value delta = t.df_delta(bytes);
  Value si = kind == Kind::Movs || kind == Kind::Cmps || kind == Kind::Lods
                 ? t.get_index_reg(insn, kEsi)
                 : Value{};
  Value di = kind != Kind::Lods ? t.get_index_reg(insn, kEdi) : Value{};
  if (!rep) {
    iteration(t, insn, kind, bytes, delta, si, di);
    return;
  }
  // Under TF or data breakpoints every iteration traps (SDM vol. 3,
  // 17.3.1.4): one per block execution.
  const bool debug_traps = t.system() && (t.mode() & (kModeSingleStep | kModeDataBreakpoints));
  const unsigned unroll = debug_traps ? 1 : kRepUnroll;
  for (unsigned k = 0;; ++k) {
    Value cont = iteration(t, insn, kind, bytes, delta, si, di);
    count = b.sub(count, 1u);
    t.set_count_reg(insn, count);
    Value more = b.ne(b.zext(count, insn.addrsize), 0u);
    if (cont.valid()) more = b.and_(more, cont);
    if (k + 1 == unroll) {
      b.exit_if(more, insn.eip);
      b.exit_jump(insn.next_eip());
      return;
    }
    b.exit_if(b.eq(more, 0u), insn.next_eip());
  }
}

}  // namespace

// MOVS m8, m8 (A4); MOVS m16/32, m16/32 (A5); with REP (F3)
void Translator::op_Movs(const Insn& insn) {
  string_op(*this, insn, Kind::Movs);
}
// CMPS (A6, A7); with REPE (F3) / REPNE (F2)
void Translator::op_Cmps(const Insn& insn) {
  string_op(*this, insn, Kind::Cmps);
}
// STOS (AA, AB); with REP
void Translator::op_Stos(const Insn& insn) {
  string_op(*this, insn, Kind::Stos);
}
// LODS (AC, AD); with REP
void Translator::op_Lods(const Insn& insn) {
  string_op(*this, insn, Kind::Lods);
}
// SCAS (AE, AF); with REPE / REPNE
void Translator::op_Scas(const Insn& insn) {
  string_op(*this, insn, Kind::Scas);
}

namespace {

// INS/OUTS in system mode: the whole (REP) loop runs in a helper
// (system/io.h), which returns 1 when it stopped early with more to do.
void string_io(Translator& t, const Insn& insn, bool out) {
  ir::Builder& b = t.ir();
  const unsigned size = out ? insn.operands[1].size : insn.operands[0].size;
  const bool rep = insn.has(kPrefixRep) || insn.has(kPrefixRepne);
  const uint32_t flags = size | uint32_t{insn.addrsize} << 4 | uint32_t{rep} << 8 |
                         uint32_t{insn.mem.seg} << 12 | uint32_t{out} << 16;
  Value more = b.call(kStringIoHelper, {b.imm32(flags)});
  if (rep) b.exit_if(more, insn.eip);
}

}  // namespace

// INS m, DX (6C, 6D) and OUTS DX, m (6E, 6F). User mode (CPL 3, IOPL 0):
// #GP(0).
void Translator::op_Ins(const Insn& insn) {
  if (!system()) return fault(kVectorGP);
  string_io(*this, insn, false);
}
void Translator::op_Outs(const Insn& insn) {
  if (!system()) return fault(kVectorGP);
  string_io(*this, insn, true);
}

}  // namespace dynemu::x86
