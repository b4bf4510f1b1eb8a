#pragma once

#include <cstdint>

#include "emulator/x86/fpu_state.h"

namespace dynemu::x86 {

enum Gpr : uint8_t { kEax, kEcx, kEdx, kEbx, kEsp, kEbp, kEsi, kEdi };
enum SegReg : uint8_t { kEs, kCs, kSs, kDs, kFs, kGs };

// EFLAGS bits (SDM vol. 1, 3.4.3). Plain constants rather than an enum so
// that `cond ? kZF : 0` stays one type.
inline constexpr uint32_t kCF = 1u << 0;
inline constexpr uint32_t kPF = 1u << 2;
inline constexpr uint32_t kAF = 1u << 4;
inline constexpr uint32_t kZF = 1u << 6;
inline constexpr uint32_t kSF = 1u << 7;
inline constexpr uint32_t kTF = 1u << 8;
inline constexpr uint32_t kIF = 1u << 9;
inline constexpr uint32_t kDF = 1u << 10;
inline constexpr uint32_t kOF = 1u << 11;
inline constexpr uint32_t kIOPL = 3u << 12;
inline constexpr uint32_t kNT = 1u << 14;
inline constexpr uint32_t kRF = 1u << 16;
inline constexpr uint32_t kVM = 1u << 17;
inline constexpr uint32_t kAC = 1u << 18;
inline constexpr uint32_t kVIF = 1u << 19;
inline constexpr uint32_t kVIP = 1u << 20;
inline constexpr uint32_t kID = 1u << 21;
inline constexpr uint32_t kArithFlags = kCF | kPF | kAF | kZF | kSF | kOF;

// The hidden part of a segment register, loaded from its descriptor.
struct SegmentCache {
  uint16_t selector = 0;
  uint32_t base = 0;
  uint32_t limit = 0xffff;
  uint32_t flags = 0;  // bits 8..23 of the descriptor's high dword (type, S, DPL, P, AVL, D/B, G)
};

struct DescriptorTable {
  uint32_t base = 0;
  uint16_t limit = 0xffff;
};

// Lazy condition codes: a flag-setting instruction records what it did;
// flags are computed only when read (see emulator/x86/lazy_flags.h).
struct LazyFlags {
  uint32_t op = 0;    // CcOp: which operation and size produced the flags
  uint32_t dst = 0;   // its result
  uint32_t src = 0;   // its source operand (meaning depends on op)
  uint32_t src2 = 0;  // a second operand where needed (e.g. carry-in of ADC/SBB)
};

// Architectural state of one i386 CPU. Translated code reaches it through one
// pinned host register, so field order matters only for cache locality.
struct CpuState {
  uint32_t gpr[8] = {};
  uint32_t eip = 0;
  // All EFLAGS bits except the six arithmetic ones, which live in `cc`
  // until materialized.
  uint32_t eflags = 0x2;
  LazyFlags cc;
  SegmentCache seg[6];
  DescriptorTable gdtr, idtr;
  SegmentCache ldtr, tr;
  uint32_t cr[5] = {};
  uint32_t dr[8] = {};
  // System mode interrupt shadow: translated STI (when IF was 0), MOV SS and
  // POP SS set it to 1; the CPU loop then takes no interrupt at the next
  // block boundary and clears it (one instruction later at the earliest).
  uint8_t int_shadow = 0;
  // System mode: translated code found a null GS used at CPL 0-2
  // (segment_check.h). The next block key then asks for full checks of GS,
  // whose seg_check raises the #GP(0); it and event delivery clear it.
  uint8_t null_seg_retry = 0;
  // Model-specific registers (RDMSR/WRMSR, system mode): SYSENTER's target
  // and the TSC as an offset from the host's counter; IA32_TSC_ADJUST
  // accumulates every change software made to the TSC (SDM 17.17.3).
  uint32_t sysenter_cs = 0, sysenter_esp = 0, sysenter_eip = 0;
  uint64_t tsc_offset = 0;
  uint64_t tsc_adjust = 0;
  FpuState fpu;
};

}  // namespace dynemu::x86
