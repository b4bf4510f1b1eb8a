// Flag control (SDM vol. 1, 7.3.13): LAHF SAHF CLC STC CMC CLD STD CLI STI.
#include <cstddef>

#include "emulator/x86/helpers.h"
#include "emulator/x86/translator.h"

namespace dynemu::x86 {

using ir::Value;

namespace {
constexpr uint32_t kLahfFlags = kSF | kZF | kAF | kPF | kCF;
}

// LAHF (9F): AH = SF ZF 0 AF 0 PF 1 CF
void Translator::op_Lahf(const Insn& insn) {
  Value flags = m_b.or_(m_b.and_(m_b.eflags(), kLahfFlags), 2u);
  m_b.set_reg(4, 1, flags);  // AH
}

// SAHF (9E): SF ZF AF PF CF = AH; OF unchanged
void Translator::op_Sahf(const Insn& insn) {
  Value ah = m_b.get_reg(4, 1);
  Value flags = m_b.or_(m_b.and_(m_b.eflags(), ~kLahfFlags), m_b.and_(ah, kLahfFlags));
  set_eflags_arith(flags);
}

// CLC (F8)
void Translator::op_Clc(const Insn& insn) {
  set_eflags_arith(m_b.and_(m_b.eflags(), ~kCF));
}
// STC (F9)
void Translator::op_Stc(const Insn& insn) {
  set_eflags_arith(m_b.or_(m_b.eflags(), kCF));
}
// CMC (F5)
void Translator::op_Cmc(const Insn& insn) {
  set_eflags_arith(m_b.xor_(m_b.eflags(), kCF));
}

// CLD (FC)
void Translator::op_Cld(const Insn& insn) {
  set_eflags_stored(m_b.and_(get_eflags_stored(), ~kDF));
}
// STD (FD)
void Translator::op_Std(const Insn& insn) {
  set_eflags_stored(m_b.or_(get_eflags_stored(), kDF));
}

// CLI (FA), STI (FB): IOPL 0 at CPL 3 (user mode): #GP(0)
void Translator::op_Cli(const Insn& insn) {
  fault(kVectorGP);
}
void Translator::op_Sti(const Insn& insn) {
  fault(kVectorGP);
}

}  // namespace dynemu::x86
