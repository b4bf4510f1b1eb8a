#pragma once

#include <cstdint>

#include "emulator/x86/cpu_state.h"

namespace dynemu::x86 {

// Full architectural EFLAGS: the stored bits plus the materialized
// arithmetic flags from the lazy state.
uint32_t read_eflags(const CpuState& s);

// Sets all of EFLAGS (e.g. POPF, sigreturn); the lazy state then holds the
// arithmetic flags verbatim. Reserved bit 1 stays set.
void write_eflags(CpuState& s, uint32_t value);

}  // namespace dynemu::x86
