#pragma once

#include <cstdint>

#include "emulator/ir/helper.h"

// EFLAGS writes whose rules depend on CPL and IOPL (SDM vol. 2, POPF).
namespace dynemu::x86 {

// The EFLAGS POPF leaves at the current CPL/IOPL from `popped` (an operand
// of `opsize` bytes): IOPL only at CPL 0, IF only at CPL <= IOPL; VM, VIP,
// VIF never; RF cleared.
uint32_t popf_result(uint32_t old, uint32_t popped, unsigned opsize, unsigned cpl, bool vm86);

// popf(value, opsize, key_mode): POPF in system mode; #GP(0) in
// virtual-8086 mode with IOPL < 3 (no VME). No interrupt shadow, unlike
// STI. ir::kKeepsKey: leaves the block if the key's mode changed (TF);
// setting IF with the interrupt line up requests an exit (mode_bits.h).
extern const ir::HelperInfo kPopfHelper;
// sti(): STI's effect once CPL/IOPL were checked: IF set, an interrupt
// shadow of one instruction if IF was clear, an exit request if the
// interrupt line is up (chained code then leaves for the loop).
extern const ir::HelperInfo kStiHelper;

}  // namespace dynemu::x86
