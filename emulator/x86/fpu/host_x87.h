#pragma once

#include <cstdint>

#include "emulator/x86/fpu_state.h"

// Primitives that run guest x87 instructions on the host's own x87 unit.
// Each one FRSTORs the guest image (FpuState is laid out as the 32-bit FNSAVE
// image), executes, and FNSAVEs it back. FNSAVE ends with an FNINIT, so the
// host leaves every primitive with an empty stack and the default control
// word, as the x86-64 ABI requires of it. None of them raises a host #MF:
// callers check FpuState::exception_pending() before a waiting instruction,
// and FNSAVE itself does not wait.
namespace dynemu::x86::fpu::host {

// Whether the host can run register form `op modrm` (x87_reg_form valid).
bool has_reg(uint8_t op, uint8_t modrm);

// Runs register form `op modrm`. `eflags` supplies CF/PF/ZF/AF/SF/OF for
// FCMOVcc; the result carries those six flags as the host left them (FCOMI
// and friends set them).
uint32_t run_reg(FpuState& s, uint8_t op, uint8_t modrm, uint32_t eflags);

// Runs memory form `op /reg` with its operand at s.operand.
void run_mem(FpuState& s, uint8_t op, uint8_t reg);

// The host's 28-byte FNSTENV image of `s`; like FNSTENV, masks all
// exceptions in `s` afterwards.
void fnstenv(FpuState& s, uint8_t image[28]);
// FLDENV of a 28-byte 32-bit protected-mode image into `s`.
void fldenv(FpuState& s, const uint8_t image[28]);
// FNSAVE: the host's 108-byte image of `s`, then `s` becomes FNINIT's state.
void fnsave(FpuState& s, uint8_t image[108]);
// FRSTOR of a 108-byte 32-bit protected-mode image into `s`.
void frstor(FpuState& s, const uint8_t image[108]);
// The host's FXSAVE image of `s` (x87 part meaningful); `image` 16-aligned.
void fxsave(const FpuState& s, uint8_t* image);

}  // namespace dynemu::x86::fpu::host
