#pragma once

#include <cstdint>

namespace dynemu::x86 {

// An x87 register in the exact 80-bit extended format (SDM vol. 1, 4.2.2).
struct Float80 {
  uint64_t mantissa = 0;  // explicit integer bit at 63
  uint16_t sign_exponent = 0;
};

// The x87 unit. Registers are stored by physical number; ST(i) is
// regs[(top + i) & 7], with top kept in status word bits 11..13.
struct FpuState {
  Float80 regs[8];
  uint16_t control = 0x037f;  // after FNINIT
  uint16_t status = 0;
  uint16_t tag = 0xffff;      // full tag word: 2 bits per physical register, 11 = empty
  uint16_t last_opcode = 0;
  uint32_t last_ip = 0, last_dp = 0;
  uint16_t last_cs = 0, last_ds = 0;
};

}  // namespace dynemu::x86
