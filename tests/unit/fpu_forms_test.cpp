// The decoder's x87 rows (emulator/x86/decode_x87.inc) and the x87 helpers'
// rows (emulator/x86/fpu/x87_forms.inc) describe the same encodings: every
// D8-DF register and memory form must be valid in both or in neither.
#include <gtest/gtest.h>

#include "emulator/x86/decoder.h"
#include "emulator/x86/fpu/x87_forms.h"

namespace dynemu::x86::fpu {
namespace {

TEST(FpuForms, DecoderAndHelperTablesAgree) {
  for (unsigned op = 0xd8; op <= 0xdf; ++op)
    for (unsigned modrm = 0; modrm < 256; ++modrm) {
      // Memory forms with a 32-bit displacement-free [eax] base (mod 00 rm 000).
      if (modrm < 0xc0 && (modrm & 0xc7) != 0) continue;
      const uint8_t bytes[] = {uint8_t(op), uint8_t(modrm), 0, 0, 0, 0, 0, 0};
      Insn insn;
      const DecodeStatus st = decode(bytes, sizeof bytes, 0, CodeSize::Bits32, insn);
      const X87Form form = x87_form(uint8_t(op), uint8_t(modrm));
      EXPECT_EQ(st == DecodeStatus::Ok, form.valid())
          << std::hex << op << " " << modrm << " " << (form.mnemonic ? form.mnemonic : "-");
      if (st == DecodeStatus::Ok) {
        EXPECT_TRUE(is_x87(insn.op)) << std::hex << op << " " << modrm;
      }
    }
}

TEST(FpuForms, WaitingAndControlColumns) {
  // Spot checks of the columns that decide #MF and the pointer registers.
  EXPECT_FALSE(x87_reg_form(0xdb, 0xe3).has(kX87Waiting));  // FNINIT
  EXPECT_FALSE(x87_reg_form(0xdf, 0xe0).has(kX87Waiting));  // FNSTSW AX
  EXPECT_FALSE(x87_mem_form(0xdd, 6).has(kX87Waiting));     // FNSAVE
  EXPECT_TRUE(x87_mem_form(0xd9, 5).has(kX87Waiting));      // FLDCW
  EXPECT_TRUE(x87_mem_form(0xd9, 5).has(kX87Control));
  EXPECT_FALSE(x87_reg_form(0xd8, 0xc1).has(kX87Control));  // FADD
  EXPECT_TRUE(x87_reg_form(0xdb, 0xf1).has(kX87Eflags));    // FCOMI
  EXPECT_FALSE(x87_mem_form(0xdb, 1).valid());              // FISTTP: SSE3
  EXPECT_EQ(x87_operand_bytes(X87Operand::State, X87ImageFormat::Protected16), 94u);
  EXPECT_EQ(x87_operand_bytes(X87Operand::Env, X87ImageFormat::Real32), 28u);
}

}  // namespace
}  // namespace dynemu::x86::fpu
