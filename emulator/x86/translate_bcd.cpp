// Decimal arithmetic (SDM vol. 1, 7.3.2.5): DAA DAS AAA AAS AAM AAD, and
// the undocumented SALC. The adjustments run in helpers (helpers.cpp).
#include "emulator/x86/helpers.h"
#include "emulator/x86/translator.h"

namespace dynemu::x86 {

using ir::Value;

namespace {

void adjust(Translator& t, const ir::HelperInfo& helper, const Insn& insn) {
  ir::Builder& b = t.ir();
  Value eax = b.get_gpr(kEax);
  Value flags = b.eflags();
  Value res = insn.num_operands ? b.call(helper, {eax, flags, b.imm32(insn.operands[0].value)})
                                : b.call(helper, {eax, flags});
  b.set_gpr(kEax, b.lo64(res));
  Value new_flags = b.hi64(res);
  t.set_eflags_arith(new_flags);
}

}  // namespace

// DAA (27)
void Translator::op_Daa(const Insn& insn) {
  adjust(*this, kDaaHelper, insn);
}
// DAS (2F)
void Translator::op_Das(const Insn& insn) {
  adjust(*this, kDasHelper, insn);
}
// AAA (37)
void Translator::op_Aaa(const Insn& insn) {
  adjust(*this, kAaaHelper, insn);
}
// AAS (3F)
void Translator::op_Aas(const Insn& insn) {
  adjust(*this, kAasHelper, insn);
}
// AAM imm8 (D4 ib): #DE if imm8 = 0
void Translator::op_Aam(const Insn& insn) {
  adjust(*this, kAamHelper, insn);
}
// AAD imm8 (D5 ib)
void Translator::op_Aad(const Insn& insn) {
  adjust(*this, kAadHelper, insn);
}

// SALC (D6): AL = CF ? 0xFF : 0 (undocumented, present on every P6)
void Translator::op_Salc(const Insn& insn) {
  m_b.set_reg(kEax, 1, m_b.neg(m_b.cond(kCondB)));
}

}  // namespace dynemu::x86
