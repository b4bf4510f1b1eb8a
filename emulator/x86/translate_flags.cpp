// Flag control (SDM vol. 1, 7.3.13): LAHF SAHF CLC STC CMC CLD STD CLI STI.
#include <cstddef>

#include "emulator/x86/helpers.h"
#include "emulator/x86/system/eflags.h"
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
  set_eflags_if_df(m_b.and_(get_eflags_stored(), ~kDF));
}
// STD (FD)
void Translator::op_Std(const Insn& insn) {
  set_eflags_if_df(m_b.or_(get_eflags_stored(), kDF));
}

namespace {

// CLI/STI in system mode: #GP(0) when CPL > IOPL in protected mode, or
// IOPL < 3 in virtual-8086 mode (no VME/PVI); always allowed in real mode.
void check_iopl(Translator& t) {
  if (t.real_mode()) return;
  const unsigned cpl = t.vm86() ? 3 : t.cpl();
  if (cpl == 0) return;
  ir::Builder& b = t.ir();
  Value iopl = b.extract(t.get_eflags_stored(), 12, 2);
  t.fault_if(b.lt_u(iopl, b.imm32(cpl)), kVectorGP);
}

}  // namespace

// CLI (FA), STI (FB). User mode (CPL 3, IOPL 0): #GP(0). STI delays
// interrupts by one instruction when IF was clear (CpuState::int_shadow;
// the sti helper, system/eflags.h) and ends the block: its exit may be
// chained (an interrupt pending at STI makes the chained entry of the
// next block leave for the loop, which runs that block first).
void Translator::op_Cli(const Insn& insn) {
  if (!system()) return fault(kVectorGP);
  check_iopl(*this);
  set_eflags_if_df(m_b.and_(get_eflags_stored(), ~kIF));
}
void Translator::op_Sti(const Insn& insn) {
  if (!system()) return fault(kVectorGP);
  check_iopl(*this);
  m_b.call(kStiHelper, {});
  end_block_after(insn);
}

}  // namespace dynemu::x86
