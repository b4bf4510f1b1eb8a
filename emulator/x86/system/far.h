#pragma once

#include "emulator/ir/helper.h"

// Far transfers in system mode (SDM vol. 2, JMP, CALL, RET, IRET; vol. 3,
// 5.8 and 7.3): real and virtual-8086 mode load CS as selector << 4;
// protected mode checks code segments, goes through call gates (with the
// stack switch and parameter copy of an inner CALL), task gates and TSSs,
// and returns to the same or an outer level (reloading SS:ESP and nulling
// data segments the outer level may not use). Each returns the new EIP, or
// raises at the instruction with no register changed.
namespace dynemu::x86 {

// far_jmp(selector, offset, opsize, EIP after the JMP (saved by a task switch))
extern const ir::HelperInfo kFarJmpHelper;
// far_call(selector, offset, opsize, return EIP)
extern const ir::HelperInfo kFarCallHelper;
// far_ret(opsize, bytes to release after CS:EIP)
extern const ir::HelperInfo kFarRetHelper;
// iret(opsize, EIP after the IRET, key mode, key CS base): NT set is a task
// return. ir::kKeepsKey: leaves the block unchained (no inline lookup) if
// the key's mode or CS base changed, or a task switch happened; setting IF
// with the interrupt line up requests an exit (mode_bits.h).
extern const ir::HelperInfo kIretHelper;

}  // namespace dynemu::x86
