#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "emulator/ir/block.h"

namespace dynemu::backend::x64 {

// Linear-scan register allocation of one block's IR temps over its
// straight-line instruction list (side exits leave the block, so a temp's
// location only ever changes forward). A temp gets a pool register at its
// definition if one is free; when none is, the live temp whose last use is
// furthest away gives its register up (it is spilled to its temps slot) if
// that is later than the new temp's. Temps without a register live in their
// temps slot, as before. Constants get no register (uses load immediates).
//
// The pool: r9, r10, r11 (caller-saved: Emitter::call_fn writes them back to
// their slots around a C call and reloads them) and rbp, r15 (callee-saved:
// preferred for temps live across a call). No emitter uses these as scratch.
class RegAlloc {
 public:
  static constexpr unsigned kPoolSize = 5;
  static constexpr unsigned kCallerSaved = 3;  // pool[0..2]
  static constexpr int kNoReg = -1;

  // Host register number (Xbyak::Operand index) of pool slot p.
  static int host_index(unsigned p);

  // Prepares for `block`: live ranges and which ranges cross a C call.
  void begin(const ir::Block& block);

  // Before emitting instruction `pos`: frees registers of dead temps and
  // picks one for the instruction's result. Returns a temp to spill first
  // (its register already taken away; the emitter stores it), via `spill`.
  struct Spill {
    uint16_t temp = ir::Value::kNone;
    int reg = kNoReg;
  };
  Spill before(uint32_t pos, const ir::Inst& inst);

  // Pool slot holding v now, or kNoReg (in its temps slot).
  int reg_of(ir::Value v) const { return v.valid() ? m_reg[v.id] : kNoReg; }
  // Whether v is never read (its result need not be stored).
  bool unused(ir::Value v) const { return v.valid() && m_last_use[v.id] == m_def[v.id]; }
  // The position of v's last use.
  uint32_t last_use(ir::Value v) const { return m_last_use[v.id]; }
  // Temps in caller-saved pool registers still needed after `pos` (to be
  // written back around a C call at pos), excluding `except`.
  template <typename F>
  void for_live_caller_saved(uint32_t pos, uint16_t except, F f) const {
    for (unsigned p = 0; p < kCallerSaved; ++p) {
      const int32_t t = m_holder[p];
      if (t >= 0 && t != except && m_last_use[t] > pos) f(static_cast<uint16_t>(t), p);
    }
  }

 private:
  static constexpr uint32_t kNoPos = ~0u;
  std::vector<uint32_t> m_def, m_last_use;
  std::vector<uint8_t> m_crosses_call, m_no_reg;
  std::vector<int8_t> m_reg;
  std::array<int32_t, kPoolSize> m_holder{};
};

}  // namespace dynemu::backend::x64
