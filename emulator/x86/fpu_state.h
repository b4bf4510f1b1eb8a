#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace dynemu::x86 {

// An x87 register in the exact 80-bit extended format (SDM vol. 1, 4.2.2),
// laid out as in memory: 64-bit significand (explicit integer bit 63), then
// sign and 15-bit exponent.
struct [[gnu::packed]] Float80 {
  uint64_t mantissa = 0;
  uint16_t sign_exponent = 0;
};
static_assert(sizeof(Float80) == 10);

// Status word fields (SDM vol. 1, 8.1.3).
enum FpuStatus : uint16_t {
  kFpuIE = 1u << 0,
  kFpuDE = 1u << 1,
  kFpuZE = 1u << 2,
  kFpuOE = 1u << 3,
  kFpuUE = 1u << 4,
  kFpuPE = 1u << 5,
  kFpuSF = 1u << 6,
  kFpuES = 1u << 7,
  kFpuC0 = 1u << 8,
  kFpuC1 = 1u << 9,
  kFpuC2 = 1u << 10,
  kFpuTopMask = 7u << 11,
  kFpuC3 = 1u << 14,
  kFpuB = 1u << 15,
};
inline constexpr unsigned kFpuTopShift = 11;
inline constexpr uint16_t kFpuExceptionMask = 0x3f;  // IE..PE, in both status and control

// The x87 unit. The layout is exactly the 108-byte image FNSAVE writes in
// 32-bit protected mode (SDM vol. 1, 8.1.10, figures 8-9 and 8-12): the
// helpers in emulator/x86/fpu/ hand this struct to the host's FRSTOR, run the
// guest instruction on the host x87 and FNSAVE it back, so registers,
// rounding and flags are bit for bit the hardware's. The Linux i386 signal
// frame (struct _fpstate) starts with the same image.
//
// Registers are in stack order: st[0] is ST(0). TOP is status bits 11..13;
// the tag word holds two bits per *physical* register (11 = empty).
struct FpuState {
  uint16_t control = 0x037f;  // after FNINIT
  uint16_t reserved0 = 0xffff;
  uint16_t status = 0;
  uint16_t reserved1 = 0xffff;
  uint16_t tag = 0xffff;
  uint16_t reserved2 = 0xffff;
  // Last non-control instruction and its memory operand, as the guest sees
  // them (the host's own pointers are never exposed).
  uint32_t last_ip = 0;
  uint16_t last_cs = 0;
  uint16_t last_opcode = 0;  // low 11 bits: (first byte & 7) << 8 | ModRM
  uint32_t last_dp = 0;
  uint16_t last_ds = 0;
  uint16_t reserved3 = 0xffff;
  Float80 st[8];

  // Not architectural: where translated code stages the memory operand of
  // the x87 instruction it runs (guest loads before the helper, guest stores
  // after it), so guest memory is touched only by IR loads and stores and
  // faults stay precise. 160 bytes is the largest operand: the x87 part of
  // an FXSAVE image.
  uint8_t operand[160] = {};

  // The 108-byte FNSAVE image this struct starts with, e.g. for the
  // _fpstate of a Linux signal frame.
  static constexpr size_t kImageSize = 108;
  void load_image(const void* image) { std::memcpy(static_cast<void*>(this), image, kImageSize); }
  void store_image(void* image) const {
    std::memcpy(image, static_cast<const void*>(this), kImageSize);
  }

  unsigned top() const { return (status >> kFpuTopShift) & 7; }
  // Tag (0 valid, 1 zero, 2 special, 3 empty) of ST(i).
  unsigned tag_of_st(unsigned i) const { return (tag >> (((top() + i) & 7) * 2)) & 3; }
  // An unmasked exception is pending: the next waiting x87 instruction
  // raises #MF. Measured on the host: ES is recomputed from exactly this on
  // FLDENV/FRSTOR/FLDCW, and SF alone never counts.
  bool exception_pending() const { return (status & ~control & kFpuExceptionMask) != 0; }
};
static_assert(offsetof(FpuState, operand) == 108);
static_assert(offsetof(FpuState, st) == 28);

}  // namespace dynemu::x86
