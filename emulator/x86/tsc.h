#pragma once

#include <cstdint>

#include "emulator/x86/cpu_state.h"

namespace dynemu::x86 {

// The guest's time-stamp counter ticks at a fixed, advertised rate (CPUID
// leaves 0x15/0x16) derived from the host's monotonic clock, not at the
// host TSC's unknown rate: a guest kernel then knows the frequency instead
// of calibrating it against the PIT, which fails whenever the emulator
// pauses for a translation in the middle of the calibration window.
inline constexpr uint64_t kTscHz = 1'000'000'000;

// The counter RDTSC and the TSC MSR read: kTscHz since an arbitrary host
// epoch, plus the guest's offset (WRMSR 0x10 sets it).
uint64_t guest_tsc(const CpuState& s);
// The offset that makes guest_tsc() read `value` now.
uint64_t tsc_offset_for(uint64_t value);

}  // namespace dynemu::x86
