#pragma once

#include <cstdint>

#include "emulator/x86/cpu_state.h"
#include "emulator/x86/system/debug.h"
#include "emulator/x86/system/segment_check.h"

namespace dynemu::x86 {

// The block-key bits system mode adds above ir::BlockMode's: which
// segments need checks (segment_check.h) and the debug state (debug.h).
// exec ORs them into the key (exec/cpu_impl.h, system_mode_of).
inline uint32_t system_mode_bits(const CpuState& s) {
  return segment_check_mode(s) | debug_mode(s);
}

}  // namespace dynemu::x86
