#include "emulator/x86/tsc.h"

#include <time.h>

namespace dynemu::x86 {

namespace {

// kTscHz is 1 GHz: one tick per nanosecond of CLOCK_MONOTONIC.
static_assert(kTscHz == 1'000'000'000);

uint64_t host_ticks() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

}  // namespace

uint64_t guest_tsc(const CpuState& s) {
  return host_ticks() + s.tsc_offset;
}

uint64_t tsc_offset_for(uint64_t value) {
  return value - host_ticks();
}

}  // namespace dynemu::x86
