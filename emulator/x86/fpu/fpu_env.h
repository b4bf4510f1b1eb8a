#pragma once

#include <cstdint>

#include "emulator/x86/fpu/x87_forms.h"
#include "emulator/x86/fpu_state.h"

// The x87 environment and state images in guest memory (SDM vol. 1, 8.1.10
// and figures 8-9..8-12; FXSAVE: vol. 1, 10.5.1): FNSTENV/FLDENV,
// FNSAVE/FRSTOR in 16- and 32-bit operand sizes and protected- and
// real-mode layouts, and FXSAVE/FXRSTOR. The control, status and tag words
// and the registers come from the host's own FNSTENV/FNSAVE of the guest
// state (so the tag word is recomputed and ES/B are normalized as hardware
// does); the instruction and data pointers are the guest's.
namespace dynemu::x86::fpu {

// FNSTENV: writes the 14- or 28-byte image, then masks all exceptions.
void store_env(FpuState& s, X87ImageFormat format, uint8_t* out);
// FLDENV.
void load_env(FpuState& s, X87ImageFormat format, const uint8_t* in);
// FNSAVE: writes the 94- or 108-byte image, then reinitializes as FNINIT.
void store_state(FpuState& s, X87ImageFormat format, uint8_t* out);
// FRSTOR.
void load_state(FpuState& s, X87ImageFormat format, const uint8_t* in);

// Bytes of an FXSAVE image the guest CPU (P6 with FXSR, no SSE) writes and
// reads: the header and the eight x87 registers. The XMM area belongs to SSE,
// which the guest lacks; bytes 464..511 are software's in any case.
inline constexpr unsigned kFxsaveX87Bytes = 160;
// FXSAVE (32-bit layout): does not change the state.
void store_fxsave(const FpuState& s, uint8_t out[kFxsaveX87Bytes]);
// FXRSTOR.
void load_fxsave(FpuState& s, const uint8_t in[kFxsaveX87Bytes]);

}  // namespace dynemu::x86::fpu
