#include "emulator/backend/x64/reg_alloc.h"

#include <xbyak/xbyak.h>

namespace dynemu::backend::x64 {

namespace {

// Ops whose emitter always calls C (a store's SMC slow path calls C only
// when it hits a code page: call_fn saves the caller-saved pool there).
bool calls_c(const ir::Inst& inst) {
  switch (inst.op) {
    case ir::Opcode::Call:
    case ir::Opcode::DivU:
    case ir::Opcode::DivS:
    case ir::Opcode::Eflags: return true;
    default: return false;
  }
}

bool is_const(ir::Opcode op) {
  return op == ir::Opcode::Const32 || op == ir::Opcode::Const64;
}

}  // namespace

int RegAlloc::host_index(unsigned p) {
  static constexpr int kHost[kPoolSize] = {Xbyak::Operand::R9, Xbyak::Operand::R10,
                                           Xbyak::Operand::R11, Xbyak::Operand::RBP,
                                           Xbyak::Operand::R15};
  return kHost[p];
}

void RegAlloc::begin(const ir::Block& block) {
  const size_t n = block.temp_types.size();
  m_def.assign(n, kNoPos);
  m_last_use.assign(n, 0);
  m_crosses_call.assign(n, 0);
  m_no_reg.assign(n, 0);
  m_reg.assign(n, kNoReg);
  m_holder.fill(-1);
  // calls_before[k]: C calls among insts [0, k).
  std::vector<uint32_t> calls_before(block.insts.size() + 1, 0);
  for (uint32_t k = 0; k < block.insts.size(); ++k) {
    const ir::Inst& inst = block.insts[k];
    calls_before[k + 1] = calls_before[k] + (calls_c(inst) ? 1 : 0);
    for (const ir::Value a : inst.args)
      if (a.valid()) m_last_use[a.id] = k;
    if (inst.dst.valid()) {
      m_def[inst.dst.id] = k;
      m_last_use[inst.dst.id] = k;
      if (is_const(inst.op)) m_no_reg[inst.dst.id] = 1;
    }
  }
  for (size_t t = 0; t < n; ++t) {
    if (m_def[t] == kNoPos) continue;
    // A call strictly between the definition and the last use.
    if (m_last_use[t] > m_def[t] + 1 && calls_before[m_last_use[t]] > calls_before[m_def[t] + 1])
      m_crosses_call[t] = 1;
  }
}

RegAlloc::Spill RegAlloc::before(uint32_t pos, const ir::Inst& inst) {
  // Registers of temps last read by this instruction are free for its
  // result: every emitter reads all arguments before writing the result.
  for (unsigned p = 0; p < kPoolSize; ++p)
    if (m_holder[p] >= 0 && m_last_use[m_holder[p]] <= pos) m_holder[p] = -1;
  Spill spill;
  if (!inst.dst.valid()) return spill;
  const uint16_t t = inst.dst.id;
  if (m_no_reg[t] || m_last_use[t] == m_def[t]) return spill;
  // Callee-saved first for temps live across a call, caller-saved first
  // for the rest.
  const bool callee_first = m_crosses_call[t];
  int pick = kNoReg;
  for (unsigned i = 0; i < kPoolSize && pick == kNoReg; ++i) {
    const unsigned p = callee_first ? (i + kCallerSaved) % kPoolSize : i;
    if (m_holder[p] < 0) pick = static_cast<int>(p);
  }
  if (pick == kNoReg) {
    // Spill the live temp used furthest away, if further than this one;
    // not an argument of this instruction (its emitter would read it back
    // from the slot just written).
    uint32_t furthest = m_last_use[t];
    auto is_arg = [&](int32_t h) {
      for (const ir::Value a : inst.args)
        if (a.valid() && a.id == h) return true;
      return false;
    };
    for (unsigned p = 0; p < kPoolSize; ++p)
      if (m_last_use[m_holder[p]] > furthest && !is_arg(m_holder[p])) {
        furthest = m_last_use[m_holder[p]];
        pick = static_cast<int>(p);
      }
    if (pick == kNoReg) return spill;
    spill.temp = static_cast<uint16_t>(m_holder[pick]);
    spill.reg = pick;
    m_reg[spill.temp] = kNoReg;
  }
  m_holder[pick] = t;
  m_reg[t] = static_cast<int8_t>(pick);
  return spill;
}

}  // namespace dynemu::backend::x64
