#pragma once

#include <cstdint>

#include "emulator/x86/fpu_state.h"

namespace dynemu::x86 {

enum Gpr : uint8_t { kEax, kEcx, kEdx, kEbx, kEsp, kEbp, kEsi, kEdi };
enum SegReg : uint8_t { kEs, kCs, kSs, kDs, kFs, kGs };

// EFLAGS bits (SDM vol. 1, 3.4.3).
enum Eflags : uint32_t {
  kCF = 1u << 0,
  kPF = 1u << 2,
  kAF = 1u << 4,
  kZF = 1u << 6,
  kSF = 1u << 7,
  kTF = 1u << 8,
  kIF = 1u << 9,
  kDF = 1u << 10,
  kOF = 1u << 11,
  kIOPL = 3u << 12,
  kNT = 1u << 14,
  kRF = 1u << 16,
  kVM = 1u << 17,
  kAC = 1u << 18,
  kVIF = 1u << 19,
  kVIP = 1u << 20,
  kID = 1u << 21,
};
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
  FpuState fpu;
};

}  // namespace dynemu::x86
