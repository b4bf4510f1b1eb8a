#pragma once

#include <cstddef>
#include <cstdint>

#include "emulator/ir/builder.h"
#include "emulator/ir/helper.h"
#include "emulator/x86/cpu_state.h"
#include "emulator/x86/system/status.h"

// Segment limit and type checks on ordinary memory accesses and code
// fetches (SDM vol. 3, 5.3 and 5.4), system mode only.
//
// Speed: the block key says, per segment register, whether it needs any
// check at all. A "flat" segment (limit 4 GiB, expand-up, writable data; CS:
// readable code; base anything) cannot fault, so the translator emits
// nothing for it; accesses through the others call seg_check. Linux runs
// with flat segments only (its FS/GS per-CPU and TLS segments have 4 GiB
// limits), so its code carries no checks.
namespace dynemu::x86 {

// Block-key bits (above ir::BlockMode's): bit kModeSegCheckShift + seg
// (SegReg) set when that segment needs checks; kModeCodeLimit when EIP may
// run beyond the CS limit somewhere the translator cannot see statically
// (it can for 16-bit code in a segment of limit >= 0xffff: only an
// instruction crossing offset 0xffff faults).
inline constexpr uint32_t kModeSegCheckShift = 8;
inline constexpr uint32_t kModeSegCheckMask = 0x3fu << kModeSegCheckShift;
inline constexpr uint32_t kModeCodeLimit = 1u << 14;

// The segment bits of the block key for state `s` (system mode). exec ORs
// them into the mode it computes (mode_bits.h, system_block_mode).
uint32_t segment_check_mode(const CpuState& s);

// Whether an access of `bytes` at `offset` through segment `seg` (a write if
// `write`) is allowed; #GP(0), or #SS(0) for SS, if not. Protected mode:
// null/unusable segment, write to code or read-only data, read of
// execute-only code, limit (expand-up or expand-down, 16- or 32-bit upper
// bound by the B bit), an access running past the end. Real and v8086
// mode: the limit only.
Status check_segment_access(const CpuState& s, unsigned seg, uint32_t offset, unsigned bytes,
                            bool write);

// [offset, offset + bytes) lies within `c`'s limit: expand-up [0, limit];
// expand-down (limit, 0xffff or 0xffffffff by the B bit); never past 4 GiB.
bool within_limit(const SegmentCache& c, uint32_t offset, unsigned bytes);

// seg_check(offset, seg | bytes << 8 | write << 16): check_segment_access,
// raised at the current instruction.
extern const ir::HelperInfo kSegCheckHelper;
// code_limit(last): #GP(0) if offset `last` (the last byte of the current
// instruction) lies beyond the CS limit.
extern const ir::HelperInfo kCodeLimitHelper;

// Blocks keyed with kModeCodeLimit: makes the exits of the instruction
// whose IR starts at insts[from] check their target against the CS limit
// first (#GP(0) at the branch, SDM vol. 2, JMP/Jcc/CALL/RET). Its
// fall-through exit (to next_eip) is left alone: running into the limit
// faults at the next instruction. Not for instructions that change CS.
void add_branch_limit_checks(ir::Builder& b, size_t from, uint32_t next_eip);

inline constexpr uint32_t seg_check_arg(unsigned seg, unsigned bytes, bool write) {
  return seg | bytes << 8 | (write ? 1u : 0u) << 16;
}

}  // namespace dynemu::x86
