#pragma once

#include <cstdint>

#include "emulator/ir/helper.h"

// C++ helpers the translator calls from IR for instructions too complex or
// too rare for inline IR (CPUID, RDTSC, segment loads, RCL/RCR, BCD).
// Each is one function plus its HelperInfo (emulator/ir/helper.h).
namespace dynemu::x86 {

enum Vector : uint8_t {
  kVectorDE = 0,
  kVectorDB = 1,
  kVectorBP = 3,
  kVectorOF = 4,
  kVectorBR = 5,
  kVectorUD = 6,
  kVectorNM = 7,
  kVectorNP = 11,
  kVectorSS = 12,
  kVectorGP = 13,
  kVectorPF = 14,
};

// raise_if(cond, vector, error_code): raises at the current instruction if cond != 0.
extern const ir::HelperInfo kRaiseIfHelper;
// load_segment(seg, selector, key_mode): MOV/POP Sreg, LDS...: loads the
// segment cache from the GDT/LDT in guest memory (protected mode) or as
// selector << 4 (real and virtual-8086 mode); #GP(sel), #NP(sel), #SS(sel)
// on bad ones. ir::kKeepsKey: a load that changes the block key's mode
// (`key_mode`, the running block's) ends the block at the next instruction
// (system/mode_bits.h, check_block_mode); so does SS in system mode (the
// interrupt shadow is the loop's).
extern const ir::HelperInfo kLoadSegmentHelper;
// load_code_segment(selector, kind): CS for a far JMP/CALL (kind 0) or a
// far RET/IRET to the same privilege level (kind 1). Code segments only
// (gates and task switches, and returns to an outer level, are #GP(sel)).
extern const ir::HelperInfo kLoadCodeSegmentHelper;
// descriptor_query(selector, kind) for LAR (0), LSL (1), VERR (2), VERW (3):
// valid << 32 | access rights (LAR) or limit (LSL).
extern const ir::HelperInfo kDescriptorQueryHelper;
// cpuid(): EAX/ECX in, EAX..EDX out (a P6: family 6, FPU TSC CX8 CMOV, no MMX/SSE).
extern const ir::HelperInfo kCpuidHelper;
// rdtsc(): EDX:EAX = the host's time-stamp counter.
extern const ir::HelperInfo kRdtscHelper;
// rcl/rcr(value, count & 31, carry in, bytes) -> result | new CF << 32.
extern const ir::HelperInfo kRclHelper;
extern const ir::HelperInfo kRcrHelper;
// daa/das/aaa/aas(eax, eflags) and aam/aad(eax, eflags, imm8) ->
// new EAX | new arithmetic flags << 32. AAM 0 raises #DE.
extern const ir::HelperInfo kDaaHelper;
extern const ir::HelperInfo kDasHelper;
extern const ir::HelperInfo kAaaHelper;
extern const ir::HelperInfo kAasHelper;
extern const ir::HelperInfo kAamHelper;
extern const ir::HelperInfo kAadHelper;

// The CPUID leaves, for tests and /proc/cpuinfo-like output.
struct CpuidResult {
  uint32_t eax, ebx, ecx, edx;
};
CpuidResult cpuid_leaf(uint32_t leaf, uint32_t subleaf);

}  // namespace dynemu::x86
